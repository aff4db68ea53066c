// When a first snapshot captures itself again (issue 8's stronger mode), from the config alone, so
// `leakbot doctor` previews the same message /leak snapshot posts.
import type { Config } from '../config/schema.js';
import type { LeakbotContext } from '../context.js';
import type { SnapshotJob } from '../queue/jobs.js';
import { own } from '../own.js';

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

/** The automatic second capture of the first snapshot that posted under `postKey` has its capture
 *  and is about to update those messages: set before its first post. */
export async function markFollowedUp(ctx: Pick<LeakbotContext, 'redis' | 'prefix'>, postKey: string): Promise<void> {
  await ctx.redis.set(followedKey(ctx, postKey), String(Date.now()), 'EX', FOLLOWED_TTL_SECONDS);
}

/** True once the automatic second capture posts over the messages under `postKey` (markFollowedUp):
 *  the first snapshot's job, run again after that (BullMQ hands a stalled job, its worker only slow,
 *  to another worker), must not put its older findings, summary and 'I will capture again' back over
 *  the newer ones. Checked right before each of those posts, which leaves only a post already under
 *  way as the second capture starts (as alert recaptures do, src/alerts/jobs.ts superseded). */
export async function followedUp(ctx: Pick<LeakbotContext, 'redis' | 'prefix'>, postKey: string): Promise<boolean> {
  return (await ctx.redis.exists(followedKey(ctx, postKey))) === 1;
}

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
  ctx: Pick<LeakbotContext, 'jobs'>,
  thread: { channel: string; ts: string },
  service: string,
  select?: { key: string; value: string },
): Promise<string | null> {
  const jobs = await ctx.jobs.queue.getJobs(['delayed', 'waiting', 'prioritized', 'active']);
  const auto = jobs.find((j) => {
    const d = j?.name === 'snapshot' ? (j.data as SnapshotJob) : undefined;
    return d?.reason === 'auto' && d.service === service && d.thread?.channel === thread.channel && d.thread.ts === thread.ts && !d.select === !select;
  });
  if (!auto) return null;
  const dueInS = Math.max(0, Math.round((auto.timestamp + (auto.delay ?? 0) - Date.now()) / 1000));
  const promoted = await auto.promote().then(
    () => true,
    () => false, // no longer delayed: another click, or its time, started it
  );
  return promoted
    ? `The automatic second capture of *${service}* was due in ${dueInS} s; it runs now and updates the findings above in place.`
    : `The automatic second capture of *${service}* is running now; it updates the findings above in place.`;
}
