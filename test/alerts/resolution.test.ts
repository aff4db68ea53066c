import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding, Snapshot, StackGroup } from '../../src/engine/index.js';
import { assessResolution, detectRestart } from '../../src/alerts/resolution.js';
import { resolvedMessage } from '../../src/alerts/messages.js';

// Pure verdict logic on hand-made snapshots: each case differs in one thing only.

function group(coarseKey: string, count: number, exampleId: number | null): StackGroup {
  return {
    key: coarseKey, coarseKey, state: 'chan send', stateInferred: false, kind: 'chan-send', count,
    frames: [{ func: 'main.leak', file: '/src/leak.go', line: 42 }], framesElided: false, createdBy: null,
    waitMinutes: null, labels: {}, exampleId, orphans: 0, leaked: 0, lockedToThread: 0,
  };
}
function snap(groups: StackGroup[], format: Snapshot['format'] = 'debug2'): Snapshot {
  return { format, leakProfile: false, capturedAt: 0, total: groups.reduce((n, g) => n + g.count, 0), groups, truncated: false, warnings: [] };
}
const suspect = { coarseKey: 'leak', site: { func: 'main.leak', file: '/src/leak.go', line: 42 }, stdSite: null, frames: [], patternTitle: 'Send nobody receives', state: 'chan send' } as unknown as Finding;

// goroutine ids: the firing capture's pprof handler had id 5000.
const firing = snap([group('main', 1, 1), group('leak', 900, 40), group('handler', 1, 5000)]);

test('same process, leak site emptied → drained', () => {
  const final = snap([group('main', 1, 1), group('handler', 1, 5100)]);
  const r = assessResolution(firing, final, [suspect]);
  assert.equal(r.kind, 'drained');
  assert.equal(r.restarted, false);
  assert.deepEqual(r.sites.map((s) => [s.before, s.after]), [[900, 0]]);
  assert.equal(r.totalBefore, 902);
  assert.equal(r.totalAfter, 2);
});

test('goroutine ids started over → hidden by a restart, even though the site is empty', () => {
  const final = snap([group('main', 1, 1), group('handler', 1, 12)]);
  assert.equal(detectRestart(firing, final), true);
  const r = assessResolution(firing, final, [suspect]);
  assert.equal(r.kind, 'restarted');
  assert.match(r.verdict, /restart/);
});

test('site still holds most of its goroutines → still there', () => {
  const final = snap([group('main', 1, 1), group('leak', 880, 40), group('handler', 1, 5200)]);
  assert.equal(assessResolution(firing, final, [suspect]).kind, 'still-there');
  assert.match(assessResolution(firing, final, [suspect], 5, false, 20 * 60_000).verdict, /may just have paused/);
  // Resolved a second after it fired: nothing could drain or pause in that time.
  const flap = assessResolution(firing, final, [suspect], 5, false, 1200);
  assert.equal(flap.kind, 'still-there');
  assert.match(flap.verdict, /resolved 1 s after it fired .*flapped across the threshold, the leak did not stop/);
  assert.doesNotMatch(flap.verdict, /paused/);
  // Under a second, the verdict says it as the reply's head does ('after less than a second'), not '0 s'.
  const blip = assessResolution(firing, final, [suspect], 5, false, 400);
  assert.match(blip.verdict, /^The alert resolved less than a second after it fired and the pile did not drain/);
  const T = Date.UTC(2026, 11, 1, 5, 0, 0);
  const reply = resolvedMessage({ service: 'svc-order', title: 'GoroutinesHigh', firedAt: T, resolvedAt: T + 400, firingCapturedAt: T, finalCapturedAt: T + 300, resolution: blip }).blocks.map((b) => JSON.stringify(b)).join('\n');
  assert.equal(reply.match(/less than a second/g)?.length, 2, reply);
  assert.doesNotMatch(reply, /\b0 s\b/);
});

test('formats without goroutine ids cannot tell a restart from a drain', () => {
  const f1 = snap([group('leak', 900, null)], 'debug1');
  const f2 = snap([group('other', 3, null)], 'debug1');
  assert.equal(detectRestart(f1, f2), null);
  const r = assessResolution(f1, f2, [suspect]);
  assert.equal(r.kind, 'unclear');
  assert.match(r.verdict, /cannot be told/);
});

test('no suspects at firing time → unclear, with totals', () => {
  const final = snap([group('main', 1, 1), group('handler', 1, 5100)]);
  const r = assessResolution(firing, final, []);
  assert.equal(r.kind, 'unclear');
  assert.match(r.verdict, /902 → 2/);
});

test('a highest id a little lower in one process (per-P id batches) is no restart: the pile drained', () => {
  // The firing capture's handler took id 5000 from one P's batch; the final capture's came from another
  // P's older batch (4,990). Before, any lower id read as a restart and called a real drain 'hidden'.
  const final = snap([group('main', 1, 1), group('handler', 1, 4990)]);
  assert.equal(detectRestart(firing, final), false);
  assert.equal(assessResolution(firing, final, [suspect]).kind, 'drained');
});

test('a new life the captures recorded (start time, a restart seen in between) is a restart whatever the ids', () => {
  const final = snap([group('main', 1, 1), group('handler', 1, 5100)]);
  const r = assessResolution(firing, final, [suspect], 5, true);
  assert.equal(r.restarted, true);
  assert.equal(r.kind, 'restarted');
});
