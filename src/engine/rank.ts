// Series → findings. Every series that is still there, not benign and blocked in the service's own
// code is judged by its evidence (evidence.ts: identity across snapshots, growth, the pile's shape,
// waits, Go's leak mark), summed through the one evidence table (verdict.ts) into a confidence. Noise
// is filtered before that: benign stacks and stacks made only of standard-library frames. Hangs
// (hang.ts) are reported beside the findings, never as leaks.
import { matchSeries, type GroupSeries } from './diff.js';
import { benignReason, compileIgnore, isObjectDaemon } from './benign.js';
import { chainEntries, evidenceOf, keptMostAndAdded, leakedIn, multipliedDaemon, type Evidence } from './evidence.js';
import { lockCaller, parkedHolder } from './lock-holders.js';
import { findHangs } from './hang.js';
import { formatCount, growthText } from './count.js';
import { orderUntimed } from './order.js';
import { otherProcess } from './process.js';
import { perSnapshot } from './memo.js';
import type { Analysis, BlockKind, CallPath, Confidence, Finding, Frame, ParkedHolder, PatternId, SignalId, Snapshot, SnapshotSummary, StackGroup } from './model.js';
import { foldCompanions } from './companions.js';
import { dependencyModule } from './modules.js';
import { isDependencyFrame, isLibraryFrame, isLibraryPile, isRequestScoped, isStdFrame, readGroup, userSite, WRITE_LOOP, type Reading } from './patterns.js';
import { THRESHOLDS, confidenceOf, pointsOf } from './verdict.js';

/** Knobs the CLI, the bot and the config pass to analyze/compare. */
export interface AnalyzeOptions {
  /** Extra benign patterns: regexes over function names (any frame, or the creator) that are never findings. */
  ignore?: string[];
  /** Diff mode: groups that grew by fewer goroutines than this across the series are not growing (default 5). */
  minDelta?: number;
  /** Cap on findings returned, best first (default 25). */
  maxFindings?: number;
  /** The snapshots are of different processes (a baseline from another run): compare goroutine counts
   *  per stack, never goroutine ids. Detected by itself where Go gives each process its own heap
   *  addresses (process.ts, Go ≥ 1.26). */
  separateProcesses?: boolean;
  /** The caller has its own evidence that untimed snapshots were given oldest first (the CLI: the
   *  dump files' modification times rise in the order given). Goroutine ids then reorder them only
   *  when they rule the order given out, not when another order merely fits them better. */
  givenInOrder?: boolean;
}

const DEFAULT_MIN_DELTA = 5;
const DEFAULT_MAX_FINDINGS = 25;
/** Fewer goroutines than this in one place is not a pile worth a low finding. */
const MIN_PILE = 5;

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

const TIER: Record<Confidence, { floor: number; width: number; rank: number }> = {
  high: { floor: 70, width: 30, rank: 0 },
  medium: { floor: 40, width: 29, rank: 1 },
  low: { floor: 10, width: 29, rank: 2 },
};

/** Single-snapshot analysis: no growth or identity signal, so at most medium without Go's leak mark. */
export function analyze(snapshot: Snapshot, opts: AnalyzeOptions = {}): Analysis {
  return compare([snapshot], opts);
}

/** Two or more snapshots of one process, oldest first: a leak keeps its goroutines and adds more, a
 *  surge or a busy pool turns over. Throws RangeError on an empty list. */
export function compare(input: Snapshot[], opts: AnalyzeOptions = {}): Analysis {
  if (input.length === 0) throw new RangeError('compare needs at least one snapshot');
  // Oldest first is the contract; when every capture time is known, hold callers to it.
  const timed = input.every((s) => s.capturedAt !== null);
  // Dumps of different processes: their ids neither order them nor tell survivors from newcomers.
  const detected = !opts.separateProcesses && input.some((s, i) => i > 0 && otherProcess(input[i - 1]!, s));
  const separate = opts.separateProcesses === true || detected;
  // Without times, goroutine ids still tell which dump came first (order.ts).
  const order = timed
    ? { series: [...input].sort((a, b) => a.capturedAt! - b.capturedAt!), note: null }
    : separate
      ? { series: input, note: null }
      : orderUntimed(input, { givenInOrder: opts.givenInOrder === true });
  const notes = [order.note, separate && input.length > 1 ? (detected ? SEPARATE_DETECTED : SEPARATE_GIVEN) : null].filter((x): x is string => x !== null);
  const series = order.series;
  const ctx: Context = {
    n: series.length,
    minDelta: Math.max(1, opts.minDelta ?? DEFAULT_MIN_DELTA),
    // Ids show growth goroutine by goroutine: two that arrived and stayed are growth, unless the user
    // raised the bar.
    minNewcomers: Math.max(2, opts.minDelta ?? 2),
    ignore: compileIgnore(opts.ignore ?? []),
    series,
    latest: series[series.length - 1]!,
    writeLoops: 0,
    chainEntries: chainEntries(series[series.length - 1]!),
    ...(separate ? { separate: true } : {}),
  };
  const all = matchSeries(series, { identity: !separate });
  // Each connection with an unread body holds a writeLoop too: fold those into the readLoop finding.
  const unclosedBody = all.some((s) => !s.vanished && readGroup(s.group).pattern === 'unclosed-http-body');
  if (unclosedBody) for (const s of all) if (isWriteLoop(s)) ctx.writeLoops += s.after;

  let suppressed = 0;
  let ignored = 0;
  const found: Finding[] = [];
  const groups = new Map<string, StackGroup>();
  for (const s of all) {
    const f = admissible(s, ctx) && !(unclosedBody && isWriteLoop(s)) ? judge(s, ctx) : null;
    if (f) {
      found.push(f);
      groups.set(f.groupKey, s.group);
    } else if (!noteworthy(s, ctx)) continue;
    // The user's --ignore hid it: not a pile the engine judged healthy.
    else if (!s.vanished && benignReason(s.group, ctx.ignore) === 'ignored') ignored++;
    else suppressed++;
  }
  const findings = linkSameFunction(foldCompanions(mergeBySite(found).sort(better), (f) => groups.get(f.groupKey)!));
  const by = (c: Confidence) => findings.filter((f) => f.confidence === c).length;
  return {
    mode: series.length === 1 ? 'single' : 'diff',
    snapshots: series.map(summarize),
    findings: findings.slice(0, Math.max(0, opts.maxFindings ?? DEFAULT_MAX_FINDINGS)),
    suppressed,
    ...(ignored > 0 ? { ignored } : {}),
    counts: { high: by('high'), medium: by('medium'), low: by('low'), total: findings.length },
    hangs: findHangs(ctx.latest),
    ...(notes.length > 0 ? { notes } : {}),
    ...(separate && series.length > 1 ? { separateProcesses: true } : {}),
  };
}

/** Sets Finding.sameFunction on findings whose sites are other lines of one function. Returns `findings`. */
function linkSameFunction(findings: Finding[]): Finding[] {
  const byFunc = new Map<string, number[]>();
  findings.forEach((f, i) => {
    if (f.site) (byFunc.get(f.site.func) ?? byFunc.set(f.site.func, []).get(f.site.func)!).push(i);
  });
  for (const at of byFunc.values()) {
    if (at.length < 2) continue;
    for (const i of at) {
      const others = at.filter((j) => j !== i && findings[j]!.site!.line !== findings[i]!.site!.line);
      if (others.length > 0) findings[i]!.sameFunction = others.map((j) => ({ line: findings[j]!.site!.line, goroutines: findings[j]!.after, finding: j + 1 }));
    }
  }
  return findings;
}

const SEPARATE_DETECTED =
  'the dumps are of different processes: every goroutine both list under one id and stack was in another call (its arguments differ), so goroutine ids are not compared: growth is read from goroutine counts per stack, as against a baseline, in the order given (oldest first)';
const SEPARATE_GIVEN = 'compared as dumps of different processes (--separate-processes): growth is read from goroutine counts per stack, not from goroutine ids, in the order given (oldest first)';

interface Context {
  n: number;
  minDelta: number;
  minNewcomers: number;
  ignore: RegExp[];
  series: Snapshot[];
  latest: Snapshot;
  writeLoops: number;
  chainEntries: ReadonlySet<string>;
  /** Snapshots of different processes (SeriesContext.separate). */
  separate?: boolean;
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
    ...(s.crash ? { crash: s.crash } : {}),
  };
}

const noteworthy = (s: GroupSeries, ctx: Context) =>
  Math.abs(s.delta) >= ctx.minDelta || (s.after >= MIN_PILE && BLOCKED.has(s.group.kind));

/** Whether a series may be a suspect at all: still there, not ignored or benign (unless Go marked it
 *  leaked), and with a line of the service's code, except for HTTP bodies whose cause is net/http's. */
function admissible(s: GroupSeries, ctx: Context): boolean {
  if (s.vanished) return false;
  const benign = benignReason(s.group, ctx.ignore);
  const leaked = leakedIn(s, ctx.series);
  if (benign === 'ignored') return false;
  // A library's machinery the service's code asked for (a Rows' watcher, a tracer provider's batch
  // loop) that keeps its goroutines and adds more is the service's leak, however healthy one is.
  if (leaked === 0 && libraryPileGrowing(s, ctx)) return true;
  if (benign === 'benign' && leaked === 0 && !(isObjectDaemon(s.group) && (multipliedDaemon(s.group, ctx.latest.maxId) || daemonGrowing(s, ctx)))) return false;
  // Stacks without a line of the service's code are the runtime's and the standard library's own
  // machinery (accept loops, keep-alive connections, signal handling): not the service's leak.
  const { site, pattern } = readGroup(s.group);
  // A connection waits for its response body to be read while a stream is being consumed too: when as
  // many goroutines are reading response bodies right now, no body is left unread.
  if (pattern === 'unclosed-http-body' && leaked === 0 && bodyReaders(ctx.latest) >= s.group.count) return false;
  // A listener's accept loop the service's own code started (`go srv.Serve(ln)`) is judged like its
  // code: the line that started it is the one to change.
  const ownListener = pattern === 'listener-never-closed' && s.group.createdBy !== null && !isLibraryFrame(s.group.createdBy);
  return site !== null || STD_CAUSED.has(pattern) || leaked > 0 || ownListener;
}

/** Patterns whose cause is named by the standard library's frames alone (no line of the service's
 *  code on the stack): an HTTP body nobody closes (net/http's readLoop), a TLS handshake nobody
 *  finishes (a server's or client's missing deadline, wherever net/http starts it). */
const STD_CAUSED = new Set<PatternId>(['unclosed-http-body', 'tls-handshake-no-deadline']);

/** Goroutines reading an HTTP/1 client response body right now (net/http.(*bodyEOFSignal).Read on
 *  their stack, net/http/transport.go): streams and downloads in progress, one per connection whose
 *  readLoop waits for its body to be read. */
const bodyReaders = perSnapshot((snap) => {
  let n = 0;
  for (const g of snap.groups) if (g.frames.some((f) => f.func === BODY_READ)) n += g.count;
  return n;
});
const BODY_READ = 'net/http.(*bodyEOFSignal).Read';

/** Without ids: a pile the built-in list calls a daemon, one per process, that grew by --min-delta
 *  or more at every step of 3+ snapshots (grpc's CallbackSerializer 57 → 66 → 75 in debug=1: a
 *  ClientConn per call). With ids, libraryPileGrowing and multipliedDaemon say more. */
function daemonGrowing(s: GroupSeries, ctx: Context): boolean {
  if (s.identity || ctx.n < 3) return false;
  return s.counts.every((c, i) => i === 0 || c - s.counts[i - 1]! >= ctx.minDelta);
}

/** A pile of library code only, started for live goroutines of the service's code (startedFrom),
 *  where no more left than stayed at every step and 2 or more were added net at each (--min-delta when
 *  set: with ids two that arrived and stayed are growth, as for kept-and-added)
 *  with ids (debug=2): not a network wait, request serving or a connection's writeLoop, whose growth
 *  is the peers' doing or told by the connection's readLoop. */
function libraryPileGrowing(s: GroupSeries, ctx: Context): boolean {
  const g = s.group;
  // A connection's writeLoop grows with its readLoop, which speaks for the connection (unclosed-http-body).
  if (!g.startedFrom || !s.identity || s.delta < ctx.minNewcomers || g.kind === 'net-io' || isRequestScoped(g) || isWriteLoop(s)) return false;
  return keptMostAndAdded(s.identity.steps.filter((st) => st.survivors + st.departures > 0), ctx.minNewcomers);
}

/** For a pile waiting on a dependency's lock: the service's call of that library's own Lock (a method
 *  or function named Lock, RLock or TryLock, e.g. github.com/moby/locker.(*Locker).Lock) and the
 *  service's frame that called it, when the stack shows one (innermost first); else null. The service
 *  takes such a lock itself, so a lost Unlock is its own, not a transaction left open. */
function lockWrapperCall(frames: readonly Frame[], module: string): { lib: Frame; own: Frame } | null {
  for (let i = 0; i + 1 < frames.length; i++) {
    const f = frames[i]!;
    if (!LOCK_METHOD.test(f.func) || dependencyModule(f.file) !== module) continue;
    const caller = frames[i + 1]!;
    if (!isLibraryFrame(caller)) return { lib: f, own: caller };
  }
  return null;
}
const LOCK_METHOD = /[.)](Lock|RLock|TryLock)$/;

/** Rows that show a pile growing across snapshots. */
const GROWTH_ROWS = new Set<SignalId>(['grew', 'grew-wait', 'grew-every-step', 'kept-and-added', 'kept-and-added-batch', 'kept-most-and-added']);

function judge(s: GroupSeries, ctx: Context): Finding | null {
  const g = s.group;
  const reading = readGroup(g);
  const ev = evidenceOf(s, reading, ctx);
  if (ev.leaked === 0 && !BLOCKED.has(g.kind) && reading.pattern !== 'unclosed-http-body') return null;
  const points = pointsOf(ev.items);
  // Across a restart with no growth to show, the latest process's dump speaks alone: one snapshot's cap.
  const alone = ctx.n === 1 || (ctx.separate === true && !ev.items.some((e) => GROWTH_ROWS.has(e.signal)));
  const confidence = confidenceOf(points, { single: alone, leakMark: ev.leaked > 0 });
  if (!confidence) return null;
  // A low finding needs a pile; medium and high stand on their evidence (a GoKer leak is a few goroutines).
  if (confidence === 'low' && s.after < MIN_PILE) return null;

  const info = reading.info;
  let advice = info.advice;
  if (ev.poolShaped) {
    advice = 'Shaped like a pool at rest (started together' + (ev.items.some((e) => e.signal === 'one-live-creator') ? ' by one goroutine that is still running' : '') + '): if it is one, there is nothing to fix. If not: ' + advice;
  }
  if (reading.pattern === 'lock-never-released') {
    // The lock is a dependency's (its Lock is called from the library's code): the service holds no
    // mutex at its line; what it left open is the library's (a transaction, a handle, an iterator).
    const locker = lockCaller(g);
    const module = locker ? dependencyModule(locker.file) : null;
    const wrapper = module !== null ? lockWrapperCall(g.frames, module) : null;
    if (wrapper !== null) {
      // A keyed or named lock (moby/locker, a lock per tenant): the service takes and releases it.
      advice = `These goroutines wait in ${wrapper.lib.func}, a lock your code takes itself at ${wrapper.own.func} (${fileAndLine(wrapper.own)}): some path that takes it never releases it — an early return or error branch between the Lock and its Unlock, or a panic without a deferred Unlock. Put \`defer …Unlock(…)\` right after the Lock, and look at every return between them.`;
    } else if (module !== null) {
      advice = `The lock these goroutines wait for is ${module.replace(/@.*$/, '')}'s (taken in ${locker!.func}), not one in your code: something holds it and never lets go — usually a transaction, handle, iterator or session of that library opened and never closed or rolled back on some path (look for a Begin/Open/View without its Rollback/Close), or a call into it that never returns. Find the code that opened it; the goroutines here are waiting behind it.`;
    }
  }
  // The service's own goroutines (not ones a library started) waiting inside a dependency's call.
  const sender = g.frames[0];
  const inLibraryCall = reading.site !== null && !isLibraryFrame(reading.site) && sender !== undefined && isDependencyFrame(sender) && !(g.createdBy !== null && isDependencyFrame(g.createdBy));
  if (inLibraryCall && reading.pattern === 'chan-send-no-receiver') {
    // The service's goroutines call into a library that sends to its own loop (a reporter's queue, a
    // hub's register channel): that loop has stopped receiving, not a caller of the service's.
    advice = `These goroutines block sending inside ${sender!.func} (${fileAndLine(sender!)}), called from ${reading.site!.func} (${fileAndLine(reading.site!)}): the library's goroutine that receives it is gone or stuck. Usually the object was closed or stopped while your code still used it (a reporter, client, queue or hub closed on a reload or at shutdown before its last users finished), or its loop exited on an error, or the loop is itself blocked handing something to a subscriber or consumer that stopped reading (look for that goroutine in the dump). Close an object only after its users are done (swap in the new one first, close the old one once in-flight calls finish), never call it after Close, and unsubscribe every consumer on every path that stops reading.`;
  }
  if (inLibraryCall && reading.pattern === 'select-no-cancel') {
    // The select is the library's: the service cannot add a case to it, only act at its own call.
    advice = `These goroutines wait in a select inside ${sender!.func} (${fileAndLine(sender!)}), called from ${reading.site!.func} (${fileAndLine(reading.site!)}): they wait for what that library hands back — data on a stream or connection, a slot or lock it guards, a result another call owes, a retry's next attempt. Act at your call: pass it a context with a deadline, or cancel it when the caller is done (if it takes one); close the stream, session or handle when you stop using it; and make sure whatever holds the library's slot gives it back on every path (a transaction discarded or committed, an iterator or lock released).`;
  }
  // The holder in sight, parked while it holds the lock: the line to fix is its wait, not the Lock.
  const heldBy = s.lastSeen === ctx.series.length - 1 ? parkedHolder(g, ctx.latest) : null;
  if (heldBy !== null) advice = heldByAdvice(heldBy);
  // Where live creators run now speaks for the pile only when they started most of it: jaeger's 436
  // reconnect loops, one of them made by main's shared tracer, the rest by handlers long gone.
  const startedFrom = g.startedFrom && g.startedFrom.goroutines * 2 >= s.after ? g.startedFrom : null;
  const libraryOnly = g.frames.length > 0 && isLibraryPile(g);
  if (reading.pattern === 'unclosed-http-body') advice += ' ' + httpClientHint(ctx.latest, reading);
  else if (!g.startedFrom && g.createdBy !== null && !isLibraryFrame(g.createdBy) && g.frames.length > 0 && g.frames.every(isLibraryFrame) && isDependencyFrame(g.frames[g.frames.length - 1]!)) {
    // The service started a library function itself: a call (`go client.Post(…)`) ends when it returns, a
    // loop (`go plan.Run(…)`, `go cache.Start()`) when it is stopped, which is the service's to do.
    const entry = g.frames[g.frames.length - 1]!;
    advice = `These goroutines run only library code: ${entry.func}, which ${g.createdBy.func} started (${fileAndLine(g.createdBy)}), and they end when it returns. If it is a call, give it a deadline or cancel its context; if it is a loop or a watcher (a Run, Start or Watch), it runs until it is stopped: call its Stop, Close or Cancel when the code that started it is done. ${advice}`;
  } else if (startedFrom) {
    // The library's goroutine waits on what the service handed it; the fix is at the service's call.
    const from = startedFrom.frame;
    advice = `These goroutines run only library code, started for ${from.func} (${fileAndLine(from)}): the library ends them when the caller closes or cancels what it opened there (cancel the context passed to the call; close the stream, rows, response, subscription or provider; or read it to the end). ${advice}`;
  } else if (libraryOnly && g.orphans * 2 >= g.count) {
    // Started by the library for goroutines of the service that have exited (requests, jobs): each made
    // one of the library's objects and left it open.
    advice = `These goroutines run only library code, and ${g.orphans} of the ${g.count} were started for goroutines that have exited (requests or jobs done): each left behind an object of that library it made (a client, tracer, pool, watcher, connection) without closing it. Find where your code makes it per request or job (a New…, Open or Dial) and Close or Stop it on every path, or make one and share it. ${advice}`;
  }
  return {
    state: g.state,
    kind: g.kind,
    before: s.before,
    after: s.after,
    delta: s.delta,
    series: s.counts,
    growthPerMinute: s.growthPerMinute,
    frames: g.frames,
    site: reading.site,
    stdSite: reading.stdSite,
    createdBy: reading.createdBy,
    ...(g.createdBySites && reading.createdBy === g.createdBy ? { createdBySites: g.createdBySites } : {}),
    ...(startedFrom ? { startedFrom } : {}),
    ...(heldBy !== null ? { heldBy } : {}),
    waitMinutes: g.waitMinutes,
    orphans: g.orphans,
    leaked: ev.leaked,
    labels: g.labels,
    exampleId: g.exampleId,
    pattern: info.id,
    patternTitle: info.title,
    advice,
    signals: capped(signalsOf(s, ev, reading, ctx), points, alone && ev.leaked === 0, ctx.latest.crash !== undefined),
    score: scoreOf(s, points, confidence),
    confidence,
    groupKey: s.key,
    coarseKey: s.coarseKey,
    evidence: ev.items,
    identity: s.identity,
    shape: ev.shape,
    paths: [{ count: s.after, site: reading.site, distinct: reading.site, createdBy: reading.createdBy, confidence }],
  };
}

const better = (a: Finding, b: Finding) => TIER[a.confidence].rank - TIER[b.confidence].rank || b.score - a.score || b.after - a.after;

/** One leak reached through several call paths is one finding: suspects blocked at the same line add
 *  up, the strongest speaks for the stack, and every path is listed with the frame that tells it apart
 *  (often the function to fix). Only suspects merge, so a path that drains cannot hide one that grows. */
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
    const paths = callPaths(list);
    const together = `${list.length} call paths block at this line: ${series.join(' → ')} together; ${viaLine(paths)}`;
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
      signals: [together, ...best.signals.map((x) => (/^(grew|steady|kept|\d[\d,]* goroutines on one)/.test(x) ? `strongest path: ${x}` : x))],
      paths,
    });
  }
  return out;
}

const shortName = (func: string) => func.slice(func.lastIndexOf('/') + 1);

/** "via api.quote (60), api.order (45)": the biggest paths named by the frame that tells each apart
 *  (at most 5; a path no frame of its own tells apart is counted, not named). */
function viaLine(paths: CallPath[]): string {
  const named = paths.filter((p) => p.distinct && p.distinct !== p.site).sort((a, b) => b.count - a.count);
  const shown = named.slice(0, 5).map((p) => `${shortName(p.distinct!.func)} (${p.count})`);
  const rest = paths.length - shown.length;
  if (shown.length === 0) return `no single frame tells the ${paths.length} paths apart`;
  return `via ${shown.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
}

/** Each path with the outermost frame of the service's own code that the other paths lack. */
function callPaths(list: Finding[]): CallPath[] {
  const text = (f: Frame) => `${f.func} ${f.file}:${f.line}`;
  // How many paths hold each frame (and each creator): one pass, so hundreds of paths stay linear.
  const own = list.map((f) => new Set(f.frames.filter((fr) => !isStdFrame(fr)).map(text)));
  const paths = new Map<string, number>();
  for (const set of own) for (const t of set) paths.set(t, (paths.get(t) ?? 0) + 1);
  const creators = new Map<string, number>();
  for (const f of list) if (f.createdBy) creators.set(text(f.createdBy), (creators.get(text(f.createdBy)) ?? 0) + 1);
  return list.map((f) => {
    let distinct: Frame | null = null;
    // outermost wins: frames are innermost first; a frame only this path holds has a count of 1
    for (const fr of f.frames) if (!isStdFrame(fr) && paths.get(text(fr)) === 1) distinct = fr;
    // A path may differ only by its creator (same frames, started elsewhere).
    if (!distinct && f.createdBy && creators.get(text(f.createdBy)) === 1) distinct = f.createdBy;
    return { count: f.after, site: f.site, distinct: distinct ?? f.site, createdBy: f.createdBy, confidence: f.confidence };
  });
}

/** A score inside the confidence's band, higher for more evidence and bigger, faster piles. */
function scoreOf(s: GroupSeries, points: number, c: Confidence): number {
  let strength = Math.min(1, Math.log10(s.after + 1) / 4) * 0.4; // 10k goroutines fills this part
  if (s.delta > 0) strength += Math.min(1, Math.log10(s.delta + 1) / 3) * 0.25;
  strength += Math.max(0, Math.min(points, 10)) * 0.035;
  const band = TIER[c];
  return band.floor + Math.round(band.width * Math.max(0, Math.min(1, strength)));
}


/** With the points of high from one snapshot (no growth or identity to confirm them), the verdict
 *  is medium (verdict.ts confidenceOf): said after the rows, so their sum does not read as a
 *  contradiction. */
function capped(signals: string[], points: number, alone: boolean, ended: boolean): string[] {
  if (!alone || points < THRESHOLDS.high) return signals;
  // A crash output is the process's last moment: there is no second capture to ask for.
  return [...signals, `${points} points, the sum for high, but one snapshot cannot show growth: medium${ended ? '' : ' until a second capture confirms it'}`];
}

/** The finding's reasons in words: each applied evidence row with its points, then the plain facts. */
function signalsOf(s: GroupSeries, ev: Evidence, reading: Reading, ctx: Context): string[] {
  const g = s.group;
  const out: string[] = [];
  if (ctx.n >= 2) {
    const growth = growthText(s.delta, s.growthPerMinute);
    const rate = growth === null ? '' : ` (${growth})`;
    const c = s.counts;
    const monotone = ctx.n >= 3 && c.slice(1).every((v, i) => v > c[i]!);
    // The grew-every-step row says the same words: print them once, with its points.
    const everyRow = ev.items.some((e) => e.signal === 'grew-every-step');
    if (monotone && !everyRow) out.push(`grew at every snapshot: ${c.join(' → ')}${rate}`);
    else if (monotone && rate) out.push(`growing${rate}`);
    // The grew and grew-wait rows say "grew a → b (+d)" too: then only the rate, if any, is news.
    else if (s.delta > 0 && ev.items.some((e) => e.signal === 'grew' || e.signal === 'grew-wait')) {
      if (rate) out.push(`growing${rate}`);
    } else if (s.delta > 0) out.push(`grew ${s.before} → ${s.after} (+${s.delta})${rate}`);
    else if (s.delta === 0 && !ev.items.some((e) => e.signal === 'held-still')) out.push(`steady at ${s.after} across ${ctx.n} snapshots`);
    if (s.isNew) out.push('not present in the first snapshot');
  } else {
    // A crash output or goleak report is the last moment of a process or test that has ended: there is
    // nothing to capture again.
    const ended = ctx.latest.crash !== undefined || ctx.latest.goleak === true;
    out.push(`${formatCount(g.count)} goroutine${g.count === 1 ? '' : 's'} on one operation${ended ? '' : ' (single snapshot: growth not measured yet)'}`);
  }
  for (const e of ev.items) out.push(`${e.text} [${e.points >= 0 ? '+' : ''}${e.points}]`);
  out.push(`blocked in ${g.state}${g.stateInferred ? ' (inferred from the frames)' : ''}`);
  if (g.waitMinutes && !ev.items.some((e) => e.signal === 'long-wait')) {
    const { min, max } = g.waitMinutes;
    out.push(min === max ? `waiting ${max} min` : `waiting ${min}–${max} min`);
  }
  if (reading.pattern === 'unclosed-http-body' && ctx.writeLoops > 0) {
    out.push(`plus ${ctx.writeLoops} writeLoop goroutines holding the same connections`);
  }
  return out;
}

/** Unclosed bodies leave no frame of the service's code in readLoop. Name the transport that opened
 *  the connections and, as a lead, the service's code that was inside http.Client when the dump was
 *  taken (it may or may not be the caller that drops the body). */
/** Advice for a lock whose likely holder waits on something else while it holds it. */
function heldByAdvice(h: ParkedHolder): string {
  const wait = h.kind === 'mutex' || h.kind === 'rwmutex' ? 'another lock' : h.kind === 'chan-send' ? 'a channel send' : h.kind === 'chan-recv' ? 'a channel receive' : h.kind === 'select' ? 'a select' : h.state;
  const why =
    h.kind === 'mutex' || h.kind === 'rwmutex'
      ? 'two locks taken in opposite orders by two paths deadlock: take them in one order everywhere'
      : 'do not block while holding a lock: release it before the send or the wait, make the send non-blocking (a select with a default or ctx.Done()) or its channel buffered, and make sure its other end is always served';
  return `The lock's likely holder is in sight: ${h.goroutines === 1 ? `a goroutine${h.id !== null ? ` (${h.id})` : ''} waits` : `${h.goroutines} goroutines wait`} on ${wait} at ${h.at.func} (${fileAndLine(h.at)}), called from ${h.inside.func}, inside the code that takes this lock; every goroutine here waits until that ends. Fix it there: ${why}.`;
}

function httpClientHint(latest: Snapshot, reading: Reading): string {
  const callers = new Set<string>();
  for (const g of latest.groups) {
    if (!g.frames.some((fr) => /^net\/http\.\(\*Client\)\.(do|Do)$/.test(fr.func))) continue;
    const site = userSite(g.frames);
    if (site) callers.add(`${site.func} (${site.file}:${site.line})`);
  }
  const created = reading.createdBy;
  const by = created ? `The connections were opened by ${created.func}` : 'The connections were opened by http.Transport';
  // A lead only: the call that dropped its body has returned by the time of the dump, and these
  // may close theirs (realdeps5's retryablehttp service named its healthy caller loop here).
  const lead =
    callers.size > 0
      ? ` Calls inside http.Client when the dump was taken (they may close their bodies: the call that drops one has usually returned): ${[...callers].slice(0, 3).join(', ')}.`
      : '';
  return `${by}: look for a client.Do/Get/Post whose resp.Body is dropped.${lead}`;
}

/** `/src/app/main.go:42`, or the file alone when the line is unknown. */
const fileAndLine = (f: Frame): string => `${f.file}${f.line > 0 ? `:${f.line}` : ''}`;
