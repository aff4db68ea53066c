import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureCount, defaultEvery, parseDuration, parseWatchArgs, typedDuration, WatchArgsError } from '../../src/incident/watch-args.js';

test('durations need a unit', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1m'), 60_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('15min'), 900_000);
  assert.equal(parseDuration('15'), null);
  assert.equal(parseDuration('0s'), null);
  assert.equal(parseDuration('-1m'), null);
  assert.equal(parseDuration('2d'), 2 * 86_400_000);
  assert.equal(parseDuration('1 day'), 86_400_000);
  assert.equal(parseDuration('3 hours'), 3 * 3_600_000);
  assert.equal(parseDuration('10 mins'), 600_000);
  assert.equal(parseDuration('1w'), null);
});

test('watch arguments in any order, with defaults; stop and chart', () => {
  assert.deepEqual(parseWatchArgs(['svc']), { kind: 'start', service: 'svc', everyMs: 60_000, everyGiven: false, forMs: 900_000 });
  assert.deepEqual(parseWatchArgs(['svc', 'for', '1h', 'every', '30s']), { kind: 'start', service: 'svc', everyMs: 30_000, everyGiven: true, forMs: 3_600_000 });
  assert.deepEqual(parseWatchArgs(['svc', 'every=2m']), { kind: 'start', service: 'svc', everyMs: 120_000, everyGiven: true, forMs: 900_000 });
  assert.deepEqual(parseWatchArgs(['svc', 'every', '5', 'min']), { kind: 'start', service: 'svc', everyMs: 300_000, everyGiven: true, forMs: 900_000 });
  assert.deepEqual(parseWatchArgs(['stop', 'svc']), { kind: 'stop', service: 'svc' });
  assert.deepEqual(parseWatchArgs(['chart', 'svc']), { kind: 'chart', service: 'svc' });
  assert.throws(() => parseWatchArgs([]), WatchArgsError);
  assert.throws(() => parseWatchArgs(['svc', 'often']), /did not understand `often`/);
  assert.throws(() => parseWatchArgs(['svc', 'every', 'soon']), /`every soon` needs a duration with a unit/);
  assert.throws(() => parseWatchArgs(['svc', 'for']), /needs a duration/);
  assert.deepEqual(parseWatchArgs(['svc', 'for', '2d']), { kind: 'start', service: 'svc', everyMs: 60_000, everyGiven: false, forMs: 2 * 86_400_000 });
  assert.throws(() => parseWatchArgs(['svc', 'for', '2w']), /`for 2w` needs a duration with a unit, such as `15m`, `2h` or `1d`/);
  // A zero has its unit: it is told what is wrong with it, not asked for a unit.
  assert.throws(() => parseWatchArgs(['svc', 'for', '0m']), /^WatchArgsError: `for 0m` is no time at all: give a duration above zero, such as `15m`, `2h` or `1d`\.$/);
  assert.throws(() => parseWatchArgs(['svc', 'every', '0s']), /`every 0s` is no time at all: give a duration above zero, such as `1m` or `30s`/);
});

test('a long watch without `every` captures less often to stay within maxCaptures; durations as typed', () => {
  assert.equal(defaultEvery(15 * 60_000, 500), 60_000);
  assert.equal(defaultEvery(86_400_000, 500), 180_000, 'a day at most 500 captures: every 3 min');
  assert.ok(captureCount(defaultEvery(7 * 86_400_000, 2000), 7 * 86_400_000) <= 2000);
  assert.deepEqual([86_400_000, 36 * 3_600_000, 90 * 60_000, 45_000].map(typedDuration), ['1d', '36h', '90m', '45s']);
});

test('a capture at the start and at the end of each interval', () => {
  assert.equal(captureCount(60_000, 900_000), 16);
  assert.equal(captureCount(2_000, 6_000), 4);
  assert.equal(captureCount(60_000, 90_000), 2);
});
