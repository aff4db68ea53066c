// SnapshotStore, PendingRequests and CaptureGate against a real redis-server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { AnalysisPool } from '../../src/analysis/pool.js';
import type { Snapshot } from '../../src/engine/index.js';
import { CaptureGate } from '../../src/store/capture-gate.js';
import { PendingRequests } from '../../src/store/pending.js';
import { decodeProfile } from '../../src/capture/limits.js';
import { decodeSnapshotData, encodeSnapshotData, storedFormOf } from '../../src/store/snapshot-data.js';
import { SnapshotStore } from '../../src/store/snapshots.js';
import { startRedis, type TestRedis } from '../support/redis.js';

function snap(total: number): Snapshot {
  return {
    format: 'debug2',
    leakProfile: false,
    capturedAt: Date.now(),
    total,
    truncated: false,
    warnings: [],
    groups: [
      {
        key: 'k',
        coarseKey: 'c',
        state: 'chan receive',
        stateInferred: false,
        kind: 'chan-recv',
        count: total,
        frames: [{ func: 'main.worker', file: '/src/main.go', line: 10 }],
        framesElided: false,
        createdBy: null,
        waitMinutes: null,
        labels: {},
        exampleId: 1,
        orphans: 0,
        leaked: 0,
        lockedToThread: 0,
      },
    ],
  };
}

describe('store', () => {
  let redis: TestRedis;
  let r: Redis;
  before(async () => {
    redis = await startRedis();
    r = new Redis(redis.url);
    r.on('error', () => {});
  });
  after(async () => {
    r?.disconnect();
    await redis?.close();
  });

  it('saves snapshots compressed, lists newest first, finds the previous one', async () => {
    const s = new SnapshotStore(r, { perService: 50, rawDumpTtlHours: 1 }, 't1');
    const raw = Buffer.from('goroutine 1 [running]:\nmain.main()\n');
    const a = await s.save('svc', { snapshot: snap(10), raw, bytes: raw.length, durationMs: 5, capturedAt: 1000, requestedBy: 'U1' });
    const b = await s.save('svc', { snapshot: snap(20), bytes: 0, durationMs: 5, capturedAt: 2000 });
    assert.deepEqual([a.seq, b.seq], [1, 2]);
    assert.deepEqual((await s.list('svc')).map((m) => m.total), [20, 10]);
    assert.equal((await s.previous('svc', 2))?.seq, 1);
    assert.equal(await s.previous('svc', 1), null);
    assert.equal((await s.load('svc', 1))?.total, 10);
    assert.equal((await s.load('svc', 2))?.groups[0]?.frames[0]?.func, 'main.worker');
    assert.equal((await s.loadRaw('svc', 1))?.toString(), raw.toString());
    const ttl = await r.ttl('t1:snap:svc:1:raw');
    assert.ok(ttl > 0 && ttl <= 3600, `raw dump has a TTL (${ttl})`);
    assert.equal(await r.ttl('t1:snap:svc:1:data'), -1, 'parsed snapshot does not expire');
    // stored compressed: the data key is gzip (magic 1f8b)
    const data = await r.getBuffer('t1:snap:svc:1:data');
    assert.equal(data?.[0], 0x1f);
    assert.equal(data?.[1], 0x8b);
  });

  it('caps history per service but never drops the baseline', async () => {
    const s = new SnapshotStore(r, { perService: 3, rawDumpTtlHours: 1 }, 't2');
    await s.save('svc', { snapshot: snap(1), bytes: 0, durationMs: 1, capturedAt: 1 });
    await s.setBaseline('svc', 1);
    for (let i = 2; i <= 6; i++) await s.save('svc', { snapshot: snap(i), bytes: 0, durationMs: 1, capturedAt: i });
    const seqs = (await s.list('svc', 100)).map((m) => m.seq);
    assert.deepEqual(seqs, [6, 5, 4, 1]);
    assert.equal((await s.baseline('svc'))?.total, 1);
    assert.equal(await s.get('svc', 2), null, 'trimmed snapshot metadata is deleted');
    assert.equal(await r.exists('t2:snap:svc:2:data'), 0);
  });

  it('pending requests: first creates, the rest join; claim returns everyone once the window closes', async () => {
    const p = new PendingRequests(r, 't3');
    const first = await p.joinOrCreate('svc:C1', 'job-1', { user: 'U1', at: 1 }, 60_000);
    assert.deepEqual(first, { jobId: 'job-1', joined: false });
    const joins = await Promise.all(Array.from({ length: 19 }, (_, i) => p.joinOrCreate('svc:C1', `job-x${i}`, { user: `U${i + 2}`, responseUrl: `http://r/${i}`, at: 2 }, 60_000)));
    assert.ok(joins.every((j) => j.joined && j.jobId === 'job-1'));
    const all = await p.claim('svc:C1', 'job-1');
    assert.equal(all.length, 20);
    assert.equal(new Set(all.map((a) => a.user)).size, 20);
    // claiming again (a retried job) returns the same people
    assert.equal((await p.claim('svc:C1', 'job-1')).length, 20);
    // after the claim a new request starts a new job
    assert.equal((await p.joinOrCreate('svc:C1', 'job-2', { user: 'U1', at: 3 }, 60_000)).joined, false);
  });

  it('capture gate: one holder at a time, release only by the owner, failures remembered', async () => {
    const g = new CaptureGate(r, 't4');
    assert.equal(await g.tryLock('svc', 'a', 10_000), true);
    assert.equal(await g.tryLock('svc', 'b', 10_000), false);
    await g.release('svc', 'b');
    assert.equal(await g.tryLock('svc', 'b', 10_000), false, 'a non-owner cannot release');
    const waiting = g.waitUnlocked('svc', 10_000);
    await g.release('svc', 'a');
    assert.equal(await waiting, true);
    await g.recordFailure('svc', { at: 5, code: 'unreachable', message: 'down' }, 5000);
    assert.equal((await g.recentFailure('svc'))?.code, 'unreachable');
    await g.clearFailure('svc');
    assert.equal(await g.recentFailure('svc'), null);
  });
  it('per-process series: previous() stays within one instance and one life; history is capped per process; baselines per process', async () => {
    const s = new SnapshotStore(r, { perService: 3, rawDumpTtlHours: 1 }, 't5');
    const inst = (id: string, life = 1, restart?: { previousSeq: number; reason: string }) => ({ id, name: id, labels: {}, life, maxGoroutineId: 1, ...(restart ? { restart } : {}) });
    const save = (id: string, life = 1, restart?: { previousSeq: number; reason: string }) =>
      s.save('fleet', { snapshot: snap(10), bytes: 1, durationMs: 1, capturedAt: Date.now(), instance: inst(id, life, restart) });
    const a1 = await save('a');
    const b1 = await save('b');
    const a2 = await save('a');
    assert.equal((await s.previous('fleet', a2.seq))?.seq, a1.seq, 'a compares with a, not with b taken in between');
    assert.equal(await s.previous('fleet', b1.seq), null);
    await s.setBaseline('fleet', a1.seq);
    assert.equal((await s.baselineFor(a2)).meta?.seq, a1.seq);
    assert.equal((await s.baselineFor(b1)).meta, null, 'b has no baseline of its own');
    const a3 = await save('a', 2, { previousSeq: a2.seq, reason: 'ids' });
    assert.equal(await s.previous('fleet', a3.seq), null, 'never across a restart');
    assert.deepEqual((await s.baselineFor(a3)), { meta: null, fromOtherLife: a1 }, 'the baseline of the previous life is not used');
    const a4 = await save('a', 2);
    assert.equal((await s.previous('fleet', a4.seq))?.seq, a3.seq);
    await save('a', 2);
    await save('a', 2);
    // a's series is capped at 3 (plus its baseline); b's snapshot is untouched by a's trimming.
    assert.deepEqual((await s.seriesBefore({ ...a4, seq: 1e9 }, 10)).map((m) => m.life), [2, 2, 2]);
    assert.ok(await s.get('fleet', a1.seq), 'the baseline survives trimming');
    assert.equal(await s.get('fleet', a2.seq), null, 'older snapshots of a are trimmed');
    assert.ok(await s.get('fleet', b1.seq));
    assert.equal((await s.latestOf('fleet', 'b'))?.seq, b1.seq);
    // A baseline stored before snapshots named their process still counts for the new ones.
    const old = await s.save('legacy', { snapshot: snap(10), bytes: 1, durationMs: 1, capturedAt: Date.now() });
    await s.setBaseline('legacy', old.seq);
    const now = await s.save('legacy', { snapshot: snap(12), bytes: 1, durationMs: 1, capturedAt: Date.now(), instance: inst('10.0.3.7:6060') });
    assert.equal((await s.baselineFor(now)).meta?.seq, old.seq);
  });

  it('stores a snapshot decoded in the analysis pool as its worker encoded it', async () => {
    const pool = new AnalysisPool({ size: 1 });
    try {
      const dump = readFileSync(new URL('../fixtures/dumps/go1.26-leakprofile/hidden-convoy.t1.leak.txt', import.meta.url));
      const plain = await pool.decode(dump, { capturedAt: 1000, maxBytes: 1 << 24 });
      assert.equal(storedFormOf(plain), undefined, 'encoded only when asked');
      const snapshot = await pool.decode(dump, { capturedAt: 1000, maxBytes: 1 << 24, leakProfile: true }, { storedForm: true });
      assert.equal(snapshot.leakProfile, true, 'marked in the worker, before it was encoded');
      const data = storedFormOf(snapshot);
      assert.ok(data && data.length > 0);
      assert.deepEqual(JSON.parse(gunzipSync(data).toString()), JSON.parse(JSON.stringify(snapshot)), 'the stored form is the snapshot');
      const s = new SnapshotStore(r, { perService: 5, rawDumpTtlHours: 1 }, 't9');
      const meta = await s.save('svc', { snapshot, bytes: dump.length, durationMs: 1, capturedAt: 1000 });
      assert.ok((await r.getBuffer(`t9:snap:svc:${meta.seq}:data`))!.equals(data), 'saved as the worker encoded it');
      assert.deepEqual(await s.load('svc', meta.seq), JSON.parse(JSON.stringify(snapshot)));
      assert.equal(meta.leakProfile, true);
    } finally {
      await pool.close();
    }
  });

  it('the stored form gives back every fixture dump as decoded (analysis reads it instead of the object)', () => {
    const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
    let checked = 0;
    for (const f of walk(fileURLToPath(new URL('../fixtures/dumps', import.meta.url)))) {
      let snapshot;
      try {
        snapshot = decodeProfile(readFileSync(f), { capturedAt: 1, maxBytes: 1 << 26 });
      } catch {
        continue; // not a goroutine dump (a manifest, a deliberately broken paste)
      }
      // structuredClone: what the pool would have sent to the worker before.
      assert.ok(isDeepStrictEqual(decodeSnapshotData(encodeSnapshotData(snapshot)), structuredClone(snapshot)), f);
      checked++;
    }
    assert.ok(checked > 500, `${checked} dumps checked`);
  });
});
