// Marking a snapshot as a service's healthy baseline (Redis only) and saying so in the thread.
import type { LeakbotContext } from '../context.js';
import { snapDesc } from '../slack/messages.js';
import type { SnapshotMeta } from '../store/snapshots.js';
import type { JobInfo } from '../queue/processors.js';

/** Sets the baseline and records it on the timeline. Used by `/leak baseline` and the button. */
export async function setBaseline(ctx: LeakbotContext, service: string, meta: SnapshotMeta, actor: string, thread?: { channel: string; ts: string }): Promise<void> {
  await ctx.snapshots.setBaseline(service, meta.seq);
  await ctx.timeline
    .append({ at: Date.now(), service, type: 'baseline', actor, text: `Baseline set to snapshot #${meta.seq} (${meta.total} goroutines)`, ...(thread ? { thread } : {}), data: { seq: meta.seq, total: meta.total } })
    .catch((err: Error) => ctx.log.warn({ err: err.message }, 'timeline append failed'));
}

export async function processBaseline(ctx: LeakbotContext, job: JobInfo<'baseline'>): Promise<void> {
  const d = job.data;
  const meta = await ctx.snapshots.get(d.service, d.seq);
  if (!meta) {
    await ctx.poster.respond(d.requester.responseUrl, { text: `Snapshot #${d.seq} of ${d.service} is no longer stored.` });
    return;
  }
  await setBaseline(ctx, d.service, meta, d.requester.user, d.thread);
  const text = `:white_check_mark: <@${d.requester.user}> set ${snapDesc(meta)} as the healthy baseline of *${d.service}*. Future snapshots are compared with it.`;
  if (d.thread) await ctx.poster.post(`job:${job.id}:done`, { channel: d.thread.channel, threadTs: d.thread.ts, text });
  else await ctx.poster.respond(d.requester.responseUrl, { text });
}
