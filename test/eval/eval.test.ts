// Scores the committed eval subset (eval/subset: GoKer dumps of Go 1.19 and 1.26, hang dumps) and the
// noise fixtures exactly as `npm run eval` scores its full corpus, and fails when a row regresses
// against the floors measured at export. Expected leaks come from Go's own test table (parsed at
// export; cross-checked against the installed Go source when it is there), never from the engine.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { scoreSubset } from '../../eval/corpus.js';
import { parseGoTable, type GoScenario } from '../../eval/gotable.js';
import { rowKey, type Row } from '../../eval/summary.js';
import { readGoroutines } from '../../eval/truth.js';

const subset = join(import.meta.dirname, '..', '..', 'eval', 'subset');
const floors = (JSON.parse(readFileSync(join(subset, 'floors.json'), 'utf8')) as { rows: Row[] }).rows;
const table = (JSON.parse(readFileSync(join(subset, 'table.json'), 'utf8')) as { scenarios: GoScenario[] }).scenarios;

function installedTable(): GoScenario[] | null {
  try {
    const root = execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } }).trim();
    const f = join(root, 'src/runtime/goroutineleakprofile_test.go');
    return existsSync(f) ? parseGoTable(readFileSync(f, 'utf8')) : null;
  } catch {
    return null;
  }
}

describe('eval subset', () => {
  it("holds Go's table entries for its scenarios, as the installed Go source has them", (t) => {
    assert.ok(table.length >= 20, `subset has ${table.length} scenarios`);
    assert.ok(table.some((s) => s.leaks.length === 0), 'a no-leak scenario is in the subset');
    const go = installedTable();
    if (!go) return t.skip('no Go source with goroutineleakprofile_test.go here');
    for (const s of table) assert.deepEqual(go.find((g) => g.name === s.name), s, s.name);
  });

  it('reads the ground truth from the dumps themselves (Go 1.19 semacquire named by its frame)', () => {
    const gs = readGoroutines(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'dumps', 'go1.19', 'leak-mutex.t2.debug2.txt'), 'utf8'));
    const leak = gs.filter((g) => g.entry === 'example.com/fixtures/internal/leaks.updateShared');
    assert.ok(leak.length > 0);
    assert.ok(leak.every((g) => g.reason === 'sync.Mutex.Lock'));
  });

  it('scores no row below the floors measured at export', () => {
    const rows = scoreSubset(subset);
    const byKey = new Map(rows.map((r) => [rowKey(r), r]));
    const regressions: string[] = [];
    for (const f of floors) {
      const r = byKey.get(rowKey(f));
      assert.ok(r, `row ${rowKey(f)} is scored`);
      // The same dumps and the same table: the leaks present cannot change. (Agreement between formats is
    // reported, not held: debug=2 finding more lowers it.)
      assert.equal(r.observed, f.observed, `${rowKey(f)}: observed`);
      if (r.found < f.found) regressions.push(`${rowKey(f)}: found ${r.found}/${r.observed}, was ${f.found}`);
      if (r.falses > f.falses) regressions.push(`${rowKey(f)}: ${r.falses} false findings, was ${f.falses}`);
    }
    assert.deepEqual(regressions, []);
    const raised = floors.filter((f) => {
      const r = byKey.get(rowKey(f))!;
      return r.found > f.found || r.falses < f.falses;
    });
    if (raised.length) console.log(`eval subset: ${raised.length} rows improved; \`npm run eval -- --export-subset\` raises the floors`);
  });
});
