import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, matchSeries, parseDump } from '../../src/engine/index.js';
import { acceptLoop, chanSendLeak, debug2, handlerInFlight, kept, main1, many, poolWorker, type G } from './dumps.js';

const snap = (gs: G[], capturedAt?: number) => parseDump(debug2([main1, acceptLoop, ...gs]), { capturedAt });
/** Request goroutines that returned long ago, one per leaked goroutine. */
const gone = (i: number) => 50_000 + i;

test('series line up by exact key, with new and vanished groups', () => {
  const s1 = snap([...many(10, poolWorker, () => 1), ...many(40, handlerInFlight, () => 8)]);
  const s2 = snap([...many(10, poolWorker, () => 1), ...many(25, chanSendLeak, gone)]);
  const series = matchSeries([s1, s2]);
  const byFunc = (f: string) => series.find((s) => s.group.frames[0]?.func.endsWith(f));
  assert.deepEqual(byFunc('pool.worker')?.counts, [10, 10]);
  const leak = byFunc('orders.fetchResult');
  assert.ok(leak);
  assert.equal(leak.isNew, true);
  assert.equal(leak.before, 0);
  assert.equal(leak.after, 25);
  assert.equal(leak.delta, 25);
  const handlers = byFunc('api.callBackend');
  assert.ok(handlers);
  assert.equal(handlers.vanished, true);
  assert.equal(handlers.delta, -40);
});

test('a redeploy that moved lines still matches by coarse key', () => {
  const moved: Omit<G, 'id'> = {
    ...chanSendLeak,
    frames: ['example.com/svc/orders.fetchResult /src/svc/orders/fetch.go:35'],
    createdBy: 'example.com/svc/orders.FetchWithTimeout /src/svc/orders/fetch.go:24',
  };
  const series = matchSeries([snap(many(20, chanSendLeak, gone)), snap(many(60, moved, gone))]);
  const leak = series.filter((s) => s.group.frames[0]?.func.endsWith('fetchResult'));
  assert.equal(leak.length, 1, 'one series across the redeploy');
  assert.deepEqual(leak[0]!.counts, [20, 60]);
  assert.equal(leak[0]!.group.frames[0]!.line, 35, 'the series shows the current line');
});

test('growth per minute from capture times', () => {
  const t0 = Date.UTC(2026, 10, 23, 12, 0, 0);
  const series = matchSeries([snap(many(10, chanSendLeak, gone), t0), snap(many(70, chanSendLeak, gone), t0 + 120_000)]);
  const leak = series.find((s) => s.group.frames[0]?.func.endsWith('fetchResult'));
  assert.equal(leak?.growthPerMinute, 30);
  const noTimes = matchSeries([snap(many(10, chanSendLeak, gone)), snap(many(70, chanSendLeak, gone))]);
  assert.equal(noTimes.find((s) => s.after === 70)?.growthPerMinute, null);
});

test('a surge that rises and falls is not a leak; monotonic growth across three snapshots is high', () => {
  const surge = [10, 400, 15].map((n) => many(n, handlerInFlight, () => 8));
  // Leaked goroutines created by a long-lived dispatcher goroutine: no orphan evidence, only growth.
  const leak = kept([20, 60, 110], chanSendLeak, () => 1);
  const a = compare([0, 1, 2].map((i) => snap([...surge[i]!, ...leak[i]!])));
  assert.equal(a.mode, 'diff');
  assert.equal(a.findings.length, 1, JSON.stringify(a.findings.map((f) => [f.pattern, f.series])));
  const f = a.findings[0]!;
  assert.equal(f.confidence, 'high');
  assert.deepEqual(f.series, [20, 60, 110]);
  assert.equal(f.site?.line, 31);
  assert.ok(f.signals.some((s) => s.includes('grew at every snapshot')));
});

test('snapshots with capture times are put oldest first', () => {
  const t0 = Date.UTC(2026, 10, 23, 12, 0, 0);
  const [e, l] = kept([10, 70], chanSendLeak, gone);
  const early = snap(e!, t0);
  const late = snap(l!, t0 + 60_000);
  const f = compare([late, early]).findings[0];
  assert.equal(f?.delta, 60);
  assert.equal(f?.growthPerMinute, 60);
});

test('--min-delta raises the bar for growth', () => {
  const pair = kept([10, 18], chanSendLeak, () => 1).map((g) => snap(g));
  const growthRows = new Set(['kept-and-added', 'kept-and-added-batch', 'grew', 'grew-wait', 'grew-every-step']);
  const grows = (f: { evidence?: { signal: string }[] }) => (f.evidence ?? []).some((e) => growthRows.has(e.signal));
  assert.ok(compare(pair).findings.some((f) => f.confidence === 'high' && grows(f)), 'by default, +8 kept and added is growth');
  // Growth of 8 is below --min-delta 20: no growth row, so no high claim. What stays is the pile's shape
  // (a send nobody receives, left by a call its creator returned from), which --min-delta does not touch.
  const a = compare(pair, { minDelta: 20 });
  assert.equal(a.findings.filter(grows).length, 0);
  assert.equal(a.findings.filter((f) => f.confidence === 'high').length, 0);
});

test('a debug=2 baseline lines up with debug=1 and proto captures of the same real program', (t) => {
  const dumps = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'dumps');
  const manifestPath = join(dumps, 'manifest.json');
  if (!existsSync(manifestPath)) return t.skip('fixture dumps not captured');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    programs: Record<string, { captures: Record<string, { capturedAt: number; files: Record<string, string> }[]> }>;
  };
  let checked = 0;
  for (const [toolchain, caps] of Object.entries(manifest.programs['hidden-pool']?.captures ?? {})) {
    const [t0, , t2] = caps;
    if (!t0?.files['debug2.txt'] || !t2) continue;
    for (const later of ['debug1.txt', 'pb.gz'] as const) {
      if (!t2.files[later]) continue;
      const snaps = [t0.files['debug2.txt'], t2.files[later]].map((f) => parseDump(readFileSync(join(dumps, f))));
      const series = matchSeries(snaps);
      const byFunc = (suffix: string) => series.filter((s) => s.group.frames.some((f) => f.func.endsWith(suffix)));
      const [pool, ...morePools] = byFunc('leaks.poolWorker');
      assert.ok(pool && morePools.length === 0, `${toolchain} ${later}: the pool is one series`);
      assert.ok(pool.counts[0]! > 0 && pool.counts[0] === pool.counts[1], `${toolchain} ${later}: pool steady ${pool.counts}`);
      const [leak, ...moreLeaks] = byFunc('leaks.consumeEvents');
      assert.ok(leak && moreLeaks.length === 0, `${toolchain} ${later}: the leak is one series`);
      assert.ok(leak.counts[0]! > 0 && leak.counts[1]! > leak.counts[0]!, `${toolchain} ${later}: the leak grew ${leak.counts}`);
      checked++;
    }
  }
  assert.ok(checked > 0, 'hidden-pool captured on some toolchain');
});

test('a pile the first snapshot did not hold is said to have kept every goroutine since it appeared, not "all 0 of the first snapshot"', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'eval', 'subset', 'goker', 'go1.26');
  const series = ['t0', 't1', 't2'].map((m, i) => parseDump(readFileSync(join(dir, `ChanSend.${m}.debug2.txt.gz`)), { capturedAt: 1_000 * (i + 1) }));
  const f = compare(series).findings.find((x) => x.series?.[0] === 0 && (x.series[1] ?? 0) > 0);
  assert.ok(f, 'a pile that appeared after the first snapshot');
  const kept = f.evidence?.find((e) => e.signal === 'kept-and-added');
  assert.ok(kept, JSON.stringify(f.evidence));
  const [, first, last] = f.series!;
  assert.equal(kept.text, `kept every goroutine since it appeared (same ids) and added ${last! - first!}: ${f.series!.join(' → ')}`);
  assert.doesNotMatch(f.evidence!.map((e) => e.text).join('\n'), /all 0 goroutines/);
});
