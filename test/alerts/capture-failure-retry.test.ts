// An alert's capture that failed is never repeated by its job's retry: when Slack is down as the
// failure is posted in the alert thread, the job waits and retries, and the retry posts the same
// failure from the job's data instead of asking the struggling service again — when the alert
// fires and when it resolves. Real parts: a real Alertmanager posting to the webhook, Redis/BullMQ,
// a real Go service whose net/http/pprof refuses every request (401) and counts them, the Slack
// stand-in.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAlertmanager, type PostableAlert, type TestAlertmanager } from '../support/alertmanager.js';
import { messageText, queueIdle, withServiceHarness } from '../e2e/helpers.js';

const TOKEN = 'e2e-alert-retry-token-0a1b2c3d4e5f';
const CH = 'C0REFUSING';

describe('a failed alert capture across job retries', { timeout: 240_000 }, () => {
  // minIntervalSeconds 0: no cached failure hides a second capture (Slack's backoff can outlast any
  // min interval in production, so the job itself must not capture twice).
  const s = withServiceHarness(
    (url) => `services:\n  svc-refusing:\n    url: ${url}\n    channel: ${CH}\n    minIntervalSeconds: 0\nalerts:\n  recaptureAfterSeconds: 0\n`,
    { webhookToken: TOKEN, env: { slackRetryMaxDelayMs: 300 }, prepare: async ([go]) => go!.requireHeader('X-Leakbot-Test', 'not-sent') },
  );
  let am: TestAlertmanager;
  before(async () => {
    am = await startAlertmanager({ webhookUrl: `${s.h.baseUrl}/webhooks/alertmanager`, token: TOKEN, groupWait: '1s', groupInterval: '2s', repeatInterval: '1h' });
  });
  after(async () => {
    await am?.close();
  });

  const inThread = (a: Record<string, unknown>) => a.channel === CH && !!a.thread_ts;
  const pprofRequests = async () => (await s.go.requests()).filter((r) => r.startsWith('/debug/pprof/'));
  /** How many times the queue parked a job of `kind` to wait for Slack (its data keeps the count). */
  const slackWaits = async (kind: string) =>
    (await s.h.bot.ctx.jobs.queue.getJobs(['completed', 'failed'])).filter((j) => j.name === kind).reduce((n, j) => n + ((j.data as { slackWait?: { tries: number } }).slackWait?.tries ?? 0), 0);

  it('fired and resolved with the service refusing and Slack down as each failure is posted: one request per capture, each failure said once', async () => {
    const alert: PostableAlert = { labels: { alertname: 'GoroutineLeak', service: 'svc-refusing', instance: 'refusing-1:6060' }, startsAt: new Date() };
    // Four 503s outlast the client's three quick retries: the job attempt fails and the job waits.
    s.slack.failNext('chat.postMessage', 4, { status: 503 }, inThread);
    await am.postAlerts([alert]);
    const parent = await s.slack.waitFor('alert parent', () => s.slack.parents(CH)[0], 60_000);
    const failedAt = (what: RegExp) => s.slack.replies(CH, parent.ts).filter((m) => what.test(messageText(m)));
    await s.slack.waitFor('capture failure in the thread', () => failedAt(/when the alert fired/)[0], 120_000);
    await queueIdle(s.h);
    assert.ok((await slackWaits('alert.capture')) >= 1, 'the capture job waited for Slack and ran again');
    assert.equal((await pprofRequests()).length, 1, `one request to the service for the firing capture: ${(await pprofRequests()).join(', ')}`);
    assert.equal(failedAt(/when the alert fired/).length, 1, 'the failure is said once');

    s.slack.failNext('chat.postMessage', 4, { status: 503 }, inThread);
    await am.resolve([alert]);
    await s.slack.waitFor('resolved reply', () => failedAt(/The final capture failed/)[0], 120_000);
    await queueIdle(s.h);
    assert.ok((await slackWaits('alert.resolve')) >= 1, 'the resolve job waited for Slack and ran again');
    assert.equal((await pprofRequests()).length, 2, `one more request for the final capture: ${(await pprofRequests()).join(', ')}`);
    assert.equal(failedAt(/The final capture failed/).length, 1, 'the resolution is said once');
  });
});
