// Shared by the snapshot and diff jobs: analyse two stored snapshots (or one) and post the
// findings as a thread reply with the action buttons; oversize reports go up as a Markdown file.
import { escapeMrkdwn, renderBlocks, type Analysis, type Snapshot } from '../engine/index.js';
import type { LeakbotContext } from '../context.js';
import type { SnapshotMeta } from '../store/snapshots.js';
import { actionsBlock, comparisonNote, findingsSummary, snapDesc, type ButtonValue } from '../slack/messages.js';
import { shortFile } from '../engine/render/format.js';
import { countByConfidence, VerdictStore } from '../store/verdicts.js';
import type { SlackThreadRef } from '../queue/jobs.js';
import { isFleet } from '../capture/targets/index.js';
import { own } from '../own.js';

export interface AnalysisResult {
  analysis: Analysis;
  ref: SnapshotMeta | null;
  refKind: 'baseline' | 'previous' | null;
  cur: SnapshotMeta;
  /** Snapshots of the same process read before `ref`, oldest first: with them the comparison is a
   *  series (earlier…, ref, cur). Absent for a pair. */
  earlier?: SnapshotMeta[];
}

/** A comparison with the previous snapshot reads up to this many snapshots of the process (the
 *  current one included), taken within SERIES_WINDOW_MS before it. Measured on the realdeps corpus
 *  (eval/realdeps.ts, 188 leaks): a 3-snapshot series finds 183 in debug=2 dumps with fewer false
 *  findings (17) than a pair of the last two (182, 19), and 138–142 in debug=1/proto, where that pair
 *  finds 72–74 (a leak grows at every step; a surge or a pool filling up does not). */
export const SERIES_MAX = 4;
/** How far back (ms) before the current snapshot a series reaches: captures of one investigation. */
export const SERIES_WINDOW_MS = 60 * 60_000;

export function analyzeOptions(ctx: LeakbotContext, service: string): { ignore: string[] } {
  return { ignore: [...ctx.config.ignore, ...(own(ctx.config.services, service)?.ignore ?? [])] };
}

/** The reference for a new snapshot of one process: its baseline if set (older, same life), else
 *  its previous snapshot in the same life; none right after a restart. */
export async function pickReference(ctx: LeakbotContext, service: string, cur: SnapshotMeta): Promise<{ ref: SnapshotMeta | null; refKind: 'baseline' | 'previous' | null }> {
  const { meta: base } = await ctx.snapshots.baselineFor(cur);
  if (base && base.seq < cur.seq) return { ref: base, refKind: 'baseline' };
  const prev = await ctx.snapshots.previous(service, cur.seq);
  return prev ? { ref: prev, refKind: 'previous' } : { ref: null, refKind: null };
}

export class MissingSnapshotError extends Error {
  override name = 'MissingSnapshotError';
}

export async function analyzePair(
  ctx: LeakbotContext,
  service: string,
  ref: SnapshotMeta | null,
  refKind: AnalysisResult['refKind'],
  cur: SnapshotMeta,
  /** The current snapshot when the caller already holds it (just captured). */
  curLoaded?: Snapshot,
  /** `pairOnly`: the two snapshots a user named (/leak diff, Compare), never a series. */
  o: { pairOnly?: boolean } = {},
): Promise<AnalysisResult> {
  const curSnap = curLoaded ?? (await ctx.snapshots.load(service, cur.seq));
  if (!curSnap) throw new MissingSnapshotError(`snapshot #${cur.seq} of ${service} is no longer stored`);
  const refSnap = ref ? await ctx.snapshots.load(service, ref.seq) : null;
  // Against the previous snapshot, the process's earlier ones in the same life join as a series.
  // A baseline stays a pair: it is the state the user chose to compare with.
  const earlier: Array<{ meta: SnapshotMeta; snap: Snapshot }> = [];
  const history = ref && refSnap && refKind === 'previous' && !o.pairOnly ? await ctx.snapshots.seriesBefore(cur, SERIES_MAX - 1) : [];
  // Only when ref is cur's previous snapshot: a pair named out of order stays that pair.
  if (ref && history[0]?.seq === ref.seq) {
    const before = history.slice(1).filter((m) => m.capturedAt >= cur.capturedAt - SERIES_WINDOW_MS && m.capturedAt < ref.capturedAt);
    for (const meta of before) {
      const snap = await ctx.snapshots.load(service, meta.seq);
      if (!snap) break; // trimmed meanwhile: the series stops at the gap
      earlier.unshift({ meta, snap });
    }
  }
  const opts = analyzeOptions(ctx, service);
  // In a worker thread (src/analysis/pool.ts): a big comparison never holds up Slack's acks.
  const analysis = await ctx.analysis.analyze(refSnap ? [...earlier.map((e) => e.snap), refSnap, curSnap] : [curSnap], opts);
  return { analysis, ref: refSnap ? ref : null, refKind: refSnap ? refKind : null, cur, ...(earlier.length ? { earlier: earlier.map((e) => e.meta) } : {}) };
}

/** `#1 → #2 → #3`: the snapshots a comparison read, oldest first (`#3` alone for a single one). */
export function comparedSeqs(r: Pick<AnalysisResult, 'ref' | 'cur' | 'earlier'>): string {
  return seqChain(r.ref?.seq ?? null, r.cur.seq, r.earlier?.map((m) => m.seq));
}

function seqChain(refSeq: number | null, curSeq: number, earlierSeqs: readonly number[] = []): string {
  return [...(refSeq !== null ? [...earlierSeqs, refSeq] : []), curSeq].map((n) => `#${n}`).join(' → ');
}

const MAX_BLOCKS = 50;

/** `svc-order (pod-a)` for a snapshot of a fleet's pod (findings are about one process, never the
 *  service at large); the service name alone otherwise. Not escaped. */
export function processName(ctx: Pick<LeakbotContext, 'config'>, service: string, meta: Pick<SnapshotMeta, 'instanceName'>): string {
  const svc = own(ctx.config.services, service);
  return svc && isFleet(svc) && meta.instanceName ? `${service} (${meta.instanceName})` : service;
}

/** The title of the file a findings report too long for one message goes up as: the process and the
 *  snapshots compared, as the message names them (the file is what gets pasted into a ticket). */
export function reportFileTitle(who: string, refSeq: number | null, curSeq: number, earlierSeqs: readonly number[] = []): string {
  return `Full goroutine report: ${who} ${seqChain(refSeq, curSeq, earlierSeqs)}`;
}

/** What the thread says when a process restarted since its last snapshot. */
export function restartNote(who: string, cur: SnapshotMeta): string {
  const r = cur.restart!;
  return `:arrows_counterclockwise: ${escapeMrkdwn(who)} restarted since snapshot #${r.previousSeq} (${escapeMrkdwn(r.reason)}). A process is never compared with its previous life: this is a single-snapshot analysis and the comparison starts over from here.`;
}

/** What the thread says when the engine found the reference to be another process's dump (its
 *  goroutines under the same ids print other arguments: a restart the capture did not see): not
 *  "compared with the previous snapshot" as if one process grew, but what was compared instead. */
export function otherLifeNote(who: string, ref: SnapshotMeta, refKind: AnalysisResult['refKind'], suffix = ''): string {
  return `:arrows_counterclockwise: ${escapeMrkdwn(who)} is not the process of ${refKind === 'baseline' ? 'the baseline' : 'the previous snapshot'} ${snapDesc(ref)}${suffix}: it restarted in between (the goroutines both list under one id show other call arguments). Growth is read from goroutine counts per stack of the two processes, older first, not from goroutine ids.`;
}

/** Options of postFindings: `note` replaces the comparison note; `suffix` is added to it;
 *  `recapture` replaces the findings' "take a second snapshot" line (BlocksOptions.recapture). */
export interface PostFindingsOptions {
  note?: string;
  recapture?: string;
  suffix?: string;
  /** The thread follows this pod alone: its buttons capture it again, not the fleet. */
  pinInstance?: boolean;
}

/** Posts (or, under a known key, updates) the findings reply with its buttons; oversize reports go up
 *  as a Markdown file; the timeline gets a 'findings' event, once per `key` and compared pair (a
 *  retried job adds none). Throws SlackPostError. */
export async function postFindings(ctx: LeakbotContext, key: string, service: string, thread: SlackThreadRef, r: AnalysisResult, actor: string, opts: PostFindingsOptions = {}): Promise<void> {
  const who = processName(ctx, service, r.cur);
  const title = r.ref ? `Goroutines of ${who}: ${comparedSeqs(r)}` : `Goroutines of ${who}: snapshot #${r.cur.seq}`;
  const rendered = renderBlocks(r.analysis, { title, service, ...(opts.recapture !== undefined ? { recapture: opts.recapture } : {}) });
  // A comparison that already is against the baseline offers no button to compare with it again.
  const baselineSeq = await ctx.snapshots.baselineSeq(service);
  const hasBaseline = baselineSeq !== null && !(r.ref && r.ref.seq === baselineSeq);
  const value: ButtonValue = { s: service, ch: thread.channel, ts: thread.ts, c: r.cur.seq, r: r.ref?.seq ?? null, ...(opts.pinInstance && r.cur.instance !== undefined ? { i: r.cur.instance } : {}) };
  const tail: object[] = [
    { type: 'context', elements: [{ type: 'mrkdwn', text: (!r.ref && r.cur.restart ? restartNote(who, r.cur) : r.ref && r.analysis.separateProcesses ? otherLifeNote(who, r.ref, r.refKind, opts.suffix) : (opts.note ?? comparisonNote(r.ref, r.refKind, service, opts.suffix, r.earlier))).slice(0, 2900) }] },
    actionsBlock(value, { hasBaseline }),
  ];
  let blocks = [...rendered.blocks];
  if (blocks.length + tail.length > MAX_BLOCKS) blocks = blocks.slice(0, MAX_BLOCKS - tail.length);
  await ctx.poster.post(`${key}:findings`, { channel: thread.channel, threadTs: thread.ts, text: rendered.text, blocks: [...blocks, ...tail] });
  if (rendered.overflowMarkdown) {
    // One file per compared pair: the automatic second capture updates the first findings under
    // their key, and its comparison's report is another file (a retried job's is the same).
    await ctx.poster.upload(`${key}:overflow:${r.ref?.seq ?? '-'}:${r.cur.seq}`, {
      channel: thread.channel,
      threadTs: thread.ts,
      filename: `${service}-goroutines-${r.cur.seq}.md`,
      title: reportFileTitle(who, r.ref?.seq ?? null, r.cur.seq, r.earlier?.map((m) => m.seq)),
      content: rendered.overflowMarkdown,
      initialComment: 'The findings did not fit in one Slack message; here is the full report.',
    });
  }
  await new VerdictStore(ctx.redis, ctx.prefix)
    .set(service, r.cur.seq, { ...countByConfidence(r.analysis.findings), summary: findingsSummary(r.analysis), refSeq: r.ref?.seq ?? null })
    .catch((err: Error) => ctx.log.warn({ err: err.message }, 'verdict record failed'));
  const top = r.analysis.findings.slice(0, 5);
  await ctx.timeline
    .append({
      at: Date.now(),
      service,
      type: 'findings',
      actor,
      thread,
      text:
        top.length === 0
          ? `No suspected leaks in snapshot #${r.cur.seq} (${r.cur.total} goroutines)`
          : `${r.analysis.findings.length} finding(s) in #${r.cur.seq}; top: ${top[0]!.patternTitle}${top[0]!.site ? (top[0]!.site.file ? ` at ${shortFile(top[0]!.site.file)}:${top[0]!.site.line}` : ` in ${top[0]!.site.func}`) : ''} (${top[0]!.before} → ${top[0]!.after})`,
      data: {
        refSeq: r.ref?.seq ?? null,
        curSeq: r.cur.seq,
        ...(r.earlier?.length ? { earlierSeqs: r.earlier.map((m) => m.seq) } : {}),
        total: r.cur.total,
        ...(who !== service && r.cur.instanceName ? { instanceName: r.cur.instanceName } : {}),
        findings: top.map((f) => ({ pattern: f.pattern, title: f.patternTitle, site: f.site, createdBy: f.createdBy, state: f.state, before: f.before, after: f.after, delta: f.delta, growthPerMinute: f.growthPerMinute, confidence: f.confidence, ...(r.ref ? {} : { single: true }) })),
      },
    }, { once: `${key}:findings:${r.ref?.seq ?? '-'}:${r.cur.seq}` })
    .catch((err: Error) => ctx.log.warn({ err: err.message }, 'timeline append failed'));
}
