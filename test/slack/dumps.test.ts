// Dumps handed to leakbot in Slack, through the Slack stand-in with really signed events: a file
// dropped in a leakbot thread or a DM (file_shared and message events: analysed once), the
// "Analyze goroutine dump" shortcut on a pasted dump or a file, `/leak analyze`, and the refusals
// (a file URL that is not Slack's, a file over the cap, a file outside leakbot's threads).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startGoService, type GoService, type PatternSite } from '../support/go-service.js';
import { messageActionPayload, sendAction, sendEvent } from '../support/slack-request.js';
import { SIGNING_SECRET, startHarness, type Harness } from '../e2e/harness.js';
import { built, messageText, waitThread } from '../e2e/helpers.js';
import type { StubMessage } from '../support/slack-stub.js';
import { DUMP_SHORTCUT_ID } from '../../src/flows/dump.js';
import { QUEUE_NAME } from '../../src/queue/jobs.js';

/** Every mrkdwn text object's text in a Block Kit tree. */
function mrkdwnOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(mrkdwnOf);
  if (!v || typeof v !== 'object') return [];
  const o = v as Record<string, unknown>;
  return [...(o.type === 'mrkdwn' && typeof o.text === 'string' ? [o.text] : []), ...Object.values(o).flatMap(mrkdwnOf)];
}

describe('dumps handed to the bot in Slack', () => {
  let go: GoService;
  let h: Harness;
  let dump: string;
  let site: PatternSite;
  let queue: Queue;
  let conn: Redis;
  let thread: StubMessage;
  before(async () => {
    go = await startGoService();
    h = await startHarness({ configYaml: `services:\n  svc-order:\n    url: ${go.url}\n    minIntervalSeconds: 0\n` });
    await go.leak('chansend', 60);
    site = (await go.patterns()).chansend;
    // A real debug=2 dump, as `curl …/debug/pprof/goroutine?debug=2` gives it during an incident.
    dump = await (await fetch(`${go.url}/debug/pprof/goroutine?debug=2`)).text();
    await h.command({ text: 'snapshot svc-order', channel: 'C0INC' });
    thread = (await waitThread(h.slack, 'C0INC', 0)).parent;
    conn = new Redis(h.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUE_NAME, { connection: conn, prefix: 'leakbot:bull' });
  });
  after(async () => {
    await queue?.close();
    conn?.disconnect();
    await h?.close();
    await go?.stop();
  });

  const event = (e: Record<string, unknown>) => sendEvent(h.eventsUrl, SIGNING_SECRET, e);
  // Waits read the findings once their blocks are in (posts are placeholder-first: text, then blocks).
  const dumpReplies = (channel: string, ts: string) => h.slack.replies(channel, ts).filter((m) => /Goroutine dump/.test(messageText(m)));
  /** Resolves when the dump job of this file has run, whatever it decided. */
  const finished = (fileId: string, channel: string): Promise<Job> => finishedJob(`dump-${fileId}-${channel}`);
  const finishedJob = async (id: string): Promise<Job> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const j = await Job.fromId(queue, id);
      if (j?.finishedOn) return j;
      if (Date.now() > deadline) throw new Error(`dump job ${id} did not finish`);
      await sleep(50);
    }
  };

  it('a file dropped in a leakbot thread: findings in that thread, once for both events, fetched with the bot token', async () => {
    const { file, message } = h.slack.shareFile({ name: 'goroutines.txt', content: dump, channel: 'C0INC', threadTs: thread.ts });
    const [shared, msg] = await Promise.all([
      event({ type: 'file_shared', file_id: file.id, file: { id: file.id }, user_id: 'U0ALICE', channel_id: 'C0INC' }),
      event({ type: 'message', subtype: 'file_share', channel: 'C0INC', channel_type: 'channel', user: 'U0ALICE', ts: message.ts, thread_ts: thread.ts, text: '', files: [{ id: file.id }] }),
    ]);
    assert.equal(shared.status, 200);
    assert.equal(msg.status, 200);
    assert.ok(shared.ms < 3000 && msg.ms < 3000, 'acked inside Slack’s 3 s');
    const reply = await h.slack.waitFor('findings in the thread', () => built(dumpReplies('C0INC', thread.ts)[0]));
    const text = messageText(reply);
    assert.match(text, new RegExp(`${site.file.split('/').pop()!.replace('.', '\\.')}:${site.line}`), 'points at the leaking line');
    assert.match(text, /goroutines\.txt/);
    await finished(file.id, 'C0INC');
    assert.equal(dumpReplies('C0INC', thread.ts).length, 1, 'file_shared + message: analysed once');
    assert.deepEqual(h.slack.downloads.filter((d) => d.fileId === file.id).map((d) => d.token), [h.slack.token]);
  });

  it('a file in a DM: findings in the thread of the file message', async () => {
    const { file, message } = h.slack.shareFile({ name: 'crash.log', content: `2026-03-01T10:00:00.1234567Z panic: boom\n${dump}`, channel: 'D0DM' });
    await event({ type: 'file_shared', file_id: file.id, user_id: 'U0ALICE', channel_id: 'D0DM' });
    const reply = await h.slack.waitFor('findings in the DM thread', () => built(dumpReplies('D0DM', message.ts)[0]));
    assert.match(messageText(reply), new RegExp(`:${site.line}`));
  });

  it('a file in a DM that is no goroutine dump: answered once, with why and what to send instead', async () => {
    const ch = 'D0NOTADUMP';
    // A real heap profile from the same Go service: the wrong pprof endpoint is the usual mistake.
    const heap = await (await fetch(`${go.url}/debug/pprof/heap?debug=1`)).text();
    const files = [
      { name: 'empty.txt', content: '', why: /empty\.txt as a goroutine dump: the file is empty\./ },
      { name: 'core.bin', content: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]), why: /core\.bin as a goroutine dump: it is binary data, not text\./ },
      { name: 'heap.txt', content: heap, why: /heap\.txt as a goroutine dump: it is a heap profile, not a goroutine profile\./ },
      { name: 'notes.txt', content: 'Restarted svc-order-5d8f-1 at 10:02, p99 back to normal.\n', why: /notes\.txt as a goroutine dump: it is text that never mentions a goroutine/ },
      { name: 'graph.png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]), mimetype: 'image/png', filetype: 'png', why: /graph\.png is not a goroutine dump \(image\/png\)\./ },
    ];
    for (const f of files) {
      const { file, message } = h.slack.shareFile({ channel: ch, ...f });
      // Slack announces a dropped file twice (file_shared, then the message): one answer.
      await event({ type: 'file_shared', file_id: file.id, user_id: 'U0ALICE', channel_id: ch });
      await event({ type: 'message', subtype: 'file_share', channel: ch, channel_type: 'im', user: 'U0ALICE', ts: message.ts, text: '', files: [{ id: file.id }] });
      await finished(file.id, ch);
      const said = h.slack.replies(ch, message.ts);
      assert.equal(said.length, 1, `${f.name}: one answer, got ${JSON.stringify(said.map((m) => m.text))}`);
      assert.match(said[0]!.text, f.why, f.name);
      assert.match(said[0]!.text, /Send the text of `\/debug\/pprof\/goroutine\?debug=2`/, `${f.name}: what to send instead`);
    }
    // The same heap profile dropped in a leakbot thread in a channel: left alone (people share files there).
    const before = h.slack.replies('C0INC', thread.ts).length;
    const inThread = h.slack.shareFile({ name: 'heap.txt', content: heap, channel: 'C0INC', threadTs: thread.ts });
    await event({ type: 'file_shared', file_id: inThread.file.id, user_id: 'U0ALICE', channel_id: 'C0INC' });
    await finished(inThread.file.id, 'C0INC');
    assert.equal(h.slack.replies('C0INC', thread.ts).length, before + 1, 'only the shared file itself, no answer');
  });

  it('a file outside leakbot threads, or the bot’s own upload, is left alone', async () => {
    const { file } = h.slack.shareFile({ name: 'other.txt', content: dump, channel: 'C0INC' });
    await event({ type: 'file_shared', file_id: file.id, user_id: 'U0ALICE', channel_id: 'C0INC' });
    await finished(file.id, 'C0INC');
    assert.equal(h.slack.downloads.filter((d) => d.fileId === file.id).length, 0, 'not even downloaded');
    const own = h.slack.shareFile({ name: 'report.md', content: dump, channel: 'C0INC', threadTs: thread.ts, user: h.slack.botUserId });
    const r = await event({ type: 'file_shared', file_id: own.file.id, user_id: h.slack.botUserId, channel_id: 'C0INC' });
    assert.equal(r.status, 200);
    assert.equal(await Job.fromId(queue, `dump-${own.file.id}-C0INC`), undefined, 'no job for the bot’s own file');
  });

  it('the shortcut on a pasted dump (Slack-escaped, in a code block): findings in its thread', async () => {
    const pasted = `\`\`\`${dump.slice(0, 30_000).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}\`\`\``;
    const ts = h.slack.shareFile({ name: 'x', content: '', channel: 'C0PASTE' }).message.ts;
    const responseUrl = h.slack.responseUrl();
    const r = await sendAction(h.eventsUrl, SIGNING_SECRET, messageActionPayload({ callbackId: DUMP_SHORTCUT_ID, channel: 'C0PASTE', message: { ts, text: pasted }, responseUrl }));
    assert.equal(r.status, 200);
    const reply = await h.slack.waitFor('findings in the pasted message’s thread', () => built(dumpReplies('C0PASTE', ts)[0]));
    assert.match(messageText(reply), /pasted dump/);
    assert.match(messageText(reply), new RegExp(`:${site.line}`));
    assert.match(String((await h.slack.waitFor('ack', () => h.slack.responsesTo(responseUrl)[0])).body.text), /Analysing/);
  });

  it('the shortcut on a whole dump in a code block between a note and a question: read to its end, not called cut off', async () => {
    // How people paste in Slack: a line of context, the dump in a code block (Slack puts the closing
    // fence right after its last character), a question below. The words around the block are not
    // part of the dump: the line after it was read as the rest of the last goroutine, and the reply
    // said the complete paste had been cut off.
    const whole = dump.trimEnd().replace(/\t/g, '    ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const text = `prod dump from pod-7, looks stuck :scream:\n\`\`\`${whole}\`\`\`\nthoughts?`;
    const ts = h.slack.shareFile({ name: 'x', content: '', channel: 'C0NOTE' }).message.ts;
    await sendAction(h.eventsUrl, SIGNING_SECRET, messageActionPayload({ callbackId: DUMP_SHORTCUT_ID, channel: 'C0NOTE', message: { ts, text } }));
    const reply = messageText(await h.slack.waitFor('findings in the paste’s thread', () => built(dumpReplies('C0NOTE', ts)[0])));
    assert.match(reply, new RegExp(`:${site.line}\``), 'the leak is found');
    assert.doesNotMatch(reply, /cut off|truncated|ends mid-goroutine/, `a whole dump is not said to be cut off: ${reply}`);
  });

  it('the shortcut on a paste whose package paths Slack turned into links: read as pasted', async () => {
    // Slack links anything shaped like a domain in a message's text, code blocks included
    // (wee-slack#550, emacs-slack#329): `example.com/fixtures/internal/leaks.fetchResult(...)`
    // arrives as `<http://example.com/…|example.com/…>(...)`; a typed `<` arrives as `&lt;`.
    const escaped = dump.slice(0, 30_000).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const linked = escaped.replace(/\b(?:[a-z0-9-]+\.)+(?:com|org|io|dev)(?:\/[^\s()]*)?/g, (m) => `<http://${m}|${m}>`);
    assert.match(linked, /<http:\/\/example\.com\/fixtures\/internal\/leaks\.fetchResult\|/, 'the paste carries Slack links');
    const ts = h.slack.shareFile({ name: 'x', content: '', channel: 'C0LINKS' }).message.ts;
    await sendAction(h.eventsUrl, SIGNING_SECRET, messageActionPayload({ callbackId: DUMP_SHORTCUT_ID, channel: 'C0LINKS', message: { ts, text: `\`\`\`${linked}\`\`\`` } }));
    const text = messageText(await h.slack.waitFor('findings in the paste’s thread', () => built(dumpReplies('C0LINKS', ts)[0])));
    assert.match(text, new RegExp(`at \`[^\`]*${site.file.split('/').pop()!.replace('.', '\\.')}:${site.line}\` in \`leaks\\.fetchResult\`\\n`), `the leaking function by its name: ${text}`);
    assert.doesNotMatch(text, /http:\/\/example\.com|fetchResult&gt;|FetchWithTimeout&gt;/, 'no link markup left in the names');
  });

  it('a dump pasted as text in a DM: findings in the thread of that message, once for Slack’s retry', async () => {
    const ts = h.slack.shareFile({ name: 'x', content: '', channel: 'D0PASTE' }).message.ts;
    const text = `\`\`\`${dump.slice(0, 30_000).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}\`\`\``;
    const message = { type: 'message', channel: 'D0PASTE', channel_type: 'im', user: 'U0ALICE', ts, text };
    await event(message);
    await event(message); // Slack re-delivers an event it saw no timely 200 for
    const reply = await h.slack.waitFor('findings in the pasted message’s thread', () => built(dumpReplies('D0PASTE', ts)[0]));
    assert.match(messageText(reply), new RegExp(`:${site.line}\``));
    // A single dump cannot show growth: the reply says how to hand over two for a comparison.
    assert.doesNotMatch(messageText(reply), /take a second one in a minute and compare/);
    assert.match(messageText(reply), /To compare, drop two dumps of this process taken a minute apart together in one message \(or run `leakbot diff first\.txt second\.txt`\).*`\/leak snapshot &lt;service&gt;`/);
    await finishedJob(`dump-msg-D0PASTE-${ts}`); // the paste is one job, keyed by its message
    assert.equal(dumpReplies('D0PASTE', ts).length, 1, 'answered once');
  });

  it('chatter in a DM that mentions a stack: refused in words that call it the pasted text', async () => {
    const ts = h.slack.shareFile({ name: 'x', content: '', channel: 'D0PASTE' }).message.ts;
    const text = 'hey, anyone seen the goroutine count on svc-order? it says created by something at main.go:30';
    await event({ type: 'message', channel: 'D0PASTE', channel_type: 'im', user: 'U0ALICE', ts, text });
    const reply = await h.slack.waitFor('the refusal', () => h.slack.replies('D0PASTE', ts).find((m) => /could not read/.test(m.text)));
    assert.match(reply.text, /I could not read the pasted text as a goroutine dump/);
    assert.doesNotMatch(reply.text, /pasted dump/);
  });

  it('the shortcut on a file whose URL is not Slack’s: refused, that URL never fetched', async () => {
    const before = (await go.requests()).length;
    const { file, message } = h.slack.shareFile({ name: 'dump.txt', content: dump, channel: 'C0INC', threadTs: thread.ts, url: `${go.url}/debug/pprof/goroutine?debug=2` });
    await sendAction(h.eventsUrl, SIGNING_SECRET, messageActionPayload({ callbackId: DUMP_SHORTCUT_ID, channel: 'C0INC', message: { ts: message.ts, thread_ts: thread.ts, files: [{ id: file.id }] }, responseUrl: h.slack.responseUrl() }));
    const reply = await h.slack.waitFor('the refusal', () => h.slack.replies('C0INC', thread.ts).find((m) => /not served by Slack/.test(m.text)));
    assert.match(reply.text, /dump\.txt/);
    assert.equal((await go.requests()).length, before, 'the typed URL was never requested');
  });

  it('a file over the capture cap is refused before download', async () => {
    const { file, message } = h.slack.shareFile({ name: 'huge.txt', content: Buffer.alloc(65 * 1024 * 1024, 0x61), channel: 'C0INC', threadTs: thread.ts });
    await sendAction(h.eventsUrl, SIGNING_SECRET, messageActionPayload({ callbackId: DUMP_SHORTCUT_ID, channel: 'C0INC', message: { ts: message.ts, thread_ts: thread.ts, files: [{ id: file.id }] } }));
    const reply = await h.slack.waitFor('the size refusal', () => h.slack.replies('C0INC', thread.ts).find((m) => /huge\.txt is 65 MiB/.test(m.text)));
    assert.match(reply.text, /up to 64 MiB/);
    assert.equal(h.slack.downloads.filter((d) => d.fileId === file.id).length, 0);
  });

  it('a hostile file name or content is never echoed as markup', async () => {
    const name = '<!channel> <https://evil.example|re-login>.txt';
    const good = h.slack.shareFile({ name, content: dump, channel: 'C0INC', threadTs: thread.ts });
    const bad = h.slack.shareFile({ name, content: 'goroutine dump lost <!channel> <https://evil.example/login|re-login here>\n', channel: 'C0INC', threadTs: thread.ts });
    for (const f of [good, bad]) await event({ type: 'file_shared', file_id: f.file.id, user_id: 'U0ALICE', channel_id: 'C0INC' });
    await finished(good.file.id, 'C0INC');
    await finished(bad.file.id, 'C0INC');
    const said = h.slack.replies('C0INC', thread.ts).filter((m) => m.text.includes('evil.example') || messageText(m).includes('evil.example'));
    assert.equal(said.length, 2, 'both answered: findings and a refusal');
    for (const m of said) {
      // Slack reads markup in `text` and mrkdwn fields; plain_text (the header) shows it literally.
      const all = [m.text, ...mrkdwnOf(m.blocks)].join('\n');
      assert.ok(!/<!channel>|<https:\/\/evil/.test(all), `inert: ${all}`);
    }
    assert.ok(said.some((m) => /could not read .* as a goroutine dump/.test(m.text)));
  });

  it('a teammate’s notes or log dropped in a leakbot thread get no reply; asked by the shortcut, they are answered', async () => {
    const before = h.slack.replies('C0INC', thread.ts).length;
    const notes = h.slack.shareFile({ name: 'notes.txt', content: 'Restarted svc-order-5d8f-1 at 10:02, p99 back to normal.\n', channel: 'C0INC', threadTs: thread.ts });
    const log = h.slack.shareFile({ name: 'app.log', content: Buffer.from('level=info msg="GET /checkout 200"\n'.repeat(500)), channel: 'C0INC', threadTs: thread.ts });
    for (const f of [notes, log]) await event({ type: 'message', subtype: 'file_share', channel: 'C0INC', channel_type: 'channel', user: 'U0ALICE', ts: f.message.ts, thread_ts: thread.ts, text: '', files: [{ id: f.file.id }] });
    await finished(notes.file.id, 'C0INC');
    await finished(log.file.id, 'C0INC');
    const bot = (m: StubMessage) => m.user === h.slack.botUserId || /could not read|Goroutine dump/.test(m.text);
    assert.deepEqual(h.slack.replies('C0INC', thread.ts).slice(before).filter(bot).map((m) => m.text), [], 'no reply to files nobody handed to leakbot');
    // The same notes handed over on purpose: the person is told what leakbot expected.
    await sendAction(h.eventsUrl, SIGNING_SECRET, messageActionPayload({ callbackId: DUMP_SHORTCUT_ID, channel: 'C0INC', message: { ts: notes.message.ts, thread_ts: thread.ts, files: [{ id: notes.file.id }] } }));
    const said = await h.slack.waitFor('the answer to the shortcut', () => h.slack.replies('C0INC', thread.ts).find((m) => /could not read notes\.txt as a goroutine dump/.test(m.text)));
    assert.match(said.text, /line 1 is "Restarted svc-order/);
  });

  it('the shortcut where leakbot is not a member: the person who asked is told why', async () => {
    h.slack.notInChannel.add('C0CLOSED');
    const ts = h.slack.shareFile({ name: 'x', content: '', channel: 'C0CLOSED' }).message.ts;
    const responseUrl = h.slack.responseUrl();
    await sendAction(h.eventsUrl, SIGNING_SECRET, messageActionPayload({ callbackId: DUMP_SHORTCUT_ID, channel: 'C0CLOSED', message: { ts, text: dump.slice(0, 20_000) }, responseUrl }));
    const said = await h.slack.waitFor('the explanation', () => h.slack.responsesTo(responseUrl).find((r) => /could not post the findings/.test(String(r.body.text))));
    assert.match(String(said.body.text), /invite|not in|member/i);
  });

  // Several dumps handed over at once are compared as `leakbot diff` compares them (real dumps of a
  // Go 1.26 service whose pile grew from 10 to 45 between three captures a minute apart).
  const surge = (t: number) => readFileSync(new URL(`../fixtures/dumps/go1.26/hidden-surge.t${t}.debug2.txt`, import.meta.url));
  const fileShared = (id: string, channel: string) => event({ type: 'file_shared', file_id: id, file: { id }, user_id: 'U0ALICE', channel_id: channel });

  it('three dumps dropped together in a leakbot thread: one comparison for the series, once for every event', async () => {
    const { files, message } = h.slack.shareFiles([0, 1, 2].map((t) => ({ name: `surge.t${t}.txt`, content: surge(t) })), { channel: 'C0INC', threadTs: thread.ts });
    // A channel's message events are not delivered (manifest: message.im only): Slack announces
    // each file in a file_shared event of its own, and re-delivers some.
    for (const f of [...files, files[1]!, files[0]!]) assert.equal((await fileShared(f.id, 'C0INC')).status, 200);
    for (const f of files) await finished(f.id, 'C0INC');
    await finishedJob(`dump-msg-C0INC-${message.ts}`);
    const said = dumpReplies('C0INC', thread.ts).filter((m) => /surge\.t/.test(messageText(m)));
    assert.equal(said.length, 1, `one answer for the three files: ${said.map((m) => m.text).join(' | ')}`);
    const text = messageText(await h.slack.waitFor('the findings', () => built(said[0])));
    assert.match(text, /Goroutine dumps compared: surge\.t0\.txt, surge\.t1\.txt, surge\.t2\.txt/);
    assert.match(text, /3 snapshots: 24 → 159 → 59 goroutines/);
    assert.match(text, /high/i);
    assert.match(text, /kept all 10 goroutines of the first snapshot \(same ids\) and added 35/);
    assert.match(text, /3 dumps compared oldest first, as `leakbot diff` compares them/);
    assert.doesNotMatch(text, /single snapshot|one dump: growth is not measured/);
    for (const f of files) assert.deepEqual(h.slack.downloads.filter((d) => d.fileId === f.id).map((d) => d.token), [h.slack.token], `${f.name} downloaded once, with the bot token`);
  });

  it('two dumps dropped newest first in a DM: compared oldest first, as the ids order them, once for the message and its file events', async () => {
    const { files, message } = h.slack.shareFiles([{ name: 'later.txt', content: surge(1) }, { name: 'earlier.txt', content: surge(0) }], { channel: 'D0SERIES' });
    const msg = { type: 'message', subtype: 'file_share', channel: 'D0SERIES', channel_type: 'im', user: 'U0ALICE', ts: message.ts, text: '', files: files.map((f) => ({ id: f.id })) };
    await Promise.all([event(msg), ...files.map((f) => fileShared(f.id, 'D0SERIES')), event(msg)]);
    await finishedJob(`dump-msg-D0SERIES-${message.ts}`);
    for (const f of files) await finished(f.id, 'D0SERIES');
    const said = h.slack.replies('D0SERIES', message.ts);
    assert.equal(said.length, 1, `one answer: ${said.map((m) => m.text).join(' | ')}`);
    const text = messageText(await h.slack.waitFor('the findings', () => built(h.slack.replies('D0SERIES', message.ts)[0])));
    assert.match(text, /2 snapshots: 24 → 159 goroutines/);
    assert.match(text, /given out of order/);
    assert.match(text, /kept all 10 goroutines of the first snapshot/);
    // The footer lists the files as handed over, not as the order compared.
    assert.match(text, /2 dumps compared oldest first, as `leakbot diff` compares them \(handed over as later\.txt, earlier\.txt\)/);
  });

  it('one file holding three dumps one after another: compared as a series, not read as its last dump; the message event alone says it is one file', async () => {
    const { file, message } = h.slack.shareFile({ name: 'kubectl-session.log', content: Buffer.concat([surge(0), surge(1), surge(2)]), channel: 'D0CONCAT' });
    await event({ type: 'message', subtype: 'file_share', channel: 'D0CONCAT', channel_type: 'im', user: 'U0ALICE', ts: message.ts, text: '', files: [{ id: file.id }] });
    const text = messageText(await h.slack.waitFor('the findings', () => built(dumpReplies('D0CONCAT', message.ts)[0])));
    await finished(file.id, 'D0CONCAT');
    assert.deepEqual(h.slack.callsTo('conversations.replies').filter((c) => c.args.channel === 'D0CONCAT'), [], 'Slack not asked for the message’s files');
    assert.match(text, /3 snapshots: 24 → 159 → 59 goroutines/);
    assert.match(text, /kept all 10 goroutines of the first snapshot \(same ids\) and added 35/);
    assert.match(text, /kubectl-session\.log \(3 dumps one after another\)/);
    assert.doesNotMatch(text, /reads the last one/);
  });

  it('a paste in a DM holding two dumps one after another: compared, not read as its last dump', async () => {
    const ts = h.slack.shareFile({ name: 'x', content: '', channel: 'D0PASTE2' }).message.ts;
    const both = Buffer.concat([surge(0), surge(2)]).toString('utf8');
    const text = `\`\`\`${both.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}\`\`\``;
    await event({ type: 'message', channel: 'D0PASTE2', channel_type: 'im', user: 'U0ALICE', ts, text });
    const said = messageText(await h.slack.waitFor('the findings', () => built(dumpReplies('D0PASTE2', ts)[0])));
    assert.match(said, /2 snapshots: 24 → 59 goroutines/);
    assert.match(said, /pasted dump \(2 dumps one after another\)/);
    assert.match(said, /kept all 10 goroutines of the first snapshot/);
  });

  it('four files dropped together in a thread: the first three compared, the fourth said to be left unread', async () => {
    const { files, message } = h.slack.shareFiles([0, 1, 2, 0].map((t, i) => ({ name: `four-${i}.txt`, content: surge(t) })), { channel: 'C0INC', threadTs: thread.ts });
    for (const f of files) await fileShared(f.id, 'C0INC');
    await finishedJob(`dump-msg-C0INC-${message.ts}`);
    const said = dumpReplies('C0INC', thread.ts).filter((m) => /four-/.test(messageText(m)));
    assert.equal(said.length, 1);
    const text = messageText(await h.slack.waitFor('the findings', () => built(said[0])));
    assert.match(text, /Goroutine dumps compared: four-0\.txt, four-1\.txt, four-2\.txt/);
    assert.match(text, /1 more file of this message was not read: leakbot compares the first 3 files of a message/);
    assert.equal(h.slack.downloads.filter((d) => d.fileId === files[3]!.id).length, 0);
  });

  it('dumps of two runs of a service dropped together: said to be of different processes, compared by counts per stack', async () => {
    const run = (n: number) => readFileSync(new URL(`../fixtures/dumps/cross-process/go1.26.run-n${n}.debug2.txt.gz`, import.meta.url));
    const { message } = h.slack.shareFiles([{ name: 'run-a.txt.gz', content: run(10), mimetype: 'application/gzip', filetype: 'gzip' }, { name: 'run-b.txt.gz', content: run(25), mimetype: 'application/gzip', filetype: 'gzip' }], { channel: 'C0INC', threadTs: thread.ts });
    const shared = h.slack.sharedFiles.filter((f) => f.shares.C0INC?.[0]?.ts === message.ts);
    for (const f of shared) await fileShared(f.id, 'C0INC');
    await finishedJob(`dump-msg-C0INC-${message.ts}`);
    const text = messageText(await h.slack.waitFor('the findings', () => built(dumpReplies('C0INC', thread.ts).find((m) => /run-a/.test(messageText(m))))));
    assert.match(text, /2 snapshots: 13 → 28 goroutines/);
    assert.match(text, /not dumps of one process/);
    assert.match(text, /growth is read from goroutine counts per stack/);
  });

  it('a file of a series over the size cap or unreadable is named and left out; the others are still compared', async () => {
    const big = Buffer.alloc(64 * 1024 * 1024 - 4096, 0x61);
    const { files, message } = h.slack.shareFiles([{ name: 'a.txt', content: surge(0) }, { name: 'big.txt', content: big }, { name: 'b.txt', content: surge(1) }], { channel: 'C0INC', threadTs: thread.ts });
    for (const f of files) await fileShared(f.id, 'C0INC');
    await finishedJob(`dump-msg-C0INC-${message.ts}`);
    const text = messageText(await h.slack.waitFor('the findings', () => built(dumpReplies('C0INC', thread.ts).find((m) => /a\.txt, b\.txt/.test(messageText(m))))));
    assert.match(text, /2 snapshots: 24 → 159 goroutines/);
    assert.match(text, /big\.txt is 64 MiB; with the 10\.9 KiB of the files before it in the same message that is over the 64 MiB leakbot reads at once/);
    assert.equal(h.slack.downloads.filter((d) => d.fileId === files[1]!.id).length, 0, 'the file over the cap is not downloaded');
    // In a DM, a file that is no dump beside one that is: the one is read alone, the other named.
    const dm = h.slack.shareFiles([{ name: 'one.txt', content: surge(2) }, { name: 'broken.txt', content: 'the goroutine dump of web-1 was lost when its node restarted\n' }], { channel: 'D0MIXED' });
    await event({ type: 'message', subtype: 'file_share', channel: 'D0MIXED', channel_type: 'im', user: 'U0ALICE', ts: dm.message.ts, text: '', files: dm.files.map((f) => ({ id: f.id })) });
    const alone = messageText(await h.slack.waitFor('the findings of the one', () => built(dumpReplies('D0MIXED', dm.message.ts)[0])));
    assert.match(alone, /Goroutine dump: one\.txt/);
    assert.match(alone, /I could not read broken\.txt as a goroutine dump: .*line 1 is "the goroutine dump of web-1/);
    assert.match(alone, /one dump: growth is not measured/);
  });

  it('the shortcut on a message holding two dumps: one comparison', async () => {
    const { files, message } = h.slack.shareFiles([{ name: 'first.txt', content: surge(0) }, { name: 'second.txt', content: surge(2) }], { channel: 'C0SHORT' });
    await sendAction(h.eventsUrl, SIGNING_SECRET, messageActionPayload({ callbackId: DUMP_SHORTCUT_ID, channel: 'C0SHORT', message: { ts: message.ts, files: files.map((f) => ({ id: f.id })) } }));
    const text = messageText(await h.slack.waitFor('the findings', () => built(dumpReplies('C0SHORT', message.ts)[0])));
    assert.match(text, /Goroutine dumps compared: first\.txt, second\.txt/);
    assert.match(text, /2 snapshots: 24 → 59 goroutines/);
    assert.equal(dumpReplies('C0SHORT', message.ts).length, 1);
  });

  it('the shortcut on three files, one deleted meanwhile: the other two compared, the gone one named', async () => {
    const { files, message } = h.slack.shareFiles([{ name: 'one.txt', content: surge(0) }, { name: 'two.txt', content: surge(2) }], { channel: 'C0GONE' });
    const listed = [files[0]!.id, 'F0DELETED', files[1]!.id].map((id) => ({ id }));
    await sendAction(h.eventsUrl, SIGNING_SECRET, messageActionPayload({ callbackId: DUMP_SHORTCUT_ID, channel: 'C0GONE', message: { ts: message.ts, files: listed } }));
    const text = messageText(await h.slack.waitFor('the findings', () => built(dumpReplies('C0GONE', message.ts)[0])));
    assert.match(text, /Goroutine dumps compared: one\.txt, two\.txt/);
    assert.match(text, /file F0DELETED: Slack no longer has this file\./);
  });

  it('two dumps of one process and one of another dropped together: the two compared by ids, the other named as left out', async () => {
    const debug2 = async (svc: GoService) => Buffer.from(await (await fetch(`${svc.url}/debug/pprof/goroutine?debug=2`)).arrayBuffer());
    const a = await debug2(go);
    await go.leak('chansend', 10);
    const b = await debug2(go);
    const replica = await startGoService();
    const c = await debug2(replica).finally(() => replica.stop());
    const { files, message } = h.slack.shareFiles([{ name: 'pod-b.txt', content: b }, { name: 'other-pod.txt', content: c }, { name: 'pod-a.txt', content: a }], { channel: 'C0INC', threadTs: thread.ts });
    for (const f of files) await fileShared(f.id, 'C0INC');
    await finishedJob(`dump-msg-C0INC-${message.ts}`);
    const text = messageText(await h.slack.waitFor('the findings', () => built(dumpReplies('C0INC', thread.ts).find((m) => /pod-a/.test(messageText(m))))));
    assert.match(text, /Goroutine dumps compared: pod-b\.txt, pod-a\.txt/);
    assert.match(text, /other-pod\.txt is of another process than the dumps compared/);
    assert.doesNotMatch(text, /not dumps of one process/);
    assert.match(text, /kept all \d+ goroutines of the first snapshot \(same ids\) and added 10/);
  });

  it('/leak analyze explains how', async () => {
    const r = await h.command({ text: 'analyze', channel: 'C0INC' });
    assert.match(String(r.json?.text), /Drop the file/);
    assert.match(String(r.json?.text), /Analyze goroutine dump/);
    const url = await h.command({ text: 'analyze https://evil.example/dump.txt', channel: 'C0INC' });
    assert.match(String(url.json?.text), /I do not fetch URLs/);
  });
});
