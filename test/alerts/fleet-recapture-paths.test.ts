// The alert's fleet summary is refreshed by the growth-rate recapture on the paths that skipped it:
// - the recapture's capture is the alert capture's own snapshot (a capture shared within a second of
//   the alert capture, kept on the job as its checkpoint): it was taken as 'nothing new to compare',
//   the job ended in silence, and the summary kept calling the pod 'first' under findings that had
//   said 'this message will update';
// - the alert's capture job runs again after the recapture updated the thread (BullMQ hands a job
//   whose worker was only slow to a second worker, which then finds the action not yet marked done):
//   it posted the alert capture's findings and the round's summary back over the recapture's.
// Both paths are forced (a checkpoint, a re-run), not raced. Real parts: two leaksvc processes
// (static targets), a real Alertmanager, Redis; only Slack is the stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { delayedJob, messageText, settled } from '../e2e/helpers.js';
import { actionId, type AlertAction } from '../../src/alerts/dedupe.js';
import { withAlertFleet } from './fleet-harness.js';

const CH = 'C0FLEETPATHS';

describe('alert on a fleet: the recapture refreshes the summary on every path', () => {
  const f = withAlertFleet({ ips: ['127.0.0.12', '127.0.0.13'], token: 'fleet-paths-webhook-token-1a2b3c4d5e', channel: CH, recaptureAfterSeconds: 600 });

  it('a recapture handed the alert capture itself captures again; a capture job run again later keeps the refreshed messages', async () => {
    const { h, pods } = f;
    const pod = f.podAt(1);
    const refreshed = /Updated with the second capture/;
    await pods[1]!.leak('chansend', 40);
    const { parent, fleet } = await f.alertOn(1);
    await pods[1]!.leak('chansend', 60);

    // The capture the recapture got is the alert capture's own snapshot.
    const job = await delayedJob(h, 'the alert recapture', (j) => j.name === 'alert.recapture');
    const firstSeq = (job.data as { firstSeq: number }).firstSeq;
    await job.updateData({ ...job.data, captured: { seq: firstSeq } });
    await job.promote();
    await settled(h);
    const text = messageText(fleet);
    assert.match(text, refreshed, `the summary is refreshed:\n${text}`);
    const second = (await h.bot.ctx.snapshots.list('svc-order', 10)).find((m) => m.instance === pod && m.seq > firstSeq);
    assert.ok(second, 'the pod was captured a second time');
    assert.ok(text.includes(`(#${second.seq})`), text);
    const findings = () => h.slack.replies(CH, parent.ts).find((r) => /Growth since the alert capture/.test(messageText(r)));
    assert.ok(findings(), 'the findings show the growth rate');

    // The alert's capture job runs again, as a second attempt that has not seen the action marked done.
    const capture = (await h.bot.ctx.jobs.queue.getJobs(['completed'])).find((j) => j.name === 'alert.capture')!;
    const a = (capture.data as { action: AlertAction }).action;
    await h.bot.ctx.redis.hdel(`${h.bot.ctx.prefix}:alerts:episode:${a.episode}:done`, actionId(a));
    await capture.retry('completed');
    await settled(h);
    assert.ok(await capture.isCompleted(), 'the capture job ran again');
    assert.match(messageText(fleet), refreshed, `the summary still shows the second capture:\n${messageText(fleet)}`);
    assert.ok(findings(), 'the findings still show the growth rate');
    assert.equal(h.slack.replies(CH, parent.ts).filter((r) => /^Fleet of svc-order/.test(r.text)).length, 1, 'one fleet summary');
  });
});
