// An alert's job that fails for good closes what it opened, like a snapshot job does: the alert
// thread gets one clear failure reply and its parent stops promising findings. Real parts: a real
// Alertmanager posting to the webhook of an in-process web leakbot, `leakbot worker` processes
// (BullMQ on a real Redis), a real Go service whose profile hangs, the Slack stand-in. The job
// fails for good the way BullMQ fails it without running our code: its worker is killed mid-capture
// with LEAKBOT_MAX_STALLED=0 (an event: the service has the profile request), and the next worker's
// stalled-job check gives up on it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, messageText, profileRequested, settled, withServiceHarness } from '../e2e/helpers.js';
import { withStallingWorkers } from './stalling-workers.js';

const TOKEN = 'e2e-alert-final-failure-token-5e6f7a8b';
const CH = 'C0ALERTFATAL';
const CH2 = 'C0ALERTFATAL2';

describe('an alert job that fails for good', { timeout: 300_000 }, () => {
  // svc-pay: the same process under another name and channel (its own capture lock and thread).
  const s = withServiceHarness((url) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${CH}\n    timeoutSeconds: 60\n    minIntervalSeconds: 0\n  svc-pay:\n    url: ${url}\n    channel: ${CH2}\n    timeoutSeconds: 60\n    minIntervalSeconds: 0\nalerts:\n  recaptureAfterSeconds: 1\n`, {
    role: 'web',
    webhookToken: TOKEN,
  });
  // One notification, no re-send during the test (a re-send revives a failed action's job).
  const stall = withStallingWorkers(s, TOKEN, { groupWait: '1s', groupInterval: '1h', repeatInterval: '4h' });
  const worker = () => stall.worker();

  it('the capture job stalled past the limit: one failure reply in the alert thread, and the parent shows it', async () => {
    const first = await worker();
    await s.go.slow(60_000); // the capture hangs, so the worker is mid-job when it is killed
    await stall.am.postAlerts([{ labels: { alertname: 'GoroutineLeak', service: 'svc-order', severity: 'page' }, startsAt: new Date() }]);
    const parent = await s.slack.waitFor('alert parent', () => built(s.slack.parents(CH)[0]), 60_000);
    assert.match(messageText(parent), /findings follow in this thread/);
    await profileRequested(s.go);
    await first.kill('SIGKILL');

    const second = await worker();
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
    await settled(s.h);
    assert.equal(s.slack.parents(CH).length, 1, 'no second parent');
    assert.equal(gaveUp().length, 1, 'said once');
    await s.go.reset();
    await second.kill('SIGKILL'); // idle: the next test brings its own workers
  });

  it('the growth-rate recapture stalled past the limit: one failure reply, and the parent keeps the first findings', async () => {
    const first = await worker();
    // The capture job schedules the recapture after its findings are in: held there, the service is
    // made to hang before the recapture can ask it.
    const findings = s.slack.hold('chat.update', 'before', (a) => a.channel === CH2 && Array.isArray(a.blocks) && /Goroutine leak suspects/.test(JSON.stringify(a.blocks)));
    await stall.am.postAlerts([{ labels: { alertname: 'GoroutineLeak', service: 'svc-pay', severity: 'page' }, startsAt: new Date() }]);
    await findings.reached;
    await s.go.reset();
    await s.go.slow(60_000);
    findings.release();
    const parent = await s.slack.waitFor('alert parent', () => s.slack.parents(CH2)[0], 60_000);
    await profileRequested(s.go); // the recapture hangs: the worker is mid-recapture when it is killed
    await first.kill('SIGKILL');

    const second = await worker();
    const gaveUp = () => s.slack.replies(CH2, parent.ts).filter((m) => /gave up/.test(messageText(m)));
    const fatal = await s.slack.waitFor('the failure in the alert thread', () => gaveUp()[0], 120_000);
    assert.match(messageText(fatal), /gave up on the second capture for this alert \(the growth rate\) of \*svc-pay\*/);
    await second.waitLog((l) => l.msg === 'job failed for good; telling the requester', 30_000);
    await settled(s.h);
    assert.doesNotMatch(messageText(s.slack.parents(CH2)[0]!), /gave up/, 'the parent keeps the first findings');
    assert.equal(gaveUp().length, 1, 'said once');
    await s.go.reset();
    await second.kill('SIGKILL');
  });
});
