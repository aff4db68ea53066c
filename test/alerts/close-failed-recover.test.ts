// closeFailedAction decides whether an alert capture had answered before its job failed for good by
// looking for the answer (its findings) where it was posted: a reply in the alert thread. When the
// worker that posted the findings died before it stored their ts, only Slack knows the message; it
// must be found among the thread's replies, or the final failure is written over the findings.
// Real parts: Redis, an in-process leakbot (web role: no worker takes jobs), the Slack stand-in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../e2e/harness.js';
import { AlertLedger, actionId } from '../../src/alerts/dedupe.js';
import { closeFailedAction, type AlertDeps } from '../../src/alerts/jobs.js';
import { ChannelPacer, RedisSemaphore } from '../../src/alerts/limits.js';
import { routeAlerts } from '../../src/alerts/mapping.js';
import type { AlertNotification } from '../../src/alerts/payload.js';
import { messageText } from '../e2e/helpers.js';

const CH = 'C0RECOVER';
let h: Harness;
before(async () => {
  h = await startHarness({ configYaml: `services:\n  svc-order: { url: "http://127.0.0.1:1", channel: ${CH} }\n`, role: 'web' });
});
after(async () => {
  await h?.close();
});

test('a capture whose findings were posted but whose ts was lost: the final failure is said beside the findings, not over them', async () => {
  const { ctx } = h.bot;
  const ledger = new AlertLedger(ctx.redis, { prefix: ctx.prefix });
  const d: AlertDeps = { ctx, ledger, slots: new RedisSemaphore(ctx.redis, `${ctx.prefix}:alerts:capture-slots`, () => 1, 60_000), pacer: new ChannelPacer(ctx.redis, `${ctx.prefix}:alerts`) };
  const now = Date.now();
  const n: AlertNotification = {
    source: 'alertmanager', receiver: 'leakbot', status: 'firing', groupKey: '{}:{alertname="GoroutineLeak"}',
    groupLabels: { alertname: 'GoroutineLeak' }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', truncatedAlerts: 0,
    alerts: [{ status: 'firing', labels: { alertname: 'GoroutineLeak', service: 'svc-order' }, annotations: {}, startsAt: now, endsAt: null, generatorURL: '', fingerprint: 'f1' }],
  };
  const ep = (await ledger.record(n, routeAlerts(n.alerts, ctx.config))).episode!;
  const [a] = await ledger.pendingActions(ep);
  assert.equal(a?.kind, 'capture');
  const parent = await ctx.poster.post(`test.parent.${ep.id}`, { channel: CH, text: 'GoroutineLeak firing for svc-order' });
  await ledger.setThread(ep.id, CH, parent.ts);
  const findingsKey = `${actionId(a!)}.findings`;
  await ctx.poster.post(findingsKey, { channel: CH, threadTs: parent.ts, text: 'Goroutine leak suspects in svc-order' });
  await ctx.redis.del(`${ctx.prefix}:post:${findingsKey}`); // the crash: Slack has the findings, Redis never learnt their ts

  await closeFailedAction(d, { id: actionId(a!), kind: 'alert.capture', data: { action: a }, reason: 'job stalled more than allowable limit' });

  const replies = h.slack.replies(CH, parent.ts);
  assert.equal(replies.filter((m) => /Goroutine leak suspects/.test(messageText(m))).length, 1, `the findings stand: ${replies.map(messageText).join(' | ')}`);
  assert.equal(replies.filter((m) => /gave up on the capture/.test(messageText(m))).length, 1, 'the final failure is said once, in a reply of its own');
  assert.equal(replies.length, 2);
});
