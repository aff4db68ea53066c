import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatCount } from '../../src/engine/count.js';

test('formatCount writes what toLocaleString("en-US") writes, for every integer and the rest', () => {
  for (const n of [0, 7, 999, 1000, -1000, 40_005, -1_234_567, Number.MAX_SAFE_INTEGER, 2 ** 60, 1.5, -0.25, NaN, Infinity]) {
    assert.equal(formatCount(n), n.toLocaleString('en-US'), String(n));
  }
  fc.assert(fc.property(fc.maxSafeInteger(), (n) => formatCount(n) === n.toLocaleString('en-US')));
});
