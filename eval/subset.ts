// The compact subset of dumps committed for CI (eval/subset), and the floors the CI test holds the
// engine to. Written by `npm run eval -- --export-subset` from the cache; scored by corpus.ts exactly
// as the full run scores the cache.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GoScenario } from './gotable.js';
import { hangExpectations } from './hangs.js';
import { scoreSubset } from './corpus.js';
import type { Row } from './summary.js';

const here = dirname(fileURLToPath(import.meta.url));
export const SUBSET = join(here, 'subset');
/** Toolchains kept in the subset: the oldest and newest plain builds. */
const SUBSET_TOOLCHAINS = ['go1.19', 'go1.26'];
/** Bytes of dumps per scenario and toolchain above which a GoKer scenario stays out of the subset. */
const MAX_SCENARIO_BYTES = 40_000;

interface Meta {
  moments: Array<{ files: Record<string, string> }>;
}

/** Copy small scenarios' dumps, the hang dumps and the table entries they need; then score the subset
 *  and write its rows as floors. */
export function exportSubset(cache: string, _rows: Row[], log: (s: string) => void): void {
  const gen = JSON.parse(readFileSync(join(cache, 'goker', 'report.json'), 'utf8')) as { table: GoScenario[] };
  rmSync(SUBSET, { recursive: true, force: true });
  const keep = new Set<string>();
  for (const s of gen.table) {
    let ok = true;
    for (const tc of SUBSET_TOOLCHAINS) {
      const metaPath = join(cache, 'goker', tc, `${s.name}.meta.json`);
      if (!existsSync(metaPath)) {
        ok = false;
        break;
      }
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta;
      const bytes = meta.moments.flatMap((m) => ['debug2', 'debug1', 'proto'].map((k) => m.files[k])).reduce((n, f) => n + (f ? statSync(join(cache, 'goker', tc, f)).size : 0), 0);
      if (bytes > MAX_SCENARIO_BYTES) ok = false;
    }
    if (ok) keep.add(s.name);
  }
  for (const tc of SUBSET_TOOLCHAINS) {
    const out = join(SUBSET, 'goker', tc);
    mkdirSync(out, { recursive: true });
    for (const name of keep) {
      const meta = JSON.parse(readFileSync(join(cache, 'goker', tc, `${name}.meta.json`), 'utf8')) as Meta;
      copyFileSync(join(cache, 'goker', tc, `${name}.meta.json`), join(out, `${name}.meta.json`));
      for (const m of meta.moments) for (const k of ['debug2', 'debug1', 'proto']) if (m.files[k]) copyFileSync(join(cache, 'goker', tc, m.files[k]), join(out, m.files[k]));
    }
    const noise = join(cache, 'noise', tc);
    if (existsSync(noise)) {
      mkdirSync(join(SUBSET, 'noise', tc), { recursive: true });
      for (const f of readdirSync(noise)) copyFileSync(join(noise, f), join(SUBSET, 'noise', tc, f));
    }
    const hangs = join(SUBSET, 'hangs', tc);
    mkdirSync(hangs, { recursive: true });
    for (const name of Object.keys(hangExpectations())) {
      const f = join(cache, 'hangs', tc, `${name}.txt`);
      if (existsSync(f)) copyFileSync(f, join(hangs, `${name}.txt`));
    }
  }
  writeFileSync(
    join(SUBSET, 'table.json'),
    JSON.stringify({ about: 'Entries of Go\'s goroutineleakprofile_test.go table for the scenarios in goker/, parsed by eval/gotable.ts at export time.', scenarios: gen.table.filter((s) => keep.has(s.name)) }, null, 1) + '\n',
  );
  const rows = scoreSubset();
  writeFileSync(join(SUBSET, 'floors.json'), JSON.stringify({ about: 'Rows measured on this subset when it was exported; test/eval/eval.test.ts fails when a row finds fewer or flags more.', rows }, null, 1) + '\n');
  const size = du(SUBSET);
  log(`subset: ${keep.size} scenarios × ${SUBSET_TOOLCHAINS.join(', ')}, ${(size / 1e6).toFixed(2)} MB in ${SUBSET}`);
}

function du(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? du(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}
