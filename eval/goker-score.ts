// Scores the engine on GoKer dumps: one directory per toolchain holding <Scenario>.meta.json and the
// dumps the driver wrote. Ground truth is the Go test table (parsed from Go's source) applied to the
// goroutines really present in the later debug=2 dump (truth.ts), never the engine's own parse.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { analyze, compare, parseDump, type Analysis, type Finding, type Snapshot } from '../src/engine/index.js';
import { leakString, type GoScenario } from './gotable.js';
import { coversGoLeak, isStrong, labelOf, stacksOf, type LabelledFinding } from './match.js';
import { readGoroutines } from './truth.js';

export type GokerFormat = 'debug2' | 'debug1' | 'proto' | 'leak';
export type GokerMode = 'single' | 'diff' | 'baseline';
export const GOKER_FORMATS: GokerFormat[] = ['debug2', 'debug1', 'proto', 'leak'];
/** single: t2 alone; diff: t1 → t2; baseline: t0 (before any run) → t2, the bot's compare-with-baseline. */
export const GOKER_MODES: GokerMode[] = ['single', 'diff', 'baseline'];

interface Meta {
  scenario: string;
  goVersion: string;
  moments: Array<{ name: string; capturedAt: number; files: Record<string, string> }>;
}

/** Outcome for one scenario × format × mode. */
export interface GokerOutcome {
  scenario: string;
  format: GokerFormat;
  mode: GokerMode;
  /** Table regexps whose leak is present in the later dump, and whether a strong finding in the
   *  top (n+2) points at it. */
  leaks: Array<{ leak: string; found: boolean }>;
  /** Strong findings on harness goroutines, or any strong finding in a no-leak scenario. */
  falses: string[];
  /** Strong findings on scenario code that match no table entry (informational). */
  others: string[];
  /** Every finding (any confidence) with what it really was and the evidence the engine cited. */
  labelled: LabelledFinding[];
}

/** Go's leak profile as a reference detector: of the observed leaks of a scenario, how many it marked. */
export interface GoMarks {
  scenario: string;
  observed: number;
  marked: number;
}

/** Harness code in the driver: the background goroutines a service has, and main. */
const HARNESS = /^main\.(main|bg[A-Z]|eval[A-Z])/;
const isScenarioFunc = (fn: string) => fn.startsWith('main.') && !HARNESS.test(fn);

function describe(f: Finding): string {
  const fr = f.frames[f.frames.length - 1];
  return `${f.confidence} ${f.state} ${fr ? fr.func : '?'} ×${f.after}`;
}

function load(dir: string, file: string, capturedAt: number): Snapshot {
  return parseDump(readFileSync(join(dir, file)), { capturedAt });
}

/** Score every scenario of `table` found in `dir`. Scenarios without dumps are skipped. When the dumps
 *  include Go's leak profile, `goMarks` receives what Go's own detector marked. */
export function scoreGoker(dir: string, table: GoScenario[], formats: GokerFormat[] = GOKER_FORMATS, goMarks: GoMarks[] = []): GokerOutcome[] {
  const out: GokerOutcome[] = [];
  for (const s of table) {
    const metaPath = join(dir, `${s.name}.meta.json`);
    if (!existsSync(metaPath)) continue;
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta;
    const at = (name: string) => meta.moments.find((m) => m.name === name);
    const m0 = at('t0');
    const m1 = at('t1');
    const m2 = at('t2');
    if (!m1 || !m2 || !m2.files['debug2']) continue;
    const truth = readGoroutines(gunzipSync(readFileSync(join(dir, m2.files['debug2']))).toString('utf8'));
    const observed = s.leaks.filter((src) => {
      const re = new RegExp(src);
      return truth.some((g) => g.entry !== null && re.test(leakString(g.entry, g.reason)));
    });
    const n = observed.length;
    // Go's own detector on the same moment, when the build has it: observed leaks it marked.
    const leakFile = m2.files['leak'];
    if (leakFile) {
      const marked = readGoroutines(gunzipSync(readFileSync(join(dir, leakFile))).toString('utf8')).filter((g) => g.leaked && g.entry !== null);
      goMarks.push({ scenario: s.name, observed: n, marked: observed.filter((src) => marked.some((g) => new RegExp(src).test(leakString(g.entry!, g.reason)))).length });
    }
    for (const format of formats) {
      const f1 = m1.files[format];
      const f2 = m2.files[format];
      if (!f1 || !f2) continue;
      const f0 = m0?.files[format];
      const s1 = load(dir, f1, m1.capturedAt);
      const s2 = load(dir, f2, m2.capturedAt);
      const s0 = m0 && f0 ? load(dir, f0, m0.capturedAt) : null;
      for (const mode of GOKER_MODES) {
        if (mode === 'baseline' && !s0) continue;
        const a: Analysis =
          mode === 'single' ? analyze(s2, { maxFindings: 1000 }) : compare(mode === 'diff' ? [s1, s2] : [s0!, s2], { maxFindings: 1000 });
        const top = a.findings.slice(0, n + 2).filter((f) => isStrong(f.confidence));
        const leaks = observed.map((src) => ({ leak: src, found: top.some((f) => coversGoLeak(f, new RegExp(src))) }));
        const falses: string[] = [];
        const others: string[] = [];
        const labelled: LabelledFinding[] = [];
        for (const f of a.findings) {
          const scenario = stacksOf(f).some((st) => st.some((x) => isScenarioFunc(x.func))) || (f.createdBy !== null && isScenarioFunc(f.createdBy.func));
          const label = !scenario || s.leaks.length === 0 ? 'false' : s.leaks.some((src) => coversGoLeak(f, new RegExp(src))) ? 'leak' : 'other';
          labelled.push(labelOf(f, label));
          if (!isStrong(f.confidence)) continue;
          if (label === 'false') falses.push(describe(f));
          else if (label === 'other') others.push(describe(f));
        }
        out.push({ scenario: s.name, format, mode, leaks, falses, others, labelled });
      }
    }
  }
  return out;
}
