// Errors a job waits out — parked in BullMQ's delayed set with backoff, its attempts not spent (see
// waitForSlack in src/queue/worker.ts) — instead of failing: Slack down or overloaded, and a Redis
// Sentinel replica not confirming a post's marker (src/store/posts.ts), since posting without it
// could double the message after a failover. Both pass; failing the job would lose its result.
import { isSlackUnavailable, SlackPostError } from '../slack/errors.js';
import { ReplicaLagError } from '../store/posts.js';

/** True for an error the job should wait out rather than fail on (see the header). */
export function isWorthWaiting(err: unknown): boolean {
  return isSlackUnavailable(err) || err instanceof ReplicaLagError;
}

/** The `outcome` label of leakbot_jobs_total for a job parked by isWorthWaiting. */
export function waitingOutcome(err: unknown): 'waiting_for_redis_replica' | 'waiting_for_slack' {
  return err instanceof ReplicaLagError ? 'waiting_for_redis_replica' : 'waiting_for_slack';
}

/** The log line's words for what the job waits for. */
export function waitingFor(err: unknown): string {
  if (err instanceof ReplicaLagError) return 'the Redis replica is not confirming writes';
  // src/slack/uploads.ts: an earlier attempt's file share is not in files.info yet.
  if (err instanceof SlackPostError && err.code === 'share_pending') return 'Slack has not shown an earlier file share yet';
  return 'Slack unreachable';
}
