// Scores the engine on healthy services under load (noise) and on leaks hidden in that noise, at
// several simulated ages (age.ts). A case is one program captured at 3+ moments by one toolchain.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { compare, parseDump, type Finding, type Snapshot } from '../src/engine/index.js';
import { ageDump, steadyIds } from './age.js';
import { isStrong, labelOf, namesFunc, type LabelledFinding } from './match.js';

export type NoiseFormat = 'debug2' | 'debug1' | 'proto' | 'leak';
export type NoiseMode = 'single' | 'diff' | 'series';
export const NOISE_MODES: NoiseMode[] = ['single', 'diff', 'series'];
/** Simulated ages in minutes: fresh, two hours, one day. */
export const AGES = [0, 120, 1440];

export interface NoiseCase {
  program: string;
  toolchain: string;
  /** Function the hidden leak blocks in; null for a healthy service. */
  expectFunc: string | null;
  moments: Array<{ capturedAt: number; files: Partial<Record<NoiseFormat, string>> }>;
}

export interface NoiseOutcome {
  program: string;
  toolchain: string;
  format: NoiseFormat;
  mode: NoiseMode;
  age: number;
  /** Analyses run (single: one per moment for noise; diff: one per consecutive pair). */
  analyses: number;
  /** For hidden leaks: analyses whose top 3 strong findings point at the leak. */
  found: number;
  /** Strong findings not on the hidden leak. */
  falses: string[];
  /** Every finding (any confidence), labelled. */
  labelled: LabelledFinding[];
}

function text(path: string): string {
  const b = readFileSync(path);
  return (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b).toString('utf8');
}

const describe = (f: Finding) => `${f.confidence} ${f.state} ${f.frames[f.frames.length - 1]?.func ?? '?'} ×${f.after}`;

/** Which moment sets each mode analyses: healthy services in every window, hidden leaks at the end. */
function windows(n: number, mode: NoiseMode, hidden: boolean): number[][] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (mode === 'series') return [all];
  if (mode === 'single') return hidden ? [[n - 1]] : all.map((i) => [i]);
  const pairs = all.slice(1).map((i) => [i - 1, i]);
  return hidden ? pairs.slice(-1) : pairs;
}

export function scoreNoise(cases: NoiseCase[], formats: NoiseFormat[] = ['debug2', 'debug1', 'proto', 'leak']): NoiseOutcome[] {
  const out: NoiseOutcome[] = [];
  for (const c of cases) {
    for (const format of formats) {
      const paths = c.moments.map((m) => m.files[format]);
      if (paths.some((p) => !p)) continue;
      const textual = format === 'debug2' || format === 'leak';
      const raw = textual ? paths.map((p) => text(p!)) : null;
      const oldIds = raw ? steadyIds(raw) : new Set<number>();
      for (const age of textual ? AGES : [0]) {
        const snaps: Snapshot[] = c.moments.map((m, i) =>
          raw ? parseDump(ageDump(raw[i]!, oldIds, age), { capturedAt: m.capturedAt }) : parseDump(readFileSync(paths[i]!), { capturedAt: m.capturedAt }),
        );
        for (const mode of NOISE_MODES) {
          const o: NoiseOutcome = { program: c.program, toolchain: c.toolchain, format, mode, age, analyses: 0, found: 0, falses: [], labelled: [] };
          for (const w of windows(snaps.length, mode, c.expectFunc !== null)) {
            const a = compare(w.map((i) => snaps[i]!), { maxFindings: 1000 });
            o.analyses++;
            const strong = a.findings.filter((f) => isStrong(f.confidence));
            const hits = (f: Finding) => c.expectFunc !== null && namesFunc(f, c.expectFunc);
            if (a.findings.slice(0, 3).some((f) => isStrong(f.confidence) && hits(f))) o.found++;
            for (const f of strong) if (!hits(f)) o.falses.push(`${w.map((i) => `t${i}`).join('+')}: ${describe(f)}`);
            for (const f of a.findings) o.labelled.push(labelOf(f, hits(f) ? 'leak' : 'false'));
          }
          out.push(o);
        }
      }
    }
  }
  return out;
}
