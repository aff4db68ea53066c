import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderWatchMessage, slopePerMinute, sparkline, trendOf, verdictSentence, watchTrend, WATCH_STOP_ACTION, type SuspectLabel, type WatchSample, type WatchView } from '../../src/incident/trend.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const pts = (vals: number[]) => vals.map((v, i) => ({ at: T0 + i * 60_000, v }));

test('slope per minute and verdicts: growing, flat (noise), draining', () => {
  assert.equal(slopePerMinute(pts([100, 200, 300])), 100);
  assert.equal(slopePerMinute(pts([5])), null);
  assert.equal(trendOf(pts([100, 180, 260, 340])).verdict, 'growing');
  assert.equal(trendOf(pts([1000, 1010, 995, 1012])).verdict, 'flat', 'within 2 % of 1000');
  assert.equal(trendOf(pts([900, 600, 300, 120])).verdict, 'draining');
  assert.equal(trendOf(pts([100, 400, 100])).verdict, 'flat', 'a surge that drained is not growth');
});

test('sparkline spans the range', () => {
  assert.equal(sparkline([0, 7, 14]), '▁▅█');
  assert.equal(sparkline([3, 3]), '▄▄');
  assert.equal(sparkline([]), '');
  // A change of a goroutine or two on a flat watch is a small step, not a collapse (trial5: `█▁▁`).
  assert.equal(sparkline([74, 73, 73]), '▅▄▄');
  assert.equal(sparkline([100, 110, 120]), '▁▅█', 'a rise of a fifth spans every bar');
  assert.equal(sparkline([70, 140, 210]), '▁▅█', 'a real trend still spans every bar');
});

const labels: SuspectLabel[] = [
  { key: 'k-leak', site: 'internal/order/fanout.go:42 (order.collect)', patternTitle: 'Send nobody receives', confidence: 'high' },
  { key: 'k-pool', site: 'internal/pool/pool.go:9 (pool.worker)', patternTitle: 'Blocked', confidence: 'low' },
];
function samples(n: number, leak = (i: number) => 100 * i): WatchSample[] {
  return Array.from({ length: n }, (_v, i) => ({ index: i, at: T0 + i * 60_000, seq: i + 1, total: 500 + leak(i), counts: { 'k-leak': leak(i), 'k-pool': 64 } }));
}

test('a growing suspect makes the watch growing even when the total barely moves', () => {
  const s = samples(4, (i) => 5 * i).map((x, i) => ({ ...x, total: 5000 + (i % 2) * 10 }));
  const t = watchTrend(s, labels);
  assert.equal(t.total.verdict, 'flat');
  assert.equal(t.suspects[0]!.key, 'k-leak');
  assert.equal(t.verdict, 'growing');
});

test('running message: trend, suspects, progress and buttons; final message: verdict, no buttons', () => {
  const v: WatchView = { watchId: 'w1', service: 'svc-order', everyMs: 60_000, ticks: 6, startedAt: T0, startedBy: 'U0ALICE', status: 'running' };
  const withError: WatchSample[] = [...samples(3), { index: 3, at: T0 + 180_000, total: null, error: 'service timed out', counts: {} }];
  const running = renderWatchMessage(v, withError, labels);
  const json = JSON.stringify(running.blocks);
  assert.match(json, /Watching svc-order\* every 1 min for 5 min/);
  assert.match(json, /500 → 700 \(\+200, \+100\/min\)/);
  assert.match(json, /fanout.go:42 \(order.collect\)` Send nobody receives \(high\): 0 → 200/);
  assert.match(json, /4\/6 captures \(1 failed\)/);
  assert.match(json, /capture 4 failed: service timed out/);
  assert.ok(json.includes(WATCH_STOP_ACTION));
  const done = renderWatchMessage({ ...v, status: 'done', endReason: 'completed' }, samples(6), labels);
  const dj = JSON.stringify(done.blocks);
  assert.match(dj, /Watch of svc-order ended: growing/);
  assert.match(dj, /svc-order is growing: 500 → 1,000 goroutines over 5 min/);
  assert.doesNotMatch(dj, /"actions"/);
  assert.equal(done.text, 'Watch of svc-order ended: growing');
  const stopped = JSON.stringify(renderWatchMessage({ ...v, status: 'done', endReason: 'stopped', stoppedBy: 'U0BOB' }, samples(2, () => 0), labels).blocks);
  assert.match(stopped, /stopped by <@U0BOB>: flat/);
});

test('a watch stopped after one capture says too few captures, not flat; a fleet watch names its pod (trial5)', () => {
  const v: WatchView = { watchId: 'w2', service: 'svc-order', everyMs: 30_000, ticks: 21, startedAt: T0, startedBy: 'U0ALICE', status: 'done', endReason: 'stopped', stoppedBy: 'U0ALICE' };
  const one = renderWatchMessage(v, samples(1), labels);
  assert.match(JSON.stringify(one.blocks), /Watch of svc-order stopped by <@U0ALICE>: too few captures for a trend\*/);
  assert.doesNotMatch(JSON.stringify(one.blocks), /: flat/);
  assert.match(JSON.stringify(one.blocks), /Not enough captures of svc-order to tell a trend/);
  const pod = samples(3).map((x) => ({ ...x, instanceName: 'svc-order-1' }));
  const running = renderWatchMessage({ ...v, status: 'running' }, pod, labels);
  assert.match(JSON.stringify(running.blocks), /Watching svc-order \(svc-order-1\)\* every 30 s/);
  assert.equal(running.text, 'Watching svc-order (svc-order-1): 700 goroutines');
  assert.match(JSON.stringify(renderWatchMessage({ ...v, endReason: 'completed' }, pod, labels).blocks), /svc-order \(svc-order-1\) is growing: 500 → 700/);
});

test('verdict sentences', () => {
  assert.match(verdictSentence('s', watchTrend(samples(1), labels), 0), /Not enough captures/);
  const drain = samples(4, (i) => -100 * i).map((x) => ({ ...x, counts: { 'k-leak': 0 } }));
  assert.match(verdictSentence('s', watchTrend(drain, labels), 180_000), /s is draining: 500 → 200 goroutines over 3 min \(-300, -100\/min\); the pile is shrinking/);
});

test('a suspect that rose once and then held is not said to keep growing (trial8: 4 → 23 at capture 4, then 23 for 8 captures)', () => {
  const step = samples(11, (i) => (i < 3 ? 0 : 20));
  const sentence = verdictSentence('svc-order', watchTrend(step, labels), 600_000);
  assert.match(sentence, /internal\/order\/fanout\.go:42 \(order\.collect\) rose \+20 by capture 4 and has held at 20 for the 7 captures since: it may have stopped for now/, sentence);
  assert.doesNotMatch(sentence, /keeps growing/);
  // Still rising at the end: keeps growing, with its rate.
  assert.match(verdictSentence('svc-order', watchTrend(samples(6), labels), 300_000), /fanout\.go:42 \(order\.collect\) keeps growing \(\+500, \+100\/min\)/);
});
