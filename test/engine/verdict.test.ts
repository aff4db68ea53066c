// The evidence table is the one place a confidence comes from, and README "How it decides" prints it:
// the two must not drift apart, and the table must keep the properties the README promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVIDENCE, THRESHOLDS, analyze, compare, evidenceTableMarkdown, parseDump } from '../../src/engine/index.js';

test('README "How it decides" prints the evidence table the engine uses', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const m = /<!-- evidence-table:start -->\n([\s\S]*?)\n<!-- evidence-table:end -->/.exec(readme);
  assert.ok(m, 'README has the evidence-table markers');
  assert.equal(m[1], evidenceTableMarkdown(), 'regenerate the README table from src/engine/verdict.ts');
});

test('only signals that show goroutines leaving (or ending in order while the count holds level), a pool-shaped pile, in-flight work, something that can still wake it or a resting pile that held still or settled take points away', () => {
  const negative = Object.entries(EVIDENCE).filter(([, r]) => r.points < 0).map(([id]) => id).sort();
  assert.deepEqual(negative, ['chain', 'cond-signalled', 'drained', 'flowing', 'held-still', 'holder-busy', 'in-library-call', 'one-live-creator', 'parent-of-sleeper', 'parked-creator', 'recent', 'request-scoped', 'settled', 'sleeping-tail', 'started-first', 'started-together', 'turned-over', 'young']);
  // The rows a second snapshot can add: growth or identity, never a shape row.
  for (const id of ['kept-and-added', 'kept-and-added-batch', 'grew', 'grew-every-step', 'kept-all', 'plateau', 'young-kept'] as const) {
    assert.ok(EVIDENCE[id].points >= 0, `${id} must not weaken a claim`);
  }
  assert.ok(EVIDENCE['leak-mark'].points >= THRESHOLDS.high);
  assert.ok(EVIDENCE['kept-and-added'].points >= THRESHOLDS.high, 'kept and added alone is high');
});

test('a single snapshot holding the points of high says it stopped at medium, and why', () => {
  const dump = (t: string) => parseDump(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'dumps', 'go1.26', `leak-chansend.${t}.debug2.txt`)));
  const f = analyze(dump('t1')).findings[0]!;
  const points = (f.evidence ?? []).reduce((n, e) => n + e.points, 0);
  assert.ok(points >= THRESHOLDS.high && f.confidence === 'medium', `${points} ${f.confidence}`);
  assert.equal(f.signals[f.signals.length - 1], `${points} points, the sum for high, but one snapshot cannot show growth: medium until a second capture confirms it`);
  // A comparison that shows growth is high and says nothing of a cap.
  const pair = compare([dump('t0'), dump('t1')]).findings[0]!;
  assert.equal(pair.confidence, 'high');
  assert.ok(!pair.signals.some((s) => /the sum for high/.test(s)), pair.signals.join('\n'));
});
