import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectRestart, maxGoroutineId, type ProcessMarks } from '../../src/capture/restart.js';
import type { Snapshot } from '../../src/engine/index.js';

const at = (o: Partial<ProcessMarks>): ProcessMarks => ({ maxGoroutineId: null, total: 100, capturedAt: 1_000_000, ...o });

test('ids that fell to under half by at least 64: a new life', () => {
  const v = detectRestart(at({ maxGoroutineId: 40_112 }), at({ maxGoroutineId: 31, capturedAt: 1_060_000 }));
  assert.equal(v.restarted, true);
  assert.match(v.reason, /goroutine ids started over \(highest id 40,112 → 31\)/);
});

test('ids wobbling in an idle process (a connection goroutine gone, per-P id batches) are the same life', () => {
  assert.equal(detectRestart(at({ maxGoroutineId: 35 }), at({ maxGoroutineId: 30 })).restarted, false);
  assert.equal(detectRestart(at({ maxGoroutineId: 900 }), at({ maxGoroutineId: 870 })).restarted, false);
});

test('with ids, a pile that drained is not a restart', () => {
  assert.equal(detectRestart(at({ maxGoroutineId: 5000, total: 4000 }), at({ maxGoroutineId: 5100, total: 40 })).restarted, false);
});

test('without ids (proto, debug=1), far fewer goroutines is taken as a restart; a small drop is not', () => {
  assert.equal(detectRestart(at({ total: 4000 }), at({ total: 40 })).restarted, true);
  assert.equal(detectRestart(at({ total: 400 }), at({ total: 300 })).restarted, false);
  assert.equal(detectRestart(at({ total: 150 }), at({ total: 10 })).restarted, false, 'a drop of under 200 says little');
});

test('Prometheus start time: a start after the previous capture is a restart; an old or stale one proves nothing', () => {
  const moved = detectRestart(at({ startTime: 500_000, maxGoroutineId: 10 }), at({ startTime: 1_030_000, maxGoroutineId: 20, capturedAt: 1_060_000 }));
  assert.equal(moved.restarted, true);
  assert.match(moved.reason, /started at .*after the previous capture/);
  // The previous capture carried a stale start time; this one's is older than the previous capture.
  assert.equal(detectRestart(at({ startTime: 100_000, maxGoroutineId: 9000 }), at({ startTime: 900_000, maxGoroutineId: 9100, capturedAt: 1_060_000 })).restarted, false);
  // Prometheus has not scraped the new process yet: ids still tell.
  assert.equal(detectRestart(at({ startTime: 100_000, maxGoroutineId: 9000 }), at({ startTime: 100_000, maxGoroutineId: 12, capturedAt: 1_060_000 })).restarted, true);
});

test('the highest id of a snapshot is its dump-wide maxId, not one example id per group', () => {
  // A pile of 500 leaked goroutines (ids 487…1,030) keeps its lowest id as the example; a transient
  // connection goroutine (id 1,037) was the highest example in the previous capture.
  const group = (exampleId: number, ids?: number[]) => ({ exampleId, ...(ids ? { ids } : {}) }) as unknown as Snapshot['groups'][number];
  const before = { groups: [group(487), group(1037)], maxId: 1037 };
  const after = { groups: [group(487)], maxId: 1090 };
  assert.equal(maxGoroutineId(after), 1090);
  assert.equal(detectRestart(at({ maxGoroutineId: maxGoroutineId(before) }), at({ maxGoroutineId: maxGoroutineId(after) })).restarted, false);
  // Without maxId (debug=1, proto), the groups' own id lists; example ids only as a last resort.
  assert.equal(maxGoroutineId({ groups: [group(487, [487, 1030]), group(12)] }), 1030);
  assert.equal(maxGoroutineId({ groups: [group(487), group(12)] }), 487);
});
