// The alert's second capture (the growth rate) refreshes the fleet summary of the alert thread. trial5's
// alert on a two-pod service updated the alerted pod's findings with the comparison, while the fleet
// summary under them still called that pod 'first' (nothing to compare with). Real parts: two leaksvc
// processes (static targets), a real Alertmanager, Redis; the recapture is BullMQ's delayed job,
// promoted by the test once the leak has grown (the delay is BullMQ's, not a timer of the test).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { delayedJob, messageText, settled } from '../e2e/helpers.js';
import { withAlertFleet } from './fleet-harness.js';

const CH = 'C0FLEETRE';
const IPS = ['127.0.0.8', '127.0.0.9'];

describe('alert on a fleet: the recapture', () => {
  const f = withAlertFleet({ ips: IPS, token: 'fleet-recapture-webhook-token-9f8e7d6c', channel: CH, recaptureAfterSeconds: 600 });

  it('updates the fleet summary with the alerted pod compared with its alert capture', async () => {
    const { h, pods } = f;
    const pod = f.podAt(1);
    const other = f.podAt(0);
    const row = (text: string, p: string) => text.split('\n').find((l) => l.startsWith(`${p} `)) ?? '';
    await pods[1]!.leak('chansend', 40);
    const { parent, fleet } = await f.alertOn(1);
    assert.match(row(messageText(fleet), pod), /first/, messageText(fleet));

    await pods[1]!.leak('chansend', 60);
    const job = await delayedJob(h, 'the alert recapture', (j) => j.name === 'alert.recapture');
    assert.equal(job.opts.delay, 600_000);
    await job.promote();
    const text = await h.slack.waitFor('fleet summary refreshed', () => (/Updated with the second capture/.test(messageText(fleet)) ? messageText(fleet) : null), 120_000);
    const metas = await h.bot.ctx.snapshots.list('svc-order', 10);
    const [second, first] = metas.filter((m) => m.instance === pod);
    assert.ok(second && first && second.seq > first.seq, 'the pod captured twice');
    assert.ok(text.includes(`Updated with the second capture of ${pod} (#${second.seq}); the other pods as the fleet round captured them.`), text);
    assert.match(row(text, pod), new RegExp(`\\+${second.total - first.total} vs #${first.seq}`), text);
    assert.match(row(text, other), /first/, 'the other pod as the round captured it');
    await settled(h);
    const findings = h.slack.replies(CH, parent.ts).find((r) => /Growth since the alert capture/.test(messageText(r)));
    assert.ok(findings, 'the findings show the growth rate');
    assert.equal(h.slack.replies(CH, parent.ts).filter((r) => /^Fleet of svc-order/.test(r.text)).length, 1, 'one fleet summary, updated in place');
  });
});
