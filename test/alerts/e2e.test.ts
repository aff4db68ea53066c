// Alert → findings end to end on real parts: a real Alertmanager (Debian's) posting to leakbot's
// webhook with the bearer token, real Redis/BullMQ, the real leaking Go service, and the Slack
// stand-in. Alerts enter Alertmanager through its /api/v2/alerts, as Prometheus would send them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAlertmanager, type PostableAlert, type TestAlertmanager } from '../support/alertmanager.js';
import { startGoService, type GoService } from '../support/go-service.js';
import { freePort } from '../support/redis.js';
import type { StubMessage } from '../support/slack-stub.js';
import { startHarness, type Harness } from '../e2e/harness.js';
import { basename, built, messageText, settled } from '../e2e/helpers.js';
import { QueueEvents } from 'bullmq';
import { AlertLedger } from '../../src/alerts/dedupe.js';
import { QUEUE_NAME } from '../../src/queue/jobs.js';

const TOKEN = 'e2e-alert-webhook-token-5f4e3d2c1b0a';
const ORDERS = 'C0ORDERS';
const PAYMENTS = 'C0PAYMENTS';
const DEFAULT = 'C0INCIDENTS';
const SLOW = 120_000;

describe('alerts end to end (real Alertmanager → leakbot → Slack stand-in)', () => {
  let go: GoService;
  let goPort: number;
  let h: Harness;
  // Two Alertmanager replicas without clustering: each notifies on its own, as an HA pair does
  // whenever its gossip lags — the worst case for duplicates.
  let am: TestAlertmanager;
  let am2: TestAlertmanager;
  const both = {
    // Prometheus sends each alert's startsAt (its activeAt) to every replica; so do we.
    post: (alerts: PostableAlert[]) => {
      const now = new Date();
      const stamped = alerts.map((a) => ({ ...a, startsAt: a.startsAt ?? now }));
      return Promise.all([am.postAlerts(stamped), am2.postAlerts(stamped)]);
    },
    resolve: (alerts: PostableAlert[]) => Promise.all([am.resolve(alerts), am2.resolve(alerts)]),
  };

  before(async () => {
    goPort = await freePort();
    go = await startGoService({ args: ['-addr', `127.0.0.1:${goPort}`] });
    h = await startHarness({
      webhookToken: TOKEN,
      configYaml: `
defaultChannel: ${DEFAULT}
services:
  svc-order:
    url: ${go.url}
    channel: ${ORDERS}
    minIntervalSeconds: 0
  svc-pay:
    url: ${go.url}
    channel: ${PAYMENTS}
    minIntervalSeconds: 0
alerts:
  recaptureAfterSeconds: 2
  maxConcurrentCaptures: 2
`,
    });
    const amOpts = { webhookUrl: `${h.baseUrl}/webhooks/alertmanager`, token: TOKEN, groupWait: '1s', groupInterval: '2s', repeatInterval: '3s' };
    [am, am2] = await Promise.all([startAlertmanager(amOpts), startAlertmanager(amOpts)]);
  });

  after(async () => {
    await am?.close();
    await am2?.close();
    await h?.close();
    await go?.stop();
  });

  const parentsIn = (ch: string) => h.slack.parents(ch);
  const repliesTo = (m: StubMessage) => h.slack.replies(m.channel, m.ts);
  const text = (m: StubMessage) => messageText(m);
  // Posts are placeholder-first: waits whose assertions read the blocks wait for them (built).
  // startsAt is set when the alert is first posted; re-sends and the resolution reuse it, as
  // Prometheus does for one firing.
  const leakAlert: PostableAlert = {
    labels: { alertname: 'GoroutineLeak', service: 'svc-order', instance: 'order-1:6060', severity: 'warning' },
    annotations: { summary: 'Goroutines in svc-order keep growing' },
    generatorURL: 'http://prometheus.test:9090/graph?g0.expr=deriv%28go_goroutines%5B30m%5D%29',
  };
  const notified = (m: StubMessage) => Number(/notified (\d+)×/.exec(text(m))?.[1] ?? 0);

  it('a firing alert opens one thread in the service channel with findings naming the leak site, then the growth rate', { timeout: SLOW }, async () => {
    // A snapshot from before the alert (what the alert capture is compared with), then the leak.
    const pre = await h.bot.ctx.captures.obtain('svc-order', { requestedBy: 'test' });
    assert.ok(pre.ok);
    const site = (await go.patterns()).chansend;
    await go.leak('chansend', 300);

    leakAlert.startsAt = new Date();
    await both.post([leakAlert]);
    const parent = await h.slack.waitFor('alert parent in the service channel', () => built(parentsIn(ORDERS)[0]), 60_000);
    assert.match(text(parent), /GoroutineLeak/);
    assert.match(text(parent), /svc-order/);
    assert.ok(text(parent).includes('prometheus.test:9090/graph'), 'links to the generatorURL');
    assert.match(text(parent), /Goroutines in svc-order keep growing/);

    const findings = await h.slack.waitFor('findings reply', () => built(repliesTo(parent)[0]), 60_000);
    const f1 = text(findings);
    assert.ok(f1.includes(`${basename(site.file)}:${site.line}`), `findings name the leak site ${basename(site.file)}:${site.line}:\n${f1}`);
    assert.match(f1, /last snapshot before the alert #/);

    // More leaking before the recapture: the same message is updated with the growth rate.
    await go.leak('chansend', 100);
    // (Posts are placeholder-first, so a version count says nothing: wait for the recapture's words.)
    const updated = await h.slack.waitFor('findings updated with the growth rate', () => (/Growth since the alert capture/.test(text(findings)) ? findings : null), 60_000);
    const f2 = text(updated);
    assert.match(f2, /Growth since the alert capture: .*\+\d+ in \d+ s \(\+[\d.]+\/min\)/, f2);
    assert.ok(f2.includes(`${basename(site.file)}:${site.line}`));
    assert.equal(repliesTo(parent).length, 1, 'the recapture updated the findings instead of posting again');
    // The parent carries the thread's latest verdict: the recapture's snapshot.
    const latest = (await h.bot.ctx.threads.get(ORDERS, parent.ts))?.state;
    assert.equal(latest?.outcome, 'findings');
    await h.slack.waitFor('parent shows the latest verdict', () => text(parent).includes(`snapshot #${latest!.seq}`), 60_000);
    assert.match(text(parent), /Latest:/);
    assert.doesNotMatch(text(parent), /findings follow in this thread/);

    const events = await h.bot.ctx.timeline.list('svc-order');
    const firing = events.find((e) => e.type === 'alert.firing');
    assert.ok(firing, `timeline: ${events.map((e) => e.type).join(',')}`);
    assert.deepEqual(firing.thread, { channel: ORDERS, ts: parent.ts });
    assert.ok(events.some((e) => e.type === 'findings' && e.thread?.ts === parent.ts));
  });

  it('re-sends (both replicas, repeat_interval, a restarted Alertmanager without its notification log) update the parent, never a second thread or capture', { timeout: SLOW }, async () => {
    const parent = parentsIn(ORDERS)[0]!;
    const snapshotsBefore = await h.bot.ctx.snapshots.count('svc-order');
    // Both replicas notified, and repeat_interval is 3 s: wait for several re-sends.
    await h.slack.waitFor('parent refreshed by re-sends', () => notified(parent) >= 4, 60_000);

    // A restarted Alertmanager that lost its notification log sends the same firing once more.
    await am.stop();
    await am.start({ fresh: true });
    const n = notified(parent);
    await am.postAlerts([leakAlert]);
    await h.slack.waitFor('fresh Alertmanager delivered', () => notified(parent) > n, 60_000);
    await settled(h);

    assert.equal(parentsIn(ORDERS).length, 1, 'one thread');
    assert.equal(repliesTo(parent).length, 1, 'one findings reply');
    assert.equal(await h.bot.ctx.snapshots.count('svc-order'), snapshotsBefore, 'no capture for a re-sent firing');
  });

  it('resolved → one "resolved after N min" reply comparing the final capture with the firing one (a restart that hid the pile)', { timeout: SLOW }, async () => {
    const parent = parentsIn(ORDERS)[0]!;
    // The usual "fix": restart the service. Same address, fresh process, empty pile.
    await go.stop();
    go = await startGoService({ args: ['-addr', `127.0.0.1:${goPort}`] });
    await both.resolve([leakAlert]);
    const reply = await h.slack.waitFor('resolved reply', () => built(repliesTo(parent).find((m) => /resolved for/.test(m.text))), 60_000);
    const r = text(reply);
    assert.match(r, /resolved for \*svc-order\* after (\d+ (s|min)|less than a second)/);
    assert.match(r, /Hidden by a restart/, r);
    assert.match(r, /→ 0/, 'the leak site went to zero');
    await h.slack.waitFor('parent turned resolved', () => /:white_check_mark:/.test(text(parent)), 60_000);
    // Its Latest line follows the final capture (before: the firing capture's HIGH verdict stayed
    // under a headline saying the alert had resolved).
    const finalSeq = (await h.bot.ctx.snapshots.latest('svc-order'))?.seq;
    await h.slack.waitFor('parent shows the final capture', () => text(parent).includes(`snapshot #${finalSeq}`), 60_000);
    assert.match(text(parent), /Latest:\*? [\d,]+ goroutines, at resolution the process had restarted: the pile is gone, the leak is not fixed \(snapshot #\d+, /, text(parent));

    // Both replicas sent the resolution → still one reply.
    const ledger = new AlertLedger(h.bot.ctx.redis);
    const episode = String((await h.bot.ctx.threads.get(ORDERS, parent.ts))?.data?.episode);
    const resolutions = async () => Object.values((await ledger.episode(episode))?.alerts ?? {}).reduce((n, a) => n + a.resolvedSeen, 0);
    const deadline = Date.now() + 60_000;
    while ((await resolutions()) < 2) {
      if (Date.now() > deadline) throw new Error(`only ${await resolutions()} resolution deliveries seen`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await settled(h);
    assert.equal(repliesTo(parent).filter((m) => /resolved for/.test(m.text)).length, 1);
    assert.equal((await h.bot.ctx.threads.get(ORDERS, parent.ts))?.open, false, 'a resolved alert no longer holds its thread open');
    assert.equal(parentsIn(ORDERS).length, 1);
    const events = await h.bot.ctx.timeline.list('svc-order');
    assert.equal(events.filter((e) => e.type === 'alert.resolved').length, 1);
  });

  it('a /leak snapshot in the alert\'s channel joins the alert thread (one thread per service per incident; after the resolution, so its capture cannot stand in for the final one)', { timeout: SLOW }, async () => {
    const parent = parentsIn(ORDERS)[0]!;
    const before = repliesTo(parent).length;
    const seqBefore = (await h.bot.ctx.snapshots.latest('svc-order'))?.seq ?? null;
    const ack = await h.command({ text: 'snapshot svc-order', channel: ORDERS, user: 'U0ONCALL' });
    assert.match(String(ack.json?.text), /the open alert thread of \*svc-order\* in this channel/);
    await h.slack.waitFor('snapshot findings in the alert thread', () => repliesTo(parent).slice(before).find((m) => /Compared with/.test(text(m))), 60_000);
    assert.equal(parentsIn(ORDERS).length, 1, 'no new thread');
    // The verb's verdict reaches the alert parent (drawn by the alerts module from the thread record).
    const verbSeq = (await h.bot.ctx.snapshots.latest('svc-order'))?.seq ?? null;
    assert.ok(verbSeq !== null && verbSeq > seqBefore!, `the verb captured a new snapshot (#${verbSeq} after #${seqBefore})`);
    await h.slack.waitFor('alert parent shows the /leak snapshot verdict', () => text(parent).includes(`snapshot #${verbSeq}`), 60_000);
    assert.match(text(parent), /GoroutineLeak/, 'the alert parent stays the alert flow\'s');
  });

  it('401 without or with a wrong token, 400 on garbage (the real composed app)', async () => {
    const url = `${h.baseUrl}/webhooks/alertmanager`;
    const post = (headers: Record<string, string>, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    assert.equal((await post({}, '{}')).status, 401);
    assert.equal((await post({ authorization: 'Bearer nope' }, '{}')).status, 401);
    const garbage = await post({ authorization: `Bearer ${TOKEN}` }, 'not json at all');
    assert.equal(garbage.status, 400);
    assert.match(((await garbage.json()) as { error: string }).error, /not JSON/);
    const wrong = await post({ authorization: `Bearer ${TOKEN}` }, JSON.stringify({ version: '4', status: 'firing', alerts: [{}] }));
    assert.equal(wrong.status, 400);
    assert.match(((await wrong.json()) as { error: string }).error, /alerts\.0\./);
  });

  it('Grafana-managed alerting (version 1, basic auth) spanning two channels: a channel leakbot may not post in does not hold up the other', { timeout: SLOW }, async () => {
    h.slack.notInChannel.add(PAYMENTS);
    try {
      const now = new Date().toISOString();
      const grafanaAlert = (service: string, fp: string) => ({
        status: 'firing', labels: { alertname: 'GoroutineGrowth', service, grafana_folder: 'Go' }, annotations: { summary: `${service} goroutines growing` },
        startsAt: now, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'https://grafana.test/alerting/grafana/abc/view', fingerprint: fp,
        silenceURL: 'https://grafana.test/alerting/silence/new', dashboardURL: '', panelURL: '', values: { B: 1234.5, C: 1 }, valueString: "[ var='B' value=1234.5 ]",
      });
      const body = {
        receiver: 'leakbot', status: 'firing', orgId: 1, alerts: [grafanaAlert('svc-order', 'aaaa000011112222'), grafanaAlert('svc-pay', 'bbbb000011112222')],
        groupLabels: { alertname: 'GoroutineGrowth' }, commonLabels: { alertname: 'GoroutineGrowth' }, commonAnnotations: {}, externalURL: 'https://grafana.test/',
        version: '1', groupKey: '{}/{__grafana_autogenerated__="true"}:{alertname="GoroutineGrowth"}', truncatedAlerts: 0,
        title: '[FIRING:2] GoroutineGrowth Go', state: 'alerting', message: '**Firing**',
      };
      const res = await fetch(`${h.baseUrl}/webhooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`grafana:${TOKEN}`).toString('base64')}` },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200);
      const parent = await h.slack.waitFor('Grafana thread in the orders channel', () => built(parentsIn(ORDERS).find((m) => /GoroutineGrowth/.test(m.text))), 60_000);
      assert.match(text(parent), /Grafana notified 1×/);
      await h.slack.waitFor('findings for svc-order', () => repliesTo(parent)[0], 60_000);
      assert.ok(!parentsIn(PAYMENTS).some((m) => /GoroutineGrowth/.test(m.text)));
      // …and the channel it could not post in is said where people look (test/alerts/unpostable-channel.test.ts).
      await h.slack.waitFor('the note in the default channel', () => parentsIn(DEFAULT).find((m) => m.blocks && /\*GoroutineGrowth\* for \*svc-pay\* \(1 firing\) should have opened a thread in <#C0PAYMENTS>/.test(text(m))), 60_000);
    } finally {
      h.slack.notInChannel.delete(PAYMENTS);
    }
  });

  it('an alert for an unknown service gets one short note in the default channel', { timeout: SLOW }, async () => {
    await both.post([{ labels: { alertname: 'GoroutineLeak', service: 'svc-mystery' } }]);
    const note = await h.slack.waitFor('note in the default channel', () => parentsIn(DEFAULT).find((m) => m.blocks && /svc-mystery/.test(text(m))), 60_000);
    assert.match(text(note), /service leakbot does not know \(service=svc-mystery/);
    assert.equal(repliesTo(note).length, 0, 'no capture for an unregistered service');
  });

  it('Redis down during a notification: leakbot answers 5xx and Alertmanager’s retry delivers it once Redis is back', { timeout: SLOW }, async () => {
    const unavailable = async () => {
      const m = await h.bot.ctx.metrics.registry.getSingleMetricAsString('leakbot_alert_notifications_total');
      return Number(/outcome="unavailable"[^}]*} (\d+)/.exec(m)?.[1] ?? 0);
    };
    const before = await unavailable();
    await h.redis.stop();
    try {
      await both.post([{ labels: { alertname: 'GoroutineCountHigh', service: 'svc-pay', instance: 'pay-1' } }]);
      // Alertmanager delivered during the outage and was told to retry.
      const deadline = Date.now() + 60_000;
      while ((await unavailable()) <= before) {
        if (Date.now() > deadline) throw new Error(`no refused delivery seen\n${am.log()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await h.redis.start();
    }
    const parent = await h.slack.waitFor('thread after Redis came back', () => built(parentsIn(PAYMENTS)[0]), 90_000);
    assert.match(text(parent), /GoroutineCountHigh/);
    await h.slack.waitFor('findings after recovery', () => repliesTo(parent)[0], 60_000);
    assert.equal(parentsIn(PAYMENTS).length, 1);
  });

  it('Slack refusing posts for a while: retries and re-sends still deliver one thread with findings', { timeout: SLOW }, async () => {
    const failedBefore = h.slack.callsTo('chat.postMessage').length;
    h.slack.failNext('chat.postMessage', 5, { error: 'internal_error' });
    await am.postAlerts([{ labels: { alertname: 'SlackOutage', service: 'svc-order', instance: 'order-2' } }]);
    const parent = await h.slack.waitFor('thread after Slack recovered', () => parentsIn(ORDERS).find((m) => /SlackOutage/.test(m.text)), 90_000);
    await h.slack.waitFor('findings after Slack recovered', () => repliesTo(parent)[0], 60_000);
    await settled(h);
    assert.ok(h.slack.callsTo('chat.postMessage').length - failedBefore >= 7, 'the five refusals were really hit');
    assert.equal(parentsIn(ORDERS).filter((m) => /SlackOutage/.test(m.text)).length, 1);
    assert.equal(repliesTo(parent).length, 1);
  });

  it('a capture whose job ran out of retries is revived by the next re-send, and answers once', { timeout: 180_000 }, async (t) => {
    // Slack refuses the findings post of this alert's thread: the job exhausts its
    // attempts, and the alert's next re-send must bring it back. The refusals are armed before the
    // alert is sent and match only replies in the Revive thread (looked up when Slack is called), so
    // neither a slow test nor another thread's post can make them miss. A refusal that is not an
    // outage: outages (internal_error, 5xx) are waited out and never exhaust a job.
    const reviveParent = () => parentsIn(PAYMENTS).find((m) => /Revive/.test(m.text));
    // Refused until the job has failed for good, not a fixed count: on a busy machine an attempt can
    // stall (lock lost) and run again without counting, so four refusals did not exhaust four attempts.
    const stopRefusing = h.slack.failNext('chat.postMessage', 1000, { error: 'message_limit_exceeded' }, (a) => a.channel === PAYMENTS && a.thread_ts !== undefined && a.thread_ts === reviveParent()?.ts);
    // BullMQ's 'failed' event, listened to before the alert exists: a re-send revives the job within
    // moments, so polling for the failed state (or subscribing late) can miss it on a busy machine.
    const events = new QueueEvents(QUEUE_NAME, { connection: { host: '127.0.0.1', port: h.redis.port }, prefix: `${h.bot.ctx.prefix}:bull` });
    const failedIds = new Set<string>();
    let onFailed: (id: string) => void = () => {};
    events.on('failed', ({ jobId: id }) => {
      failedIds.add(id);
      onFailed(id);
    });
    await events.waitUntilReady();
    await go.slow(2000);
    try {
      await am.postAlerts([{ labels: { alertname: 'Revive', service: 'svc-pay', instance: 'pay-9' } }]);
      const parent = await h.slack.waitFor('revive parent', reviveParent, 60_000);
      // The stand-in shows the parent as soon as it is posted; the thread record naming its episode
      // is written after (ledger, then ThreadStore). Read too early it was missing, the job id became
      // capture.undefined… and its 'failed' events never matched: wait for the record.
      let episode: unknown;
      for (let i = 0; !(episode = (await h.bot.ctx.threads.get(PAYMENTS, parent.ts))?.data?.episode); i++) {
        if (i > 1200) throw new Error('the Revive thread record never named its episode');
        await new Promise((r) => setTimeout(r, 50));
      }
      const jobId = `capture.${String(episode)}.svc-pay.1`;
      // (t.signal: a timed-out test still reaches `finally` and closes the events connection.)
      if (!failedIds.has(jobId)) {
        await new Promise<void>((resolve, reject) => {
          onFailed = (id) => id === jobId && resolve();
          t.signal.addEventListener('abort', () => reject(new Error('the capture job never ran out of retries')), { once: true });
        });
      }
    } finally {
      stopRefusing();
      await events.close();
      await go.reset();
    }
    const parent = parentsIn(PAYMENTS).find((m) => /Revive/.test(m.text))!;
    await h.slack.waitFor('findings after the revival', () => repliesTo(parent)[0], 60_000);
    await settled(h);
    assert.equal(repliesTo(parent).length, 1);
  });

  it('a storm of 200 alerts in one group: one capture per service, every alert accounted for, no duplicates', { timeout: SLOW }, async () => {
    const alerts: PostableAlert[] = Array.from({ length: 200 }, (_, i) => ({
      labels: { alertname: 'GoroutineStorm', service: 'svc-pay', pod: `svc-pay-${i}` },
    }));
    const paymentThreads = parentsIn(PAYMENTS).length;
    await both.post(alerts);
    const parent = await h.slack.waitFor('storm thread', () => parentsIn(PAYMENTS).find((m) => /GoroutineStorm/.test(m.text)), 60_000);
    await h.slack.waitFor('storm findings', () => repliesTo(parent)[0], 60_000);
    // Alertmanager may flush the group before it has dispatched all 200 (group_wait is short and a
    // busy machine slow): the parent counts what was delivered so far. Wait until every alert is in.
    await h.slack.waitFor('all 200 alerts in the parent', () => /200 alerts: 200 firing/.test(text(parent)), 60_000);
    assert.match(text(parent), /svc-pay: 200 alerts → one capture/);
    // recapture included: at most two captures for the whole storm
    await h.slack.waitFor('storm recapture', () => /Captured when the alert fired \(#\d+\) and again/.test(text(repliesTo(parent)[0]!)), 60_000);
    // The capture jobs run to their end (Alertmanager's 3 s re-sends keep notification jobs coming).
    await settled(h, 90_000, (j) => j.name !== 'alert.notify');
    // Count the captures made for this thread, not all of svc-pay's: the earlier tests' alerts
    // (still firing) have recaptures of their own that may land during the storm.
    const captures = (await h.bot.ctx.timeline.list('svc-pay', { thread: { channel: PAYMENTS, ts: parent.ts } })).filter((e) => e.type === 'snapshot' && e.thread?.ts === parent.ts);
    assert.ok(captures.length <= 2, `captures for the storm: ${captures.map((e) => e.text).join('; ')}`);
    assert.equal(parentsIn(PAYMENTS).length, paymentThreads + 1);
    assert.equal(repliesTo(parent).length, 1);
  });
});
