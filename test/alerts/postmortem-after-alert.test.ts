// A postmortem drafted after an alert judges the alert's own comparison, not its capture alone.
// trial9 let an alert fire on a service that had a snapshot from before the alert: the alert thread
// said *high* (20 → 60 stuck senders, kept all and added), then `/leak postmortem` said "medium
// confidence", because the alert's findings event recorded the capture (curSeq) but not what it was
// compared with, and the draft recomputed that capture on its own (one snapshot: medium at most).
// Real parts: leaksvc, Redis, Alertmanager, signed slash commands.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withAlertService, fireAndSettle } from './service-harness.js';
import { built, messageText, settled, waitThread } from '../e2e/helpers.js';

const CH = 'C0PMALERT';

describe('postmortem after an alert', () => {
  const s = withAlertService({
    token: 'pm-after-alert-token-0123456789',
    configYaml: (url) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${CH}\n    minIntervalSeconds: 0\nalerts:\n  recaptureAfterSeconds: 0\nsnapshot:\n  autoRecaptureSeconds: 0\n`,
    am: { groupWait: '1s', groupInterval: '1h', repeatInterval: '1h' },
  });

  it("names the alert capture's confidence, from its comparison with the snapshot before the alert", async () => {
    const { go, h } = s;
    await go.leak('chansend', 20);
    await h.command({ text: 'snapshot svc-order', channel: 'C0BEFORE' });
    await waitThread(h.slack, 'C0BEFORE', 0, 1);
    await settled(h);
    const parent = await fireAndSettle(s, CH, { labels: { alertname: 'GoroutineLeak', service: 'svc-order', severity: 'warning' } });
    const alertFindings = h.slack.replies(CH, parent.ts).map((m) => built(m)).find((m) => m && /suspected leak/.test(messageText(m)));
    assert.ok(alertFindings, 'the alert capture posted its findings');
    const said = /— (high|medium|low) \(score/.exec(messageText(alertFindings));
    assert.ok(said, messageText(alertFindings));
    assert.match(messageText(alertFindings), /compared with the last snapshot before the alert/, 'the alert capture was compared');

    await h.command({ text: 'postmortem svc-order', channel: CH });
    const upload = await h.slack.waitFor('postmortem file', () => h.slack.uploads.find((u) => u.filename.startsWith('postmortem-svc-order-') && u.completed), 120_000);
    const md = upload.content.toString('utf8');
    const summary = md.slice(md.indexOf('## Summary'), md.indexOf('##', md.indexOf('## Summary') + 5));
    assert.match(summary, new RegExp(`\\(${said[1]} confidence\\)`), `the thread said ${said[1]}:\n${summary}`);
  });
});
