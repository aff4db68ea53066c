// An alert job that fails for good more than once, or whose failure comes after the alert resolved:
// the alert thread holds one clear message for each thing leakbot was asked to do, never a "gave
// up" beside the answer that came later, never the same failure twice.
// - The capture job fails for good, a re-send of the alert revives it, it fails again, and the next
//   re-send revives it and it succeeds: one reply in the thread throughout (the failure, then the
//   findings in its place).
// - The resolve job fails for good: one reply says the alert resolved and that the final capture
//   was given up; the parent shows the resolution. The second Alertmanager of an HA pair then
//   delivers the resolution, which revives the job: the same reply gets the comparison.
// Real parts: a real Alertmanager (restarted without its notification log to re-send a firing, as a
// new HA replica does) posting to the webhook of an in-process web leakbot, `leakbot worker`
// processes on a real Redis, a real Go service whose profile hangs, the Slack stand-in. A job fails
// for good the way BullMQ fails it without running our code: its worker is killed mid-capture (an
// event: the service got the profile request) with LEAKBOT_MAX_STALLED=0, and the next worker's
// stalled-job check gives up on it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAlertmanager, type PostableAlert } from '../support/alertmanager.js';
import { built, messageText, settled, withServiceHarness } from '../e2e/helpers.js';
import type { LeakbotProcess } from '../e2e/processes.js';
import { withStallingWorkers } from './stalling-workers.js';

const TOKEN = 'e2e-alert-fail-again-token-9c8d7e6f';
const CH = 'C0FAILAGAIN';
const CH2 = 'C0RESOLVEFAIL';

describe('alert jobs failing for good again, and after the resolution', { timeout: 400_000 }, () => {
  // svc-pay: the same process under another name and channel (its own capture lock and thread).
  const s = withServiceHarness((url) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${CH}\n    timeoutSeconds: 60\n    minIntervalSeconds: 0\n  svc-pay:\n    url: ${url}\n    channel: ${CH2}\n    timeoutSeconds: 60\n    minIntervalSeconds: 0\nalerts:\n  recaptureAfterSeconds: 0\n`, {
    role: 'web',
    webhookToken: TOKEN,
    prepare: ([go]) => go!.leak('chansend', 40),
  });
  // No re-send of its own during the test (the test re-sends by restarting it without its log); a
  // resolution goes out at the next group interval.
  const stall = withStallingWorkers(s, TOKEN, { groupWait: '1s', groupInterval: '2s', repeatInterval: '4h' });
  const worker = () => stall.worker();
  const profileRequests = async () => (await s.go.requests()).filter((p) => p.startsWith('/debug/pprof/goroutine')).length;
  /** Resolves once the service got one more goroutine-profile request than `n` (a worker is mid-capture). */
  async function askedAgain(n: number): Promise<void> {
    for (const deadline = Date.now() + 90_000; (await profileRequests()) <= n; ) {
      if (Date.now() >= deadline) throw new Error('the worker never asked the service for its profile');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** Kills `w` once it is mid-capture (the service hangs), and starts the worker whose stalled-job
   *  check fails the job for good; resolves with that worker once the failure has been answered. */
  async function failForGood(w: LeakbotProcess, asked: number): Promise<LeakbotProcess> {
    await askedAgain(asked);
    await w.kill('SIGKILL');
    const next = await worker();
    await next.waitLog((l) => l.msg === 'job failed for good; telling the requester', 60_000);
    await settled(s.h);
    return next;
  }
  /** Alertmanager restarted without its notification log: it sends the firing again (a new HA replica). */
  async function resend(alert: PostableAlert): Promise<void> {
    await stall.am.stop();
    await stall.am.start({ fresh: true });
    await stall.am.postAlerts([alert]);
  }

  it('a capture that failed for good fails again when a re-send revives it, then succeeds: one reply in the thread throughout', async () => {
    const alert: PostableAlert = { labels: { alertname: 'GoroutineLeak', service: 'svc-order', severity: 'page' }, startsAt: new Date() };
    const gaveUp = (ts: string) => s.slack.replies(CH, ts).filter((m) => /gave up/.test(messageText(m)));
    let w = await worker();
    await s.go.slow(60_000); // every capture hangs, so the worker is mid-job when it is killed
    await stall.am.postAlerts([alert]);
    const parent = await s.slack.waitFor('alert parent', () => built(s.slack.parents(CH)[0]), 60_000);
    w = await failForGood(w, 0);
    assert.equal(gaveUp(parent.ts).length, 1, 'the first final failure is told');
    assert.match(messageText(gaveUp(parent.ts)[0]!), /gave up on the capture for this alert of \*svc-order\*: the worker running it stopped several times/);
    assert.match(messageText(gaveUp(parent.ts)[0]!), /tried again when Alertmanager re-sends the alert/, 'what comes next');

    // Revived by a re-send, and killed mid-capture again: failed for good a second time.
    const asked = await profileRequests();
    await resend(alert);
    w = await failForGood(w, asked);
    assert.equal(s.slack.parents(CH).length, 1, 'one thread');
    assert.equal(s.slack.replies(CH, parent.ts).length, 1, `one reply after the second failure:\n${s.slack.replies(CH, parent.ts).map(messageText).join('\n---\n')}`);
    assert.equal(gaveUp(parent.ts).length, 1, 'the failure is said once');

    // Revived again, with the service answering: the findings take the failure's place.
    await s.go.reset();
    await resend(alert);
    await s.slack.waitFor('findings after the revival', () => s.slack.replies(CH, parent.ts).some((m) => /Goroutine leak suspects/.test(messageText(m))), 120_000);
    await settled(s.h);
    const replies = s.slack.replies(CH, parent.ts);
    assert.equal(replies.length, 1, `one reply: the findings in the failure's place:\n${replies.map(messageText).join('\n---\n')}`);
    assert.doesNotMatch(messageText(replies[0]!), /gave up/, 'no "gave up" left beside the findings');
    assert.doesNotMatch(messageText(s.slack.parents(CH)[0]!), /gave up|failed/i, 'the parent shows the findings, not the failure');
    assert.equal(s.slack.parents(CH).length, 1, 'one thread');
    await w.kill('SIGKILL'); // idle: the next test brings its own workers
  });

  it('a resolve job that fails for good: one reply says the alert resolved and the final capture was given up; the HA replica\'s resolution revives it and the same reply gets the comparison', async (t) => {
    const alert: PostableAlert = { labels: { alertname: 'GoroutineLeak', service: 'svc-pay', severity: 'page' }, startsAt: new Date() };
    // The second Alertmanager of an HA pair, sending on its own (not clustered): it saw the firing,
    // and is told of the resolution later than the first.
    const replica = await startAlertmanager({ webhookUrl: `${s.h.baseUrl}/webhooks/alertmanager`, token: TOKEN, groupWait: '1s', groupInterval: '2s', repeatInterval: '4h' });
    t.after(() => replica.close());
    let w = await worker();
    await stall.am.postAlerts([alert]);
    await replica.postAlerts([alert]);
    const parent = await s.slack.waitFor('alert parent', () => built(s.slack.parents(CH2)[0]), 60_000);
    await s.slack.waitFor('the firing findings', () => built(s.slack.replies(CH2, parent.ts).find((m) => /Goroutine leak suspects/.test(m.text))), 90_000);
    await settled(s.h);

    await s.go.slow(60_000); // the final capture hangs
    const asked = await profileRequests();
    await stall.am.resolve([alert]);
    w = await failForGood(w, asked);
    const replies = s.slack.replies(CH2, parent.ts);
    const resolution = replies.filter((m) => /resolved for \*?svc-pay/.test(messageText(m)));
    assert.equal(resolution.length, 1, `one reply tells the resolution:\n${replies.map(messageText).join('\n---\n')}`);
    assert.match(messageText(resolution[0]!), /gave up on the final capture: the worker running it stopped several times/);
    assert.match(messageText(resolution[0]!), /`\/leak snapshot svc-pay`/, 'what to do instead');
    assert.equal(replies.length, 2, `the findings and the resolution, nothing else:\n${replies.map(messageText).join('\n---\n')}`);
    assert.match(messageText(s.slack.parents(CH2)[0]!), /:white_check_mark:.*resolved/, 'the parent shows the resolution');
    assert.equal(s.slack.parents(CH2).length, 1, 'one thread');

    // The replica's resolution revives the resolve job; the service answers now.
    await s.go.reset();
    await replica.resolve([alert]);
    const compared = await s.slack.waitFor('the resolution with the comparison', () => resolution[0]!.blocks && /Final capture/.test(messageText(resolution[0]!)) && resolution[0]!, 120_000);
    await settled(s.h);
    assert.doesNotMatch(messageText(compared), /gave up/, 'the failure is replaced, not left beside the answer');
    assert.equal(s.slack.replies(CH2, parent.ts).filter((m) => /resolved for \*?svc-pay/.test(messageText(m))).length, 1, 'still one reply tells the resolution');
    assert.equal(s.slack.replies(CH2, parent.ts).length, 2, 'the findings and the resolution, nothing else');
    await w.kill('SIGKILL');
  });
});
