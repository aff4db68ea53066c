// Posts Slack refuses for good, and what the people who asked meet next (trial5 through the stand-in).
// 1. Not invited: "Invite me … and try again" — and trying again within two minutes joined the ended
//    job ("you are added to it") and never got an answer: the joining window now closes with the job.
// 2. A leakbot thread whose messages were deleted in Slack (by a person, or a retention policy) while
//    it was still the service's open thread. trial5 saw every later `/leak snapshot svc` in that channel
// join the deleted thread, be retried four times on thread_not_found and end in "leakbot gave up …:
// slack: thread_not_found … ask again", and asking again did the same, for threads.windowHours.
// Now the first refusal is told at once in words, the thread is forgotten, and the next verb starts
// a new thread. Real parts: a leaking Go service, Redis, signed slash commands; Slack is the stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, orderService, settled, waitThread, withServiceHarness } from '../e2e/helpers.js';

describe('posts Slack refuses', () => {
  const s = withServiceHarness((url) => `${orderService(url)}snapshot:\n  autoRecaptureSeconds: 0\n`, { prepare: ([go]) => go!.leak('chansend', 20) });

  it('not invited: everyone who asked is told; once invited, asking again captures and answers', async () => {
    const { h } = s;
    const ch = 'C0NOTINVITED';
    h.slack.notInChannel.add(ch);
    const held = h.slack.hold('chat.postMessage', 'before', (a) => a.channel === ch);
    const alice = h.slack.responseUrl();
    const bob = h.slack.responseUrl();
    await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl: alice, user: 'U0ALICE' });
    await held.reached;
    const join = await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl: bob, user: 'U0BOB' });
    assert.match(String(join.json?.text), /you are added to it/);
    held.release();
    for (const url of [alice, bob])
      await h.slack.waitFor('told why', () => h.slack.responsesTo(url).find((r) => /I could not post the snapshot of svc-order: I am not a member of that channel\. Invite me/.test(String(r.body.text))));
    await settled(h);

    h.slack.notInChannel.delete(ch);
    const carol = h.slack.responseUrl();
    const retry = await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl: carol, user: 'U0ALICE' });
    assert.match(String(retry.json?.text), /^Capturing goroutines of \*svc-order\*/, 'a new capture, not a join of the ended job');
    const t = await waitThread(h.slack, ch, 0);
    await h.slack.waitFor('findings', () => built(t.replies[0]));
    await h.slack.waitFor('pointer to the thread', () => h.slack.responsesTo(carol).find((r) => /Findings for svc-order/.test(String(r.body.text))));
  });

  it('thread deleted: told once, in words, and forgotten: the next /leak snapshot starts a new thread', async () => {
    const { h } = s;
    const ch = 'C0DELETED';
    await h.command({ text: 'snapshot svc-order', channel: ch });
    const first = await waitThread(h.slack, ch, 0);
    await h.slack.waitFor('findings built', () => built(first.replies[0]));
    await settled(h);
    h.slack.deleteThread(ch, first.parent.ts);
    const callsBefore = h.slack.calls.length;

    const url = h.slack.responseUrl();
    const ack = await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl: url });
    assert.match(String(ack.json?.text), /open thread of \*svc-order\*/, 'the verb still joins the thread leakbot knows of');
    const told = await h.slack.waitFor('the requester is told why', () => h.slack.responsesTo(url).find((r) => /I could not post/.test(String(r.body.text))));
    assert.equal(
      String(told.body.text),
      'I could not post the snapshot of svc-order: the thread I was answering in is gone (its messages were deleted in Slack). Run `/leak snapshot svc-order` again: it starts a new thread.',
    );
    await settled(h);
    const intoGone = h.slack.calls.slice(callsBefore).filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === first.parent.ts);
    assert.equal(intoGone.length, 1, `refused once, not retried: ${JSON.stringify(intoGone.map((c) => c.args.text))}`);

    const again = await h.command({ text: 'snapshot svc-order', channel: ch });
    assert.match(String(again.json?.text), /will appear in a thread in this channel/, String(again.json?.text));
    const second = await waitThread(h.slack, ch, 0);
    assert.notEqual(second.parent.ts, first.parent.ts);
    await h.slack.waitFor('findings in the new thread', () => built(second.replies[0]));
  });
});
