// The findings of an alert's first capture when nothing earlier can be compared with: they say once
// that leakbot captures again by itself. The single-snapshot warning beside the findings says it,
// and the note under them repeated it ("Capturing again in 30 s…"), as trial5 found in the snapshot
// flow (firstSnapshotNote). Real parts: Debian's Alertmanager, Redis, a leaking Go service.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, messageText } from '../e2e/helpers.js';
import { withAlertService } from './service-harness.js';

const CH = 'C0FIRSTALERT';

/** An alert service whose alerts open threads in `channel`, the recapture `recaptureAfter` s after the alert capture. */
const alertService = (channel: string, recaptureAfter: number) =>
  withAlertService({
    token: `first-capture-note-webhook-token-${channel}`,
    configYaml: (url) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${channel}\n    minIntervalSeconds: 0\nalerts:\n  recaptureAfterSeconds: ${recaptureAfter}\n`,
    am: { groupWait: '1s', groupInterval: '2s', repeatInterval: '1h' },
  });

/** Leaks 40 goroutines, fires GoroutineLeak and returns the text of the first findings message matching `want`. */
async function alertFindings(s: ReturnType<typeof alertService>, channel: string, want: RegExp): Promise<string> {
  const { go, h, am } = s;
  await go.leak('chansend', 40);
  await am.postAlerts([{ labels: { alertname: 'GoroutineLeak', service: 'svc-order' }, annotations: { summary: 'goroutines keep growing' }, startsAt: new Date() }]);
  const parent = await h.slack.waitFor('the alert thread', () => h.slack.parents(channel)[0], 60_000);
  return messageText(await h.slack.waitFor(`findings matching ${want}`, () => h.slack.replies(channel, parent.ts).find((m) => built(m) && want.test(messageText(m))), 90_000));
}

describe('an alert capture with nothing to compare with', () => {
  // The recapture is planned far out: this reads the first capture's findings only.
  const s = alertService(CH, 600);

  it('says the second capture once', async () => {
    const text = await alertFindings(s, CH, /suspected leak|pile worth a look/);
    assert.match(text, /captures again by itself in 600 s/, text);
    assert.equal(text.match(/again (by itself )?in 600 s/g)?.length, 1, `said once: ${text}`);
    assert.match(text, /because \*GoroutineLeak\* fired; compared with no earlier snapshot/);
  });
});

describe('an alert capture compared with its recapture', () => {
  // The recapture comes 2 s after the alert capture (BullMQ's delay): no snapshot from before it.
  const s = alertService('C0RECAPTURED', 2);

  it('no longer calls the 2-snapshot analysis single-snapshot', async () => {
    const text = await alertFindings(s, 'C0RECAPTURED', /Captured when the alert fired/);
    assert.match(text, /2 snapshots/, text);
    assert.match(text, /Captured when the alert fired \(#\d+\) and again \d+ s later \(#\d+\); compared with each other \(no snapshot from before the alert: set a baseline/, text);
    assert.doesNotMatch(text, /single-snapshot analysis/, text);
  });
});
