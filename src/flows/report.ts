// The `report` job (Full report button): the whole analysis as a Markdown file in the thread.
import { renderMarkdown } from '../engine/index.js';
import type { LeakbotContext } from '../context.js';
import { SlackPostError } from '../slack/poster.js';
import { refusalText } from './thread.js';
import type { JobInfo } from '../queue/processors.js';
import { analyzePair, comparedSeqs, processName } from './findings.js';

export async function processReport(ctx: LeakbotContext, job: JobInfo<'report'>): Promise<void> {
  const d = job.data;
  const service = d.service;
  const cur = await ctx.snapshots.get(service, d.curSeq);
  if (!cur) {
    await ctx.poster.respond(d.requester.responseUrl, { text: `Snapshot #${d.curSeq} of ${service} is no longer stored; take a new one with \`/leak snapshot ${service}\`.` });
    return;
  }
  const ref = d.refSeq !== null ? await ctx.snapshots.get(service, d.refSeq) : null;
  // What the findings message above the button read: a pair with the baseline, else the process's
  // series up to its previous snapshot.
  const refKind = ref ? ((await ctx.snapshots.baselineFor(cur)).meta?.seq === ref.seq ? 'baseline' : 'previous') : null;
  const r = await analyzePair(ctx, service, ref, refKind, cur);
  // A fleet's pod is named, as the findings message above the button names it: a report pasted into a
  // ticket must say which process its figures are of.
  const who = processName(ctx, service, cur);
  const title = ref ? `Goroutine report: ${who} ${comparedSeqs(r)}` : `Goroutine report: ${who} #${cur.seq}`;
  try {
    await ctx.poster.upload(`job:${job.id}:report`, {
      channel: d.thread.channel,
      threadTs: d.thread.ts,
      filename: `${service}-goroutines-${ref ? `${ref.seq}-` : ''}${cur.seq}.md`,
      title,
      content: renderMarkdown(r.analysis, { title }),
      initialComment: `Full report requested by <@${d.requester.user}>.`,
    });
  } catch (err) {
    if (err instanceof SlackPostError && !err.retryable) {
      await ctx.poster.respond(d.requester.responseUrl, { text: `I could not upload the report: ${await refusalText(ctx, d.thread, err)}` });
      return;
    }
    throw err;
  }
}
