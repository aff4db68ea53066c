// Issue 12, Redis failover, on real parts: a primary, a replica and three sentinels on loopback. The
// primary is SIGKILLed in the middle of a burst of 20 slash commands and an alert storm: every
// command is answered within Slack's window and ends in exactly one thread with findings, every
// alert ends in exactly one parent message, and nothing is posted twice.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSentinelSet } from '../support/redis-ha.js';
import { messageText, settled, waitThread, withServiceHarness } from './helpers.js';

const TOKEN = 'failover-webhook-token-0123456789';
const ORDERS = 'C0ORDERS';

function notification(i: number): string {
  const labels = { alertname: `Storm${i}`, service: 'svc-order', instance: `order-${i}:6060`, severity: 'warning' };
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="Storm${i}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'leakbot',
    groupLabels: { alertname: `Storm${i}` },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.test:9093',
    alerts: [{ status: 'firing', labels, annotations: { summary: `storm ${i}` }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `f${i}` }],
  });
}

describe('Redis Sentinel failover', { timeout: 240_000 }, () => {
  const s = withServiceHarness((url) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${ORDERS}\n    minIntervalSeconds: 2\n`, {
    redis: startSentinelSet,
    webhookToken: TOKEN,
    prepare: ([go]) => go!.leak('chanrecv', 80),
  });

  // Alertmanager's behaviour: retry a notification until leakbot answers 2xx (it retries 5xx) —
  // within a bound, so a leakbot that never gets Redis back fails this file instead of keeping it alive.
  async function deliver(i: number): Promise<number> {
    const giveUp = Date.now() + 180_000;
    for (let tries = 1; ; tries++) {
      assert.ok(Date.now() < giveUp, `alert ${i}: still refused after ${tries - 1} tries (did leakbot lose Redis for good?)`);
      const res = await fetch(`${s.h.baseUrl}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: notification(i) }).catch(() => null);
      if (res?.ok) return tries;
      assert.ok(!res || res.status >= 500, `alert ${i}: ${res?.status} is not worth a retry`);
      await sleep(250);
    }
  }

  it('the primary dies mid-burst: every command answered, every alert accounted for, nothing doubled', async () => {
    const { h, redis: ha } = s;
    const channels = Array.from({ length: 20 }, (_, i) => `C0FO${String(i).padStart(2, '0')}`);
    const acks: Array<Promise<{ status: number; text: string; ms: number }>> = [];
    const alerts: Array<Promise<number>> = [];
    const send = (i: number) => {
      acks.push(h.command({ text: 'snapshot svc-order', channel: channels[i]! }).then((r) => ({ status: r.status, text: String(r.json?.text), ms: r.ms })));
      alerts.push(deliver(i));
    };
    for (let i = 0; i < 10; i++) send(i);
    const old = await ha.killPrimary();
    for (let i = 10; i < 20; i++) send(i);
    const promoted = await ha.failedOver(old);
    assert.notEqual(promoted, old);

    const answered = await Promise.all(acks);
    for (const [i, a] of answered.entries()) {
      assert.equal(a.status, 200, `command ${i} answered`);
      assert.match(a.text, /Capturing goroutines|holding this request|in progress here/, `command ${i}: ${a.text}`);
    }
    console.log(`# acks: max ${Math.round(Math.max(...answered.map((a) => a.ms)))} ms; alert deliveries needing a retry: ${(await Promise.all(alerts)).filter((t) => t > 1).length}`);

    const threads = [];
    for (const ch of channels) threads.push(await waitThread(h.slack, ch, 0, 1, 120_000));
    const storm = (i: number) => h.slack.parents(ORDERS).filter((m) => new RegExp(`\\bStorm${i}\\b`).test(messageText(m)));
    for (let i = 0; i < 20; i++) await h.slack.waitFor(`alert Storm${i} posted`, () => storm(i).length > 0, 120_000);
    // Counted once every job has run to its end: a retried job's double comes after the first post.
    await settled(h, 120_000);
    for (const [i, ch] of channels.entries()) {
      assert.equal(h.slack.parents(ch).length, 1, `${ch}: one thread`);
      assert.equal(h.slack.replies(ch, threads[i]!.parent.ts).length, 1, `${ch}: one findings reply`);
    }
    for (let i = 0; i < 20; i++) assert.equal(storm(i).length, 1, `Storm${i} in exactly one parent`);
  });
});
