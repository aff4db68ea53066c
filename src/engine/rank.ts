// Signals → score and confidence for every group series; only suspects become findings.
//
// Confidence is decided by which evidence is present, not by adding points: Go's own leak marker is
// ground truth; growth at every step of a series is a leak; growth between two snapshots needs a second
// witness (goroutines that outlived their creators, long waits, or a pattern that healthy code does not
// sit in) to be more than "worth a look"; a single snapshot can never be more than medium without the
// marker. Noise is filtered before that: benign stacks, stacks made only of standard-library frames,
// piles that rose and fell (surges), steady pools, in-flight request handlers.
import { matchSeries, type GroupSeries } from './diff.js';
import { benignReason, compileIgnore } from './benign.js';
import type { Analysis, BlockKind, Confidence, Finding, PatternId, Snapshot, SnapshotSummary } from './model.js';
import { isRequestScoped, readGroup, userSite, WRITE_LOOP, type Reading } from './patterns.js';

/** Knobs the CLI, the bot and the config pass to analyze/compare. */
export interface AnalyzeOptions {
  /** Extra benign patterns: regexes over function names (any frame, or the creator) that are never findings. */
  ignore?: string[];
  /** Diff mode: groups that grew by fewer goroutines than this across the series are not growing (default 5). */
  minDelta?: number;
  /** Cap on findings returned, best first (default 25). */
  maxFindings?: number;
}

const DEFAULT_MIN_DELTA = 5;
const DEFAULT_MAX_FINDINGS = 25;
/** Fewer goroutines than this in one place is not a pile worth reporting without growth or the marker. */
const MIN_PILE = 5;
/** A wait this long (minutes, as Go printed it) is not a request in flight. */
const LONG_WAIT_MIN = 10;
/** Uber's LeakProf flags this many goroutines parked on one channel operation in one profile; we do
 *  too, for operations healthy code does not park crowds in (see INTRINSIC). */
const CONCENTRATION = 1000;
/** Orphans only mean "per-request" when they came from several creators (one creator = a pool). */
const MIN_ORPHAN_CREATORS = 3;

const BLOCKED = new Set<BlockKind>([
  'chan-send',
  'chan-recv',
  'nil-chan',
  'select',
  'select-nocases',
  'waitgroup',
  'mutex',
  'rwmutex',
  'cond',
  'semaphore',
  'net-io',
  'file-io',
  'sync-other',
  'sleep', // a sleep loop is parked, too; it only becomes a finding by piling up
  'unknown', // parked on something the format does not name (debug=1 channel operations)
]);

/** Patterns healthy code does not pile up in, so growth alone is enough for "medium". */
const INTRINSIC = new Set<PatternId>([
  'chan-send-no-receiver',
  'nil-chan',
  'select-no-cases',
  'unclosed-http-body',
  'waitgroup-never-done',
  'cond-never-signalled',
]);

const TIER: Record<Confidence, { floor: number; width: number; rank: number }> = {
  high: { floor: 70, width: 30, rank: 0 },
  medium: { floor: 40, width: 29, rank: 1 },
  low: { floor: 10, width: 29, rank: 2 },
};

/** Single-snapshot analysis: no growth signal, so confidence is lower than in a series. */
export function analyze(snapshot: Snapshot, opts: AnalyzeOptions = {}): Analysis {
  return compare([snapshot], opts);
}

/** Two or more snapshots of one service, oldest first: a leak keeps growing, a surge rises and falls. */
export function compare(input: Snapshot[], opts: AnalyzeOptions = {}): Analysis {
  if (input.length === 0) throw new RangeError('compare needs at least one snapshot');
  // Oldest first is the contract; when every capture time is known, hold callers to it.
  const timed = input.every((s) => s.capturedAt !== null);
  const series = timed ? [...input].sort((a, b) => a.capturedAt! - b.capturedAt!) : input;
  const ctx: Context = {
    n: series.length,
    minDelta: Math.max(1, opts.minDelta ?? DEFAULT_MIN_DELTA),
    ignore: compileIgnore(opts.ignore ?? []),
    series,
    latest: series[series.length - 1]!,
    writeLoops: 0,
  };
  const all = matchSeries(series);
  // Each connection with an unread body holds a writeLoop too: fold those into the readLoop finding.
  const unclosedBody = all.some((s) => !s.vanished && readGroup(s.group).pattern === 'unclosed-http-body');
  if (unclosedBody) for (const s of all) if (isWriteLoop(s)) ctx.writeLoops += s.after;

  let suppressed = 0;
  const found: Finding[] = [];
  for (const s of all) {
    const f = admissible(s, ctx) && !(unclosedBody && isWriteLoop(s)) ? judge(s, ctx) : null;
    if (f) found.push(f);
    else if (noteworthy(s, ctx)) suppressed++;
  }
  const findings = mergeBySite(found);
  findings.sort(better);
  return {
    mode: series.length === 1 ? 'single' : 'diff',
    snapshots: series.map(summarize),
    findings: findings.slice(0, Math.max(0, opts.maxFindings ?? DEFAULT_MAX_FINDINGS)),
    suppressed,
  };
}

interface Context {
  n: number;
  minDelta: number;
  ignore: RegExp[];
  series: Snapshot[];
  latest: Snapshot;
  writeLoops: number;
}

const isWriteLoop = (s: GroupSeries) => s.group.frames.some((f) => WRITE_LOOP.test(f.func));

function summarize(s: Snapshot): SnapshotSummary {
  return {
    goroutines: s.total,
    groups: s.groups.length,
    capturedAt: s.capturedAt,
    format: s.format,
    leakProfile: s.leakProfile,
    truncated: s.truncated,
    warnings: s.warnings,
  };
}

/** Everything judge() looks at, worked out once. */
interface Facts {
  reading: Reading;
  blocked: boolean;
  growth: boolean;
  monotonic: boolean;
  surge: boolean;
  plateau: boolean;
  longWait: boolean;
  orphansPerRequest: boolean;
  requestScoped: boolean;
  leaked: number;
}

function factsOf(s: GroupSeries, ctx: Context): Facts {
  const g = s.group;
  const reading = readGroup(g);
  const c = s.counts;
  const steps = c.slice(1).map((v, i) => v - c[i]!);
  const growth = ctx.n >= 2 && s.delta >= ctx.minDelta;
  // A per-request leak's goroutines each come from a different creator that has since returned. Not
  // for readLoops: every HTTP connection is dialled by a goroutine that exits at once.
  const orphanCreators = g.distinctCreators ?? 0;
  return {
    reading,
    blocked: BLOCKED.has(g.kind) || reading.pattern === 'unclosed-http-body',
    growth,
    monotonic: growth && ctx.n >= 3 && steps.every((d) => d > 0),
    surge: ctx.n >= 2 && s.peak - s.after >= Math.max(ctx.minDelta, 0.3 * s.peak),
    plateau: growth && ctx.n >= 3 && (steps[steps.length - 1] ?? 0) <= 0,
    longWait: (g.waitMinutes?.max ?? 0) >= LONG_WAIT_MIN,
    orphansPerRequest:
      reading.pattern !== 'unclosed-http-body' && g.orphans * 2 >= g.count && orphanCreators >= MIN_ORPHAN_CREATORS,
    requestScoped: isRequestScoped(g),
    leaked: leakedIn(s, ctx),
  };
}

/** Goroutines Go's leak profile reported as leaked. Its debug=2 form marks them `(leaked)`; its debug=1
 *  and proto forms list only leaked goroutines, so every goroutine there counts. */
function leakedIn(s: GroupSeries, ctx: Context): number {
  const snap = ctx.series[s.lastSeen]!;
  if (s.group.leaked > 0 || !snap.leakProfile || snap.format === 'debug2') return s.group.leaked;
  return s.group.count;
}

/** The confidence this evidence supports, or null when the series is not a suspect. */
function confidenceOf(s: GroupSeries, f: Facts, ctx: Context): Confidence | null {
  if (f.leaked > 0) return 'high';
  if (!f.blocked) return null;
  if (f.surge && !f.longWait) return null;
  const witness = f.orphansPerRequest || f.longWait;
  if (ctx.n >= 2) {
    if (!f.growth) return s.after >= MIN_PILE && witness && !f.requestScoped ? 'low' : null;
    if (f.monotonic) return f.requestScoped ? 'medium' : 'high';
    if (f.plateau) return 'low';
    if (witness) return f.requestScoped ? 'medium' : 'high';
    return !f.requestScoped && INTRINSIC.has(f.reading.pattern) ? 'medium' : 'low';
  }
  if (s.after < MIN_PILE) return null;
  if (f.requestScoped) return 'low';
  if (witness || (s.after >= CONCENTRATION && INTRINSIC.has(f.reading.pattern))) return 'medium';
  return 'low';
}

const noteworthy = (s: GroupSeries, ctx: Context) =>
  Math.abs(s.delta) >= ctx.minDelta || (s.after >= MIN_PILE && BLOCKED.has(s.group.kind));

/** Whether a series may be a suspect at all: still there, not ignored or benign (unless Go marked it
 *  leaked), and with a line of the service's code, except for HTTP bodies whose cause is net/http's. */
function admissible(s: GroupSeries, ctx: Context): boolean {
  if (s.vanished) return false;
  const benign = benignReason(s.group, ctx.ignore);
  const leaked = leakedIn(s, ctx);
  if (benign === 'ignored' || (benign === 'benign' && leaked === 0)) return false;
  // Stacks without a line of the service's code are the runtime's and the standard library's own
  // machinery (accept loops, keep-alive connections, signal handling): not the service's leak.
  const { site, pattern } = readGroup(s.group);
  return site !== null || pattern === 'unclosed-http-body' || leaked > 0;
}

function judge(s: GroupSeries, ctx: Context): Finding | null {
  const g = s.group;
  const f = factsOf(s, ctx);
  const confidence = confidenceOf(s, f, ctx);
  if (!confidence) return null;

  const info = f.reading.info;
  const signals = signalsOf(s, f, ctx);
  let advice = info.advice;
  if (f.reading.pattern === 'unclosed-http-body') advice += ' ' + httpClientHint(ctx.latest, f);
  return {
    state: g.state,
    kind: g.kind,
    before: s.before,
    after: s.after,
    delta: s.delta,
    series: s.counts,
    growthPerMinute: s.growthPerMinute,
    frames: g.frames,
    site: f.reading.site,
    stdSite: f.reading.stdSite,
    createdBy: f.reading.createdBy,
    waitMinutes: g.waitMinutes,
    orphans: g.orphans,
    leaked: f.leaked,
    labels: g.labels,
    exampleId: g.exampleId,
    pattern: info.id,
    patternTitle: info.title,
    advice,
    signals,
    score: scoreOf(s, f, confidence),
    confidence,
    groupKey: s.key,
    coarseKey: s.coarseKey,
  };
}

const better = (a: Finding, b: Finding) => TIER[a.confidence].rank - TIER[b.confidence].rank || b.score - a.score || b.after - a.after;

/** One leak reached through several call paths is one finding: suspects blocked at the same line add
 *  up, the strongest speaks for the stack. Only suspects merge, so a path that drains cannot hide
 *  one that grows. */
function mergeBySite(found: Finding[]): Finding[] {
  const bySite = new Map<string, Finding[]>();
  for (const f of found) {
    const key = f.site ? `${f.pattern}|${f.site.func}|${f.site.file}:${f.site.line}` : f.groupKey;
    const list = bySite.get(key);
    if (list) list.push(f);
    else bySite.set(key, [f]);
  }
  const out: Finding[] = [];
  for (const list of bySite.values()) {
    const [best, ...rest] = list.sort(better);
    if (!best) continue;
    if (rest.length === 0) {
      out.push(best);
      continue;
    }
    const sum = (pick: (f: Finding) => number) => list.reduce((n, f) => n + pick(f), 0);
    const waits = list.map((f) => f.waitMinutes).filter((w) => w !== null);
    const labels: Record<string, string[]> = {};
    for (const f of list) for (const [k, vs] of Object.entries(f.labels)) labels[k] = [...new Set([...(labels[k] ?? []), ...vs])];
    const series = best.series.map((_, i) => sum((f) => f.series[i] ?? 0));
    const together = `${list.length} call paths block at this line: ${series.join(' → ')} together`;
    out.push({
      ...best,
      before: sum((f) => f.before),
      after: sum((f) => f.after),
      delta: sum((f) => f.delta),
      series,
      growthPerMinute: list.every((f) => f.growthPerMinute !== null) ? sum((f) => f.growthPerMinute!) : null,
      orphans: sum((f) => f.orphans),
      leaked: sum((f) => f.leaked),
      waitMinutes: waits.length ? { min: Math.min(...waits.map((w) => w.min)), max: Math.max(...waits.map((w) => w.max)) } : null,
      labels,
      signals: [together, ...best.signals.map((x) => (/^(grew|steady)/.test(x) ? `strongest path ${x}` : x))],
    });
  }
  return out;
}

/** A score inside the confidence's band, higher for bigger, faster, longer-waiting piles. */
function scoreOf(s: GroupSeries, f: Facts, c: Confidence): number {
  let strength = Math.min(1, Math.log10(s.after + 1) / 4) * 0.4; // 10k goroutines fills this part
  if (f.growth) strength += Math.min(1, Math.log10(s.delta + 1) / 3) * 0.25;
  if (f.monotonic) strength += 0.1;
  if (f.longWait) strength += 0.1;
  if (f.orphansPerRequest) strength += 0.1;
  if (f.leaked > 0) strength += 0.05;
  if (INTRINSIC.has(f.reading.pattern)) strength += 0.15; // healthy code rarely parks here
  if (f.requestScoped) strength -= 0.1;
  const band = TIER[c];
  return band.floor + Math.round(band.width * Math.max(0, Math.min(1, strength)));
}

const fmtRate = (r: number) => (Math.abs(r) >= 10 ? r.toFixed(0) : r.toFixed(1));

function signalsOf(s: GroupSeries, f: Facts, ctx: Context): string[] {
  const g = s.group;
  const out: string[] = [];
  if (f.leaked > 0) out.push(`${f.leaked} of ${g.count} marked (leaked) by Go's goroutine leak profile`);
  if (ctx.n >= 2) {
    const rate = s.growthPerMinute !== null && s.delta > 0 ? ` (+${fmtRate(s.growthPerMinute)}/min)` : '';
    if (f.monotonic) out.push(`grew at every snapshot: ${s.counts.join(' → ')}${rate}`);
    else if (f.growth) out.push(`grew ${s.before} → ${s.after} (+${s.delta})${rate}`);
    else out.push(`steady at ${s.after} across ${ctx.n} snapshots`);
    if (f.plateau) out.push('stopped growing at the last snapshot (a pool that grew once looks like this)');
    if (s.isNew) out.push('not present in the first snapshot');
  } else {
    const crowd = g.count >= CONCENTRATION ? `, a crowd of the size Uber's LeakProf flags` : '';
    out.push(`${g.count} goroutines on one operation${crowd} (single snapshot: capture again to see growth)`);
  }
  out.push(`blocked in ${g.state}${g.stateInferred ? ' (inferred from the frames)' : ''}`);
  if (g.waitMinutes) {
    const { min, max } = g.waitMinutes;
    out.push(min === max ? `waiting ${max} min` : `waiting ${min}–${max} min`);
  }
  if (f.orphansPerRequest) {
    out.push(`${g.orphans} of ${g.count} outlived the goroutine that started them (${g.distinctCreators} distinct creators)`);
  }
  if (f.requestScoped) out.push('serves requests: in-flight handlers come and go with traffic');
  if (f.reading.pattern === 'unclosed-http-body' && ctx.writeLoops > 0) {
    out.push(`plus ${ctx.writeLoops} writeLoop goroutines holding the same connections`);
  }
  return out;
}

/** Unclosed bodies leave no frame of the service's code in readLoop. Name the transport that opened
 *  the connections and, as a lead, the service's code that was inside http.Client when the dump was
 *  taken (it may or may not be the caller that drops the body). */
function httpClientHint(latest: Snapshot, f: Facts): string {
  const callers = new Set<string>();
  for (const g of latest.groups) {
    if (!g.frames.some((fr) => /^net\/http\.\(\*Client\)\.(do|Do)$/.test(fr.func))) continue;
    const site = userSite(g.frames);
    if (site) callers.add(`${site.func} (${site.file}:${site.line})`);
  }
  const created = f.reading.createdBy;
  const by = created ? `The connections were opened by ${created.func}` : 'The connections were opened by http.Transport';
  const lead = callers.size > 0 ? ` Client calls in flight when the dump was taken: ${[...callers].slice(0, 3).join(', ')}.` : '';
  return `${by}: look for a client.Do/Get/Post whose resp.Body is dropped.${lead}`;
}
