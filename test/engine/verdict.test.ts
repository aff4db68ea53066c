// The evidence table is the one place a confidence comes from, and README "How it decides" prints it:
// the two must not drift apart, and the table must keep the properties the README promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVIDENCE, THRESHOLDS, evidenceTableMarkdown } from '../../src/engine/index.js';

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
