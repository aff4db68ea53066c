// Issue 12, Redis failover: leakbot's Redis paths on a real 3-primary Redis Cluster on loopback —
// BullMQ's queue and worker, the pending-request Lua scripts (three keys), the capture lock, snapshot
// storage (MULTI), post memory and the timeline. Every key lives under the {leakbot} hash tag, so
// each multi-key script and transaction runs on one slot (CROSSSLOT would fail the command).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from 'ioredis';
import { startCluster } from '../support/redis-ha.js';
import { orderService, waitThread, withServiceHarness } from './helpers.js';

describe('Redis Cluster', { timeout: 180_000 }, () => {
  const s = withServiceHarness(orderService, { redis: startCluster, prepare: ([go]) => go!.leak('nilchan', 40) });

  it('commands, coalescing, jobs, storage and history work, all keys under one hash tag', async () => {
    const { h, redis: cluster } = s;
    assert.equal(h.bot.ctx.prefix, '{leakbot}');
    const [a, b] = await Promise.all([h.command({ text: 'snapshot svc-order', channel: 'C0CLU' }), h.command({ text: 'snapshot svc-order', channel: 'C0CLU' })]);
    const texts = [a, b].map((r) => String(r.json?.text));
    assert.ok(texts.some((t) => /Capturing goroutines/.test(t)), texts.join(' | '));
    const t = await waitThread(h.slack, 'C0CLU', 0);
    assert.equal(h.slack.parents('C0CLU').length, texts.filter((x) => /Capturing/.test(x)).length, 'one thread per started job');
    assert.ok(t.replies.length >= 1);
    await h.command({ text: 'snapshot svc-order', channel: 'C0CLU2' });
    await waitThread(h.slack, 'C0CLU2', 0);
    const hist = await h.command({ text: 'history svc-order', channel: 'C0CLU2' });
    assert.match(String(hist.json?.text), /#2 /);

    const c = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    try {
      await new Promise((r) => c.once('ready', r));
      const keys = (await Promise.all(c.nodes('master').map((n) => n.keys('*')))).flat();
      assert.ok(keys.length > 10, `${keys.length} keys`);
      assert.deepEqual(keys.filter((k) => !k.startsWith('{leakbot}')), [], 'every key carries the hash tag');
    } finally {
      c.disconnect();
    }
  });
});
