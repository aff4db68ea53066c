// An alert for a service whose channel refuses leakbot (not invited to a private channel, a wrong
// channel id): trial5 saw the alert only in leakbot's log — nobody in Slack learned that it fired,
// nor what to fix. It is now said in defaultChannel, once (a re-send updates that note), and once the
// bot is invited, Alertmanager's next re-send opens the thread and captures as usual, and the note
// points at that thread.
// Real parts: Debian's Alertmanager posting to the webhook with the bearer token, Redis, a real
// leaking Go service; Slack is the stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, messageText, settled } from '../e2e/helpers.js';
import { withAlertService } from './service-harness.js';

const PRIVATE = 'C0PRIVORDERS';
const DEFAULT = 'C0INCIDENTS';

describe('an alert whose channel refuses leakbot', () => {
  const s = withAlertService({
    token: 'unpostable-alert-webhook-token-0a1b2c3d',
    configYaml: (url) => `
defaultChannel: ${DEFAULT}
services:
  svc-order:
    url: ${url}
    channel: ${PRIVATE}
    minIntervalSeconds: 0
alerts:
  recaptureAfterSeconds: 0
`,
    am: { groupWait: '1s', groupInterval: '2s', repeatInterval: '3s' },
    ready: (h) => h.slack.notInChannel.add(PRIVATE),
  });

  it('is said in defaultChannel with what to fix, once; invited, the next re-send opens the thread', async () => {
    const { go, h, am } = s;
    await go.leak('chansend', 40);
    await am.postAlerts([{ labels: { alertname: 'GoroutineLeak', service: 'svc-order', severity: 'warning' }, annotations: { summary: 'goroutines keep growing' }, startsAt: new Date() }]);
    const note = await h.slack.waitFor('the note in defaultChannel', () => built(h.slack.parents(DEFAULT)[0]));
    const t = messageText(note);
    assert.match(t, /\*GoroutineLeak\* for \*svc-order\* \(1 firing\) should have opened a thread in <#C0PRIVORDERS>/);
    assert.match(t, /I am not a member of that channel\. Invite me with `\/invite @leakbot`\. Nothing was captured yet/, 'no "try again": the re-send does it');
    assert.match(t, /Alertmanager's next re-send of this alert opens the thread/);
    // trial9: the re-send can be repeat_interval (4 h in deploy/) away; the on-call need not wait.
    assert.match(t, /Meanwhile `\/leak snapshot svc-order` here captures it now\./, t);
    assert.equal((await go.requests()).filter((p) => p.startsWith('/debug/pprof/goroutine')).length, 0, 'nothing captured while there is no thread to answer in');

    // Invited: a re-send (repeat_interval 3 s) opens the thread and captures.
    h.slack.notInChannel.delete(PRIVATE);
    const parent = await h.slack.waitFor('the alert thread in its own channel', () => h.slack.parents(PRIVATE)[0]);
    await h.slack.waitFor('its findings', () => h.slack.replies(PRIVATE, parent.ts).find((m) => /suspected leak|pile worth a look/.test(messageText(m))));
    await settled(h);
    assert.equal(h.slack.parents(DEFAULT).length, 1, 're-sends updated the one note; nothing else went to defaultChannel');
    await h.slack.waitFor('the note points at the thread now open', () => /its thread is now open in <#C0PRIVORDERS>/.test(messageText(note)));
  });
});
