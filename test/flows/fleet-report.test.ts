import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFleetReport, perHour, type InstanceReport } from '../../src/flows/fleet-report.js';
import type { Analysis, Finding } from '../../src/engine/index.js';
import type { SnapshotMeta } from '../../src/store/snapshots.js';
import { explain, type CaptureError } from '../../src/capture/errors.js';

function meta(seq: number, total: number, extra: Partial<SnapshotMeta> = {}): SnapshotMeta {
  return { service: 'svc-order', seq, capturedAt: 0, savedAt: 0, total, groups: 3, format: 'debug2', leakProfile: false, truncated: false, bytes: 1, durationMs: 1, ...extra };
}
function finding(file: string, line: number, after: number, perMin: number | null, confidence: Finding['confidence'], score = 10): Finding {
  const frame = { func: 'order.price', file, line } as Finding['site'];
  return { site: frame, stdSite: null, after, before: 0, delta: after, growthPerMinute: perMin, confidence, score, patternTitle: 'Channel send with no receiver' } as unknown as Finding;
}
function analysis(findings: Finding[]): Analysis {
  return { mode: 'diff', snapshots: [], findings, suppressed: 0 };
}
/** A pod whose capture failed, as the fleet checkpoint records it (CaptureOutcome). */
const failedPod = (name: string, err: CaptureError): InstanceReport => ({ id: `${name}:6060`, name, code: err.code, error: err.userMessage, brief: err.brief });
const pod = (name: string, findings: Finding[], total = 100, ref = true): InstanceReport => ({
  id: `${name}:6060`,
  name,
  cur: meta(2, total),
  ref: ref ? meta(1, 90) : null,
  analysis: analysis(findings),
});

test('the same site on several pods is one line with per-pod figures; clean and failed pods counted', () => {
  const r = buildFleetReport(
    'svc-order',
    [
      pod('pod-a', [finding('/src/order/price.go', 88, 40_112, 633, 'high', 90)], 40_500),
      pod('pod-b', [finding('/src/order/price.go', 88, 12_000, 100, 'medium', 50)], 12_400),
      pod('pod-c', [finding('/src/order/price.go', 88, 900, 2, 'low', 5)]),
      ...['d', 'e', 'f', 'g', 'h', 'i', 'j', 'k'].map((x) => pod(`pod-${x}`, [])),
      failedPod('pod-z', explain.timeout('svc-order (pod-z)', 'http://10.0.0.9:6060/debug/pprof/goroutine?debug=0', 4)),
    ],
    12,
  );
  assert.equal(r.sites.length, 1);
  assert.match(r.summary, /^Leak at `src\/order\/price\.go:88` on 2 of 12 pods: pod-a 40,112 \(\+38k\/h\) of its 40,500 goroutines, pod-b 12,000 \(\+6\.0k\/h\) of its 12,400 goroutines/);
  // A new-user trial: pod-c (a low pile only) was counted in "9 pods clean" while its table row named
  // the pile. Not a suspect, not clean either: counted apart.
  assert.match(r.summary, /^8 pods clean, 1 with a low pile only; 1 not captured/m, r.summary);
  // A few words in the summary (it is the parent message too) and the table; the full message is
  // said once, in the fleet message (r.failed), not cut mid-word here.
  assert.match(r.summary, /; 1 not captured: pod-z \(no profile within 4 s\)\.$/);
  assert.doesNotMatch(r.summary, /did not deliver|…/);
  assert.match(r.failed[0]!.error, /raise timeoutSeconds for it, or try again\.$/);
  assert.equal(r.strongest, 'pod-a:6060');
  assert.match(r.table, /pod-z +— +not captured +no profile within 4 s\n/);
  assert.match(r.table, /pod-a +40,500 +\+40,410 vs #1 +src\/order\/price\.go:88 \(high\)/);
  // trial5: an alerted pod whose findings said "1 pile worth a look (low)" read "clean" in the table
  // posted under them. Not a suspect in the summary, not clean either; named in the table.
  assert.match(r.table, /pod-c +\S+ +\S+ vs #1 +src\/order\/price\.go:88 \(low\)/, r.table);
  assert.match(r.table, /pod-d +\S+ +\S+ vs #1 +clean/, r.table);
});

test('the few words come from the recorded brief: a reworded message changes nothing in the summary or table', () => {
  const err = explain.status('svc-order (pod-y)', 'http://10.0.0.8:6060/debug/pprof/goroutine?debug=0', 503);
  // The same failure after its message was reworded (one whose English no longer carries the figure,
  // and one that carries other figures): the brief recorded beside it is what shows.
  for (const error of ['pod-y is having a bad day; ask again shortly.', 'Could not connect within 9 s (HTTP 401); larger than the 2 MiB limit.']) {
    const r = buildFleetReport('svc-order', [pod('pod-a', []), { ...failedPod('pod-y', err), error }], 2);
    assert.match(r.summary, /; 1 not captured: pod-y \(HTTP 503\)\.$/, r.summary);
    assert.match(r.table, /pod-y +— +not captured +HTTP 503\n/, r.table);
    assert.deepEqual(r.failed, [{ name: 'pod-y', error, brief: 'HTTP 503' }], 'the full (reworded) message is still said once below');
  }
});

test('a checkpoint stored by an older version (code and message, no brief) still renders', () => {
  // As a retried job reads it back from Redis after an upgrade: JSON without `brief`.
  const old = JSON.parse(
    JSON.stringify([
      { id: 'pod-z:6060', name: 'pod-z', code: 'timeout', error: 'svc-order (pod-z) did not deliver its goroutine profile within 4 s (http://10.0.0.9:6060/debug/pprof/goroutine?debug=0). Raise timeoutSeconds for it, or try again.' },
      { id: 'pod-w:6060', name: 'pod-w', code: 'busy', error: 'Another capture of svc-order (pod-w) is taking too long; try again in a minute.' },
      { id: 'pod-v:6060', name: 'pod-v', error: 'snapshot #4 is no longer stored' },
    ]),
  ) as InstanceReport[];
  const r = buildFleetReport('svc-order', [pod('pod-a', []), ...old], 4);
  // A phrase for the code (the figure stays in the full message, said below), never a figure read
  // out of the English; with no code, the message's first clause.
  assert.match(r.summary, /; 3 not captured: pod-z \(timed out\), pod-w \(another capture still running\), pod-v \(snapshot #4 is no longer stored\)\.$/, r.summary);
  assert.match(r.table, /pod-z +— +not captured +timed out\n/, r.table);
  assert.match(r.table, /pod-w +— +not captured +another capture still running\n/, r.table);
  assert.equal(r.failed[0]!.error, old[0]!.error, 'the full message is kept for the thread');
});

test('a restarted pod is said so and shows no change; nothing suspected says so plainly', () => {
  const restarted: InstanceReport = { id: 'p:1', name: 'p', cur: meta(5, 30, { restart: { previousSeq: 3, reason: 'goroutine ids started over' } }), ref: null, analysis: analysis([]) };
  const r = buildFleetReport('svc', [restarted, pod('q', [])], 2);
  assert.match(r.summary, /No suspected leaks on any of 2 captured pods; p restarted since the last capture: comparison starts over\./);
  assert.match(r.table, /p +30 +restarted +clean/);
});

test('names from discovery are escaped for Slack', () => {
  const r = buildFleetReport('svc', [{ id: 'x', name: '<!channel>', error: 'a & b' }], 1);
  assert.ok(!r.summary.includes('<!channel>') && !r.table.includes('<!channel>'));
  assert.match(r.summary, /&lt;!channel&gt; \(a &amp; b\)/);
});

test('growth from captures seconds apart is the count added, not a per-hour rate', () => {
  // +400 in about 3 s: 7,734/min. Per hour that reads '+464k/h', from one burst.
  const burst = { ...finding('/src/order/price.go', 88, 500, 7734, 'high', 90), delta: 400 } as Finding;
  const r = buildFleetReport('svc', [pod('pod-a', [burst], 620), pod('pod-b', [finding('/src/order/price.go', 88, 40_112, 633, 'high', 80)], 40_500)], 2);
  assert.match(r.summary, /pod-a 500 \(\+400\) of its 620 goroutines/, r.summary);
  assert.match(r.summary, /pod-b 40,112 \(\+38k\/h\) of its 40,500 goroutines/, 'a rate seen over a long window stays per hour');
});

test('a leak that held still says so, not (+0/h); a rate that rounds to nothing gives the count added', () => {
  // trial9, after Capture again on a fleet whose leaking pod held: 'Leak at … 45 goroutines (+0/h)'.
  const held = { ...finding('/internal/leaks/leaks.go', 136, 45, 0, 'high', 90), before: 45, delta: 0, series: [45, 45] } as Finding;
  const r = buildFleetReport('svc-order', [pod('127.0.0.1:6062', [held]), pod('127.0.0.1:6061', []), pod('127.0.0.1:6063', [])], 3);
  assert.match(r.summary, /^Leak at `internal\/leaks\/leaks\.go:136` on 1 of 3 pods: 127\.0\.0\.1:6062 45 \(steady across 2 captures\) of its 100 goroutines$/m, r.summary);
  assert.doesNotMatch(r.summary, /[+-]0\/h/, r.summary);
  // Rose once, then held for the last three captures.
  const rose = { ...held, before: 20, delta: 25, growthPerMinute: 2, series: [20, 45, 45, 45] } as Finding;
  assert.match(buildFleetReport('svc-order', [pod('p', [rose])], 1).summary, /p 45 \(\+120\/h\) of its 100 goroutines/);
  // +1 over hours: measured, but '+0/h' says nothing; the count added does.
  const slow = { ...held, before: 44, delta: 1, growthPerMinute: 0.002, series: [44, 45] } as Finding;
  assert.match(buildFleetReport('svc-order', [pod('p', [slow])], 1).summary, /p 45 \(\+1\) of its 100 goroutines$/m);
});

test('a pod\'s pile and its total are told apart: the table beside the summary lists totals', () => {
  // A trial read 'pod-a 45 goroutines (+200/h)' above a table row 'pod-a  300  +0 vs #4': the pile
  // grew while other goroutines of the pod ended.
  const grew = { ...finding('/internal/leaks/leaks.go', 136, 45, 10 / 3, 'high', 90), before: 25, delta: 20, series: [25, 45] } as Finding;
  const r = buildFleetReport('svc', [pod('pod-a', [grew], 300)], 1);
  assert.match(r.summary, /pod-a 45 \(\+200\/h\) of its 300 goroutines$/m, r.summary);
  assert.match(r.table, /pod-a +300 +/, r.table);
});

test('perHour is compact', () => {
  assert.equal(perHour(633), '+38k/h');
  assert.equal(perHour(2), '+120/h');
  assert.equal(perHour(-0.5), '-30/h');
  assert.equal(perHour(null), '');
});

test('pods with a low pile only: nothing suspected, yet not said to be clean', () => {
  const low = () => [finding('/src/order/price.go', 88, 900, 2, 'low', 5)];
  const two = buildFleetReport('svc', [pod('p', low()), pod('q', [])], 2);
  assert.equal(two.summary, 'No suspected leaks on any of 2 captured pods (1 with a low pile only).');
  assert.equal(buildFleetReport('svc', [pod('p', low())], 1).summary, 'No suspected leaks on the captured pod (a low pile only).');
  const mixed = buildFleetReport('svc', [pod('a', [finding('/src/order/price.go', 88, 900, 2, 'high', 90)]), pod('p', low()), pod('q', low())], 3);
  assert.match(mixed.summary, /\n2 pods with a low pile only\.$/, mixed.summary);
  assert.doesNotMatch(mixed.summary, /clean/, mixed.summary);
});
