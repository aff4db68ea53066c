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
  assert.match(sentence, /internal\/order\/fanout\.go:42 \(order\.collect\) rose 0 → 20 by capture 4, then held at 20 for the 7 captures since: it may have stopped for now/, sentence);
  assert.doesNotMatch(sentence, /keeps growing/);
  // Still rising at the end: keeps growing, with its rate.
  assert.match(verdictSentence('svc-order', watchTrend(samples(6), labels), 300_000), /fanout\.go:42 \(order\.collect\) keeps growing \(\+500, \+100\/min\)/);
});

test('a suspect that rose once and held for the last captures is not said to keep growing (20 → 45, then 45 twice)', () => {
  const v: WatchView = { watchId: 'w4', service: 'svc-order', everyMs: 60_000, ticks: 4, startedAt: T0, startedBy: 'U0ALICE', status: 'done', endReason: 'completed' };
  const held = samples(4, (i) => [20, 20, 45, 45][i]!);
  const t = watchTrend(held, labels);
  assert.equal(t.verdict, 'growing', 'the watch did see it grow');
  const sentence = verdictSentence('svc-order', t, 180_000);
  assert.doesNotMatch(sentence, /keeps growing/, sentence);
  assert.match(sentence, /fanout\.go:42 \(order\.collect\) rose 20 → 45 by capture 3, then held at 45 for the capture since: too few captures to tell whether it stopped/, sentence);
  const msg = JSON.stringify(renderWatchMessage(v, held, labels).blocks);
  assert.match(msg, /Send nobody receives \(high\): 20 → 45 `[^`]+`, \+[\d.]+\/min · rose until capture 3, not since/, msg);
  // Rose, then fell back a little: said as it is, not as held.
  const dipped = verdictSentence('svc-order', watchTrend(samples(4, (i) => [20, 45, 45, 40][i]!), labels), 180_000);
  assert.match(dipped, /rose 20 → 45 by capture 2, then stayed at or below 45 for the 2 captures since \(40 now\)/, dipped);
  // Still rising at the last capture: growing, as before.
  assert.match(JSON.stringify(renderWatchMessage(v, samples(4), labels).blocks), /\+100\/min · growing/);
});

test('a watch failing again and again says how many failed and since when, each reason once, within a context block', () => {
  const v: WatchView = { watchId: 'w3', service: 'svc-order', everyMs: 60_000, ticks: 60, startedAt: T0, startedBy: 'U0ALICE', status: 'running' };
  const fail = (i: number, error: string): WatchSample => ({ index: i, at: T0 + i * 60_000, total: null, error, counts: {} });
  // Captures 1–3 fine, 4 timed out once, 5–6 fine, then 7–50 refused (44 in a row), the last two
  // with another reason.
  const ok = samples(50).filter((s) => [0, 1, 2, 4, 5].includes(s.index));
  const down = Array.from({ length: 42 }, (_v, k) => fail(6 + k, 'Could not reach svc-order at http://10.0.3.7:6060 (connection refused).'));
  const all = [...ok, fail(3, 'svc-order did not deliver its goroutine profile within 5 s.'), ...down, fail(48, 'host <unreachable> & gone'), fail(49, 'host <unreachable> & gone')];
  const context = (m: ReturnType<typeof renderWatchMessage>) => (m.blocks.find((b) => b.type === 'context') as { elements: Array<{ text: string }> }).elements[0]!.text;
  const text = context(renderWatchMessage(v, all, labels));
  assert.match(text, /^50\/60 captures \(45 failed\)/);
  assert.ok(text.includes(`45 of 50 captures failed, the first at capture 4 (<!date^${(T0 + 180_000) / 1000}^{time_secs}|`), text);
  assert.ok(text.includes(`failing again since capture 7 (<!date^${(T0 + 6 * 60_000) / 1000}^{time_secs}|`), text);
  assert.match(text, /44 in a row/);
  assert.match(text, /\ncapture 4 failed: svc-order did not deliver/);
  assert.match(text, /\ncaptures 7–48 failed: Could not reach svc-order/);
  assert.match(text, /\ncaptures 49–50 failed: host &lt;unreachable&gt; &amp; gone$/);
  assert.equal(text.match(/connection refused/g)?.length, 1, 'one reason, said once');
  assert.ok(text.length <= 3000);
  // More reasons than are listed: the earlier ones are counted.
  const many = [...samples(2), ...Array.from({ length: 6 }, (_v, k) => fail(2 + k, `reason ${k}`))];
  const m = context(renderWatchMessage(v, many, labels));
  assert.match(m, /6 of 8 captures failed: every one since capture 3/);
  assert.match(m, /…3 earlier failed captures not listed\.\ncapture 6 failed: reason 3\ncapture 7 failed: reason 4\ncapture 8 failed: reason 5$/);
  // Every capture failed; a single failure needs no summary line.
  assert.match(context(renderWatchMessage(v, [fail(0, 'x'), fail(1, 'x')], labels)), /All 2 captures failed, since capture 1 .*\ncaptures 1–2 failed: x$/);
  assert.match(context(renderWatchMessage(v, [...samples(2), fail(2, 'x')], labels)), /^3\/60 captures \(1 failed\)[^\n]*\ncapture 3 failed: x$/);
});
