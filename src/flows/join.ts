// Requests that arrive while an equal one is still pending join it instead of starting another job:
// a typed `/leak snapshot`, *Capture again* and *New thread* share one window per service and
// channel (one capture, one set of messages, everyone answered), and a second click of *Full
// report* or *Draft postmortem* on the same message — a double click, or two people at once —
// shares the first one's answer instead of posting it twice. Slack delivers every click; nothing
// of Slack's dedupes them.
import type { LeakbotContext } from '../context.js';
import { own } from '../own.js';
import { isRedisUnavailable } from '../store/redis.js';

/** The outcome of joinPending: `joined` when an equal request is pending (this one adds nothing
 *  but its requester); `pendingScope` is set when this request opened the window (Redis up). */
export interface JoinOutcome {
  joined: boolean;
  pendingScope?: string;
}

/**
 * Joins the request pending under `scope`, or opens the window for `jobId` (closed by the job's
 * claim, or after `ttlMs`). While Redis is down nothing can be joined: the request goes ahead alone
 * (held by the queue). Throws what Redis throws otherwise.
 */
export async function joinPending(ctx: LeakbotContext, scope: string, jobId: string, who: { user: string; responseUrl?: string }, ttlMs: number): Promise<JoinOutcome> {
  try {
    const r = await ctx.pending.joinOrCreate(scope, jobId, { user: who.user, ...(who.responseUrl ? { responseUrl: who.responseUrl } : {}), at: Date.now() }, ttlMs);
    return r.joined ? { joined: true } : { joined: false, pendingScope: scope };
  } catch (err) {
    if (!isRedisUnavailable(err)) throw err;
    return { joined: false };
  }
}

/** The join window of a snapshot of `service` in `channel` (and of one instance with `select`):
 *  the scope shared by `/leak snapshot` and the snapshot buttons, and its length (as long as a
 *  capture could take). */
export function snapshotWindow(ctx: LeakbotContext, service: string, channel: string, select?: { key: string; value: string }): { scope: string; ttlMs: number } {
  const svc = own(ctx.config.services, service)!;
  return {
    scope: select ? `${service}:${select.key}=${select.value}:${channel}` : `${service}:${channel}`,
    ttlMs: svc.timeoutSeconds * 3000 + 60_000,
  };
}

/** What a joined snapshot request is told. */
export function joinedSnapshotText(service: string): string {
  return `A snapshot of *${service}* requested moments ago is in progress here; you are added to it and will get the findings in its thread.`;
}

/** How long a second click of a report-like button on the same message shares the first: a double
 *  click or two people at once, not a request made again later. */
export const SAME_CLICK_MS = 60_000;

/** The window of one button on one message (the value names what it acts on). */
export function clickScope(actionId: string, channel: string, messageTs: string): string {
  return `click:${actionId}:${channel}:${messageTs}`;
}
