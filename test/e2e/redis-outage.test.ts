// Redis stopped and restarted under a running leakbot: users get clear replies meanwhile (a
// snapshot request is held and runs when Redis returns; reads say Redis is unreachable), healthz
// turns 503, and everything recovers without a restart of leakbot.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { orderService, settled, waitThread, withServiceHarness } from './helpers.js';

describe('Redis outage', () => {
  const s = withServiceHarness(orderService);

  it('clear replies while Redis is down, nothing lost, recovery when it returns', async () => {
    const { h } = s;
    // Healthy first.
    await h.command({ text: 'snapshot svc-order', channel: 'C0BEFORE' });
    await waitThread(h.slack, 'C0BEFORE', 0);

    await h.redis.stop();
    const hz = await fetch(`${h.baseUrl}/healthz`);
    assert.equal(hz.status, 503);
    assert.match(((await hz.json()) as { redis: string }).redis, /unreachable/);

    const snap = await h.command({ text: 'snapshot svc-order', channel: 'C0OUTAGE' });
    assert.equal(snap.status, 200, 'still acked within Slack’s window');
    assert.ok(snap.ms < 3000, `ack took ${Math.round(snap.ms)} ms`);
    assert.match(String(snap.json?.text), /Redis is unreachable.*holding this request/);

    const hist = await h.command({ text: 'history svc-order', channel: 'C0OUTAGE' });
    assert.match(String(hist.json?.text), /cannot reach its Redis/);
    const help = await h.command({ text: 'help' });
    assert.match(String(help.json?.text), /\/leak snapshot/, 'help needs no Redis');

    await h.redis.start();
    // The held request runs by itself: parent + findings in the channel where it was asked.
    const t = await waitThread(h.slack, 'C0OUTAGE', 0, 1, 120_000);
    assert.match(t.parent.text, /Goroutine snapshot of \*svc-order\*/);
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await fetch(`${h.baseUrl}/healthz`)).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(status, 200);
    const hist2 = await h.command({ text: 'history svc-order', channel: 'C0OUTAGE' });
    assert.match(String(hist2.json?.text), /#2 /, 'both snapshots are in the history');
    await settled(h);
    assert.equal(h.slack.parents('C0OUTAGE').length, 1, 'the held request posted exactly once');
  });
});
