// Reading leakbot's conversation back from the Slack stand-in, and the usual end-to-end set-up.
import { after, before } from 'node:test';
import { Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { startGoService, type GoService } from '../support/go-service.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startSlackStub, type SlackStub, type StubMessage } from '../support/slack-stub.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';
import { finalFailureAnswered } from '../../src/queue/final-failure.js';

export interface Thread {
  parent: StubMessage;
  replies: StubMessage[];
}

/** Waits for the n-th (0-based) parent message in `channel` to be finished (its text no longer
 *  says "capturing…" / "analysing…") with at least `minReplies` replies. */
export async function waitThread(slack: SlackStub, channel: string, n = 0, minReplies = 1, timeoutMs = 90_000): Promise<Thread> {
  return slack.waitFor(
    `thread #${n} in ${channel} to finish`,
    () => {
      const parent = slack.parents(channel)[n];
      if (!parent || /capturing…|analysing…/.test(parent.text)) return null;
      const replies = slack.replies(channel, parent.ts);
      return replies.length >= minReplies ? { parent, replies } : null;
    },
    timeoutMs,
  );
}

/** The message once its blocks are in (posts are placeholder-first: text only, then the blocks by
 *  chat.update), else undefined — for waits whose assertions read the blocks. */
export function built(m: StubMessage | undefined): StubMessage | undefined {
  return m?.blocks ? m : undefined;
}

/** All text a message shows: fallback text plus every text field in its blocks. */
export function messageText(m: StubMessage): string {
  const out: string[] = [m.text];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(m.blocks);
  return out.join('\n');
}

/** Resolves once no job of `h`'s queue is waiting, running or parked (polls the queue's counts, at
 *  most `timeoutMs`): a retried or Slack-parked job has run to its end. */
export async function queueIdle(h: Harness, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const c = await h.bot.ctx.jobs.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(c).every((n) => n === 0)) return;
    if (Date.now() >= deadline) throw new Error(`jobs still pending: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A delayed job that never started: planned for later (an automatic recapture, a growth-rate
 *  recapture, a watch's next tick), not a retry's backoff or a wait for Slack. */
function planned(j: Job): boolean {
  return j.attemptsMade === 0 && (j.attemptsStarted ?? 0) === 0 && !(j.data as { slackWait?: unknown } | undefined)?.slackWait;
}

/**
 * Resolves once everything leakbot started has said what it will say (polls, at most `timeoutMs`):
 * no job waiting, running, retrying or parked for Slack (delayed jobs planned for later do not
 * count, see planned()), and every failed job's final-failure answer given (src/queue/final-failure.ts
 * records it after the answer). Wait for this before counting messages "said once": a retry, a
 * stalled job's second run or a second answer comes after the first message shows in Slack.
 * `only` limits the wait to the jobs it picks (a suite whose Alertmanager re-sends every few
 * seconds is never without a notification job).
 */
export async function settled(h: Harness, timeoutMs = 90_000, only: (j: Job) => boolean = () => true): Promise<void> {
  const { redis, prefix } = h.bot.ctx;
  const q = h.bot.ctx.jobs.queue;
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const ids = await jobIdsByState(redis, q);
    const jobs = async (list: string[]) => (await Promise.all(list.map((id) => Job.fromId(q, id)))).filter((j): j is Job => j !== undefined && only(j));
    const running = await jobs(ids.running);
    const parked = (await jobs(ids.delayed)).filter((j) => !planned(j));
    const unanswered: string[] = [];
    for (const j of await jobs(ids.failed)) if (j.id && !(await finalFailureAnswered(redis, prefix, j.id))) unanswered.push(j.id);
    if (running.length === 0 && parked.length === 0 && unanswered.length === 0) return;
    if (Date.now() >= deadline) {
      const list = (js: Job[]) => js.map((j) => j.id).join(', ') || 'none';
      throw new Error(`not settled: running or waiting ${list(running)}; parked ${list(parked)}; failures not answered ${unanswered.join(', ') || 'none'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The ids of `q`'s jobs that are waiting, paused, prioritized or active (`running`), delayed and
 *  failed, read in one MULTI: read one state after another, a job that moves between two reads (a
 *  retry's backoff ending: delayed → waiting; a revived job: failed → waiting) is in neither.
 *  `redis`: a client of the queue's Redis (leakbot's own). */
async function jobIdsByState(redis: Redis, q: Queue): Promise<{ running: string[]; delayed: string[]; failed: string[] }> {
  const k = q.keys;
  const res = await redis.multi().lrange(k.wait!, 0, -1).lrange(k.paused!, 0, -1).zrange(k.prioritized!, '0', '-1').lrange(k.active!, 0, -1).zrange(k.delayed!, '0', '-1').zrange(k.failed!, '0', '-1').exec();
  if (!res) throw new Error('settled: the MULTI reading the queue was aborted');
  const [wait, paused, prioritized, active, delayed, failed] = res.map(([err, v]: [Error | null, unknown]) => {
    if (err) throw err;
    return v as string[];
  });
  return { running: [...new Set([...wait!, ...paused!, ...prioritized!, ...active!])], delayed: delayed!, failed: failed! };
}

/** The delayed job of `h`'s queue that `match` picks, once one is there (polls the delayed set, at
 *  most `timeoutMs`): a job enqueued at the end of another job's run (a recapture) may not be
 *  scheduled yet when that job's first messages show in Slack. */
export async function delayedJob(h: Harness, what: string, match: (j: Job) => boolean, timeoutMs = 60_000): Promise<Job> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const job = (await h.bot.ctx.jobs.queue.getDelayed()).find(match);
    if (job) return job;
    if (Date.now() >= deadline) throw new Error(`${what} was never scheduled`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves once `go` has received a goroutine-profile request (a worker is mid-capture: the event
 *  a crash test kills it on); polls the service's request log, at most `timeoutMs`. */
export async function profileRequested(go: GoService, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await go.requests()).some((p) => p.startsWith('/debug/pprof/goroutine')); ) {
    if (Date.now() >= deadline) throw new Error('the worker never asked the service for its profile');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function basename(p: string): string {
  return p.split('/').pop() ?? p;
}

/** The config of one registered service, `svc-order` at `url`, captured as often as asked. */
export function orderService(url: string): string {
  return `services:\n  svc-order:\n    url: ${url}\n    minIntervalSeconds: 0\n`;
}

/** A Redis set-up for leakbot: REDIS_URL and how to tear it down (TestRedis, a Sentinel set, a Cluster). */
export interface RedisSetup {
  url: string;
  close(): Promise<void>;
}

export interface ServiceHarnessOptions<R extends RedisSetup> extends Omit<HarnessOptions, 'configYaml' | 'redis' | 'slack'> {
  /** Leaking Go services to start (default 1); their URLs are handed to the config function. */
  services?: number;
  /** Starts the Redis leakbot uses (default: a private redis-server). */
  redis?: () => Promise<R>;
  /** Runs once the parts are up, before leakbot starts (e.g. leak goroutines). */
  prepare?: (services: GoService[]) => Promise<unknown>;
  /** Start leakbot in the suite's before hook (default true); else the tests call start(). */
  startLeakbot?: boolean;
}

export interface ServiceHarness<R extends RedisSetup> {
  /** The first Go service. These fields are set once the suite's before hook has run. */
  readonly go: GoService;
  readonly services: GoService[];
  readonly redis: R;
  readonly slack: SlackStub;
  /** The leakbot started last. */
  readonly h: Harness;
  /** Starts a(nother) leakbot on the same parts; it becomes `h`. `env` adds to the suite's. */
  start(o?: { env?: HarnessOptions['env'] }): Promise<Harness>;
}

/**
 * Registers the suite's before/after hooks for the usual end-to-end set-up: leaking Go services,
 * Redis and the Slack stand-in started side by side, `prepare`, then leakbot configured by
 * `yaml(...serviceUrls)`. After the suite: leakbot, the stand-in, Redis and the services are
 * closed, in that order, whatever failed. Call it inside describe().
 */
export function withServiceHarness<R extends RedisSetup = TestRedis>(
  yaml: (...urls: string[]) => string | Promise<string>,
  o: ServiceHarnessOptions<R> = {},
): ServiceHarness<R> {
  const { services: n = 1, redis: startR, prepare, startLeakbot = true, ...harness } = o;
  let gos: GoService[] = [];
  let redis: R | undefined;
  let slack: SlackStub | undefined;
  let h: Harness | undefined;
  let config = '';
  const asTestRedis = (r: R): TestRedis =>
    'stop' in r && 'start' in r ? (r as unknown as TestRedis) : { url: r.url, port: 0, stop: async () => {}, start: async () => {}, close: async () => {} };
  const start = async (s: { env?: HarnessOptions['env'] } = {}) => {
    h = await startHarness({ ...harness, env: { ...harness.env, ...s.env }, configYaml: config, redis: asTestRedis(redis!), slack: slack! });
    return h;
  };
  before(async () => {
    const startRedisSetup = startR ?? (startRedis as unknown as () => Promise<R>);
    const started = await Promise.allSettled([Promise.all(Array.from({ length: n }, () => startGoService())), startRedisSetup(), startSlackStub()] as const);
    if (started[0].status === 'fulfilled') gos = started[0].value;
    if (started[1].status === 'fulfilled') redis = started[1].value;
    if (started[2].status === 'fulfilled') slack = started[2].value;
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    await prepare?.(gos);
    config = await yaml(...gos.map((g) => g.url));
    if (startLeakbot) await start();
  });
  after(async () => {
    await h?.close();
    await slack?.close();
    await redis?.close();
    await Promise.all(gos.map((g) => g.stop()));
  });
  return {
    get go() {
      return gos[0]!;
    },
    get services() {
      return gos;
    },
    get redis() {
      return redis!;
    },
    get slack() {
      return slack!;
    },
    get h() {
      return h!;
    },
    start,
  };
}
