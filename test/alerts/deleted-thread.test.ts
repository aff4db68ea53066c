// An alert thread deleted in Slack (by a person, or a retention policy) while its alert still
// fires. Before: every later notification of the group failed on the gone parent (chat.update:
// message_not_found), was retried, and ended as ":x: leakbot could not handle Alertmanager's
// notification … slack: message_not_found" at the top of the channel, once per notification — no
// thread, no capture, no resolution for the rest of the incident. Now the gone thread is forgotten
// and the next notification opens a new one, where the alert's resolution is told.
// Real parts: Debian's Alertmanager posting to the webhook with the bearer token, Redis, a real
// leaking Go service; Slack is the stand-in (deleteThread: posts into the thread then answer
// thread_not_found, updates of its messages message_not_found, as Slack does).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, messageText, settled } from '../e2e/helpers.js';
import { fireAndSettle, withOrderAlerts } from './service-harness.js';

const CH = 'C0ORDERSALERTS';

describe('an alert thread deleted in Slack while the alert fires', () => {
  const s = withOrderAlerts('deleted-thread-alert-webhook-token-9f8e7d6c', CH, '2s');

  it('the next notification opens a new thread, and the resolution is told there; nothing fails at the top of the channel', async () => {
    const { h, am } = s;
    const first = { labels: { alertname: 'GoroutineLeak', service: 'svc-order', pod: 'a' }, annotations: { summary: 'goroutines keep growing' }, startsAt: new Date() };
    const parent = await fireAndSettle(s, CH, first);

    h.slack.deleteThread(CH, parent.ts);
    // A second alert of the group fires: Alertmanager notifies after group_interval.
    const second = { ...first, labels: { ...first.labels, pod: 'b' }, startsAt: new Date() };
    await am.postAlerts([first, second]);
    const reopened = await h.slack.waitFor('a new alert thread', () => h.slack.parents(CH).find((m) => m.ts !== parent.ts && /^GoroutineLeak firing for svc-order \(2 alerts\)/.test(m.text)), 90_000);

    await am.resolve([first, second]);
    await h.slack.waitFor('the resolution, in the new thread', () => h.slack.replies(CH, reopened.ts).find((m) => /resolved/i.test(messageText(m))), 90_000);
    await settled(h);
    const parents = h.slack.parents(CH);
    assert.equal(parents.length, 1, `one live thread, no failure notes: ${parents.map((m) => m.text.slice(0, 80)).join(' | ')}`);
    assert.ok(!h.slack.messages(CH).some((m) => /could not handle|gave up/.test(m.text)), 'no failure was posted');
  });
});
