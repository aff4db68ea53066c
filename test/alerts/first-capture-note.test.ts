// The findings of an alert's first capture when nothing earlier can be compared with: they say once
// that leakbot captures again by itself. The single-snapshot warning beside the findings says it,
// and the note under them repeated it ("Capturing again in 30 s…"), as trial5 found in the snapshot
// flow (firstSnapshotNote). Real parts: Debian's Alertmanager, Redis, a leaking Go service.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, messageText } from '../e2e/helpers.js';
import { withAlertService } from './service-harness.js';

const CH = 'C0FIRSTALERT';

describe('an alert capture with nothing to compare with', () => {
  const s = withAlertService({
    token: 'first-capture-note-webhook-token-5a4b3c2d1e',
    // The recapture is planned far out: this reads the first capture's findings only.
    configYaml: (url) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${CH}\n    minIntervalSeconds: 0\nalerts:\n  recaptureAfterSeconds: 600\n`,
    am: { groupWait: '1s', groupInterval: '2s', repeatInterval: '1h' },
  });

  it('says the second capture once', async () => {
    const { go, h, am } = s;
    await go.leak('chansend', 40);
    await am.postAlerts([{ labels: { alertname: 'GoroutineLeak', service: 'svc-order' }, annotations: { summary: 'goroutines keep growing' }, startsAt: new Date() }]);
    const parent = await h.slack.waitFor('the alert thread', () => h.slack.parents(CH)[0], 60_000);
    const findings = await h.slack.waitFor('its findings', () => h.slack.replies(CH, parent.ts).find((m) => built(m) && /suspected leak|pile worth a look/.test(messageText(m))), 90_000);
    const text = messageText(findings);
    assert.match(text, /captures again by itself in 600 s/, text);
    assert.equal(text.match(/again (by itself )?in 600 s/g)?.length, 1, `said once: ${text}`);
    assert.match(text, /because \*GoroutineLeak\* fired; compared with no earlier snapshot/);
  });
});
