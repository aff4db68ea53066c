// A /leak snapshot held while Redis was down, in a channel where the service's thread is open: when
// Redis returns it answers in that thread, as the same command does with Redis up ("One thread per
// service per incident"), and the postmortem's timeline names who asked. A new-team trial saw the
// held request start a second thread beside the open one (its pointer: "Findings for svc-order #4
// … are in the thread" of a new parent), and its 'ran /leak snapshot' lost from the timeline (the
// log said 'timeline append failed').
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { messageText, orderService, settled, waitThread, withServiceHarness } from './helpers.js';

describe('Redis outage in an open thread', () => {
  const s = withServiceHarness(orderService);

  it('a request held while Redis was down answers in the open thread and is on the timeline', async () => {
    const { h } = s;
    const ch = 'C0OPENTHREAD';
    await h.command({ text: 'snapshot svc-order', channel: ch });
    const first = await waitThread(h.slack, ch, 0);
    await settled(h);
    const repliesBefore = h.slack.replies(ch, first.parent.ts).length;

    await h.redis.stop();
    const responseUrl = h.slack.responseUrl();
    const held = await h.command({ text: 'snapshot svc-order', channel: ch, user: 'U0BOB', responseUrl });
    assert.match(String(held.json?.text), /holding this request/);
    const heldAt = Date.now();
    await h.redis.start();

    const pointer = await h.slack.waitFor('the held request’s pointer', () => h.slack.responsesTo(responseUrl).find((r) => /Findings for svc-order/.test(String(r.body.text))), 120_000);
    await settled(h);
    assert.equal(h.slack.parents(ch).length, 1, `one thread in the channel, got parents: ${h.slack.parents(ch).map((m) => m.text).join(' | ')}`);
    assert.match(String(pointer.body.text), new RegExp(`p${first.parent.ts.replace('.', '')}`), 'the pointer names the open thread');
    const replies = h.slack.replies(ch, first.parent.ts);
    assert.ok(replies.length > repliesBefore, 'the held request’s findings are in the open thread');
    assert.match(messageText(replies.at(-1)!), /#1 → #2/, 'compared with the thread’s first snapshot');

    const commands = (await h.bot.ctx.timeline.list('svc-order')).filter((e) => e.type === 'command');
    const bob = commands.filter((e) => e.actor === 'U0BOB');
    assert.equal(bob.length, 1, `the held command is on the timeline once: ${JSON.stringify(commands)}`);
    assert.equal(bob[0]!.text, '/leak snapshot svc-order');
    assert.ok(bob[0]!.at <= heldAt, 'at the time it was asked, not when Redis returned');
  });
});
