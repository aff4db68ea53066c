// A fleet round in words: which pods leak where, with per-pod figures, which are clean, which could
// not be captured and which restarted. Pure (no I/O): the snapshot flow hands in each instance's
// analysis. The same site on several pods is one line with each pod's figures.
import { escapeMrkdwn, type Analysis, type Finding } from '../engine/index.js';
import type { SnapshotMeta } from '../store/snapshots.js';
import { shortFile } from '../engine/render/format.js';
import { captureBrief } from '../capture/errors.js';

/** One instance's part of a fleet round. */
export interface InstanceReport {
  /** Instance id and display name (pod name when known). */
  id: string;
  name: string;
  /** The snapshot analysed, when the capture worked. */
  cur?: SnapshotMeta;
  /** Its reference (baseline or previous snapshot of the same process and life), if any. */
  ref?: SnapshotMeta | null;
  /** Snapshots of the process read before `ref`, oldest first (AnalysisResult.earlier). */
  earlier?: SnapshotMeta[];
  analysis?: Analysis;
  /** Why it could not be captured: the capture's message for people, said once in the thread. */
  error?: string;
  /** The capture's failure code (CaptureErrorCode or a coordinator code, src/capture/errors.ts). */
  code?: string;
  /** A few words for the summary and table (CaptureError.brief, or the fleet flow's own); missing
   *  in checkpoints stored before briefs were, which captureBrief words from `code`. */
  brief?: string;
}

/** A suspected leak site across the fleet. */
export interface FleetSite {
  /** `file:line` of the user frame (else the std-library frame, else the pattern title). */
  where: string;
  title: string;
  /** Highest confidence on any pod. */
  confidence: Finding['confidence'];
  /** `after`, `delta`, `series`: the pile's count (goroutines at this site) now, its change, and at each
   *  capture compared, oldest → latest (Finding.series); `total`: every goroutine of the pod now. */
  pods: Array<{ name: string; id: string; after: number; total: number; delta: number; growthPerMinute: number | null; series: number[]; confidence: Finding['confidence']; score: number }>;
}

export interface FleetReport {
  service: string;
  /** Instances that were captured and analysed. */
  analysed: number;
  /** Instances discovered in all (including those not sampled or over fleet.maxInstances). */
  discovered: number;
  sites: FleetSite[];
  /** Captured, no finding at all. */
  clean: string[];
  /** Captured, low-confidence findings only: no suspect, not clean either (its table row names the pile). */
  lowOnly: string[];
  /** Captured and analysed on its own: no baseline or earlier snapshot of that process to compare
   *  with (a first capture, or the first since a restart). */
  unreferenced: number;
  /** `brief`: a few words for the summary and table (InstanceReport.brief, else captureBrief's
   *  fallback); `error`: the full message, said once below them. */
  failed: Array<{ name: string; error: string; brief: string }>;
  restarted: Array<{ name: string; reason: string }>;
  /** Id of the instance whose findings are shown in full: the strongest suspect, else the largest. */
  strongest: string | null;
  /** The Kubernetes namespace every captured pod is in (Prometheus's namespace label), when they
   *  share one: pod names alone do not reach a pod with kubectl. */
  namespace?: string;
  /** Discovery failed and an earlier answer was used: the failure, for the fleet message's details. */
  staleWhy?: string;
  /** One or two lines for the parent message and the top of the thread (mrkdwn). */
  summary: string;
  /** Compact per-pod table (a code block), at most MAX_ROWS rows. */
  table: string;
}

const MAX_ROWS = 40;
const MAX_SITES = 3;
const RANK: Record<Finding['confidence'], number> = { high: 3, medium: 2, low: 1 };

function siteOf(f: Finding): string {
  const s = f.site ?? f.stdSite;
  if (s && !s.file) return s.func; // pprof -traces: function names only
  return s ? `${shortFile(s.file)}:${s.line}` : f.patternTitle;
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');

/** `+38k/h`, `+420/h`, `-12/h`: per-hour growth, compact. */
export function perHour(perMinute: number | null): string {
  if (perMinute === null) return '';
  const h = perMinute * 60;
  const sign = h >= 0 ? '+' : '-';
  const a = Math.abs(h);
  const v = a >= 10_000 ? `${Math.round(a / 1000)}k` : a >= 1000 ? `${(a / 1000).toFixed(1)}k` : `${Math.round(a)}`;
  return `${sign}${v}/h`;
}

/** A per-hour rate only from a minute of evidence or more (|delta| ≥ |rate per minute|): from two
 *  captures seconds apart (Capture again at once) it extrapolates a burst into '+1446k/h'; the
 *  count added says what was seen. */
function hourly(p: { delta: number; growthPerMinute: number | null }): boolean {
  return p.growthPerMinute !== null && (p.growthPerMinute === 0 || Math.abs(p.delta) >= Math.abs(p.growthPerMinute));
}

/** How many of the last captures held the latest count (1 when the last two differ). */
function heldFor(series: readonly number[]): number {
  let k = 0;
  while (k < series.length && series[series.length - 1 - k] === series[series.length - 1]) k++;
  return k;
}

/** A pod's growth beside its count: a per-hour rate when measured over a minute or more and not
 *  zero; 'steady across N captures' when the count held (a leak's '(+0/h)' read as a typo, or as a
 *  contradiction); else the count added; nothing when there is nothing measured to say. */
function growthText(p: FleetSite['pods'][number]): string {
  if (p.growthPerMinute !== null && p.delta === 0) {
    const k = heldFor(p.series);
    return k >= 2 ? ` (steady across ${k} captures)` : '';
  }
  const rate = hourly(p) ? perHour(p.growthPerMinute) : '';
  if (rate && !/^[+-]0\/h$/.test(rate)) return ` (${rate})`;
  return p.delta ? ` (${p.delta > 0 ? '+' : ''}${n(p.delta)})` : '';
}

function briefOf(inst: InstanceReport): string {
  return captureBrief({ brief: inst.brief, code: inst.code, message: inst.error });
}

function suspects(a: Analysis | undefined): Finding[] {
  return (a?.findings ?? []).filter((f) => f.confidence !== 'low');
}

/** Builds the fleet summary from each instance's outcome. `discovered` counts every instance found
 *  (sampling may leave some out). `stale`: discovery failed and its answer from `ageMs` ago was
 *  used (pods started since are missing): said in the summary, `why` in the details. */
export function buildFleetReport(service: string, instances: readonly InstanceReport[], discovered: number, stale?: { why: string; ageMs: number }): FleetReport {
  const bySite = new Map<string, FleetSite>();
  const clean: string[] = [];
  const lowOnly: string[] = [];
  const failed: FleetReport['failed'] = [];
  const restarted: FleetReport['restarted'] = [];
  let strongest: { id: string; rank: number; score: number; total: number } | null = null;
  let analysed = 0;
  let unreferenced = 0;
  for (const inst of instances) {
    if (!inst.analysis || !inst.cur) {
      const error = inst.error ?? 'not captured';
      failed.push({ name: inst.name, error, brief: briefOf(inst) });
      continue;
    }
    analysed++;
    if (!inst.ref) unreferenced++;
    if (inst.cur.restart && !inst.ref) restarted.push({ name: inst.name, reason: inst.cur.restart.reason });
    const sus = suspects(inst.analysis);
    if (sus.length === 0) (inst.analysis.findings.length === 0 ? clean : lowOnly).push(inst.name);
    for (const f of sus) {
      const where = siteOf(f);
      let site = bySite.get(where);
      if (!site) {
        site = { where, title: f.patternTitle, confidence: f.confidence, pods: [] };
        bySite.set(where, site);
      }
      const seen = site.pods.find((p) => p.id === inst.id);
      // Two groups of one pod at one site (different callers) add up.
      if (seen) {
        seen.after += f.after;
        seen.delta += f.delta;
        seen.growthPerMinute = seen.growthPerMinute === null || f.growthPerMinute === null ? (seen.growthPerMinute ?? f.growthPerMinute) : seen.growthPerMinute + f.growthPerMinute;
        seen.series = seen.series.length === (f.series ?? []).length ? seen.series.map((x, i) => x + f.series[i]!) : [];
        seen.score = Math.max(seen.score, f.score);
      } else site.pods.push({ name: inst.name, id: inst.id, after: f.after, total: inst.cur.total, delta: f.delta, growthPerMinute: f.growthPerMinute, series: [...(f.series ?? [])], confidence: f.confidence, score: f.score });
      if (RANK[f.confidence] > RANK[site.confidence]) site.confidence = f.confidence;
    }
    const top = sus[0];
    const cand = { id: inst.id, rank: top ? RANK[top.confidence] : 0, score: top?.score ?? 0, total: inst.cur.total };
    if (!strongest || cand.rank > strongest.rank || (cand.rank === strongest.rank && (cand.score > strongest.score || (cand.score === strongest.score && cand.total > strongest.total))))
      strongest = cand;
  }
  const namespaces = new Set(instances.map((i) => i.cur?.instanceLabels?.namespace).filter((x): x is string => !!x));
  const sites = [...bySite.values()];
  for (const s of sites) s.pods.sort((a, b) => b.after - a.after);
  sites.sort((a, b) => RANK[b.confidence] - RANK[a.confidence] || b.pods.length - a.pods.length || b.pods[0]!.after - a.pods[0]!.after);
  const report: FleetReport = { service, analysed, discovered, sites, clean, lowOnly, unreferenced, failed, restarted, strongest: strongest?.id ?? null, ...(namespaces.size === 1 ? { namespace: [...namespaces][0]! } : {}), ...(stale ? { staleWhy: stale.why } : {}), summary: '', table: '' };
  report.summary = summaryText(report, stale?.ageMs);
  report.table = tableText(instances);
  return report;
}

function podWord(k: number): string {
  return k === 1 ? 'pod' : 'pods';
}

/** `41 s`, `3 min`: how old a reused discovery answer is. */
function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 90 ? `${s} s` : `${Math.round(s / 60)} min`;
}

function summaryText(r: FleetReport, staleAgeMs?: number): string {
  const lines: string[] = [];
  const of = r.analysed + r.failed.length;
  for (const s of r.sites.slice(0, MAX_SITES)) {
    const pods = s.pods
      .slice(0, 4)
      // The pile, then the pod's total: the table beside it lists totals and their change, which a
      // pile's count and rate beside them read as contradicting ('45 goroutines (+200/h)' over '+0').
      .map((p) => `${escapeMrkdwn(p.name)} ${n(p.after)}${growthText(p)} of its ${n(p.total)} goroutines`)
      .join(', ');
    const more = s.pods.length > 4 ? `, and ${s.pods.length - 4} more` : '';
    lines.push(`${s.confidence === 'high' ? 'Leak' : 'Likely leak'} at \`${escapeMrkdwn(s.where)}\` on ${s.pods.length} of ${of} ${podWord(of)}: ${pods}${more}`);
  }
  if (r.sites.length > MAX_SITES) lines.push(`…and ${r.sites.length - MAX_SITES} more suspected sites (see the table).`);
  const tail: string[] = [];
  const low = r.lowOnly.length;
  if (r.sites.length === 0 && r.analysed > 0) {
    const lows = low === 0 ? '' : r.analysed === 1 ? ' (a low pile only)' : ` (${low} with a low pile only)`;
    tail.push(`No suspected leaks on ${r.analysed === 1 ? 'the' : `any of ${r.analysed}`} captured ${podWord(r.analysed)}${lows}`);
  } else if (r.clean.length) tail.push(`${r.clean.length} ${podWord(r.clean.length)} clean${low ? `, ${low} with a low pile only` : ''}`);
  else if (low) tail.push(`${low} ${podWord(low)} with a low pile only`);
  if (r.failed.length)
    tail.push(
      `${r.failed.length} not captured: ${r.failed
        .slice(0, 5)
        .map((f) => `${escapeMrkdwn(f.name)} (${escapeMrkdwn(f.brief)})`)
        .join(', ')}${r.failed.length > 5 ? ', …' : ''}`,
    );
  if (r.restarted.length)
    tail.push(`${r.restarted.map((x) => escapeMrkdwn(x.name)).slice(0, 5).join(', ')} restarted since the last capture: comparison starts over`);
  if (r.discovered > of) tail.push(`sampled ${of} of ${r.discovered} pods`);
  if (r.staleWhy !== undefined) tail.push(`discovery failed, so these are the pods found ${age(staleAgeMs ?? 0)} ago (pods started since are missing)`);
  if (tail.length) lines.push(`${tail.join('; ')}.`);
  return lines.join('\n');
}

function tableText(instances: readonly InstanceReport[]): string {
  const rows: string[][] = [['pod', 'goroutines', 'change', 'top suspect']];
  for (const inst of instances.slice(0, MAX_ROWS)) {
    if (!inst.cur || !inst.analysis) {
      rows.push([inst.name, '—', 'not captured', briefOf(inst)]);
      continue;
    }
    // A pod with a low-confidence pile only is no suspect, but not "clean" either: its own findings
    // (posted beside this table when it is the alerted or strongest pod) say "1 pile worth a look".
    const top = suspects(inst.analysis)[0] ?? inst.analysis.findings[0];
    const change = inst.cur.restart && !inst.ref ? 'restarted' : inst.ref ? `${inst.cur.total - inst.ref.total >= 0 ? '+' : ''}${n(inst.cur.total - inst.ref.total)} vs #${inst.ref.seq}` : 'first';
    rows.push([inst.name, n(inst.cur.total), change, top ? `${siteOf(top)} (${top.confidence})` : 'clean']);
  }
  const widths = rows[0]!.map((_, c) => Math.min(40, Math.max(...rows.map((r) => r[c]!.length))));
  const lines = rows.map((r) => r.map((cell, c) => (cell.length > widths[c]! ? `${cell.slice(0, widths[c]! - 1)}…` : cell.padEnd(widths[c]!))).join('  ').trimEnd());
  if (instances.length > MAX_ROWS) lines.push(`… and ${instances.length - MAX_ROWS} more`);
  // Code blocks are shown verbatim by Slack: only the fence must not appear inside.
  return '```\n' + escapeMrkdwn(lines.join('\n').replaceAll('```', "'''")) + '\n```';
}
