// An alert's job that fails for good closes what it opened, like a snapshot job does: the alert
// thread gets one clear failure reply and its parent stops promising findings. Real parts: a real
// Alertmanager posting to the webhook of an in-process web leakbot, `leakbot worker` processes
// (BullMQ on a real Redis), a real Go service whose profile hangs, the Slack stand-in. The job
// fails for good the way BullMQ fails it without running our code: its worker is killed mid-capture
// with LEAKBOT_MAX_STALLED=0 (an event: the service has the profile request), and the next worker's
// stalled-job check gives up on it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAlertmanager, type TestAlertmanager } from '../support/alertmanager.js';
import { messageText, profileRequested, withServiceHarness } from '../e2e/helpers.js';
import { spawnLeakbot, type LeakbotProcess } from '../e2e/processes.js';

const TOKEN = 'e2e-alert-final-failure-token-5e6f7a8b';
const CH = 'C0ALERTFATAL';

describe('an alert job that fails for good', { timeout: 300_000 }, () => {
  const s = withServiceHarness((url) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${CH}\n    timeoutSeconds: 60\n    minIntervalSeconds: 0\nalerts:\n  recaptureAfterSeconds: 0\n`, {
    role: 'web',
    webhookToken: TOKEN,
  });
  let am: TestAlertmanager;
  const procs: LeakbotProcess[] = [];
  before(async () => {
    // One notification, no re-send during the test (a re-send revives a failed action's job).
    am = await startAlertmanager({ webhookUrl: `${s.h.baseUrl}/webhooks/alertmanager`, token: TOKEN, groupWait: '1s', groupInterval: '1h', repeatInterval: '4h' });
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    await am?.close();
  });

  it('the capture job stalled past the limit: one failure reply in the alert thread, and the parent shows it', async () => {
    const env = { ...s.h.env, LEAKBOT_JOB_LOCK_MS: '2000', LEAKBOT_MAX_STALLED: '0' };
    const first = spawnLeakbot('worker', env);
    procs.push(first);
    await first.waitLog((l) => l.msg === 'worker started', 90_000);
    await s.go.slow(60_000); // the capture hangs, so the worker is mid-job when it is killed
    await am.postAlerts([{ labels: { alertname: 'GoroutineLeak', service: 'svc-order', severity: 'page' }, startsAt: new Date() }]);
    const parent = await s.slack.waitFor('alert parent', () => s.slack.parents(CH)[0], 60_000);
    assert.match(messageText(parent), /findings follow in this thread/);
    await profileRequested(s.go);
    await first.kill('SIGKILL');

    const second = spawnLeakbot('worker', env);
    procs.push(second);
    const gaveUp = () => s.slack.replies(CH, parent.ts).filter((m) => /gave up/.test(messageText(m)));
    const fatal = await s.slack.waitFor('the failure in the alert thread', () => gaveUp()[0], 120_000);
    assert.match(messageText(fatal), /svc-order/);
    assert.match(messageText(fatal), /stopped several times/, 'the reason in plain words');
    assert.match(messageText(fatal), /\/leak snapshot svc-order/, 'what to do instead');
    await second.waitLog((l) => l.msg === 'job failed for good; telling the requester', 30_000);
    const closed = await s.slack.waitFor('the parent shows the failure', () => {
      const p = s.slack.parents(CH)[0]!;
      return !/findings follow in this thread/.test(messageText(p)) && p;
    }, 30_000);
    assert.match(messageText(closed), /gave up|failed/i);
    assert.equal(s.slack.parents(CH).length, 1, 'no second parent');
    assert.equal(gaveUp().length, 1, 'said once');
    await s.go.reset();
  });
});
