// `leakbot diff a b` over untimed debug=2 dumps: goroutine ids can read a drained surge backwards (its
// later dump adds 2 goroutines whose ids a P had cached since before the surge, below the surge's
// exited ones), and then the reversed order fits them exactly. Files saved in the order given keep it
// unless the ids rule it out. Real dumps: test/fixtures/dumps/realdeps/surge (an errgroup batch of 300).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseDump } from '../src/engine/index.js';
import { orderUntimed } from '../src/engine/order.js';
import { spawnLeakbot } from './support/leakbot-cli.js';

const surge = join(import.meta.dirname, 'fixtures', 'dumps', 'realdeps', 'surge');
type Report = { snapshots: { goroutines: number }[]; notes: string[]; findings: { confidence: string }[] };

describe('dump files saved in the order given', () => {
  let dir = '';
  const file = (t: number) => join(dir, `healthy.t${t}.debug2.txt`);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'leakbot-order-'));
    for (const t of [0, 1]) writeFileSync(file(t), gunzipSync(readFileSync(join(surge, `healthy.t${t}.debug2.txt.gz`))));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the engine alone reads the drained surge backwards; told the order is the files\', it keeps it', () => {
    const snaps = [0, 1].map((t) => parseDump(readFileSync(file(t))));
    assert.equal(orderUntimed(snaps).series[0], snaps[1], 'ids alone prefer the reversed order');
    const kept = orderUntimed(snaps, { givenInOrder: true });
    assert.deepEqual(kept.series, snaps);
    assert.equal(kept.note, null);
  });

  it('leakbot diff keeps files saved oldest first in that order and calls the drained surge healthy', async () => {
    const now = Date.now() / 1000;
    utimesSync(file(0), now - 1, now - 1);
    utimesSync(file(1), now, now);
    const r = await spawnLeakbot(['diff', '--json', file(0), file(1)]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.deepEqual(report.snapshots.map((s) => s.goroutines), [305, 81]);
    assert.ok(!report.notes.some((n) => /out of order/.test(n)), report.notes.join(' | '));
    assert.deepEqual(report.findings.filter((f) => f.confidence === 'high' || f.confidence === 'medium'), []);
  });
});
