// The idempotent poster against the Slack stand-in and a real Redis: one message per key across
// retries, recovery of a post whose ts was never remembered, 429 Retry-After, block fallback,
// plain-words errors, files.uploadV2.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/log.js';
import { Poster, SlackPostError, createSlackClient } from '../../src/slack/poster.js';
import { PostMemory } from '../../src/store/posts.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startSlackStub, type SlackStub } from '../support/slack-stub.js';

describe('Poster', () => {
  let redis: TestRedis;
  let r: Redis;
  let slack: SlackStub;
  let poster: Poster;
  let memory: PostMemory;
  before(async () => {
    redis = await startRedis();
    r = new Redis(redis.url);
    r.on('error', () => {});
    slack = await startSlackStub();
    memory = new PostMemory(r, 'tp');
    poster = new Poster(createSlackClient(slack.token, slack.apiUrl, createLogger({ level: 'silent' })), memory, createLogger({ level: 'silent' }));
  });
  beforeEach(() => slack.reset());
  after(async () => {
    r?.disconnect();
    await slack?.close();
    await redis?.close();
  });

  it('posts once per key; the same key again updates the message', async () => {
    const a = await poster.post('k1', { channel: 'C1', text: 'capturing…' });
    const b = await poster.post('k1', { channel: 'C1', text: 'done' });
    assert.deepEqual(a, b);
    assert.equal(slack.callsTo('chat.postMessage').length, 1);
    assert.equal(slack.callsTo('chat.update').length, 1);
    const msgs = slack.parents('C1');
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0]!.text, 'done');
    assert.equal(slack.calls[0]!.token, slack.token, 'bot token sent as bearer');
  });

  it('a post whose ts was lost (worker died after Slack answered) is found by its metadata, not reposted', async () => {
    await poster.post('k2', { channel: 'C1', text: 'first attempt' });
    await r.del('tp:post:k2'); // the crash: Slack has the message, Redis never learnt its ts
    await poster.post('k2', { channel: 'C1', text: 'second attempt' });
    assert.equal(slack.callsTo('chat.postMessage').length, 1);
    assert.equal(slack.parents('C1').length, 1);
    assert.equal(slack.parents('C1')[0]!.text, 'second attempt');
  });

  it('the lookup needs the history scope of the channel type: manifest.yml grants it; a token without it posts again (the documented double)', async () => {
    // Private channel (G…): groups:history, in manifest.yml.
    await poster.post('k2g', { channel: 'G1', text: 'first attempt' });
    await r.del('tp:post:k2g');
    await poster.post('k2g', { channel: 'G1', text: 'second attempt' });
    assert.equal(slack.parents('G1').length, 1, 'found with the manifest scopes');
    const at = slack.scopes.indexOf('groups:history');
    slack.scopes.splice(at, 1);
    try {
      await poster.post('k2h', { channel: 'G1', text: 'first attempt' });
      await r.del('tp:post:k2h');
      await poster.post('k2h', { channel: 'G1', text: 'second attempt' });
      assert.equal(slack.callsTo('conversations.history').filter((c) => c.args.channel === 'G1').length, 2, 'looked for it both times');
      assert.equal(slack.parents('G1').length, 3, 'without the scope the lost post is posted again (README "Outages and failover")');
    } finally {
      slack.scopes.splice(at, 0, 'groups:history');
    }
  });

  it('thread replies are idempotent too', async () => {
    const p = await poster.post('k3', { channel: 'C1', text: 'parent' });
    await poster.post('k3r', { channel: 'C1', threadTs: p.ts, text: 'reply' });
    await r.del('tp:post:k3r');
    await poster.post('k3r', { channel: 'C1', threadTs: p.ts, text: 'reply again' });
    assert.equal(slack.replies('C1', p.ts).length, 1);
  });

  it('waits out a 429 with Retry-After and succeeds', async () => {
    slack.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 });
    const ref = await poster.post('k4', { channel: 'C1', text: 'hello' });
    assert.ok(ref.ts);
    assert.equal(slack.callsTo('chat.postMessage').length, 2);
    assert.equal(slack.parents('C1').length, 1);
  });

  it('falls back to plain text when Slack rejects the blocks', async () => {
    // Blocks arrive by chat.update on the placeholder, so that is where Slack refuses them.
    slack.failNext('chat.update', 1, { error: 'invalid_blocks' });
    await poster.post('k5', { channel: 'C1', text: 'fallback text', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x' } }] });
    const m = slack.parents('C1')[0]!;
    assert.equal(m.text, 'fallback text\nx', 'the text, then what the blocks said');
    assert.equal(m.blocks, undefined);
  });

  it('msg_blocks_too_long (Slack refuses blocks of ~13k characters below its documented limits, slackapi/bolt-js#2509): the content goes out as text, not lost', async () => {
    // Slack refuses these blocks on every try, as it does; plain text is accepted.
    const withBlocks = (a: Record<string, unknown>) => Array.isArray(a.blocks) && a.blocks.length > 0;
    slack.failNext('chat.update', 10, { error: 'msg_blocks_too_long' }, withBlocks);
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'Goroutines of svc-order' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*1. send nobody receives* — high\nat `leaks.go:136`' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Close the channel or use a buffered one.' }] },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Capture again' }, action_id: 'again' }] },
    ];
    await poster.post('k5b', { channel: 'C1', text: 'svc-order: 1 suspected leak site', blocks });
    const m = slack.parents('C1')[0]!;
    assert.equal(m.blocks, undefined, 'sent without the refused blocks');
    assert.match(m.text, /svc-order: 1 suspected leak site/);
    assert.match(m.text, /send nobody receives\* — high\nat `leaks\.go:136`/, 'the findings the blocks held are in the text');
    assert.match(m.text, /Close the channel/);
    assert.doesNotMatch(m.text, /Capture again/, 'buttons are not text');
    assert.equal(slack.parents('C1').length, 1);
  });

  it('not_in_channel becomes a non-retryable error with an instruction', async () => {
    slack.notInChannel.add('C0PRIVATE');
    await assert.rejects(poster.post('k6', { channel: 'C0PRIVATE', text: 'x' }), (err: unknown) => {
      assert.ok(err instanceof SlackPostError);
      assert.equal(err.code, 'not_in_channel');
      assert.equal(err.retryable, false);
      assert.match(err.userMessage, /\/invite @leakbot/);
      return true;
    });
  });

  it('uploads a file with files.uploadV2 into the thread, once per key', async () => {
    const p = await poster.post('k7', { channel: 'C1', text: 'parent' });
    const content = '# Report\n\n' + 'line\n'.repeat(5000);
    await poster.upload('k7f', { channel: 'C1', threadTs: p.ts, filename: 'r.md', title: 'Report', content });
    await poster.upload('k7f', { channel: 'C1', threadTs: p.ts, filename: 'r.md', title: 'Report', content });
    assert.equal(slack.uploads.length, 1);
    const u = slack.uploads[0]!;
    assert.equal(u.completed, true);
    assert.equal(u.threadTs, p.ts);
    assert.equal(u.content.toString(), content);
  });

  it('an upload Slack shared but whose answer was lost is not shared a second time', async () => {
    const p = await poster.post('k15', { channel: 'C1', text: 'parent' });
    const held = slack.hold('files.completeUploadExternal', 'after');
    const first = poster.upload('k15f', { channel: 'C1', threadTs: p.ts, filename: 'r.md', title: 'Report', content: 'report' });
    await held.reached;
    held.drop(); // Slack shared it; the answer never arrives
    await assert.rejects(first, (err: unknown) => err instanceof SlackPostError);
    const ref = await poster.upload('k15f', { channel: 'C1', threadTs: p.ts, filename: 'r.md', title: 'Report', content: 'report' });
    assert.equal(slack.callsTo('files.completeUploadExternal').length, 1, 'shared once');
    assert.equal(slack.uploads.filter((u) => u.completed).length, 1);
    assert.equal(ref.fileId, slack.uploads[0]!.fileId);
    assert.ok(slack.callsTo('files.info').length >= 1, 'the retry asked Slack whether the file was shared');
  });

  it('a share whose answer was lost while files.info lags behind: the retry waits for Slack instead of sharing a second file', async () => {
    const p = await poster.post('k30', { channel: 'C1', text: 'parent' });
    const held = slack.hold('files.completeUploadExternal', 'after');
    const f = { channel: 'C1', threadTs: p.ts, filename: 'r.md', title: 'Report', content: 'report' };
    const first = poster.upload('k30f', f);
    await held.reached;
    held.drop(); // Slack shared it; the answer never arrives
    await assert.rejects(first, (err: unknown) => err instanceof SlackPostError);
    slack.lagShares(true); // ...and Slack has not processed the share yet
    await assert.rejects(poster.upload('k30f', f), (err: unknown) => {
      assert.ok(err instanceof SlackPostError && err.unavailable, 'a wait (the job is parked, no attempt spent), not a failure');
      return true;
    });
    assert.equal(slack.callsTo('files.completeUploadExternal').length, 1, 'not shared again while Slack may still be sharing it');
    slack.lagShares(false);
    const ref = await poster.upload('k30f', f);
    assert.equal(slack.callsTo('files.completeUploadExternal').length, 1, 'shared once');
    assert.equal(slack.uploads.filter((u) => u.completed).length, 1, 'one file in the thread');
    assert.equal(ref.fileId, slack.uploads[0]!.fileId);
  });

  it('an upload whose share Slack refused is shared on the retry at once (not lost)', async () => {
    const p = await poster.post('k16', { channel: 'C1', text: 'parent' });
    slack.failNext('files.completeUploadExternal', 1, { status: 400 }); // refused: certainly not shared
    await assert.rejects(poster.upload('k16f', { channel: 'C1', threadTs: p.ts, filename: 'r.md', title: 'Report', content: 'report' }));
    await poster.upload('k16f', { channel: 'C1', threadTs: p.ts, filename: 'r.md', title: 'Report', content: 'report' });
    const shared = slack.uploads.filter((u) => u.completed);
    assert.equal(shared.length, 1, 'exactly one shared file');
    assert.equal(shared[0]!.threadTs, p.ts);
    assert.equal(shared[0]!.content.toString(), 'report');
  });

  it('a share with an unknown outcome (503) that never shows in files.info is shared again once the settle window is over (not lost)', async () => {
    const p = await poster.post('k31', { channel: 'C1', text: 'parent' });
    const f = { channel: 'C1', threadTs: p.ts, filename: 'r.md', title: 'Report', content: 'report' };
    slack.failNext('files.completeUploadExternal', 1, { status: 503 }); // Slack may or may not have acted
    await assert.rejects(poster.upload('k31f', f));
    await assert.rejects(poster.upload('k31f', f), (err: unknown) => err instanceof SlackPostError && err.code === 'share_pending', 'inside the window: waits');
    // The same memory, seen by a poster for which the window has passed (no clock to wait on).
    const later = new Poster(createSlackClient(slack.token, slack.apiUrl, createLogger({ level: 'silent' })), memory, createLogger({ level: 'silent' }), undefined, { shareSettleMs: 0 });
    await later.upload('k31f', f);
    const shared = slack.uploads.filter((u) => u.completed);
    assert.equal(shared.length, 1, 'exactly one shared file');
    assert.equal(shared[0]!.threadTs, p.ts);
  });

  it('placeholder first: the ts is stored before the blocks are sent; a failed update is retried as an update', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'findings' } }];
    slack.failNext('chat.update', 4, { status: 500 });
    await assert.rejects(poster.post('k8', { channel: 'C1', text: 'findings', blocks }), (err: unknown) => err instanceof SlackPostError && err.unavailable);
    assert.ok(await memory.get('k8'), 'the placeholder ts was stored before anything could fail');
    await poster.post('k8', { channel: 'C1', text: 'findings', blocks });
    assert.equal(slack.callsTo('chat.postMessage').length, 1, 'posted once');
    assert.deepEqual(slack.parents('C1')[0]!.blocks, blocks);
  });

  it('a post Slack accepted but whose reply was lost is never retried blindly, and not doubled', async () => {
    slack.loseNextPostReplies(1);
    await assert.rejects(poster.post('k9', { channel: 'C1', text: 'once' }), (err: unknown) => err instanceof SlackPostError && err.unavailable);
    assert.equal(slack.callsTo('chat.postMessage').length, 1, 'the SDK did not retry chat.postMessage by itself');
    await poster.post('k9', { channel: 'C1', text: 'once, updated' });
    assert.equal(slack.parents('C1').length, 1, 'found by its metadata and updated, not posted again');
    assert.equal(slack.parents('C1')[0]!.text, 'once, updated');
  });

  it('a lost post in a long thread (its page of replies is not the first) is still found, not doubled', async () => {
    const p = await poster.post('k11', { channel: 'C1', text: 'parent' });
    for (let i = 0; i < 60; i++) await poster.post(`k11-r${i}`, { channel: 'C1', threadTs: p.ts, text: `reply ${i}` });
    slack.loseNextPostReplies(1);
    await assert.rejects(poster.post('k11-late', { channel: 'C1', threadTs: p.ts, text: 'late reply' }));
    await poster.post('k11-late', { channel: 'C1', threadTs: p.ts, text: 'late reply, updated' });
    assert.equal(slack.replies('C1', p.ts).filter((m) => /late reply/.test(m.text)).length, 1, 'posted once');
    const lookups = slack.callsTo('conversations.replies');
    assert.ok(lookups.length > 0 && lookups.every((c) => c.args.oldest !== undefined), 'the lookup reads only what came after the first attempt');
  });

  it('the lookup for a lost post failing with Slack overloaded waits (unavailable) instead of posting blindly', async () => {
    slack.loseNextPostReplies(1);
    await assert.rejects(poster.post('k12', { channel: 'C1', text: 'once' }));
    const drop = slack.failNext('conversations.history', 10, { status: 503 });
    await assert.rejects(poster.post('k12', { channel: 'C1', text: 'once' }), (err: unknown) => err instanceof SlackPostError && err.unavailable);
    assert.equal(slack.callsTo('chat.postMessage').length, 1, 'not posted a second time while the lookup fails');
    drop();
    await poster.post('k12', { channel: 'C1', text: 'once, updated' });
    assert.equal(slack.parents('C1').length, 1);
    assert.equal(slack.parents('C1')[0]!.text, 'once, updated');
  });

  it('fatal_error from chat.postMessage (Slack may have posted anyway) is looked for before a second post', async () => {
    slack.failNext('chat.postMessage', 1, { error: 'fatal_error', applied: true });
    await assert.rejects(poster.post('k13', { channel: 'C1', text: 'once' }), (err: unknown) => err instanceof SlackPostError && err.unavailable && !err.notSent);
    await poster.post('k13', { channel: 'C1', text: 'once, updated' });
    assert.equal(slack.callsTo('chat.postMessage').length, 1, 'posted once');
    assert.equal(slack.parents('C1').length, 1);
    assert.equal(slack.parents('C1')[0]!.text, 'once, updated');
  });

  it('an ok:false refusal (Slack did not post) clears the intent: the retry posts without a lookup', async () => {
    slack.failNext('chat.postMessage', 1, { error: 'invalid_arguments' });
    await assert.rejects(poster.post('k14', { channel: 'C1', text: 'x' }), (err: unknown) => err instanceof SlackPostError && err.notSent);
    await poster.post('k14', { channel: 'C1', text: 'x' });
    assert.equal(slack.callsTo('conversations.history').length, 0);
    assert.equal(slack.parents('C1').length, 1);
  });

  it('Slack unreachable: the error says so (unavailable), and the post goes through once Slack is back', async () => {
    slack.outage(true);
    await assert.rejects(poster.post('k10', { channel: 'C1', text: 'later' }), (err: unknown) => err instanceof SlackPostError && err.unavailable && err.retryable);
    slack.outage(false);
    await poster.post('k10', { channel: 'C1', text: 'later' });
    assert.equal(slack.parents('C1').length, 1);
  });

  it('two attempts posting one key at once (a job handed to a second worker while the first still runs it): one message', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    const client = createSlackClient(slack.token, slack.apiUrl, log);
    const [a, b] = [new Poster(client, memory, log), new Poster(client, memory, log)];
    const held = slack.hold('chat.postMessage', 'before', (x) => x.channel === 'C2');
    const first = a.post('k17', { channel: 'C2', text: 'from a' });
    await held.reached; // a marked its intent; Slack has not posted yet
    const second = b.post('k17', { channel: 'C2', text: 'from b' });
    // b either waits for a (logged), or — the double this guards against — posts on its own.
    await slack.waitFor('b waits for a, or posts', () => lines.some((l) => /another attempt is posting this message/.test(l)) || slack.callsTo('chat.postMessage').length > 1, 10_000);
    held.release();
    const [ra, rb] = await Promise.all([first, second]);
    assert.deepEqual(ra, rb);
    assert.equal(slack.parents('C2').length, 1, 'one message');
    assert.equal(slack.callsTo('chat.postMessage').length, 1);
    assert.equal(slack.parents('C2')[0]!.text, 'from b', 'the later attempt updated it');
  });

  it('two attempts telling one requester at once take turns: one line; a later attempt says already', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    const client = createSlackClient(slack.token, slack.apiUrl, log);
    const [a, b] = [new Poster(client, memory, log), new Poster(client, memory, log)];
    const url = slack.responseUrl();
    const held = slack.hold('response_url', 'before');
    const first = a.tell('k40', url, { text: 'findings are in the thread' });
    await held.reached; // a holds the lease; Slack has not taken the POST yet
    const second = b.tell('k40', url, { text: 'findings are in the thread' });
    await slack.waitFor('b waits for a, or sends', () => lines.some((l) => /another attempt is telling the requester/.test(l)) || slack.responsesTo(url).length > 0, 10_000);
    held.release();
    assert.deepEqual((await Promise.all([first, second])).sort(), ['already', 'sent']);
    assert.equal(slack.responsesTo(url).length, 1, 'told once');
    assert.equal(await poster.tell('k40', url, { text: 'findings are in the thread' }), 'already');
  });

  it('an attempt whose lease lapsed during its lookup (Slack slow) does not post beside the attempt that took over', async () => {
    const log = createLogger({ level: 'silent' });
    const client = createSlackClient(slack.token, slack.apiUrl, log);
    const [a, b] = [new Poster(client, memory, log), new Poster(client, memory, log)];
    await r.set('tp:post:k21:intent', String(Date.now())); // an earlier attempt died after marking its intent
    // Slack read the channel (nothing there yet) but a's answer is late, later than the lease.
    const held = slack.hold('conversations.history', 'after', (x) => x.channel === 'C3');
    const first = a.post('k21', { channel: 'C3', text: 'from a' });
    await held.reached;
    await r.del('tp:post:k21:posting'); // the lease lapses, as it does after POSTING_LEASE_MS
    await b.post('k21', { channel: 'C3', text: 'from b' }); // takes the key over, finds nothing, posts
    held.release(); // a learns the channel held nothing when it looked
    await first;
    assert.equal(slack.callsTo('chat.postMessage').length, 1, 'a did not post a second message');
    assert.equal(slack.parents('C3').length, 1);
    assert.equal(slack.parents('C3')[0]!.text, 'from a', 'a updated the message b posted');
  });

  it('a lease that lapsed during a slow lookup with no other attempt about is taken back: one lookup, one post', async () => {
    await r.set('tp:post:k22:intent', String(Date.now()));
    const held = slack.hold('conversations.history', 'after', (x) => x.channel === 'C4');
    const first = poster.post('k22', { channel: 'C4', text: 'slow' });
    await held.reached;
    await r.del('tp:post:k22:posting'); // lapsed; nobody took it
    held.release();
    await first;
    assert.equal(slack.callsTo('conversations.history').length, 1, 'not looked up again');
    assert.equal(slack.parents('C4').length, 1);
  });

  it('answers through a response_url and records it', async () => {
    const url = slack.responseUrl();
    assert.equal(await poster.respond(url, { text: 'hi' }), true);
    assert.equal(slack.responsesTo(url)[0]!.body.text, 'hi');
    const dead = slack.responseUrl();
    assert.equal(await poster.respond('https://evil.example/hook', { text: 'x' }), false, 'never posts to a non-Slack host');
    assert.equal(await poster.respond(`${dead.replace(/\/response\/.*/, '')}/nope/404`, { text: 'x' }), false, 'a refused response_url is logged, not thrown');
  });
});
