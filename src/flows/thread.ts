// One thread per service per incident. A /leak verb about a service finds the service's open thread
// in the channel (a running watch, a firing alert, or leakbot activity within `threads.windowHours`)
// and answers there; every outcome in a thread is recorded on its ThreadRecord and the parent is
// re-rendered from it, so the parent always shows the latest verdict, the counts and when.
import type { LeakbotContext } from '../context.js';
import type { AbandonedParent } from '../queue/final-failure.js';
import { isFleet } from '../capture/targets/index.js';
import { WatchStore } from '../incident/watch.js';
import { own } from '../own.js';
import type { SlackThreadRef } from '../queue/jobs.js';
import { findingsSummary, fmtTime, mentionList, threadStatus } from '../slack/messages.js';
import type { Analysis } from '../engine/index.js';
import { GONE_ERRORS, type SlackPostError } from '../slack/errors.js';
import { pairKey, type ThreadRecord, type ThreadState } from '../store/threads.js';

/** Kinds whose parent leakbot writes from the thread record. Alert parents are drawn by the alerts
 *  module (ctx.parents); a watch's message is rebuilt by the watch from its samples. */
const OWN_PARENT = new Set(['snapshot', 'diff']);

/** One WatchStore per context: threadFor runs on every /leak verb. */
const watchStores = new WeakMap<LeakbotContext, WatchStore>();
function watchStore(ctx: LeakbotContext): WatchStore {
  let s = watchStores.get(ctx);
  if (!s) watchStores.set(ctx, (s = new WatchStore(ctx.redis, ctx.prefix)));
  return s;
}

/**
 * The thread a /leak verb about `service` in `channel` should answer in, or null for a new one.
 * `fresh` (`--new`, the "New thread" button) always answers null. Redis reads only (fits Slack's
 * 3 s). Order: the service's running watch in this channel, then ThreadStore.findOpen.
 */
export async function threadFor(ctx: LeakbotContext, service: string, channel: string, opts: { fresh?: boolean } = {}): Promise<ThreadRecord | null> {
  if (opts.fresh) return null;
  const watches = watchStore(ctx);
  const watchId = await watches.active(service);
  if (watchId) {
    const w = await watches.get(watchId);
    if (w?.ref && w.ref.channel === channel && w.status === 'running') {
      return (await ctx.threads.get(w.ref.channel, w.ref.ts)) ?? { channel: w.ref.channel, ts: w.ref.ts, service, kind: 'watch', createdAt: w.startedAt };
    }
  }
  return ctx.threads.findOpen(service, channel, Date.now(), ctx.config.threads.windowHours * 3600_000);
}

/** What happened in a thread, for recordOutcome. */
export interface Outcome {
  service: string;
  /** People to add to the parent's "requested by". */
  users: string[];
  state: Omit<ThreadState, 'at' | 'last'>;
  /** The pair whose findings were posted (diff does not post it again). */
  pair?: { refSeq: number | null; curSeq: number };
  /** The findings replaced the thread's earlier findings message in place (the automatic recapture):
   *  the thread's latest state, but no further message to count. */
  inPlace?: boolean;
  /** Not a findings message (an alert's "resolved after N min" reply): the thread's latest state,
   *  no analysis to count. */
  reply?: boolean;
}

/** The state of a thread whose analysis of snapshot `cur` was posted: its verdict line, the
 *  snapshot's seq, goroutine total and capture time (ms since epoch), which the parent shows. */
export function findingsState(analysis: Analysis, cur: { seq: number; total: number; capturedAt: number; instanceName?: string }): Outcome['state'] {
  return { outcome: 'findings', summary: findingsSummary(analysis), seq: cur.seq, total: cur.total, capturedAt: cur.capturedAt, ...(cur.instanceName ? { instanceName: cur.instanceName } : {}) };
}

/**
 * Records an outcome on the thread (state, activity, counts, compared pair) and, for threads whose
 * parent leakbot owns, updates the parent to show it. A thread leakbot has no record of (a watch's
 * message) gets one. Errors from Slack propagate (SlackPostError).
 */
export async function recordOutcome(ctx: LeakbotContext, thread: SlackThreadRef, o: Outcome): Promise<ThreadRecord> {
  const now = Date.now();
  const svc = own(ctx.config.services, o.service);
  const fleet = !!svc && isFleet(svc);
  const patch = (cur: ThreadRecord): Partial<ThreadRecord> => {
    // A failure keeps the thread's last findings on show beside it.
    const last = o.state.outcome === 'failed' ? lastFindings(cur) : undefined;
    // Only a fleet's pod is named: a one-process service's snapshots carry its address too.
    const { instanceName, ...state } = o.state;
    const pod = instanceName && fleet ? { instanceName } : {};
    return {
      lastActivityAt: now,
      state: { ...state, ...pod, at: now, ...(last ? { last } : {}) },
      requestedBy: [...new Set([...(cur.requestedBy ?? []), ...o.users])],
      // Counts the findings messages the thread holds. A retried job records the same analysis again:
      // count it once. Known by its pair when there is one: another pair ending in the same snapshot
      // (the baseline, then the previous one) is another message, and the parent's first title (a
      // diff's pair) is stale after it. Findings updated in place add none: the parent said
      // '2 analyses in this thread' above the one findings message the automatic recapture updated.
      ...(o.state.outcome === 'findings' && !o.reply ? { analyses: (cur.analyses ?? 0) + (again(cur, o) || (o.inPlace && (cur.analyses ?? 0) > 0) ? 0 : 1) } : {}),
      ...(o.pair ? { refSeq: o.pair.refSeq, curSeq: o.pair.curSeq, pairs: [...new Set([...(cur.pairs ?? []), pairKey(o.pair.refSeq, o.pair.curSeq)])].slice(-50) } : {}),
    };
  };
  let rec = await ctx.threads.update(thread.channel, thread.ts, patch);
  if (!rec) {
    const base: ThreadRecord = { channel: thread.channel, ts: thread.ts, service: o.service, kind: 'watch', createdAt: now };
    rec = { ...base, ...patch(base) };
    await ctx.threads.put(rec);
  }
  if (OWN_PARENT.has(rec.kind)) await ctx.poster.update(thread, { text: parentText(rec) });
  else await ctx.parents.get(rec.kind)?.(rec);
  return rec;
}

function again(cur: ThreadRecord, o: Outcome): boolean {
  if (o.pair) return hasPair(cur, o.pair.refSeq, o.pair.curSeq);
  return o.state.seq !== undefined && cur.state?.seq === o.state.seq;
}

function lastFindings(r: ThreadRecord): ThreadState | undefined {
  return r.state?.outcome === 'findings' ? r.state : r.state?.last;
}

/** Marks a thread as having had activity now (a status line, a note) without a new outcome. */
export async function touchThread(ctx: LeakbotContext, thread: SlackThreadRef): Promise<void> {
  await ctx.threads.update(thread.channel, thread.ts, { lastActivityAt: Date.now() });
}

/** The parent of a snapshot/diff thread: its title, who asked, and the latest state. */
export function parentText(rec: ThreadRecord, status?: string): string {
  // Once the thread holds more than its first analysis, the first title (a diff's pair) is stale.
  const first = typeof rec.data?.title === 'string' ? rec.data.title : `Goroutine snapshot of *${rec.service}*`;
  const title = (rec.analyses ?? 0) > 1 ? `Goroutines of *${rec.service}*` : first;
  return `${title}, requested by ${mentionList(rec.requestedBy ?? [])} — ${status ?? (rec.state ? threadStatus(rec.state, rec.analyses ?? 0) : 'capturing…')}`;
}

/** True when the thread already holds the findings of this pair. */
export function hasPair(rec: ThreadRecord | null, refSeq: number | null, curSeq: number): boolean {
  return !!rec?.pairs?.includes(pairKey(refSeq, curSeq));
}

/** How an acknowledgement names the thread a verb joined. */
export function threadWords(rec: ThreadRecord): string {
  const what = rec.kind === 'alert' ? 'alert thread' : rec.kind === 'watch' ? 'watch thread' : 'thread';
  return `the open ${what} of *${rec.service}* in this channel (started ${fmtTime(rec.createdAt)}; add \`--new\` for a fresh thread)`;
}

/** Splits `--new` (start a fresh thread) from a verb's words. */
export function takeNewFlag(args: string[]): { args: string[]; fresh: boolean } {
  const rest = args.filter((a) => a.toLowerCase() !== '--new');
  return { args: rest, fresh: rest.length !== args.length };
}

/**
 * A job failed for good and left its first message unfinished ("capturing…", "analysing…"): a
 * parent leakbot draws from its thread record records the failure there (the parent then shows it,
 * with the thread's last verdict); any other parent, or a status line inside an existing thread,
 * gets a plain sentence. Slack errors propagate (SlackPostError).
 */
export async function closeAbandonedParent(ctx: LeakbotContext, p: AbandonedParent): Promise<void> {
  const rec = p.inThread ? null : await ctx.threads.get(p.thread.channel, p.thread.ts);
  if (rec && OWN_PARENT.has(rec.kind)) {
    await recordOutcome(ctx, p.thread, { service: rec.service, users: [], state: { outcome: 'failed', summary: `leakbot gave up on this ${p.kind}` } });
    return;
  }
  await ctx.poster.update(p.ref, { text: p.inThread ? `:x: leakbot gave up on this ${p.kind}${p.service ? ` of *${p.service}*` : ''}; the reason is below.` : p.text });
}

/**
 * Slack's refusal of a post into `thread`, told to the person who asked: its words, and when the
 * thread is gone (GONE_ERRORS: thread_not_found, or message_not_found for its parent: its messages
 * were deleted), the thread is marked gone so that
 * /leak verbs stop joining it, and `again` (a command) is offered, since it now starts a new thread.
 * Without this, every verb about the service in that channel joined the deleted thread and failed
 * until threads.windowHours had passed. Throws only what Redis throws.
 */
export async function refusalText(ctx: LeakbotContext, thread: SlackThreadRef | null | undefined, err: SlackPostError, again?: string): Promise<string> {
  if (!GONE_ERRORS[err.code] || !thread) return err.userMessage;
  await ctx.threads.update(thread.channel, thread.ts, { gone: true, open: false });
  return `${err.userMessage}${again ? ` Run \`${again}\` again: it starts a new thread.` : ''}`;
}
