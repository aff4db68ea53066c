// The growth-rate recapture of an alert updates the alert capture's findings in place. A run of the
// capture job that checked 'superseded' before the recapture marked it (BullMQ hands a job whose
// worker was only slow to another worker, which finds the action not marked done yet) may still have
// its findings update in flight, Slack slow to take it, when the recapture posts: Slack then applied
// the alert capture's findings after the recapture's, and the thread lost the growth rate. Forced
// here with the stand-in's hold() on that update, not raced. Real parts: leaksvc, Debian's
// Alertmanager, Redis; Slack is the stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { built, delayedJob, messageText, settled } from '../e2e/helpers.js';
import { actionId, type AlertAction } from '../../src/alerts/dedupe.js';
import { withAlertService } from './service-harness.js';

const CH = 'C0ALERTINFLIGHT';

describe('the alert recapture while a run of the alert capture still posts', () => {
  const lines: string[] = [];
  // The recapture is planned far out: the test promotes it.
  const s = withAlertService({
    token: 'alert-inflight-webhook-token-0a9b8c7d6e',
    configYaml: (url) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${CH}\n    minIntervalSeconds: 0\nalerts:\n  recaptureAfterSeconds: 600\n`,
    am: { groupWait: '1s', groupInterval: '2s', repeatInterval: '1h' },
    harness: { logLevel: 'info', logDestination: new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }) },
  });

  it('keeps the growth rate: one findings message, updated by the recapture', async () => {
    const { go, h, am } = s;
    await go.leak('chansend', 40);
    await am.postAlerts([{ labels: { alertname: 'GoroutineLeak', service: 'svc-order' }, annotations: { summary: 'goroutines keep growing' }, startsAt: new Date() }]);
    const parent = await h.slack.waitFor('the alert thread', () => h.slack.parents(CH)[0], 60_000);
    const findings = await h.slack.waitFor('the alert findings', () => h.slack.replies(CH, parent.ts).find((m) => built(m) && /because \*GoroutineLeak\* fired/.test(messageText(m))), 90_000);
    const recapture = await delayedJob(h, 'the growth-rate recapture', (j) => j.name === 'alert.recapture');
    await settled(h);

    // The capture job runs again, as a second attempt that has not seen the action marked done; Slack
    // holds its findings update (the alert capture's) unanswered.
    const capture = (await h.bot.ctx.jobs.queue.getJobs(['completed'])).find((j) => j.name === 'alert.capture')!;
    const a = (capture.data as { action: AlertAction }).action;
    await h.bot.ctx.redis.hdel(`${h.bot.ctx.prefix}:alerts:episode:${a.episode}:done`, actionId(a));
    const held = h.slack.hold('chat.update', 'before', (x) => x.channel === CH && x.ts === findings.ts && /because \*GoroutineLeak\* fired/.test(JSON.stringify(x.blocks ?? [])));
    await capture.retry('completed');
    await held.reached;

    // The leak grows and the recapture runs: it updates the findings, or (fixed) waits for the run
    // still posting; either is seen before the held update is let go.
    await go.leak('chansend', 40);
    const growth = () => /Growth since the alert capture/.test(messageText(findings));
    await recapture.promote();
    await h.slack.waitFor('the recapture posted or waits for the capture job', () => growth() || lines.some((l) => /still running/.test(l)), 90_000);
    held.release();
    await settled(h);

    const text = messageText(findings);
    assert.match(text, /Growth since the alert capture/, `the findings show the growth rate:\n${text}`);
    assert.equal(h.slack.replies(CH, parent.ts).filter((m) => /suspected leak|pile worth a look/.test(messageText(m))).length, 1, 'one findings message');
  });
});
