// An Alertmanager notification whose alert.notify job fails for good is not left to a re-send that
// may never come: Alertmanager sends a resolution once, and a firing again only after its
// repeat_interval (hours). leakbot applies the notification once more; if that fails for good too,
// the channel is told once, in plain words.
// Real parts: a real Alertmanager posting to the webhook of an in-process web leakbot, `leakbot
// worker` processes on a real Redis, a real Go service, the Slack stand-in. The notification job
// fails for good the way BullMQ fails it without running our code: its worker is killed while the
// stand-in holds the job's parent post (an event), with LEAKBOT_MAX_STALLED=0, and the next worker's
// stalled-job check gives up on it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PostableAlert } from '../support/alertmanager.js';
import { built, messageText, settled, withServiceHarness } from '../e2e/helpers.js';
import type { LeakbotProcess } from '../e2e/processes.js';
import { withStallingWorkers } from './stalling-workers.js';

const TOKEN = 'e2e-alert-notify-fatal-token-1a2b3c4d';
const CH = 'C0NOTIFYFATAL';
const CH2 = 'C0NOTIFYTWICE';

describe('an alert notification whose job fails for good', { timeout: 300_000 }, () => {
  // svc-pay: the same process under another name and channel.
  const s = withServiceHarness((url) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${CH}\n    minIntervalSeconds: 0\n  svc-pay:\n    url: ${url}\n    channel: ${CH2}\n    minIntervalSeconds: 0\nalerts:\n  recaptureAfterSeconds: 0\n`, {
    role: 'web',
    webhookToken: TOKEN,
    prepare: ([go]) => go!.leak('chansend', 40),
  });
  // No re-send during the test (repeat_interval 4 h); a resolution goes out at the next group interval.
  const stall = withStallingWorkers(s, TOKEN, { groupWait: '1s', groupInterval: '2s', repeatInterval: '4h' });

  /** Kills `w` once the stand-in holds the call `held` waits for (Slack never gets it), and
   *  resolves with the next worker, whose stalled-job check fails the job for good. */
  async function killAt(w: LeakbotProcess, held: ReturnType<typeof s.slack.hold>): Promise<LeakbotProcess> {
    await held.reached;
    await w.kill('SIGKILL');
    held.drop();
    return stall.worker();
  }

  it('the resolution: applied once more, so the thread gets its one "resolved" reply and the parent turns resolved', async () => {
    const alert: PostableAlert = { labels: { alertname: 'GoroutineLeak', service: 'svc-order', severity: 'page' }, startsAt: new Date() };
    let w = await stall.worker();
    await stall.am.postAlerts([alert]);
    const parent = await s.slack.waitFor('alert parent', () => built(s.slack.parents(CH)[0]), 60_000);
    await s.slack.waitFor('the firing findings', () => built(s.slack.replies(CH, parent.ts).find((m) => /Goroutine leak suspects/.test(m.text))), 90_000);
    await settled(s.h);

    // The resolution's notification job redraws the parent as resolved: killed there.
    const redraw = s.slack.hold('chat.update', 'before', (a) => a.channel === CH && a.ts === parent.ts && /white_check_mark/.test(JSON.stringify(a)));
    await stall.am.resolve([alert]);
    w = await killAt(w, redraw);
    await w.waitLog((l) => l.msg === 'job failed for good; telling the requester' && l.kind === 'alert.notify', 60_000);
    const resolved = await s.slack.waitFor('the resolved reply', () => built(s.slack.replies(CH, parent.ts).find((m) => /resolved for/.test(m.text))), 120_000);
    await settled(s.h);
    assert.match(messageText(resolved), /resolved for \*svc-order\*/);
    assert.match(messageText(s.slack.parents(CH)[0]!), /:white_check_mark:.*resolved/, 'the parent shows the resolution');
    assert.equal(s.slack.parents(CH).length, 1, 'one thread');
    assert.equal(s.slack.replies(CH, parent.ts).filter((m) => /resolved for/.test(m.text)).length, 1, 'one resolved reply');
    assert.equal((await s.h.bot.ctx.threads.get(CH, parent.ts))?.open, false, 'the resolved alert no longer holds its thread open');
    assert.ok(!s.slack.messages(CH).some((m) => /could not handle/.test(messageText(m))), 'nothing to apologise for: the notification was applied');
    await w.kill('SIGKILL');
  });

  it('a firing whose notification fails for good twice: the channel is told once, with what comes back and what to do', async () => {
    const alert: PostableAlert = { labels: { alertname: 'GoroutineLeak', service: 'svc-pay', severity: 'page' }, startsAt: new Date() };
    const parentPost = () => s.slack.hold('chat.postMessage', 'before', (a) => a.channel === CH2 && !a.thread_ts && /GoroutineLeak/.test(JSON.stringify(a)));
    let w = await stall.worker();
    let held = parentPost();
    await stall.am.postAlerts([alert]);
    w = await killAt(w, held); // the first job, at its parent post
    held = parentPost();
    w = await killAt(w, held); // the job that applies it once more, at the same post
    const told = await s.slack.waitFor('the channel is told', () => built(s.slack.messages(CH2).find((m) => /could not handle/.test(m.text))), 90_000);
    await settled(s.h);
    const text = messageText(told);
    assert.match(text, /could not handle Alertmanager's notification about \*GoroutineLeak\* for \*svc-pay\* \(1 firing\), tried twice: the worker running it stopped several times/);
    assert.match(text, /sends firing alerts again after its repeat_interval/);
    assert.match(text, /`\/leak snapshot svc-pay`/);
    assert.equal(s.slack.messages(CH2).filter((m) => /could not handle/.test(messageText(m))).length, 1, 'told once');
    assert.equal(s.slack.parents(CH2).length, 1, 'no alert thread was posted (Slack never got the parent)');
    await w.kill('SIGKILL');
  });
});
