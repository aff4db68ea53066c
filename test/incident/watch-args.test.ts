import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureCount, parseDuration, parseWatchArgs, WatchArgsError } from '../../src/incident/watch-args.js';

test('durations need a unit', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1m'), 60_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('15min'), 900_000);
  assert.equal(parseDuration('15'), null);
  assert.equal(parseDuration('0s'), null);
  assert.equal(parseDuration('-1m'), null);
  assert.equal(parseDuration('1d'), null);
});

test('watch arguments in any order, with defaults; stop and chart', () => {
  assert.deepEqual(parseWatchArgs(['svc']), { kind: 'start', service: 'svc', everyMs: 60_000, forMs: 900_000 });
  assert.deepEqual(parseWatchArgs(['svc', 'for', '1h', 'every', '30s']), { kind: 'start', service: 'svc', everyMs: 30_000, forMs: 3_600_000 });
  assert.deepEqual(parseWatchArgs(['svc', 'every=2m']), { kind: 'start', service: 'svc', everyMs: 120_000, forMs: 900_000 });
  assert.deepEqual(parseWatchArgs(['svc', 'every', '5', 'min']), { kind: 'start', service: 'svc', everyMs: 300_000, forMs: 900_000 });
  assert.deepEqual(parseWatchArgs(['stop', 'svc']), { kind: 'stop', service: 'svc' });
  assert.deepEqual(parseWatchArgs(['chart', 'svc']), { kind: 'chart', service: 'svc' });
  assert.throws(() => parseWatchArgs([]), WatchArgsError);
  assert.throws(() => parseWatchArgs(['svc', 'often']), /did not understand `often`/);
  assert.throws(() => parseWatchArgs(['svc', 'every', 'soon']), /`every soon` needs a duration with a unit/);
  assert.throws(() => parseWatchArgs(['svc', 'for']), /needs a duration/);
});

test('a capture at the start and at the end of each interval', () => {
  assert.equal(captureCount(60_000, 900_000), 16);
  assert.equal(captureCount(2_000, 6_000), 4);
  assert.equal(captureCount(60_000, 90_000), 2);
});
