// Issue 12, items 4 and 6: Slack unreachable in the middle of a snapshot job, and the bot restarted
// while it is: the job waits in Redis (BullMQ's delayed set) without spending its attempts, resumes
// when Slack answers again, and every message exists once — parent, findings, the requester's reply.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { messageText, orderService, settled, withServiceHarness } from './helpers.js';

describe('Slack outage', () => {
  const s = withServiceHarness(orderService, { env: { slackRetryMaxDelayMs: 300 }, prepare: ([go]) => go!.leak('chansend', 60), startLeakbot: false });

  it('findings wait for Slack across a restart and are posted once when it returns', async () => {
    const { go, slack } = s;
    const h = await s.start();
    const ch = 'C0SLACKDOWN';
    const responseUrl = slack.responseUrl();
    await go.slow(5000); // the capture takes a while: Slack goes down after the parent, before the findings
    const ack = await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl });
    assert.match(String(ack.json?.text), /Capturing goroutines/);
    const parent = await slack.waitFor('parent posted', () => slack.parents(ch)[0], 60_000);
    slack.outage(true);

    // The job is parked in Redis, waiting for Slack, with its attempts untouched.
    const waiting = await slack.waitFor(
      'the job waits for Slack',
      () => {
        void h.bot.ctx.jobs.queue.getDelayed().then((jobs) => (parked = jobs.find((j) => (j.data as { slackWait?: { tries: number } }).slackWait?.tries)));
        return parked;
      },
      90_000,
    );
    assert.equal(waiting.attemptsMade, 0, 'waiting for Slack spends no attempt');

    // Stop leakbot while Slack is still down: the wait lives in Redis, not in the process. (A new
    // process checks its token with auth.test at start, so it is started once Slack answers.)
    await h.bot.stop({ graceMs: 2000 });
    await go.reset();
    slack.outage(false);
    await s.start(); // a new leakbot process on the same Redis and Slack

    const findings = await slack.waitFor('findings posted', () => slack.replies(ch, parent.ts).find((m) => /chansend|send|goroutines/i.test(messageText(m))), 90_000);
    assert.ok(findings);
    await slack.waitFor('parent updated with the outcome', () => !/capturing…|waiting for Slack/.test(slack.parents(ch)[0]!.text), 30_000);
    const told = await slack.waitFor('requester told', () => slack.responsesTo(responseUrl).find((r) => /Findings for svc-order/.test(String(r.body.text))), 30_000);
    assert.ok(told);
    await settled(s.h);
    assert.equal(slack.parents(ch).length, 1, 'one parent');
    assert.equal(slack.replies(ch, parent.ts).length, 1, 'one findings reply, nothing doubled');
    assert.equal(slack.responsesTo(responseUrl).filter((r) => /Findings for/.test(String(r.body.text))).length, 1);
  });
});

let parked: import('bullmq').Job | undefined;
