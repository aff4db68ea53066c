// Terminal output: one block per finding, the site first. Colour only when the caller says so (a TTY).
import type { Analysis, Confidence, Finding } from '../model.js';
import { formatCount } from '../count.js';
import { atFileLine, countLine, createdByShare, fileLine, hangLines, labelsLine, pathsLine, primarySite, shortFunc, siteText, stackLines, startedFromLine, heldByLine, summaryLine, suppressedLine, verdictLine, warningsOf } from './format.js';

export interface TextOptions {
  /** ANSI colour; the CLI passes true only on a TTY. */
  color: boolean;
}

type Paint = (code: string, s: string) => string;

/** Findings shown in full before low ones are shortened. */
const FULL_FINDINGS = 5;

const CONFIDENCE_COLOR: Record<Confidence, string> = { high: '1;31', medium: '1;33', low: '36' };

export function renderText(a: Analysis, opts: TextOptions): string {
  const paint: Paint = opts.color ? (code, s) => `\x1b[${code}m${s}\x1b[0m` : (_c, s) => s;
  const out: string[] = [paint('1', verdictLine(a)) + ' ' + summaryLine(a)];
  for (const w of warningsOf(a)) out.push(paint('33', `! ${w}`));
  for (const h of a.hangs ?? []) {
    out.push('', `${paint('1;35', 'HANG')} ${paint('1', h.title)}`, ...hangLines(h).map((l) => `   ${l}`));
    out.push(...wrap(h.advice, 96).map((l) => `   ${l}`));
  }
  // Advice is per pattern: said in full once, then pointed to (a 25-finding report printed the same
  // paragraph a dozen times).
  const adviceAt = new Map<string, number>();
  let short = 0;
  a.findings.forEach((f, i) => {
    // Past the first few, a low finding is told in four lines: the reader came for the strong ones.
    if (f.confidence === 'low' && i >= FULL_FINDINGS) {
      short++;
      out.push('', ...findingLines(f, i + 1, a.mode, paint, undefined, true));
      return;
    }
    const first = adviceAt.get(f.advice);
    if (first === undefined) adviceAt.set(f.advice, i + 1);
    out.push('', ...findingLines(f, i + 1, a.mode, paint, first));
  });
  if (short > 0) out.push('', paint('2', `${short} low finding(s) after the first ${FULL_FINDINGS} are shown in short (site, count, creator); --json has their reasons, advice and stacks.`));
  const quiet = suppressedLine(a.suppressed, a.ignored);
  if (quiet) out.push('', paint('2', quiet));
  return out.join('\n') + '\n';
}

/** `adviceOf`: the number of an earlier finding with the same advice, printed instead of it. `short`:
 *  the title, the site (and the wait inside a library), count and creator only. */
function findingLines(f: Finding, n: number, mode: Analysis['mode'], paint: Paint, adviceOf?: number, short = false): string[] {
  const site = primarySite(f);
  const where = site ? siteText(site, (s) => paint('1', s), (s) => s) : 'unknown site';
  const lines = [
    `${n}. ${paint(CONFIDENCE_COLOR[f.confidence], f.confidence.toUpperCase())} ${paint('1', f.patternTitle)} (score ${f.score})`,
    `   at ${where}`,
  ];
  if (f.site && f.stdSite) lines.push(`   via ${f.stdSite.func}${f.stdSite.file ? ` (${fileLine(f.stdSite)})` : ''}`);
  lines.push(`   ${countLine(f, mode)}`);
  if (f.createdBy) lines.push(`   created by ${shortFunc(f.createdBy.func)}${atFileLine(f.createdBy)}${createdByShare(f)}`);
  if (short) return lines;
  const from = startedFromLine(f);
  if (from) lines.push(`   ${from}`);
  const held = heldByLine(f);
  if (held) lines.push(`   ${held}`);
  if (f.sameFunction?.length) {
    const total = f.sameFunction.reduce((n, o) => n + o.goroutines, f.after);
    lines.push(`   same function, other lines: ${f.sameFunction.map((o) => `line ${o.line} (${formatCount(o.goroutines)}, finding ${o.finding})`).join(', ')}; ${formatCount(total)} goroutines in ${shortFunc(f.site!.func)} together`);
  }
  const paths = pathsLine(f);
  if (paths) lines.push(`   call paths: ${paths}`);
  const labels = labelsLine(f.labels);
  if (labels) lines.push(`   labels: ${labels}`);
  for (const s of f.signals) lines.push(paint('2', `   - ${s}`));
  if (adviceOf === undefined) lines.push(...wrap(f.advice, 96).map((l) => `   ${l}`));
  else lines.push(`   What to do: as for ${adviceOf}.`);
  lines.push(paint('2', '   stack:'));
  for (const s of stackLines(f, 8)) lines.push(paint('2', s.replace(/^/gm, '     ')));
  return lines;
}

export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
