// Untimed dumps given newest first (issue 8's new-user test: `leakbot diff t1 t0` said "no leak"):
// goroutine ids tell the order back (src/engine/order.ts), and the user is told.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, parseDump, renderText, toJsonReport, type Snapshot } from '../../src/engine/index.js';
import { orderUntimed } from '../../src/engine/order.js';

const dumps = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'dumps');
const have = existsSync(join(dumps, 'manifest.json'));
const read = (tc: string, file: string, capturedAt?: number) =>
  parseDump(readFileSync(join(dumps, tc, file)), capturedAt === undefined ? {} : { capturedAt });

test('leak-chanrecv t1 t0, t2 t1 t0: compared oldest first, with a note saying so', { skip: !have && 'no dumps' }, () => {
  const [t0, t1, t2] = ['t0', 't1', 't2'].map((t) => read('go1.26', `leak-chanrecv.${t}.debug2.txt`));
  const pair = compare([t2!, t1!]);
  assert.deepEqual(pair.snapshots.map((s) => s.goroutines), [t1!.total, t2!.total]);
  assert.match(pair.notes?.[0] ?? '', /given out of order.*compared in the order 2, 1/);
  assert.match(renderText(pair, { color: false }), /given out of order/);
  assert.match(toJsonReport(pair).notes.join('\n'), /given out of order/);
  assert.ok(pair.findings.some((f) => f.site?.line === 150 && f.delta > 0), renderText(pair, { color: false }));
  const series = compare([t2!, t1!, t0!]);
  const top = series.findings[0]!;
  assert.equal(top.site?.line, 150);
  assert.equal(top.confidence, 'high');
  assert.deepEqual(top.series, [8, 20, 36]);
  // In order, nothing to say.
  assert.equal(compare([t0!, t1!, t2!]).notes, undefined);
});

test('capture times win over ids; proto and debug=1 (no ids) are left as given', { skip: !have && 'no dumps' }, () => {
  const late = read('go1.26', 'leak-chanrecv.t2.debug2.txt', 2000);
  const early = read('go1.26', 'leak-chanrecv.t1.debug2.txt', 1000);
  const a = compare([late, early]);
  assert.equal(a.notes, undefined);
  assert.deepEqual(a.snapshots.map((s) => s.capturedAt), [1000, 2000]);
  const d1 = ['t2', 't1'].map((t) => read('go1.26', `leak-chanrecv.${t}.debug1.txt`));
  const r = orderUntimed(d1);
  assert.equal(r.note, null);
  assert.deepEqual(r.series, d1);
});

test('over every fixture program and toolchain, pairs given backwards are put back and pairs in order are kept', { skip: !have && 'no dumps' }, () => {
  const manifest = JSON.parse(readFileSync(join(dumps, 'manifest.json'), 'utf8')) as {
    programs: Record<string, { captures: Record<string, Array<{ files: Record<string, string> }>> }>;
  };
  let pairs = 0;
  let kept = 0;
  let restored = 0;
  for (const p of Object.values(manifest.programs)) {
    for (const caps of Object.values(p.captures)) {
      if (!caps.every((c) => c.files['debug2.txt'])) continue;
      const snaps: Snapshot[] = caps.map((c) => parseDump(readFileSync(join(dumps, c.files['debug2.txt']!))));
      for (let i = 0; i < snaps.length; i++)
        for (let j = i + 1; j < snaps.length; j++) {
          pairs++;
          if (orderUntimed([snaps[i]!, snaps[j]!]).note === null) kept++;
          if (orderUntimed([snaps[j]!, snaps[i]!]).series[0] === snaps[i]) restored++;
        }
    }
  }
  assert.ok(pairs > 100, `${pairs} pairs`);
  // A pair in order is misread only when the newest goroutines all exited between the dumps and
  // nothing newer started (a convoy that ended): rare, and the note says so.
  assert.ok(kept >= 0.95 * pairs, `kept ${kept}/${pairs}`);
  assert.ok(restored >= 0.95 * pairs, `restored ${restored}/${pairs}`);
});

test('dumps given oldest first around a drained surge keep their order; the same dumps newest first are put back', () => {
  const dir = join(dumps, 'surge-order');
  const [t1, t2, t3] = ['t1', 't2', 't3'].map((t) => parseDump(gunzipSync(readFileSync(join(dir, `${t}.debug2.txt.gz`)))));
  // t3's newest goroutines (ids from an older per-P batch) sit below t2's departed surge: a strain
  // Go's id batches explain, not a reason to reorder.
  for (const given of [[t1!, t2!, t3!], [t2!, t3!], [t1!, t3!]]) {
    const r = orderUntimed(given);
    assert.equal(r.note, null, r.note ?? '');
    assert.deepEqual(r.series, given);
  }
  const a = compare([t1!, t2!, t3!]);
  assert.deepEqual(a.snapshots.map((s) => s.goroutines), [115, 205, 175]);
  assert.equal(a.findings[0]?.confidence, 'high');
  // Backwards, 22 goroutines of "later" t2 would be older than one that exited between: ruled out.
  for (const given of [[t3!, t2!, t1!], [t3!, t2!]]) {
    const r = orderUntimed(given);
    assert.deepEqual(r.series, [...given].reverse());
    assert.match(r.note ?? '', /given out of order.*compared in the order/);
  }
});
