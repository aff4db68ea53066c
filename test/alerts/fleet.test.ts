// An alert naming one instance of a fleet, through a real Alertmanager: that instance is captured
// first and its findings posted, then the rest of the fleet (four real leaksvc processes listed as
// static targets on 127.0.0.2–5) follows in one summary.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { basename, built, messageText } from '../e2e/helpers.js';
import { withAlertFleet } from './fleet-harness.js';

const CH = 'C0FLEETAL';
const IPS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

describe('alert naming one instance of a fleet', () => {
  const f = withAlertFleet({ ips: IPS, token: 'fleet-alert-webhook-token-0a1b2c3d4e5f', channel: CH });
  const podAt = f.podAt;

  it('captures the alerted instance first, posts its findings, then the fleet summary', async () => {
    const { h, am, pods } = f;
    const site = (await pods[2]!.patterns()).chansend;
    await pods[2]!.leak('chansend', 250);
    await am.postAlerts([{ labels: { alertname: 'GoroutineLeak', service: 'svc-order', instance: podAt(2), severity: 'page' }, startsAt: new Date() }]);

    const thread = await h.slack.waitFor('alert thread with findings and fleet summary', () => {
      const parent = h.slack.parents(CH)[0];
      if (!parent) return null;
      const replies = h.slack.replies(CH, parent.ts);
      // Posts are placeholder-first (text, then the blocks by chat.update): the table and the
      // findings are read from the blocks, so wait for them on the summary and what came before it.
      const fleet = built(replies.find((r) => /^Fleet of svc-order/.test(r.text)));
      return fleet && replies.length >= 2 && replies.slice(0, replies.indexOf(fleet)).every((r) => built(r)) ? { parent, replies, fleet } : null;
    }, 120_000);

    const findings = thread.replies.find((r) => r !== thread.fleet && messageText(r).includes('the instance the alert names'));
    assert.ok(findings, `findings of the alerted instance:\n${thread.replies.map(messageText).join('\n---\n')}`);
    assert.match(messageText(findings), new RegExp(`This is ${podAt(2).replaceAll('.', '\\.')}, the instance the alert names \\(instance=${podAt(2).replaceAll('.', '\\.')}\\)`));
    assert.ok(messageText(findings).includes(`${basename(site.file)}:${site.line}`), 'its findings name the leak site');
    assert.ok(thread.replies.indexOf(findings) < thread.replies.indexOf(thread.fleet), 'the alerted instance is posted before the fleet');

    const summary = messageText(thread.fleet);
    for (const i of IPS.keys()) assert.ok(summary.includes(podAt(i)), `fleet table lists ${podAt(i)}`);

    // Captured first: its snapshot has the lowest sequence number of the round.
    const metas = await h.bot.ctx.snapshots.list('svc-order', 10);
    const seqOf = (i: number) => Math.min(...metas.filter((m) => m.instance === podAt(i)).map((m) => m.seq));
    for (const i of [0, 1, 3]) assert.ok(seqOf(2) < seqOf(i), `${podAt(2)} captured before ${podAt(i)}`);
    // One snapshot per instance: the fleet round shared the alerted instance's capture.
    assert.equal(metas.filter((m) => m.instance === podAt(2)).length, 1);
  });
  it('an alert naming no instance: the last round\'s suspect is captured first', async () => {
    const { h, am } = f;
    await am.postAlerts([{ labels: { alertname: 'GoroutinesHigh', service: 'svc-order', severity: 'page' }, startsAt: new Date() }]);
    const findings = await h.slack.waitFor('second alert thread with the suspect\'s findings', () => {
      const parent = h.slack.parents(CH).find((p) => /GoroutinesHigh/.test(messageText(p)));
      if (!parent) return null;
      return built(h.slack.replies(CH, parent.ts).find((r) => /a suspect in the last fleet round/.test(messageText(r)))) ?? null;
    }, 120_000);
    assert.match(messageText(findings), new RegExp(`This is ${podAt(2).replaceAll('.', '\\.')}, a suspect in the last fleet round; the alert names no discovered instance`));
  });
});
