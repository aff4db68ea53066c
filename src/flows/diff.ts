// The `diff` job: compare two stored snapshots (explicit, last two, or baseline vs latest) and
// post the findings — in a new thread, or in the thread whose button asked.
import type { LeakbotContext } from '../context.js';
import { mentionList, snapDesc } from '../slack/messages.js';
import { SlackPostError } from '../slack/poster.js';
import type { SnapshotMeta } from '../store/snapshots.js';
import type { JobInfo } from '../queue/processors.js';
import { analyzePair, postFindings, processName } from './findings.js';
import { lastSuspects } from './fleet.js';
import { findingsState, hasPair, recordOutcome, refusalText } from './thread.js';

export async function resolveDiff(
  ctx: LeakbotContext,
  service: string,
  d: { fromSeq?: number; toSeq?: number; against?: 'previous' | 'baseline'; instance?: string },
): Promise<{ ref: SnapshotMeta; cur: SnapshotMeta; refKind: 'baseline' | 'previous' } | { error: string }> {
  const cur =
    d.toSeq !== undefined ? await ctx.snapshots.get(service, d.toSeq) : d.instance !== undefined ? await ctx.snapshots.latestOf(service, d.instance) : await latestToCompare(ctx, service);
  if (!cur) return { error: d.toSeq !== undefined ? `Snapshot #${d.toSeq} of ${service} is not stored (see \`/leak history ${service}\`).` : `No snapshots of ${service} yet. Run \`/leak snapshot ${service}\` first.` };
  let ref: SnapshotMeta | null;
  if (d.fromSeq !== undefined) {
    ref = await ctx.snapshots.get(service, d.fromSeq);
    if (!ref) return { error: `Snapshot #${d.fromSeq} of ${service} is not stored (see \`/leak history ${service}\`).` };
  } else if (d.against === 'baseline') {
    const b = await ctx.snapshots.baselineFor(cur);
    ref = b.meta;
    if (!ref && b.fromOtherLife)
      return { error: `The baseline of ${service}${cur.instanceName ? ` (${cur.instanceName})` : ''} is from before the process restarted; a process is never compared with its previous life. Set a new baseline while it is healthy.` };
    // A baseline that is this snapshot or came after it is there, just nothing to compare with it.
    if (!ref && b.notBefore?.seq === cur.seq)
      return { error: `The baseline of ${service} is its latest snapshot #${cur.seq}: nothing was captured after it yet. \`/leak snapshot ${service}\` captures one and compares it with the baseline.` };
    if (!ref && b.notBefore)
      return { error: `The baseline of ${service} is snapshot #${b.notBefore.seq}, taken after #${cur.seq}: a baseline is compared with later snapshots. \`/leak snapshot ${service}\` captures one and compares it with the baseline.` };
    // A fleet's baselines are per pod: another pod's is no baseline of this one.
    if (!ref && cur.instanceName && processName(ctx, service, cur) !== service && (await ctx.snapshots.baselineSeq(service)) !== null)
      return {
        error: `${cur.instanceName} has no baseline of its own (each pod of ${service} is compared only with its own snapshots; the baseline set is another pod's). Set one from a healthy snapshot of it with \`/leak baseline ${service} &lt;snapshot#&gt;\` (see \`/leak history ${service}\`), or compare a pod that has one: \`/leak diff ${service} baseline pod=&lt;name&gt;\`.`,
      };
    if (!ref) return { error: `${service} has no baseline yet. Use \`/leak baseline ${service}\` while it is healthy.` };
  } else {
    ref = await ctx.snapshots.previous(service, cur.seq);
    if (!ref && cur.restart)
      return { error: `${service}${cur.instanceName ? ` (${cur.instanceName})` : ''} restarted before snapshot #${cur.seq} (${cur.restart.reason}); the comparison starts over with the next snapshot.` };
    if (!ref) return { error: `Only one snapshot of ${service} so far; take another with \`/leak snapshot ${service}\` to compare.` };
  }
  if (d.fromSeq !== undefined && ref.instance !== cur.instance)
    return { error: `Snapshots #${ref.seq} and #${cur.seq} of ${service} come from different processes (${ref.instanceName ?? ref.instance} and ${cur.instanceName ?? cur.instance}); compare snapshots of one process.` };
  if (d.fromSeq !== undefined && ref.instance !== undefined && (ref.life ?? 1) !== (cur.life ?? 1))
    return { error: `${cur.instanceName ?? cur.instance} restarted between snapshots #${ref.seq} and #${cur.seq}; a process is never compared with its previous life.` };
  if (ref.seq === cur.seq) return { error: `That compares snapshot #${cur.seq} of ${service} with itself; take a new one with \`/leak snapshot ${service}\`.` };
  const [a, b] = ref.seq < cur.seq ? [ref, cur] : [cur, ref];
  return { ref: a, cur: b, refKind: d.against === 'baseline' ? 'baseline' : 'previous' };
}

/** The snapshot a diff without numbers compares: the latest of the pod the last fleet round
 *  suspected most (src/flows/fleet.ts rememberSuspects), else the service's latest. The service's
 *  latest alone is whichever pod a fleet round captured last — often a clean one — and reading
 *  "no suspected leaks" from it hides the pod that leaks. */
async function latestToCompare(ctx: LeakbotContext, service: string): Promise<SnapshotMeta | null> {
  for (const id of await lastSuspects(ctx, service)) {
    const m = await ctx.snapshots.latestOf(service, id);
    if (m) return m;
  }
  return ctx.snapshots.latest(service);
}

export async function processDiff(ctx: LeakbotContext, job: JobInfo<'diff'>): Promise<void> {
  const d = job.data;
  const key = `job:${job.id}`;
  const service = d.service;
  try {
    const r = await resolveDiff(ctx, service, d);
    if ('error' in r) {
      if (d.thread) await ctx.poster.post(`${key}:error`, { channel: d.thread.channel, threadTs: d.thread.ts, text: r.error });
      else await ctx.poster.respond(d.requester.responseUrl, { text: r.error });
      return;
    }
    const head = `Goroutine diff of *${service}*: ${snapDesc(r.ref)} → ${snapDesc(r.cur)}`;
    if (d.thread) {
      // The thread already holds these findings (the snapshot compared the same pair, or the same
      // diff ran before): point at them instead of posting them again.
      const rec = await ctx.threads.get(d.thread.channel, d.thread.ts);
      if (hasPair(rec, r.ref.seq, r.cur.seq)) {
        await ctx.poster.respond(d.requester.responseUrl, { text: `The findings of ${service} #${r.ref.seq} → #${r.cur.seq} are already in the thread; nothing new to post.` });
        return;
      }
    }
    const posted = await ctx.poster.post(`${key}:parent`, {
      channel: d.thread?.channel ?? d.requester.channel,
      ...(d.thread ? { threadTs: d.thread.ts } : {}),
      text: `${head}, requested by ${mentionList([d.requester.user])} — analysing…`,
    });
    const thread = d.thread ?? { channel: posted.channel, ts: posted.ts };
    if (!d.thread) {
      const now = Date.now();
      await ctx.threads.put({ channel: thread.channel, ts: thread.ts, service, kind: 'diff', createdAt: now, lastActivityAt: now, requestedBy: [d.requester.user], data: { title: head } });
    }
    const result = await analyzePair(ctx, service, r.ref, r.refKind, r.cur, undefined, { pairOnly: true });
    await postFindings(ctx, key, service, thread, result, d.requester.user);
    if (d.thread) await ctx.poster.update(posted, { text: `${head}, requested by ${mentionList([d.requester.user])}: findings below.` });
    await recordOutcome(ctx, thread, {
      service,
      users: [d.requester.user],
      state: findingsState(result.analysis, r.cur),
      pair: { refSeq: result.ref?.seq ?? null, curSeq: r.cur.seq },
    });
  } catch (err) {
    if (err instanceof SlackPostError && !err.retryable) {
      await ctx.poster.respond(d.requester.responseUrl, { text: `I could not post the diff of ${service}: ${await refusalText(ctx, d.thread, err, `/leak diff ${service}`)}` });
      return;
    }
    throw err;
  }
}
