// Marking a snapshot as a service's healthy baseline (Redis only) and saying so in the thread.
import type { LeakbotContext } from '../context.js';
import { escapeMrkdwn } from '../engine/index.js';
import { processName } from './findings.js';
import { ACTIONS, snapDesc } from '../slack/messages.js';
import { VerdictStore } from '../store/verdicts.js';
import type { SnapshotMeta } from '../store/snapshots.js';
import type { JobInfo } from '../queue/processors.js';

/** Sets the baseline and records it on the timeline (once per `once` key when given: a job's id, so
 *  its retry adds no second event). Used by `/leak baseline` and the button. Throws Redis errors
 *  from setting the baseline; a failed timeline append is only logged. */
export async function setBaseline(ctx: LeakbotContext, service: string, meta: SnapshotMeta, actor: string, thread?: { channel: string; ts: string }, once?: string): Promise<void> {
  await ctx.snapshots.setBaseline(service, meta.seq);
  await ctx.timeline
    .append({ at: Date.now(), service, type: 'baseline', actor, text: `Baseline set to snapshot #${meta.seq} (${meta.total} goroutines)`, ...(thread ? { thread } : {}), data: { seq: meta.seq, total: meta.total } }, once ? { once } : {})
    .catch((err: Error) => ctx.log.warn({ err: err.message }, 'timeline append failed'));
}

export async function processBaseline(ctx: LeakbotContext, job: JobInfo<'baseline'>): Promise<void> {
  const d = job.data;
  const meta = await ctx.snapshots.get(d.service, d.seq);
  if (!meta) {
    await ctx.poster.respond(d.requester.responseUrl, { text: `Snapshot #${d.seq} of ${d.service} is no longer stored.` });
    return;
  }
  await setBaseline(ctx, d.service, meta, d.requester.user, d.thread, `job:${job.id}:baseline`);
  const text = `:white_check_mark: <@${d.requester.user}> set ${snapDesc(meta)} as the healthy baseline of *${escapeMrkdwn(processName(ctx, d.service, meta))}*. Future snapshots are compared with it.`;
  if (d.thread) await ctx.poster.post(`job:${job.id}:done`, { channel: d.thread.channel, threadTs: d.thread.ts, text });
  else await ctx.poster.respond(d.requester.responseUrl, { text });
}

/** Value of the confirm button: service, snapshot seq, and the thread to answer in (if any). */
export interface BaselineConfirmValue {
  s: string;
  seq: number;
  ch?: string;
  ts?: string;
}

/**
 * Why making `meta` the baseline is risky, in words for the person about to do it, or null when
 * it is not: the snapshot's recorded verdict (src/store/verdicts.ts) had high or medium findings.
 */
export async function baselineWarning(ctx: LeakbotContext, service: string, meta: SnapshotMeta): Promise<string | null> {
  const v = await new VerdictStore(ctx.redis, ctx.prefix).get(service, meta.seq);
  if (!v || v.high + v.medium === 0) return null;
  const parts = [v.high ? `${v.high} high` : '', v.medium ? `${v.medium} medium` : ''].filter(Boolean).join(' and ');
  return (
    // The recorded summary is a sentence of its own (counts, then the top site): quoted after a colon,
    // not nested in parentheses inside this one.
    `:warning: Snapshot #${meta.seq} of *${service}* has ${parts}-confidence suspected leak site${v.high + v.medium === 1 ? '' : 's'}. Its verdict: ${v.summary.replace(/\.?$/, '.')} ` +
    'A baseline is what *healthy* looks like: taken during a leak, it counts the leaked goroutines as normal and later comparisons stop showing them. Set it anyway?'
  );
}

/** The ephemeral question with Set-anyway / Cancel buttons (Block Kit). */
export function confirmBaselineMessage(warning: string, value: BaselineConfirmValue): { text: string; blocks: object[] } {
  const v = JSON.stringify(value);
  return {
    text: warning,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: warning } },
      {
        type: 'actions',
        block_id: 'leak_baseline_confirm',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Set as baseline anyway' }, style: 'danger', action_id: ACTIONS.confirmBaseline, value: v },
          { type: 'button', text: { type: 'plain_text', text: 'Cancel' }, action_id: ACTIONS.cancelBaseline, value: v },
        ],
      },
    ],
  };
}

export function parseConfirmValue(v: string): BaselineConfirmValue | null {
  try {
    const o = JSON.parse(v) as BaselineConfirmValue;
    return typeof o.s === 'string' && Number.isInteger(o.seq) ? o : null;
  } catch {
    return null;
  }
}
