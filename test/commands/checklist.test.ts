// `/leak checklist` end to end: signed slash command and real checkbox interactions through Bolt,
// state in a real Redis, the message re-rendered in the Slack stand-in, ticks on the timeline.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockActionsPayload } from '../support/slack-request.js';
import { startRedis } from '../support/redis.js';
import { startSlackStub } from '../support/slack-stub.js';
import type { StubMessage } from '../support/slack-stub.js';
import { startHarness, type Harness } from '../e2e/harness.js';
import { built, settled } from '../e2e/helpers.js';

const CH = 'C0CHECKLIST';

/** The block_actions payload Slack sends when a user changes a checkbox group: the element's new
 *  selection plus the message as the user's client showed it. */
function tickPayload(msg: StubMessage, blocks: unknown[], step: string, selected: string[], user: string, channel = CH): Record<string, unknown> {
  const block = (blocks as Array<{ block_id?: string }>).find((b) => b.block_id?.endsWith(`|${step}`))!;
  const base = blockActionsPayload({ actionId: 'checklist_tick', value: '', user, channel, messageTs: msg.ts });
  return {
    ...base,
    message: { ...(base.message as object), blocks },
    actions: [{ type: 'checkboxes', action_id: 'checklist_tick', block_id: block.block_id, selected_options: selected.map((v) => ({ value: v, text: { type: 'mrkdwn', text: v } })), action_ts: `${Date.now() / 1000}` }],
  };
}

const selection = (blocks: unknown[] | undefined, step: string): string[] => {
  const b = (blocks as Array<{ block_id?: string; accessory?: { initial_options?: Array<{ value: string }> } }> | undefined)?.find((x) => x.block_id?.endsWith(`|${step}`));
  return (b?.accessory?.initial_options ?? []).map((o) => o.value).sort();
};

describe('/leak checklist end to end', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ configYaml: 'services:\n  svc-order:\n    url: http://127.0.0.1:9/\n    channel: C0CHECKLIST\n  svc-pay:\n    url: http://127.0.0.1:9/\n' });
  });
  after(async () => {
    await h?.close();
  });

  it('posts the checklist, and ticks by two people update the message and the timeline', async () => {
    const ack = await h.command({ text: 'checklist svc-order', channel: CH, user: 'U0ALICE' });
    assert.equal(ack.status, 200);
    assert.match(String(ack.json?.text), /Posting the response checklist for \*svc-order\*/);
    // Posts are placeholder-first (text, then the blocks by chat.update): wait for the blocks.
    const msg = await h.slack.waitFor('checklist message with its blocks', () => built(h.slack.parents(CH).find((m) => /Goroutine leak response: svc-order/.test(m.text))), 60_000);
    const seenByBob = msg.blocks!;
    assert.equal(selection(seenByBob, 'mitigate').length, 0);

    // Bob ticks "restart"; Carol, whose client still shows the old message, ticks "rollback".
    let r = await h.action(tickPayload(msg, seenByBob, 'mitigate', ['restart'], 'U0BOB') as never);
    assert.equal(r.status, 200);
    await h.slack.waitFor('restart ticked', () => selection(msg.blocks, 'mitigate').includes('restart'), 30_000);
    r = await h.action(tickPayload(msg, seenByBob, 'mitigate', ['rollback'], 'U0CAROL') as never);
    assert.equal(r.status, 200);
    await h.slack.waitFor('both ticked', () => selection(msg.blocks, 'mitigate').join() === 'restart,rollback', 30_000);
    const text = JSON.stringify(msg.blocks);
    assert.match(text, /Restarted the leaking instances: <@U0BOB>/);
    assert.match(text, /Rolled back the last deploy: <@U0CAROL>/);
    assert.match(msg.text, /2\/15 done/);
    assert.ok(h.slack.callsTo('chat.update').length >= 2, 'the message was updated in place');
    assert.equal(h.slack.parents(CH).filter((m) => /Goroutine leak response/.test(m.text)).length, 1, 'no second checklist posted');

    // Bob unticks "restart" from the current message.
    await h.action(tickPayload(msg, msg.blocks!, 'mitigate', ['rollback'], 'U0BOB') as never);
    await h.slack.waitFor('restart unticked', () => selection(msg.blocks, 'mitigate').join() === 'rollback', 30_000);

    const ticks = (await h.bot.ctx.timeline.list('svc-order')).filter((e) => e.type === 'checklist.tick');
    assert.deepEqual(
      ticks.map((e) => [e.actor, e.data?.item, e.data?.checked]),
      [
        ['U0BOB', 'restart', true],
        ['U0CAROL', 'rollback', true],
        ['U0BOB', 'restart', false],
      ],
    );
    assert.deepEqual(ticks[0]!.thread, { channel: CH, ts: msg.ts });
  });

  it('a checklist Slack refuses to post (the bot is not in the channel) is told to the person who asked, once', async () => {
    const ch = 'C0NOBOT';
    h.slack.notInChannel.add(ch);
    const responseUrl = h.slack.responseUrl();
    const ack = await h.command({ text: 'checklist svc-order', channel: ch, user: 'U0ALICE', responseUrl });
    assert.equal(ack.status, 200);
    const told = await h.slack.waitFor('the requester is told', () => h.slack.responsesTo(responseUrl).find((r) => /gave up/.test(String(r.body.text))), 60_000);
    assert.match(String(told.body.text), /gave up on this checklist: Slack refused to post it \(not_in_channel\)\. I am not a member of that channel\. Invite me with `\/invite @leakbot` and try again\. Nothing more/);
    await settled(h); // the final failure is answered outside the queue: queue idle is not enough
    assert.equal(h.slack.responsesTo(responseUrl).filter((r) => /gave up/.test(String(r.body.text))).length, 1, 'told once');
    assert.equal(h.slack.messages(ch).length, 0);
  });

  it('without a service in a service’s channel it uses that service; a foreign block is refused politely', async () => {
    const url = h.slack.responseUrl();
    await h.command({ text: 'checklist', channel: CH, user: 'U0ALICE' });
    // The first one opened svc-order's thread here: the second answers in it (one thread per service).
    await h.slack.waitFor('second checklist', () => h.slack.messages(CH).filter((m) => /Goroutine leak response: svc-order/.test(m.text)).length === 2 || null, 60_000);
    assert.equal(h.slack.parents(CH).filter((m) => /Goroutine leak response: svc-order/.test(m.text)).length, 1);
    const payload = blockActionsPayload({ actionId: 'checklist_tick', value: '', channel: CH, messageTs: '1.000001', responseUrl: url });
    await h.action({ ...payload, actions: [{ type: 'checkboxes', action_id: 'checklist_tick', block_id: 'checklist|deadbeef|mitigate', selected_options: [] }] } as never);
    await h.slack.waitFor('polite refusal', () => h.slack.responsesTo(url).find((p) => /no longer stored/.test(String(p.body.text))), 30_000);
    const unknown = await h.command({ text: 'checklist svc-ordr', channel: CH });
    assert.match(String(unknown.json?.text), /Did you mean `svc-order`/);
  });

  it('without a service it shows `<service>` and names the registered ones, never "snapshot the service"', async () => {
    const ch = 'C0NOOWNER'; // no service's channel, two services: which one is ambiguous
    await h.command({ text: 'checklist', channel: ch, user: 'U0ALICE' });
    const msg = await h.slack.waitFor('generic checklist', () => built(h.slack.parents(ch).find((m) => /Goroutine leak response/.test(m.text))), 60_000);
    const text = JSON.stringify(msg.blocks);
    assert.doesNotMatch(text, /\/leak \w+ the service/, 'no hint pastes as a command that fails');
    assert.match(text, /`\/leak snapshot &lt;service&gt;`/);
    assert.match(text, /`&lt;service&gt;` below stands for one of `svc-order`, `svc-pay`; `\/leak checklist svc-order` posts this list/);
  });

  it('with a service whose incident thread is open here, it is posted into that thread', async () => {
    const ch = 'C0INCIDENT';
    // A snapshot opens the service's thread (the service is down here: the thread says the capture failed).
    await h.command({ text: 'snapshot svc-order', channel: ch, user: 'U0ALICE' });
    await settled(h);
    const parents = h.slack.parents(ch);
    assert.equal(parents.length, 1, 'the snapshot opened one thread');
    const ack = String((await h.command({ text: 'checklist svc-order', channel: ch, user: 'U0BOB' })).json?.text);
    assert.match(ack, /Posting the response checklist for \*svc-order\* in the open thread of \*svc-order\* in this channel/);
    const msg = await h.slack.waitFor('checklist in the thread', () => built(h.slack.replies(ch, parents[0]!.ts).find((m) => /Goroutine leak response: svc-order/.test(m.text))), 60_000);
    assert.equal(h.slack.parents(ch).length, 1, 'no new message in the channel');
    // Ticks still work on the threaded message and land on the timeline with the incident thread.
    await h.action(tickPayload(msg, msg.blocks!, 'mitigate', ['restart'], 'U0DAN', ch) as never);
    await h.slack.waitFor('restart ticked', () => selection(msg.blocks, 'mitigate').includes('restart'), 30_000);
    const tick = (await h.bot.ctx.timeline.list('svc-order')).find((e) => e.type === 'checklist.tick' && e.actor === 'U0DAN');
    assert.deepEqual(tick?.thread, { channel: ch, ts: parents[0]!.ts });
  });

  it('a checklist posted first opens the service’s thread: the snapshot that follows answers in it', async () => {
    const ch = 'C0FIRSTLIST';
    await h.command({ text: 'checklist svc-order', channel: ch, user: 'U0ALICE' });
    const list = await h.slack.waitFor('the checklist', () => built(h.slack.parents(ch).find((m) => /Goroutine leak response: svc-order/.test(m.text))), 60_000);
    const ack = String((await h.command({ text: 'snapshot svc-order', channel: ch, user: 'U0BOB' })).json?.text);
    assert.match(ack, /the open thread of \*svc-order\* in this channel/);
    await settled(h);
    assert.deepEqual(h.slack.parents(ch).map((m) => m.ts), [list.ts], 'one place per service: no second message in the channel');
    assert.ok(h.slack.replies(ch, list.ts).some((m) => /svc-order/.test(m.text)), 'the snapshot answered in the checklist’s thread');
    assert.match(h.slack.messages(ch).find((m) => m.ts === list.ts)!.text, /Goroutine leak response: svc-order/, 'the checklist stays a checklist');

    // Ticking is activity: a thread quiet for longer than threads.windowHours but ticked now stays open.
    const stale = Date.now() - 5 * 3600_000;
    await h.bot.ctx.threads.update(ch, list.ts, { lastActivityAt: stale });
    const shown = h.slack.messages(ch).find((m) => m.ts === list.ts)!;
    await h.action(tickPayload(shown, shown.blocks!, 'mitigate', ['restart'], 'U0DAN', ch) as never);
    await h.slack.waitFor('restart ticked', () => selection(shown.blocks, 'mitigate').includes('restart'), 30_000);
    assert.ok(((await h.bot.ctx.threads.get(ch, list.ts))?.lastActivityAt ?? 0) > stale, 'the tick counted as activity');
    assert.match(String((await h.command({ text: 'snapshot svc-order', channel: ch, user: 'U0BOB' })).json?.text), /the open thread of \*svc-order\*/);
    await settled(h);
  });
});

describe('templates are checked at start', () => {
  it('a broken team template stops startup with the file and line, before any message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakbot-tpl-'));
    const file = join(dir, 'checklist.yml');
    writeFileSync(file, 'title: "Leak: {{service}}"\nsteps:\n  - id: one\n    title: First\n    items:\n      - id: a\n        text: "Page {{oncall}}"\n');
    const redis = await startRedis();
    const slack = await startSlackStub();
    try {
      await assert.rejects(
        startHarness({ redis, slack, configYaml: `services:\n  svc-order:\n    url: http://127.0.0.1:9/\ntemplates:\n  checklist: ${file}\n` }),
        (err: Error) => {
          assert.equal(err.name, 'TemplateError');
          assert.ok(err.message.startsWith(`${file}:7: `), err.message);
          assert.match(err.message, /unknown placeholder \{\{oncall\}\}/);
          return true;
        },
      );
      assert.equal(slack.callsTo('chat.postMessage').length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await slack.close();
      await redis.close();
    }
  });
});
