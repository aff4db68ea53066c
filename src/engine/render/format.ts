// Wording every renderer shares, so the terminal, Markdown and Slack say the same thing the same way.
import type { Analysis, Crash, Finding, Frame, Hang } from '../model.js';
import { formatCount, formatDuration, growthText } from '../count.js';

export { formatDuration };

/** `internal/leaks/leaks.go:171`: the last path segments, enough to find the file in a repo. */
export function shortFile(file: string, segments = 3): string {
  const parts = file.split('/').filter(Boolean);
  return parts.slice(-segments).join('/') || file;
}

/** `leaks.fetchResult` for `example.com/fixtures/internal/leaks.fetchResult`; `nats.go.(*Conn).run`
 *  for `github.com/nats-io/nats%2ego.(*Conn).run`: Go escapes a '.' (and '%', '"', control bytes) in
 *  the last element of a package path as %xx in symbol names (cmd/internal/objabi PathToPrefix), and
 *  the user knows the package by its import path. The stack lines keep Go's text. */
export function shortFunc(func: string): string {
  const short = func.slice(func.lastIndexOf('/') + 1);
  // Control bytes stay escaped: a name is no place for them.
  return short.includes('%') ? short.replace(/%(2[0-9a-fA-F]|[3-6][0-9a-fA-F]|7[0-9a-eA-E])/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : short;
}

/** `leaks.go:171` when the line is known. */
export function fileLine(f: Frame): string {
  return f.line > 0 ? `${shortFile(f.file)}:${f.line}` : shortFile(f.file);
}

/** `leaks.go:171 in leaks.fetchResult`, or `leaks.fetchResult` alone when the input named no file
 *  (`go tool pprof -traces` prints function names only). `loc` and `fn` dress the file:line and the
 *  function (bold in a terminal, backticks in Markdown). */
export function siteText(f: Frame, loc = (s: string) => s, fn = loc): string {
  return f.file ? `${loc(fileLine(f))} in ${fn(shortFunc(f.func))}` : fn(shortFunc(f.func));
}

/** ` at leaks.go:171`, or '' when the input named no file: for "created by F at …" and the like. */
export function atFileLine(f: Frame, loc = (s: string) => s): string {
  return f.file ? ` at ${loc(fileLine(f))}` : '';
}

/** ` (40 of 52; 12 by main.main at main.go:106)` after "created by …" when the stack was started
 *  from more than one place (Finding.createdBySites), '' otherwise; at most two others are named. */
export function createdByShare(f: Pick<Finding, 'createdBySites'>, code = (s: string) => s): string {
  const sites = f.createdBySites;
  if (!sites || sites.length < 2) return '';
  const total = sites.reduce((n, x) => n + x.count, 0);
  const others = sites.slice(1, 3).map((x) => `${x.count} by ${code(shortFunc(x.frame.func))}${atFileLine(x.frame, code)}`);
  const more = sites.length > 3 ? `; ${sites.length - 3} more places` : '';
  return ` (${sites[0]!.count} of ${total}; ${others.join('; ')}${more})`;
}

/** Where the finding points: the service's own blocking line, else the standard-library frame. */
export function primarySite(f: Finding): Frame | null {
  return f.site ?? f.stdSite ?? f.frames[0] ?? null;
}

export const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

/** "140 goroutines (+120, +60/min)", "140 goroutines (+120 in 3.0 s)" or "40 goroutines". */
export function countLine(f: Finding, mode: Analysis['mode']): string {
  let s = plural(f.after, 'goroutine');
  if (mode === 'diff') {
    const delta = `${f.delta >= 0 ? '+' : ''}${f.delta}`;
    const rate = growthText(f.delta, f.growthPerMinute);
    s += ` (${rate === null ? delta : rate.startsWith('in ') ? `${delta} ${rate}` : `${delta}, ${rate}`})`;
  }
  return `${s} in ${f.state}`;
}

/** One line for the whole analysis: "3 snapshots over 2.0 min: 120 → 940 goroutines". */
export function summaryLine(a: Analysis): string {
  const snaps = a.snapshots;
  const first = snaps[0];
  const last = snaps[snaps.length - 1];
  if (!first || !last) return 'no snapshots';
  if (a.mode === 'single') return `1 snapshot: ${plural(first.goroutines, 'goroutine')} in ${plural(first.groups, 'stack group')}`;
  const span =
    first.capturedAt !== null && last.capturedAt !== null && last.capturedAt > first.capturedAt
      ? ` over ${formatDuration(last.capturedAt - first.capturedAt)}`
      : '';
  return `${snaps.length} snapshots${span}: ${snaps.map((s) => formatCount(s.goroutines)).join(' → ')} goroutines`;
}

/** Findings per confidence, counted before --max-findings cut the list (older Analyses: from the list). */
export function countsOf(a: Analysis): { high: number; medium: number; low: number; total: number } {
  if (a.counts) return a.counts;
  const by = (c: string) => a.findings.filter((f) => f.confidence === c).length;
  return { high: by('high'), medium: by('medium'), low: by('low'), total: a.findings.length };
}

/** "2 suspected leak sites (1 high, 1 medium)." / "No likely goroutine leak; 3 piles worth a look." —
 *  from the counts before truncation, so listing fewer findings never changes the verdict; hangs first. */
export function verdictLine(a: Analysis): string {
  const c = countsOf(a);
  const hangs = a.hangs ?? [];
  const hang = hangs.length ? `${hangs.length === 1 ? 'Hang' : `${hangs.length} hangs`}: ${hangs[0]!.title}. ` : '';
  const shown = a.findings.length < c.total ? ` ${a.findings.length === 0 ? 'None' : `Only ${a.findings.length}`} listed (--max-findings).` : '';
  // "No leak" of a cut dump speaks for the part read only: a leak may pile up beyond the cut.
  const cut = a.snapshots[a.snapshots.length - 1]?.truncated ? ' in the part of the dump that was read (it was cut off; capture it whole to be sure)' : '';
  if (c.total === 0) return `${hang}No suspected goroutine leaks${cut}.`;
  if (c.high + c.medium === 0) {
    return `${hang}No likely goroutine leak${cut}; ${c.total === 1 ? '1 pile' : `${c.total} piles`} worth a look (low confidence).${shown}`;
  }
  const parts = (['high', 'medium', 'low'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`);
  return `${hang}${plural(c.total, 'suspected leak site')} (${parts.join(', ')}).${shown}`;
}

/** Lines describing a hang, without markup: where it is stuck, what it waits on, for how long. */
export function hangLines(h: Hang): string[] {
  const out: string[] = h.crash ? [crashLine(h.crash)] : [];
  const who = h.goroutineId !== null ? `goroutine ${h.goroutineId}` : 'a goroutine';
  out.push(`${who} [${h.state}${h.waitMinutes !== null ? `, ${h.waitMinutes} minutes` : ''}]${h.site ? ` at ${siteText(h.site)}` : ''}`);
  if (h.waitsOn) out.push(`waits in ${h.waitsOn.func}${h.waitsOn.file ? ` (${fileLine(h.waitsOn)})` : ''}`);
  if (h.reason === 'read-lock-recursion' && h.holder?.site) out.push(`it holds the read lock since ${siteText(h.holder.site)}`);
  else if (h.holder?.site) out.push(`likely held by goroutine ${h.holder.goroutineId ?? '?'} [${h.holder.state}] at ${siteText(h.holder.site)}`);
  if (h.writer?.site) out.push(`the writer: goroutine ${h.writer.goroutineId ?? '?'} waits in Lock at ${siteText(h.writer.site)}`);
  const named = h.asleepWith ?? [];
  for (const a of named) {
    const who = a.goroutineId !== null ? `goroutine ${a.goroutineId}` : 'a goroutine';
    out.push(`asleep with it: ${who}${a.count > 1 ? ` (and ${a.count - 1} more on this stack)` : ''} [${a.state}] at ${siteText(a.site)}`);
  }
  const rest = h.others - named.reduce((n, a) => n + a.count, 0);
  if (rest > 0) out.push(`${named.length > 0 ? `${formatCount(rest)} more` : plural(rest, 'other goroutine')} ${h.reason === 'lock-held' || h.reason === 'read-lock-recursion' ? 'waiting on it too' : 'asleep with it'}`);
  return out;
}

/** Signals of a fault, not of a request for a dump. */
const FAULTS = new Set(['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGTRAP', 'SIGSYS']);

/** What Go printed when it stopped the process, in Go's words: "Go stopped it: fatal error: all
 *  goroutines are asleep - deadlock!", "dump taken with SIGQUIT: quit". */
export function crashLine(c: Crash): string {
  if (c.kind === 'signal') {
    // SIGQUIT (and SIGABRT under GOTRACEBACK=crash) is how one asks Go for a dump; a fault signal the
    // runtime cannot turn into a panic kills the process (runtime/signal_unix.go sighandler).
    if (c.signal !== null && FAULTS.has(c.signal)) return `the process crashed on ${c.message} (a fault in the runtime or in cgo code: a crash to debug, not a leak or a hang); Go printed every goroutine as it died`;
    return `dump taken with ${c.message}: Go prints every goroutine when the process gets this signal`;
  }
  // A multi-line panic value on one line: its lines joined by " / ".
  const said = (c.kind === 'fatal' ? `fatal error: ${c.message}` : `panic: ${c.message}`).replace(/\n/g, ' / ');
  const extra = [
    c.signal ? `signal ${c.signal}` : '',
    c.goroutineId !== null ? `in goroutine ${c.goroutineId}${c.at ? ` at ${siteText(c.at)}` : ''}` : '',
    c.tests?.length ? `running ${c.tests.slice(0, 5).join(', ')}${c.tests.length > 5 ? ', …' : ''}` : '',
  ].filter(Boolean);
  return `Go stopped it: ${said}${extra.length ? ` (${extra.join('; ')})` : ''}`;
}

/** Call paths named one by one in a finding; the rest are counted (a pile over hundreds of stacks
 *  must not turn the line into a wall). */
export const MAX_PATHS_SHOWN = 5;

/**
 * "api.quote at quote.go:12 (60); api.order at order.go:40 (45)" for a finding merged from several
 * call paths, biggest first, at most MAX_PATHS_SHOWN named, then "… 195 more paths (9,750)". A path
 * told apart by no frame of its own (it differs only in how its frames combine) is not named: its
 * "distinct" frame is the blocking site every path shares. Null for one path.
 */
export function pathsLine(f: Finding): string | null {
  const paths = f.paths ?? [];
  if (paths.length < 2) return null;
  const sorted = [...paths].sort((a, b) => b.count - a.count);
  const named = sorted.filter((p) => p.distinct && !(p.site && sameFrame(p.distinct, p.site)));
  const shown = named.slice(0, MAX_PATHS_SHOWN);
  const rest = paths.length - shown.length;
  const restCount = paths.reduce((n, p) => n + p.count, 0) - shown.reduce((n, p) => n + p.count, 0);
  const parts = shown.map((p) => `${shortFunc(p.distinct!.func)}${atFileLine(p.distinct!)} (${p.count})`);
  if (rest > 0) {
    const unnamed = shown.length === 0 ? ' (no single frame tells them apart: they combine the same functions differently)' : '';
    parts.push(`${shown.length ? '… ' : ''}${rest} ${shown.length ? 'more ' : ''}path${rest === 1 ? '' : 's'} (${formatCount(restCount)})${unnamed}`);
  }
  return parts.join('; ');
}

const sameFrame = (a: Frame, b: Frame) => a.func === b.func && a.file === b.file && a.line === b.line;

/** "3 other piles were judged healthy (pools, surges, runtime) and are not listed." plus, when an
 *  ignore pattern hid piles, how many; null when there is nothing to say. */
export function suppressedLine(n: number, ignored = 0): string | null {
  const hidden = ignored > 0 ? `${ignored} pile${ignored === 1 ? '' : 's'} matched an ignore pattern and ${ignored === 1 ? 'is' : 'are'} not listed.` : '';
  if (n === 0) return hidden || null;
  return `${healthyLine(n)}${hidden ? ` ${hidden}` : ''}`;
}

function healthyLine(n: number): string {
  return n === 1
    ? '1 other pile was judged healthy (a pool, a surge or the runtime) and is not listed.'
    : `${n} other piles were judged healthy (pools, surges, runtime) and are not listed.`;
}

/** Warnings worth showing next to the result: truncated input, parser notes. `recapture`: said
 *  instead of asking for a second snapshot by hand, when the caller captures again by itself. */
export function warningsOf(a: Analysis, recapture?: string): string[] {
  const out: string[] = [];
  // A warning every snapshot of a series carries (how each was captured) is said once.
  const shared = a.snapshots.length > 1 ? a.snapshots[0]!.warnings.filter((w) => a.snapshots.every((s) => s.warnings.includes(w))) : [];
  out.push(...shared);
  a.snapshots.forEach((s, i) => {
    const which = a.snapshots.length > 1 ? `snapshot ${i + 1}: ` : '';
    // Readers that cut a dump say where and why in a warning that says "truncated"; the generic line
    // is only for a snapshot flagged without one, so a cut paste is not announced twice.
    if (s.truncated && !s.warnings.some((w) => w.includes('truncated'))) out.push(`${which}the dump was truncated; analysed as far as it goes`);
    for (const w of s.warnings) if (!shared.includes(w)) out.push(which + w);
  });
  out.push(...(a.notes ?? []));
  // A crash output without a hang to carry its preamble (a panic, a SIGQUIT of a healthy process).
  const crash = a.snapshots[a.snapshots.length - 1]?.crash;
  if (crash && !(a.hangs ?? []).some((h) => h.crash)) out.push(crashLine(crash));
  // Go's leak marker needs no second look; everything else does, unless the dump is a crash output
  // (panic, fatal error, test timeout, SIGQUIT): that process has ended, so there is no second one.
  if (a.mode === 'single' && !crash && a.findings.some((f) => f.leaked === 0)) {
    out.push(recapture ?? 'single snapshot: take a second one in a minute and compare to see what keeps growing');
  }
  return out;
}

/** `handler=/orders|/quote, tenant=acme` from pprof labels; '' when there are none. */
export function labelsLine(labels: Record<string, string[]>, max = 6): string {
  const entries = Object.entries(labels);
  const shown = entries.slice(0, max).map(([k, vs]) => `${k}=${vs.slice(0, 4).join('|')}${vs.length > 4 ? '|…' : ''}`);
  return shown.join(', ') + (entries.length > max ? ', …' : '');
}

/** "started from F at file:line, where …": the service's code that asked a library for a pile of
 *  library-only goroutines (Finding.startedFrom); `code` dresses the function and the file:line (backticks
 *  in Slack); null when the finding has none. */
export function startedFromLine(f: Finding, code = (s: string) => s): string | null {
  const s = f.startedFrom;
  if (!s) return null;
  const them = s.goroutines >= f.after ? 'them' : `${s.goroutines} of them`;
  const who = s.creators === 1 ? `the goroutine that started ${them} runs now` : `the ${s.creators} goroutines that started ${them} run now`;
  return `started from ${code(shortFunc(s.frame.func))} at ${code(fileLine(s.frame))}, where ${who}`;
}

/** "lock likely held by goroutine N, waiting in chan send at main.go:40 in onEvict": a lock pile's
 *  parked holder (Finding.heldBy); `code` dresses the function and the file:line; null without one. */
export function heldByLine(f: Finding, code = (s: string) => s): string | null {
  const h = f.heldBy;
  if (!h) return null;
  const who = h.goroutines > 1 ? `${h.goroutines} goroutines` : h.id !== null ? `goroutine ${h.id}` : 'a goroutine';
  return `lock likely held by ${who}, waiting in ${h.state} at ${code(fileLine(h.at))} in ${code(shortFunc(h.at.func))}`;
}

/** Frames worth printing: the innermost `max`, with a note of how many more there are. */
export function stackLines(f: Finding, max = 12): string[] {
  // A frame without a file (pprof -traces) is its function alone, not an empty line under it.
  const at = (fr: Frame) => (fr.file ? `\n    ${fr.file}${fr.line > 0 ? `:${fr.line}` : ''}` : '');
  const lines = f.frames.slice(0, max).map((fr) => `${fr.func}${at(fr)}`);
  if (f.frames.length > max) lines.push(`… ${f.frames.length - max} more frames`);
  if (f.createdBy) lines.push(`created by ${f.createdBy.func}${at(f.createdBy)}`);
  return lines;
}
