// Telling the person who asked when a job fails for good (issue 12, item 2). Jobs can end in BullMQ's
// failed set in two ways: their last attempt threw (the processor may have said so itself), or
// BullMQ gave up on them without running our code at all — "job stalled more than allowable limit",
// when the workers that took it kept dying (killed, out of memory) before it finished. Both raise a
// 'failed' event on the queue's event stream, which QueueEvents reads in every worker process. One
// process at a time answers a job (a claim with a lease); the answer is recorded done only once it
// was given, and every process sweeps the recent failed jobs now and then, so an answer is not lost
// when the process giving it dies or Slack is down meanwhile (the sweep gives it later). Every post
// of the answer is keyed, so a second try updates or skips what the first one did.
import { randomUUID } from 'node:crypto';
import { Job, QueueEvents, type Queue } from 'bullmq';
import type { Logger } from '../log.js';
import type { Poster } from '../slack/poster.js';
import type { PostMemory, PostedRef } from '../store/posts.js';
import type { Redis } from '../store/redis.js';
import { QUEUE_NAME } from './jobs.js';
import { isWorthWaiting } from './transient.js';
import { quoteOutside } from '../slack/text.js';
import { ACCESS_ERRORS, GONE_ERRORS } from '../slack/errors.js';

interface JobShape {
  service?: string;
  requester?: { responseUrl?: string; channel?: string };
  thread?: { channel: string; ts: string };
}

const STALLED = /stalled more than allowable limit|started more than allowable limit/;

/** Why a job failed for good, in words a user reads (BullMQ's `failedReason`; never a stack trace):
 *  the stalled-job limit said plainly, a Slack refusal a person must fix (ACCESS_ERRORS) with what to
 *  do, anything else quoted and cut at 200 characters. */
export function failureWhy(reason: string): string {
  if (STALLED.test(reason)) return 'the worker running it stopped several times before it finished (killed, or out of memory)';
  // A refusal a person must fix (invite the bot, a scope, the token): what to do, not only the code.
  const code = /\bslack: ([a-z_]+)/.exec(reason)?.[1];
  const fix = code !== undefined ? ACCESS_ERRORS[code] : undefined;
  if (fix !== undefined) return `Slack refused to post it (${code}). ${fix.replace(/\.$/, '')}`;
  const gone = code !== undefined ? GONE_ERRORS[code] : undefined;
  if (gone !== undefined) return gone.replace(/\.$/, '');
  return quoteOutside(reason, 200);
}

/** Job kinds as a user names what they asked for; others read with their dots as spaces. */
const KIND_WORDS: Record<string, string> = {
  'checklist.post': 'checklist',
  'postmortem.draft': 'postmortem draft',
  'dump.analyze': 'dump analysis',
  'watch.tick': 'watch',
  'watch.finish': 'watch',
  'watch.chart': 'watch chart',
};

/** The sentence every final failure is told in: what was given up on (mrkdwn, escaped by the caller),
 *  why (failureWhy of BullMQ's `reason`), what comes next (default: nothing), and the way on
 *  (default: ask again). */
export function gaveUpText(what: string, reason: string, wayOn = 'ask again if you still need it', next = 'Nothing more will be posted for it'): string {
  return `:x: leakbot gave up on ${what}: ${failureWhy(reason)}. ${next}; ${wayOn}.`;
}

/** The words a user reads for a job's final failure reason (never a stack trace). */
export function finalFailureText(kind: string, service: string | undefined, reason: string): string {
  return gaveUpText(`this ${KIND_WORDS[kind] ?? kind.replaceAll('.', ' ')}${service ? ` of *${service}*` : ''}`, reason);
}

/** A job that failed for good, as a kind's own handler gets it. */
export interface FailedJob {
  id: string;
  kind: string;
  /** The job's data as it was left (checkpoints included). */
  data: unknown;
  /** BullMQ's failedReason (may hold internal words: use failureWhy for users). */
  reason: string;
}

/** Closes what a job of one kind left open when it failed for good (its thread, its parent), for
 *  kinds whose data has no `requester`/`thread` the generic answer can use (the alert jobs).
 *  Called by one process at a time, and again when an earlier answer stopped part-way (its process
 *  died, or Slack was unavailable: see notifyFinalFailure), so it must be idempotent (keyed posts).
 *  A passing outage it throws makes the answer be tried again; other errors are logged. */
export type FinalFailureHandler = (job: FailedJob) => Promise<void>;

/** Job kind → its FinalFailureHandler. Modules register theirs at startup (ctx.failures). */
export class FinalFailureRegistry {
  private readonly byKind = new Map<string, FinalFailureHandler>();

  /** Throws when the kind already has a handler (two modules answering one failure). */
  register(kind: string, fn: FinalFailureHandler): void {
    if (this.byKind.has(kind)) throw new Error(`a final-failure handler for '${kind}' jobs is already registered`);
    this.byKind.set(kind, fn);
  }

  /** The handler registered for `kind`, if any. */
  get(kind: string): FinalFailureHandler | undefined {
    return this.byKind.get(kind);
  }
}

/** The job's first message (its `job:<id>:parent` key) as a job left it: a thread parent or, when
 *  the job answered inside an existing thread, a status line there. */
export interface AbandonedParent {
  ref: PostedRef;
  /** The thread the job answered in (the parent's own thread when it started one). */
  thread: { channel: string; ts: string };
  /** True: `ref` is a status line inside an existing thread, not the thread's parent. */
  inThread: boolean;
  kind: string;
  service?: string;
  /** The final-failure sentence the requester is given. */
  text: string;
}

export interface FinalFailureDeps {
  connection: Redis;
  queue: Queue;
  redis: Redis;
  poster: Poster;
  memory: PostMemory;
  prefix: string;
  log: Logger;
  /** Rewrites a parent or status line the job left saying "capturing…" (src/flows/thread.ts). */
  closeParent?: (p: AbandonedParent) => Promise<void>;
  /** Kinds that close their own threads (the alert jobs: src/alerts/jobs.ts). */
  handlers?: FinalFailureRegistry;
  /** How long one process may hold a job's answer before another takes it over, and how often the
   *  failed jobs are swept for answers not given yet (ms; default 30 s: BullMQ's job lock). */
  leaseMs?: number;
}

/** The sweep looks at this many of the newest failed jobs, failed at most this long ago. */
const SWEEP_JOBS = 50;
const SWEEP_WINDOW_MS = 24 * 3600_000;

/** Listens for jobs that failed for good and answers their requesters; sweeps the recent failed
 *  jobs at start and every `leaseMs` for answers not given yet. close() stops both. */
export function watchFinalFailures(d: FinalFailureDeps): { close(): Promise<void> } {
  const notify = (jobId: string, reason: string) =>
    notifyFinalFailure(d, jobId, reason).catch((err: Error) => d.log.warn({ jobId, err: err.message }, 'could not tell the requester about a failed job (the sweep tries again)'));
  // Read from now on (not from '$' at the first XREAD): a failure raised while we connect still counts.
  const events = new QueueEvents(QUEUE_NAME, { connection: d.connection, prefix: `${d.prefix}:bull`, lastEventId: `${Date.now()}-0` });
  events.on('error', (err) => d.log.debug({ err: err.message }, 'queue events connection error'));
  events.on('failed', ({ jobId, failedReason }) => void notify(jobId, failedReason));
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (const job of await d.queue.getFailed(0, SWEEP_JOBS - 1)) {
        if (job?.id && job.finishedOn && Date.now() - job.finishedOn < SWEEP_WINDOW_MS) await notify(job.id, job.failedReason);
      }
    } catch (err) {
      d.log.debug({ err: (err as Error).message }, 'failed-job sweep skipped (Redis unavailable?)');
    } finally {
      sweeping = false;
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), d.leaseMs ?? 30_000);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      // Bounded: with Redis unreachable the close would wait on the blocking connection.
      await Promise.race([events.close().catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
      d.connection.disconnect();
    },
  };
}

function notifiedKey(prefix: string, jobId: string): string {
  return `${prefix}:final-notified:${jobId}`;
}

/** True once job `jobId`'s final failure was answered (notifyFinalFailure recorded it done). */
export async function finalFailureAnswered(redis: Redis, prefix: string, jobId: string): Promise<boolean> {
  return (await redis.exists(notifiedKey(prefix, jobId))) === 1;
}

/** Forgets that job `jobId`'s final failure was answered: call it when the failed job is revived
 *  (Job.retry), so a second final failure is answered too (its keyed posts update the first). */
export async function forgetFinalFailure(redis: Redis, prefix: string, jobId: string): Promise<void> {
  await redis.del(notifiedKey(prefix, jobId));
}

/**
 * Answers the requester of job `jobId` if it is in the failed set and nobody answered yet: the
 * kind's own handler first, then the job's thread, abandoned parent and response_url when its data
 * names them. One process at a time (a claim, `leaseMs`); recorded done once answered. True when
 * this call answered. Throws when Slack is unavailable (or a Redis replica lags) part-way: nothing
 * is recorded, and the next sweep (or event) answers, its keyed posts not doubling what was said.
 */
export async function notifyFinalFailure(d: Omit<FinalFailureDeps, 'connection'>, jobId: string, reason: string): Promise<boolean> {
  const job = await Job.fromId(d.queue, jobId);
  if (!job || (await job.getState()) !== 'failed') return false;
  const done = notifiedKey(d.prefix, jobId);
  if ((await d.redis.exists(done)) === 1) return false;
  const claim = `${d.prefix}:final-claim:${jobId}`;
  const token = randomUUID();
  if ((await d.redis.set(claim, token, 'PX', d.leaseMs ?? 30_000, 'NX')) !== 'OK') return false;
  try {
    await answer(d, job, jobId, reason);
    await d.redis.set(done, '1', 'EX', 7 * 86_400);
    return true;
  } finally {
    await d.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, claim, token).catch(() => undefined);
  }
}

/** A step of the answer that failed: a passing outage is thrown (the answer is tried again later),
 *  anything else only logged (retrying cannot help: a refusal, a channel gone). */
function skipUnlessPassing(d: Pick<FinalFailureDeps, 'log'>, what: string): (err: Error) => void {
  return (err) => {
    if (isWorthWaiting(err)) throw err;
    d.log.warn({ err: err.message }, what);
  };
}

async function answer(d: Omit<FinalFailureDeps, 'connection'>, job: Job, jobId: string, reason: string): Promise<void> {
  const data = (job.data ?? {}) as JobShape;
  const text = finalFailureText(job.name, data.service, reason);
  d.log.error({ jobId, kind: job.name, reason }, 'job failed for good; telling the requester');
  const own = d.handlers?.get(job.name);
  if (own) {
    await own({ id: jobId, kind: job.name, data: job.data, reason }).catch(skipUnlessPassing(d, `could not close what the failed ${job.name} job left open`));
  }
  // In the job's thread, unless the job already said so there itself (same key: at most once).
  const key = `job:${jobId}`;
  // A worker that died right after Slack took the parent never stored its ts: look for it.
  const where = data.thread ?? (data.requester?.channel ? { channel: data.requester.channel } : null);
  const parent = where ? await d.poster.recover(`${key}:parent`, { channel: where.channel, ...('ts' in where ? { threadTs: where.ts } : {}) }) : null;
  const thread = data.thread ?? (parent ? { channel: parent.channel, ts: parent.ts } : null);
  if (thread && !(await d.memory.get(`${key}:fatal`))) {
    await d.poster.post(`${key}:fatal`, { channel: thread.channel, threadTs: thread.ts, text }).catch(skipUnlessPassing(d, 'final failure not posted in the thread'));
  }
  // The parent (or status line) still says "capturing…": nothing will ever finish it.
  if (parent && thread && d.closeParent) {
    await d
      .closeParent({ ref: parent, thread, inThread: !!data.thread, kind: job.name, ...(data.service ? { service: data.service } : {}), text })
      .catch(skipUnlessPassing(d, 'the abandoned parent message was not updated'));
  }
  // Once per job and person, even when this answer is tried again (Poster.tell).
  await d.poster.tell(`${key}:final`, data.requester?.responseUrl, { text });
}
