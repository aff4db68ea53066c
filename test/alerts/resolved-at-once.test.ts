// An alert resolved moments after it fired. Its final capture can be the firing capture itself (a
// capture of the last second is shared): the reply then said 'There is no capture from when it fired
// to compare with', beside a thread holding that very capture, and 'after less than a minute' for a
// flap of a few seconds. The shared capture is forced (kept on the job as its checkpoint while Slack
// refuses the reply), not raced. Real parts: Debian's Alertmanager, Redis, a leaking Go service;
// Slack is the stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, delayedJob, messageText } from '../e2e/helpers.js';
import { fireAndSettle, withOrderAlerts } from './service-harness.js';

const CH = 'C0RESOLVEDATONCE';

describe('an alert resolved moments after it fired', () => {
  const s = withOrderAlerts('resolved-at-once-webhook-token-7a6b5c4d3e', CH, '1s');

  it('compares a final capture of its own with the firing one and says how many seconds it fired', async () => {
    const alert = { labels: { alertname: 'GoroutineLeak', service: 'svc-order', pod: 'a' }, startsAt: new Date() };
    const parent = await fireAndSettle(s, CH, alert);
    const { h, am } = s;
    const firingSeq = (await h.bot.ctx.snapshots.latest('svc-order'))!.seq;

    // Slack refuses the resolved reply until the job's final capture is made the firing one.
    const drop = h.slack.failNext('chat.postMessage', 1000, { status: 503 }, (a) => /resolved for/.test(String(a.text)));
    await am.resolve([alert]);
    const job = await delayedJob(h, 'the resolve job waiting for Slack', (j) => j.name === 'alert.resolve' && !!(j.data as { slackWait?: unknown }).slackWait);
    await job.updateData({ ...job.data, captured: { seq: firingSeq } });
    drop();
    await job.promote();
    const reply = await h.slack.waitFor('resolved reply', () => built(h.slack.replies(CH, parent.ts).find((m) => /resolved for/.test(m.text))), 60_000);
    const text = messageText(reply);
    assert.doesNotMatch(text, /no capture from when it fired/, text);
    assert.match(text, /Final capture \(.*\) vs the one taken when it fired/, text);
    const after = /resolved for \*svc-order\* after (\d+ s|less than a second)\./.exec(text)?.[1];
    assert.ok(after, text);
    // The verdict says the same duration the head does (it wrote '0 s' under 'after less than a second').
    assert.ok(text.includes(`*Still there.* The alert resolved ${after} after it fired`), text);
    assert.match(text, /flapped across the threshold/, text);
    // The parent says the same duration in the same words (it said 'after less than a minute').
    const top = await h.slack.waitFor('the parent resolved', () => h.slack.parents(CH).find((m) => m.ts === parent.ts && /resolved for/.test(m.text)), 60_000);
    assert.ok(messageText(top).includes(`resolved after ${after}`), messageText(top));
    assert.ok(top.text.endsWith(`resolved for svc-order after ${after}`), top.text);
    const final = (await h.bot.ctx.snapshots.latest('svc-order'))!;
    assert.ok(final.seq > firingSeq, 'a final capture of its own');
  });
});
