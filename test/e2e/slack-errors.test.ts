// Slack errors in the middle of a snapshot job, through the whole bot (signed slash command, worker,
// real Redis and Go service, the Slack stand-in): the findings are neither lost nor posted twice, and
// the person who asked gets one clear answer.
// - 429 with Retry-After on the findings reply: waited out, posted once.
// - fatal_error on the findings reply after Slack posted it anyway: the job waits, finds the reply
//   by its metadata and completes it in place.
// - 5xx on the final update of the parent: the job waits for Slack and finishes; nothing doubled.
// - is_archived on the findings reply (the user must act): told in plain words, no retry loop.
// - the response_url answering 503 when the job tells the requester: the job waits and tells them
//   once Slack answers, instead of never.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, orderService, settled, waitThread, withServiceHarness } from './helpers.js';

describe('Slack errors mid-flow', { timeout: 240_000 }, () => {
  // No automatic second capture: the tests wait for the queue to be idle.
  const s = withServiceHarness((url) => `${orderService(url)}snapshot:\n  autoRecaptureSeconds: 0\n`, { env: { slackRetryMaxDelayMs: 300 }, prepare: ([go]) => go!.leak('chanrecv', 25) });

  const inThread = (ch: string) => (a: Record<string, unknown>) => a.channel === ch && !!a.thread_ts;
  const toldFindings = (url: string) => s.slack.responsesTo(url).filter((r) => /Findings for svc-order/.test(String(r.body.text)));

  async function snapshot(ch: string): Promise<string> {
    const responseUrl = s.slack.responseUrl();
    const ack = await s.h.command({ text: 'snapshot svc-order', channel: ch, responseUrl });
    assert.match(String(ack.json?.text), /Capturing goroutines/);
    return responseUrl;
  }

  async function finished(ch: string, responseUrl: string): Promise<void> {
    const t = await waitThread(s.slack, ch, 0, 1, 120_000);
    await s.slack.waitFor('findings complete', () => built(s.slack.replies(ch, t.parent.ts)[0]), 60_000);
    await s.slack.waitFor('requester told', () => toldFindings(responseUrl)[0], 60_000);
    await settled(s.h);
    assert.equal(s.slack.parents(ch).length, 1, 'one parent');
    assert.equal(s.slack.replies(ch, t.parent.ts).length, 1, 'one findings reply');
    assert.equal(toldFindings(responseUrl).length, 1, 'the requester is told once');
  }

  it('429 with Retry-After on the findings reply: waited out, posted once', async () => {
    const ch = 'C0ERR429';
    s.slack.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 }, inThread(ch));
    const url = await snapshot(ch);
    await finished(ch, url);
    assert.equal(s.slack.callsTo('chat.postMessage').filter((c) => inThread(ch)(c.args)).length, 2, 'refused once, then posted');
  });

  it('fatal_error on the findings reply that Slack posted anyway: found and completed, not doubled', async () => {
    const ch = 'C0ERRFATAL';
    s.slack.failNext('chat.postMessage', 1, { error: 'fatal_error', applied: true }, inThread(ch));
    const url = await snapshot(ch);
    await finished(ch, url);
    assert.equal(s.slack.callsTo('chat.postMessage').filter((c) => inThread(ch)(c.args)).length, 1, 'the reply was sent once');
    assert.ok(s.slack.callsTo('conversations.replies').some((c) => c.args.channel === ch), 'looked for the reply before posting again');
  });

  it('5xx on the final parent update: the job waits for Slack and finishes without doubling anything', async () => {
    const ch = 'C0ERR5XX';
    // Four 503s outlast the client's three quick retries of one chat.update.
    s.slack.failNext('chat.update', 4, { status: 503 }, (a) => a.channel === ch && !a.blocks?.toString() && /goroutines/.test(String(a.text)));
    const url = await snapshot(ch);
    await finished(ch, url);
    assert.equal(s.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === ch).length, 2, 'parent and reply, each sent once');
    assert.ok(s.slack.callsTo('chat.update').filter((c) => c.args.channel === ch).length >= 5, 'the refused update was tried again later');
  });

  it('msg_blocks_too_long on every try of the findings blocks: the findings are posted as text, once, and the requester told', async () => {
    const ch = 'C0ERRBLOCKS';
    // Slack refuses these blocks every time (slackapi/bolt-js#2509); it takes plain text.
    s.slack.failNext('chat.update', 20, { error: 'msg_blocks_too_long' }, (a) => a.channel === ch && Array.isArray(a.blocks) && a.blocks.length > 0);
    const url = await snapshot(ch);
    const t = await waitThread(s.slack, ch, 0, 1, 120_000);
    // Whatever the verdict (the suite's earlier snapshots are its reference), the text carries what
    // the blocks said: the summary line, then the verdict and snapshot lines of the sections.
    const reply = await s.slack.waitFor('findings as text', () => s.slack.replies(ch, t.parent.ts).find((m) => m.versions.length > 1 && !m.blocks?.length && m.text.split('\n').length > 2), 60_000);
    await s.slack.waitFor('requester told', () => toldFindings(url)[0], 60_000);
    await settled(s.h);
    assert.equal(s.slack.replies(ch, t.parent.ts).length, 1, 'one findings reply, no failure notice');
    assert.match(reply.text.split('\n').slice(1).join('\n'), /\d+ goroutines/, 'the blocks’ content, not only the one-line summary');
    assert.doesNotMatch(s.slack.parents(ch)[0]!.text, /capturing…/, 'the parent shows the outcome');
    assert.equal(toldFindings(url).length, 1);
  });

  it('the response_url failing (503) when the job tells the requester: told later, once', async () => {
    const ch = 'C0ERRRESP';
    s.slack.failNext('response_url', 2, { status: 503 });
    const url = await snapshot(ch);
    await finished(ch, url);
    assert.doesNotMatch(s.slack.parents(ch)[0]!.text, /waiting for Slack/, 'the parent keeps the outcome');
  });

  it('is_archived on the findings reply: the requester is told in plain words, once, and nothing loops', async () => {
    const ch = 'C0ERRARCH';
    s.slack.failNext('chat.postMessage', 1, { error: 'is_archived' }, inThread(ch));
    const url = await snapshot(ch);
    const told = await s.slack.waitFor('requester told why', () => s.slack.responsesTo(url).find((r) => /archived/.test(String(r.body.text))), 120_000);
    assert.match(String(told.body.text), /could not post the snapshot of svc-order: That channel is archived/);
    await settled(s.h);
    assert.equal(s.slack.callsTo('chat.postMessage').filter((c) => inThread(ch)(c.args)).length, 1, 'not retried');
    assert.equal(s.slack.responsesTo(url).filter((r) => /archived/.test(String(r.body.text))).length, 1, 'told once');
  });

  it('/leak snapshot in a DM leakbot is not part of: told that a DM is closed to apps, not to /invite it there', async () => {
    // A newcomer tries /leak in their own DM (or one with a colleague): Slack answers channel_not_found,
    // and 'Invite me with /invite @leakbot' cannot be done in a DM.
    const ch = 'D0SELFNOTES';
    s.slack.failNext('chat.postMessage', 1, { error: 'channel_not_found' }, (a) => a.channel === ch);
    const url = await snapshot(ch);
    const told = await s.slack.waitFor('requester told why', () => s.slack.responsesTo(url).find((r) => /could not post/.test(String(r.body.text))), 120_000);
    assert.match(String(told.body.text), /could not post the snapshot of svc-order: I cannot post in this direct message: a DM between people \(or with yourself\) is closed to apps, and `\/invite` does not work there\. Use `\/leak` in a channel I am in, or in a DM with me/);
    assert.doesNotMatch(String(told.body.text), /Invite me with/);
    await settled(s.h);
  });

  it('a thread locked by an admin (restricted_action_thread_locked): told in plain words at once, not retried, and the next /leak snapshot starts a new thread', async () => {
    const ch = 'C0ERRLOCKED';
    s.slack.failNext('chat.postMessage', 1, { error: 'restricted_action_thread_locked' }, inThread(ch));
    const url = await snapshot(ch);
    const told = await s.slack.waitFor('requester told why', () => s.slack.responsesTo(url).find((r) => /could not post/.test(String(r.body.text))), 120_000);
    assert.match(String(told.body.text), /I could not post the snapshot of svc-order: the thread I was answering in is locked \(by a workspace admin\)\. Run `\/leak snapshot svc-order` again: it starts a new thread\./);
    await settled(s.h);
    assert.equal(s.slack.callsTo('chat.postMessage').filter((c) => inThread(ch)(c.args)).length, 1, 'not retried');
    assert.equal(s.slack.responsesTo(url).length, 1, 'told once');
    assert.match(s.slack.parents(ch)[0]!.text, /could not post the findings: the thread I was answering in is locked/, 'the parent no longer says "capturing…"');
    const again = s.slack.responseUrl();
    const ack = await s.h.command({ text: 'snapshot svc-order', channel: ch, responseUrl: again });
    assert.match(String(ack.json?.text), /a thread in this channel/, 'a new thread, not the locked one');
    await s.slack.waitFor('findings in the new thread', () => toldFindings(again)[0], 120_000);
    assert.equal(s.slack.parents(ch).length, 2);
  });
});
