// Corpus → rows, the same for the full run (eval/.cache) and the CI subset (eval/subset).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureHangCases, fixtureNoiseCases } from './fixtures.js';
import type { GoScenario } from './gotable.js';
import { scoreGoker, type GokerOutcome, type GoMarks } from './goker-score.js';
import { hangExpectations, scoreHangs, type HangCase, type HangOutcome } from './hangs.js';
import { generatedNoiseCases } from './noise-gen.js';
import { scoreNoise, type NoiseOutcome } from './noise-score.js';
import { gokerRows, hangRows, noiseRows, type Row } from './summary.js';

/** Score <root>/goker/<toolchain>/ for each toolchain. The experiment build's debug=1 and proto carry
 *  no marks (the same as go1.26's), so only its debug=2 and leak profile are scored. */
export function gokerCorpus(
  root: string,
  table: GoScenario[],
  tcs: string[],
): { rows: Row[]; outcomes: Record<string, GokerOutcome[]>; goMarks: Record<string, GoMarks[]> } {
  const rows: Row[] = [];
  const outcomes: Record<string, GokerOutcome[]> = {};
  const goMarks: Record<string, GoMarks[]> = {};
  for (const tc of tcs) {
    const dir = join(root, 'goker', tc);
    if (!existsSync(dir)) continue;
    const marks: GoMarks[] = [];
    const os = scoreGoker(dir, table, tc.endsWith('-leakprofile') ? ['debug2', 'leak'] : ['debug2', 'debug1', 'proto', 'leak'], marks);
    if (marks.length) goMarks[tc] = marks;
    outcomes[tc] = os;
    rows.push(...gokerRows(tc, os));
  }
  return { rows, outcomes, goMarks };
}

/** The fixture programs' dumps plus the eval/noise services' dumps under <root>/noise. */
export function noiseCorpus(root: string): { rows: Row[]; outcomes: NoiseOutcome[] } {
  const outcomes = scoreNoise([...fixtureNoiseCases(), ...generatedNoiseCases(root)]);
  return { rows: noiseRows(outcomes), outcomes };
}

/** The fixture deadlock plus <root>/hangs/<toolchain>/<name>.txt for every hang program. */
export function hangCorpus(root: string, tcs: string[]): { rows: Row[]; outcomes: HangOutcome[] } {
  const cases: HangCase[] = [...fixtureHangCases()];
  for (const tc of tcs)
    for (const [name, e] of Object.entries(hangExpectations())) {
      const file = join(root, 'hangs', tc, `${name}.txt`);
      if (!existsSync(file)) continue;
      for (const age of e.ages ?? [0]) cases.push({ name: age ? `${name} aged ${age} min` : name, toolchain: tc, file, stuck: e.stuck, age });
    }
  const outcomes = scoreHangs(cases);
  return { rows: hangRows(outcomes), outcomes };
}

/** Every row of the committed CI subset (eval/subset) plus the fixture-based noise and hangs. */
export function scoreSubset(root = join(dirname(fileURLToPath(import.meta.url)), 'subset')): Row[] {
  const table = (JSON.parse(readFileSync(join(root, 'table.json'), 'utf8')) as { scenarios: GoScenario[] }).scenarios;
  const tcs = ['go1.19', 'go1.26'];
  return [...gokerCorpus(root, table, tcs).rows, ...noiseCorpus(root).rows, ...hangCorpus(root, tcs).rows];
}
