// The eval's own parts on real dumps: simulated age, Go's table, and the matcher that decides whether a
// finding points at an expected leak. (The scores themselves are held in eval.test.ts.)
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ageDump, steadyIds } from '../../eval/age.js';
import { leakString, parseGoTable } from '../../eval/gotable.js';
import { coversGoLeak } from '../../eval/match.js';
import { readGoroutines } from '../../eval/truth.js';
import type { Finding } from '../../src/engine/index.js';

const dumps = join(import.meta.dirname, '..', 'fixtures', 'dumps', 'go1.26');
const read = (f: string) => readFileSync(join(dumps, f), 'utf8');

describe('simulated age', () => {
  it('ages the idle pool of a real dump, not the convoy waiting on a lock nor goroutines started later', () => {
    const texts = ['t0', 't1'].map((m) => read(`noise-convoy.${m}.debug2.txt`));
    const aged = readGoroutines(ageDump(texts[1]!, steadyIds(texts), 1440));
    const before = readGoroutines(texts[1]!);
    const pool = aged.filter((g) => g.entry?.endsWith('.poolWorker'));
    assert.ok(pool.length >= 8);
    assert.ok(pool.every((g) => g.minutes === 1440), 'idle workers waited a day');
    const convoy = aged.filter((g) => g.reason === 'sync.Mutex.Lock');
    assert.ok(convoy.length > 0);
    for (const g of convoy) assert.equal(g.minutes, before.find((b) => b.id === g.id)!.minutes, 'lock waits keep what Go printed');
  });

  it('leaves newcomers alone: the surge that arrives after the first capture stays young', () => {
    const texts = ['t0', 't1'].map((m) => read(`noise-surge.${m}.debug2.txt`));
    const aged = readGoroutines(ageDump(texts[1]!, steadyIds(texts), 120));
    const t0 = new Set(readGoroutines(texts[0]!).map((g) => g.id));
    const newcomers = aged.filter((g) => !t0.has(g.id));
    assert.ok(newcomers.length >= 100);
    assert.ok(newcomers.every((g) => g.minutes === null));
    assert.ok(aged.some((g) => t0.has(g.id) && g.minutes === 120));
  });
});

describe("Go's table", () => {
  const src = [
    'microTests := []testCase{',
    '\tmakeTest("Mixed",',
    '\t\t`Mixed\\.func1\\(.* \\[sync\\.WaitGroup\\.Wait\\]`,',
    '\t\t`Mixed\\.func1.1\\(.* \\[chan send\\]`,',
    '\t),',
    '\tmakeTest("NoLeakGlobal"),',
    '}',
    'gokerTestCases := []testCase{',
    '\t// makeTest(testCase{name: "Kubernetes1321"},',
    '\t// \t`NewMux_kubernetes1321\\.gowrap1\\(.* \\[chan send\\]`,',
    '\tmakeFlakyTest("Cockroach584",',
    '\t\t`Cockroach584\\.func2\\(.* \\[sync\\.Mutex\\.Lock\\]`,',
    '\t),',
    '}',
  ].join('\n');

  it('reads names, sections, flakiness and regexps, skipping commented-out cases', () => {
    const t = parseGoTable(src);
    assert.deepEqual(
      t.map((s) => [s.name, s.program, s.section, s.flaky, s.leaks.length]),
      [
        ['Mixed', 'main', 'micro', false, 2],
        ['NoLeakGlobal', 'main', 'micro', false, 0],
        ['Cockroach584', 'goker', 'goker', true, 1],
      ],
    );
    assert.ok(new RegExp(t[0]!.leaks[1]!).test(leakString('main.Mixed.func1.1', 'chan send')));
  });

  it('throws when the file has no table', () => {
    assert.throws(() => parseGoTable('package runtime_test'), /no makeTest/);
  });
});

describe('matching a finding to an expected leak', () => {
  const finding = (kind: Finding['kind'], state: string, entry: string): Finding =>
    ({ kind, state, frames: [{ func: 'runtime.gopark', file: '', line: 0 }, { func: entry, file: '', line: 0 }] }) as unknown as Finding;
  const wg = /WaitGroup\.func1\(.* \[sync\.WaitGroup\.Wait\]/;

  it("holds a finding to the goroutine's entry function and a compatible wait", () => {
    assert.ok(coversGoLeak(finding('waitgroup', 'sync.WaitGroup.Wait', 'main.WaitGroup.func1'), wg));
    assert.ok(coversGoLeak(finding('waitgroup', 'semacquire', 'main.WaitGroup.func1'), wg), 'Go 1.19 prints semacquire');
    assert.ok(!coversGoLeak(finding('chan-recv', 'chan receive', 'main.WaitGroup.func1'), wg), 'another kind of wait');
    assert.ok(!coversGoLeak(finding('waitgroup', 'sync.WaitGroup.Wait', 'main.WaitGroup.func2'), wg), 'another function');
  });

  it('counts a merged call path by the frame that tells it apart', () => {
    const f = { ...finding('chan-send', 'chan send', 'main.Cockroach35073.func2.1'), paths: [{ distinct: { func: 'main.Cockroach35073.func2', file: '', line: 0 } }] } as unknown as Finding;
    assert.ok(coversGoLeak(f, /Cockroach35073\.func2\(.* \[chan send\]/));
  });
});
