// Findings of an alert capture too many for one Slack message go up as a Markdown file under them.
// On a one-process service the file was titled 'Full goroutine report: svc-order #N', naming neither
// the snapshot the findings compared with nor, after the growth-rate recapture, the pair it compared,
// while the snapshot flow's file names both ('svc-order #1 → #2'): the file is what gets pasted into
// a ticket. Real parts: a leaksvc leaking in every pattern it has (13 findings: more than one
// message holds), Debian's Alertmanager, Redis; Slack is the stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leakPatterns } from '../support/go-service.js';
import { built, delayedJob, messageText } from '../e2e/helpers.js';
import { withAlertService } from './service-harness.js';

const CH = 'C0ALERTOVERFLOW';

describe('alert on one process: the report file of findings that do not fit', () => {
  // The growth-rate recapture is planned far out: the test promotes it.
  const s = withAlertService({
    token: 'alert-overflow-webhook-token-9f8e7d6c5b',
    configYaml: (url) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${CH}\n    minIntervalSeconds: 0\nalerts:\n  recaptureAfterSeconds: 600\n`,
    am: { groupWait: '1s', groupInterval: '2s', repeatInterval: '1h' },
  });

  it('is titled with the snapshots compared, by the alert capture and by its recapture', async () => {
    const { go, h, am } = s;
    // A snapshot from before the alert, every pattern leaking already: what the alert capture is compared with.
    for (const p of leakPatterns) await go.leak(p, 10);
    const pre = await h.bot.ctx.captures.obtain('svc-order', { requestedBy: 'test' });
    assert.ok(pre.ok);
    for (const p of leakPatterns) await go.leak(p, 10);
    await am.postAlerts([{ labels: { alertname: 'GoroutineLeak', service: 'svc-order' }, annotations: { summary: 'goroutines keep growing' }, startsAt: new Date() }]);
    const parent = await h.slack.waitFor('the alert thread', () => h.slack.parents(CH)[0], 60_000);
    const findings = await h.slack.waitFor('the alert findings', () => h.slack.replies(CH, parent.ts).find((m) => built(m) && /last snapshot before the alert #/.test(messageText(m))), 90_000);
    assert.match(messageText(findings), /because \*GoroutineLeak\* fired/);
    const latest = async () => Math.max(...(await h.bot.ctx.snapshots.list('svc-order', 10)).map((m) => m.seq));
    const first = await latest();
    assert.ok(first > pre.meta.seq, 'the alert captured after the earlier snapshot');
    const files = () => h.slack.uploads.filter((u) => u.completed && u.threadTs === parent.ts);
    const one = await h.slack.waitFor('the alert capture\'s report file', () => files()[0], 60_000);
    assert.equal(one.title, `Full goroutine report: svc-order #${pre.meta.seq} → #${first}`);

    // Every pile grows before the recapture, which the test runs.
    for (const p of leakPatterns) await go.leak(p, 10);
    const job = await delayedJob(h, 'the growth-rate recapture', (j) => j.name === 'alert.recapture');
    await job.promote();
    const two = await h.slack.waitFor('the recapture\'s report file', () => files()[1], 90_000);
    const second = await latest();
    assert.ok(second > first);
    assert.equal(two.title, `Full goroutine report: svc-order #${pre.meta.seq} → #${second}`);
  });
});
