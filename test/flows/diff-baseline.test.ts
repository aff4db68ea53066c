// `/leak diff <fleet> baseline` when the pod it compares has no baseline of its own. trial9 set the
// baseline of a 3-pod service ('set … for 2 pods (6061, 6063) … Not set where the latest snapshot
// looked like a leak: #19 (6062)') and the next `/leak diff svc-order baseline` answered 'svc-order
// has no baseline yet', a second after leakbot said it had two: the diff compares the pod the last
// fleet round suspected, and baselines are per pod. Real Redis; resolveDiff as the command calls it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Snapshot } from '../../src/engine/index.js';
import { parseConfig } from '../../src/config/load.js';
import { resolveDiff } from '../../src/flows/diff.js';
import type { LeakbotContext } from '../../src/context.js';
import { SnapshotStore } from '../../src/store/snapshots.js';
import { redisPerFile } from '../support/redis.js';

const snap = (total: number): Snapshot => ({ format: 'debug2', leakProfile: false, capturedAt: Date.now(), total, truncated: false, warnings: [], groups: [] }) as unknown as Snapshot;

describe('diff against the baseline of a fleet', () => {
  const redis = redisPerFile();

  it("names the pod without a baseline of its own, and how to get one, instead of 'no baseline yet'", async () => {
    const config = parseConfig('services:\n  svc-order:\n    targets: [http://10.0.0.1:6060, http://10.0.0.2:6060]\n', {}, '/tmp/leakbot.yml');
    const snapshots = new SnapshotStore(redis.client, { perService: 50, rawDumpTtlHours: 1 }, 'dt');
    const ctx = { config, snapshots, redis: redis.client, prefix: 'dt' } as unknown as LeakbotContext;
    const inst = (id: string) => ({ id, name: id, labels: {}, life: 1, maxGoroutineId: 1 });
    const save = (id: string, total: number) => snapshots.save('svc-order', { snapshot: snap(total), bytes: 1, durationMs: 1, capturedAt: Date.now(), instance: inst(id) });
    const a1 = await save('10.0.0.1:6060', 40);
    await save('10.0.0.2:6060', 400);
    await snapshots.setBaseline('svc-order', a1.seq); // the clean pod's; the leaking pod's was refused
    await save('10.0.0.1:6060', 41);
    const b2 = await save('10.0.0.2:6060', 700);
    const r = await resolveDiff(ctx, 'svc-order', { against: 'baseline', instance: '10.0.0.2:6060' });
    assert.ok('error' in r);
    assert.equal(
      r.error,
      `10.0.0.2:6060 has no baseline of its own (each pod of svc-order is compared only with its own snapshots; the baseline set is another pod's). Set one from a healthy snapshot of it with \`/leak baseline svc-order &lt;snapshot#&gt;\` (see \`/leak history svc-order\`), or compare a pod that has one: \`/leak diff svc-order baseline pod=&lt;name&gt;\`.`,
    );
    assert.ok(b2.seq > a1.seq);
    // The pod that has one is compared with it.
    const ok = await resolveDiff(ctx, 'svc-order', { against: 'baseline', instance: '10.0.0.1:6060' });
    assert.ok(!('error' in ok) && ok.ref.seq === a1.seq, JSON.stringify(ok));
  });
});
