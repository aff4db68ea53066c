// When a first snapshot captures itself again (issue 8's stronger mode), from the config alone, so
// `leakbot doctor` previews the same message /leak snapshot posts.
import type { Config } from '../config/schema.js';
import type { LeakbotContext } from '../context.js';
import type { SnapshotJob } from '../queue/jobs.js';
import { own } from '../own.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Milliseconds until the automatic second capture of `service`: snapshot.autoRecaptureSeconds, never
 *  sooner than the service's minIntervalSeconds (a capture within it would share the first); 0 when
 *  autoRecaptureSeconds is 0 (off). */
export function recaptureDelayMs(config: Pick<Config, 'snapshot' | 'services'>, service: string): number {
  const s = config.snapshot.autoRecaptureSeconds;
  if (s <= 0) return 0;
  return Math.max(s, own(config.services, service)?.minIntervalSeconds ?? 0) * 1000;
}

const FOLLOWED_TTL_SECONDS = 14 * 24 * 3600; // as long as the poster remembers the messages

function followedKey(ctx: Pick<LeakbotContext, 'prefix'>, postKey: string): string {
  return `${ctx.prefix}:snapshot:followed:${postKey}`;
}

// One guard for a follow-up that updates in place the messages an earlier job posted (the snapshot
// flow's automatic second capture, an alert's growth-rate recapture): takeOver marks them and lets
// a run of that job still going end; followedUp, checked by that job before each of its posts,
// keeps a run of it after that from putting its older messages back.

/** The follow-up of the job that posted under `postKey` has its capture and is about to update those
 *  messages: set before its first post (takeOver). */
async function markFollowedUp(ctx: Pick<LeakbotContext, 'redis' | 'prefix'>, postKey: string): Promise<void> {
  await ctx.redis.set(followedKey(ctx, postKey), String(Date.now()), 'EX', FOLLOWED_TTL_SECONDS);
}

/** How long a follow-up waits for the run it follows to end before it posts anyway (ms): such a run
 *  has its capture checkpointed and its posts left, each Slack call within 15 s and a few retries. */
const EARLIER_RUN_WAIT_MS = 2 * 60_000;

/**
 * Waits while job `jobId` runs (polls BullMQ every 250 ms, at most 2 min, then logs and goes on).
 * A follow-up that takes over a job's messages calls it after marking them (markFollowedUp) and
 * before it posts over them: a run of that job which checked the mark
 * before it was set (BullMQ hands a job whose worker was only slow to another worker) may have its
 * older message in flight, and Slack taking it after the follow-up's put the single snapshot's
 * findings back over the comparison. Any run that starts later sees the mark and posts nothing.
 */
async function afterRunOf(ctx: Pick<LeakbotContext, 'jobs'>, jobId: string, log: Pick<LeakbotContext['log'], 'info' | 'warn'>, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + EARLIER_RUN_WAIT_MS;
  for (let logged = false; await ctx.jobs.isRunning(jobId); logged = true) {
    if (Date.now() >= deadline) return void log.warn({ jobId }, 'the run this follows is still running after 2 min; posting over its messages anyway');
    if (!logged) log.info({ jobId }, 'the run this follows is still running (its post may be in flight); waiting for it to end');
    await sleep(250, undefined, signal ? { signal } : {});
  }
}

/** A follow-up takes over the messages job `runOf` posted under `postKey` (a snapshot's `job:<id>`,
 *  whose job id is derived when not given): marks them followed up, then lets a run of that job
 *  still going end (afterRunOf). */
export async function takeOver(
  ctx: Pick<LeakbotContext, 'redis' | 'prefix' | 'jobs'>,
  postKey: string,
  log: Pick<LeakbotContext['log'], 'info' | 'warn'>,
  signal?: AbortSignal,
  runOf: string | null = postKey.startsWith('job:') ? postKey.slice('job:'.length) : null,
): Promise<void> {
  await markFollowedUp(ctx, postKey);
  if (runOf !== null) await afterRunOf(ctx, runOf, log, signal);
}

/** True once the automatic second capture posts over the messages under `postKey` (markFollowedUp):
 *  the first snapshot's job, run again after that (BullMQ hands a stalled job, its worker only slow,
 *  to another worker), must not put its older findings, summary and 'I will capture again' back over
 *  the newer ones. Checked right before each of those posts; a post already under way as the second
 *  capture sets the mark is let end before it posts (takeOver; as alert recaptures do, src/alerts/jobs.ts superseded). */
export async function followedUp(ctx: Pick<LeakbotContext, 'redis' | 'prefix'>, postKey: string): Promise<boolean> {
  return (await ctx.redis.exists(followedKey(ctx, postKey))) === 1;
}

/** How long after its due time an automatic second capture may still be waiting or running (a busy
 *  worker, Slack down): its pointer outlives the delay by this much (ms). */
const PENDING_GRACE_MS = 15 * 60_000;

/** Where the id of the automatic second capture pending in `thread` is kept: per service and scope
 *  (one pod, or the fleet), as clickRunsAutoRecapture matches them. */
function pendingKey(ctx: Pick<LeakbotContext, 'prefix'>, thread: { channel: string; ts: string }, service: string, select: unknown): string {
  return `${ctx.prefix}:snapshot:auto:${thread.channel}:${thread.ts}:${service}:${select ? 'pod' : 'fleet'}`;
}

/** Remembers the automatic second capture `jobId`, due in `delayMs`, of a first snapshot in `thread`,
 *  so that a Capture again click finds it by its id. Best effort: without it (Redis down as it is
 *  scheduled) a click captures on its own, as before the click could run it. */
export async function rememberAutoRecapture(
  ctx: Pick<LeakbotContext, 'redis' | 'prefix' | 'log'>,
  thread: { channel: string; ts: string },
  service: string,
  select: unknown,
  jobId: string,
  delayMs: number,
): Promise<void> {
  await ctx.redis.set(pendingKey(ctx, thread, service, select), jobId, 'PX', delayMs + PENDING_GRACE_MS).catch((err: Error) => ctx.log.warn({ err: err.message, jobId }, 'could not note the automatic second capture for Capture again'));
}

/** BullMQ states of a job not yet run or still running. */
const PENDING_STATES = new Set(['delayed', 'waiting', 'prioritized', 'active']);

/**
 * Capture again clicked in a thread whose first snapshot's automatic second capture is still due
 * (its findings promise 'leakbot captures again by itself… this message will update'): the click
 * is that capture. Runs it now (promoted out of BullMQ's delayed set) instead of a capture and a
 * findings message of the click's own beside it; a second click (a double click, two people at
 * once) finds it already running. Resolves with the reply for the clicker, or null when no such
 * capture is pending for `service` in `thread` (the click then captures as usual). A pod's thread
 * follows one pod (`select`: `pod=` typed, the discovered id on its button), a fleet's the fleet.
 * A click in the moment between the first findings and the scheduling of their second capture is
 * not seen here: it captures, and the second capture follows as scheduled.
 */
export async function clickRunsAutoRecapture(
  ctx: Pick<LeakbotContext, 'jobs' | 'redis' | 'prefix'>,
  thread: { channel: string; ts: string },
  service: string,
  select?: { key: string; value: string },
): Promise<string | null> {
  // By the id scheduleAuto noted (rememberAutoRecapture): one key and one job read per click. It
  // listed every delayed, waiting and running job (getJobs reads each one whole), on every click,
  // however many watch ticks and recaptures were planned.
  const id = await ctx.redis.get(pendingKey(ctx, thread, service, select));
  const auto = id ? await ctx.jobs.queue.getJob(id) : undefined;
  const d = auto?.name === 'snapshot' ? (auto.data as SnapshotJob) : undefined;
  const same = d?.reason === 'auto' && d.service === service && d.thread?.channel === thread.channel && d.thread.ts === thread.ts && !d.select === !select;
  if (!auto || !same || !PENDING_STATES.has(await auto.getState())) return null;
  const dueInS = Math.max(0, Math.round((auto.timestamp + (auto.delay ?? 0) - Date.now()) / 1000));
  const promoted = await auto.promote().then(
    () => true,
    () => false, // no longer delayed: another click, or its time, started it
  );
  return promoted
    ? `The automatic second capture of *${service}* was due in ${dueInS} s; it runs now and updates the findings above in place.`
    : `The automatic second capture of *${service}* is running now; it updates the findings above in place.`;
}
