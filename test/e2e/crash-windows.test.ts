// "Never lose or double a message" across worker crashes, at the exact windows where a naive job
// would double or lose a post. A real `leakbot worker` process is SIGKILLed when the Slack stand-in
// holds one of its calls (an event, never a timer); a new worker then takes the returned job and the
// stand-in's record must show exactly one message per intent, in its final form:
// 1. Slack posted the thread's parent, the worker died before it learnt the ts (it never stored it).
// 2. The same for the findings reply inside the thread.
// 3. The findings placeholder is posted and its ts stored, the worker dies before the chat.update
//    that puts the findings' blocks in (Slack never got the update).
// 4. The findings are posted and on the incident timeline, the worker dies before the job completes
//    (at the parent's final update): the retry must not put a second 'findings' event on the
//    timeline (the postmortem draft lists each one).
// 5. The worker dies as it sends the requester "the findings are in the thread" (response_url),
//    before Slack got it: the new worker must still send it, once.
// 6. A postmortem draft's file: Slack shared it, the worker died before it learnt so, and files.info
//    does not show the share yet (Slack shares asynchronously): the new worker waits for Slack
//    instead of sharing a second file.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HeldCall } from '../support/slack-stub.js';
import { queueIdle, settled, waitThread, withServiceHarness, type Thread } from './helpers.js';
import { spawnLeakbot, type LeakbotProcess } from './processes.js';

describe('worker killed at each posting window', { timeout: 300_000 }, () => {
  const procs: LeakbotProcess[] = [];
  after(() => Promise.all(procs.map((p) => p.kill('SIGKILL')))); // before leakbot and Redis close
  // No automatic second capture: its later chat.update would blur what each scenario counts.
  const s = withServiceHarness((url) => `services:\n  svc-order:\n    url: ${url}\n    minIntervalSeconds: 0\nsnapshot:\n  autoRecaptureSeconds: 0\n`, {
    role: 'web',
    prepare: ([go]) => go!.leak('chanrecv', 30),
  });

  let worker: LeakbotProcess | undefined;
  async function liveWorker(): Promise<LeakbotProcess> {
    if (!worker) {
      worker = spawnLeakbot('worker', { ...s.h.env, LEAKBOT_JOB_LOCK_MS: '2000' });
      procs.push(worker);
    }
    await worker.waitLog((l) => l.msg === 'worker started', 90_000);
    return worker;
  }

  /** Runs `/leak snapshot svc-order` in `channel`, kills the worker once `hold` is reached, lets a
   *  new worker finish the job, and returns the finished thread. */
  async function crashAt(channel: string, hold: HeldCall, responseUrl?: string): Promise<Thread> {
    const w = await liveWorker();
    const ack = await s.h.command({ text: 'snapshot svc-order', channel, ...(responseUrl ? { responseUrl } : {}) });
    assert.match(String(ack.json?.text), /Capturing goroutines/);
    await hold.reached;
    assert.equal(await w.kill('SIGKILL'), null, 'killed by signal');
    worker = undefined;
    // Its connection died with the worker: drop it, rather than release and rely on the stand-in having
    // seen the socket close by then (under load it may not have, and a 'before' call was then acted on).
    hold.drop();
    await liveWorker();
    const t = await waitThread(s.slack, channel, 0, 1, 120_000);
    await settled(s.h, 120_000); // the retried job has run to its end: a double would show now
    return t;
  }

  const postsIn = (channel: string, threadTs?: string) =>
    s.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel && (threadTs ? c.args.thread_ts === threadTs : !c.args.thread_ts));

  it('parent posted, ts never stored: the new worker finds it by its metadata and updates it', async () => {
    const ch = 'C0CRASHPARENT';
    const t = await crashAt(ch, s.slack.hold('chat.postMessage', 'after', (a) => a.channel === ch && !a.thread_ts));
    assert.equal(s.slack.parents(ch).length, 1, 'one parent message');
    assert.equal(postsIn(ch).length, 1, 'the parent was posted once');
    assert.ok(s.slack.callsTo('conversations.history').some((c) => c.args.channel === ch), 'the new worker looked for the message before posting');
    assert.match(t.parent.text, /goroutines/, 'the parent shows the outcome');
    assert.equal(s.slack.replies(ch, t.parent.ts).length, 1, 'one findings reply');
    assert.ok(t.replies[0]!.blocks, 'the findings carry their blocks');
  });

  it('findings reply posted, ts never stored: found in the thread, not posted again', async () => {
    const ch = 'C0CRASHREPLY';
    const t = await crashAt(ch, s.slack.hold('chat.postMessage', 'after', (a) => a.channel === ch && !!a.thread_ts));
    await s.slack.waitFor('findings blocks in', () => s.slack.replies(ch, t.parent.ts)[0]?.blocks, 60_000);
    assert.equal(s.slack.parents(ch).length, 1, 'one parent message');
    assert.equal(s.slack.replies(ch, t.parent.ts).length, 1, 'one findings reply');
    assert.equal(postsIn(ch, t.parent.ts).length, 1, 'the reply was posted once');
    assert.ok(s.slack.callsTo('conversations.replies').some((c) => c.args.channel === ch && c.args.ts === t.parent.ts), 'the new worker looked in the thread');
  });

  it('findings placeholder posted, blocks never sent: the new worker completes the same message', async () => {
    const ch = 'C0CRASHUPDATE';
    const t = await crashAt(ch, s.slack.hold('chat.update', 'before', (a) => a.channel === ch && Array.isArray(a.blocks) && a.blocks.length > 0));
    const reply = await s.slack.waitFor('findings blocks in', () => {
      const r = s.slack.replies(ch, t.parent.ts)[0];
      return r?.blocks ? r : null;
    }, 60_000);
    assert.equal(s.slack.replies(ch, t.parent.ts).length, 1, 'one findings reply');
    assert.equal(postsIn(ch, t.parent.ts).length, 1, 'the placeholder was posted once');
    assert.equal(reply.versions[0]!.blocks, undefined, 'it started as the text-only placeholder');
    assert.ok(!s.slack.callsTo('conversations.replies').some((c) => c.args.channel === ch), 'no lookup needed: the ts was stored before the update');
  });

  it('findings on the timeline, worker killed before the job completed: the retry adds no second event', async () => {
    const ch = 'C0CRASHTIMELINE';
    // The parent's outcome update (text only) comes after the findings and their timeline event.
    const t = await crashAt(ch, s.slack.hold('chat.update', 'before', (a) => a.channel === ch && (!Array.isArray(a.blocks) || a.blocks.length === 0) && !/capturing/.test(String(a.text))));
    assert.match(t.parent.text, /goroutines/, 'the retry finished the thread');
    const events = await s.h.bot.ctx.timeline.list('svc-order', { thread: { channel: ch, ts: t.parent.ts } });
    const findings = events.filter((e) => e.type === 'findings' && e.thread?.ts === t.parent.ts);
    assert.equal(findings.length, 1, `one findings event (got ${findings.length})`);
    assert.equal(events.filter((e) => e.type === 'snapshot' && e.thread?.ts === t.parent.ts).length, 1, 'one snapshot event');
  });

  it('the requester\'s pointer: worker killed as it sends it, before Slack got it: the new worker sends it, once', async () => {
    const ch = 'C0CRASHTELL';
    const url = s.slack.responseUrl();
    const id = url.slice(url.lastIndexOf('/') + 1);
    const pointer = (text: unknown) => /are in <[^>]+\|the thread>|are in the thread/.test(String(text));
    const t = await crashAt(ch, s.slack.hold('response_url', 'before', (a) => a.id === id && pointer(a.text)), url);
    assert.match(t.parent.text, /goroutines/);
    const told = await s.slack.waitFor('the pointer reached the requester', () => s.slack.responsesTo(url).filter((r) => pointer(r.body.text)).length > 0 && s.slack.responsesTo(url), 60_000);
    assert.equal(told.filter((r) => pointer(r.body.text)).length, 1, 'told once');
  });

  it('a file Slack shared while files.info lags behind, worker killed before it learnt so: shared once', async () => {
    const ch = 'C0CRASHSHARE';
    let w = await liveWorker();
    const held = s.slack.hold('files.completeUploadExternal', 'after', (a) => a.channel_id === ch);
    const ack = await s.h.command({ text: 'postmortem svc-order', channel: ch });
    assert.equal(ack.status, 200);
    await held.reached;
    assert.equal(await w.kill('SIGKILL'), null, 'killed by signal');
    worker = undefined;
    s.slack.lagShares(true);
    held.drop(); // its connection died with the worker
    w = await liveWorker();
    await w.waitLog((l) => /earlier file share yet: the job waits/.test(String(l.msg)), 90_000);
    s.slack.lagShares(false);
    await queueIdle(s.h, 120_000);
    const shares = s.slack.callsTo('files.completeUploadExternal').filter((c) => c.args.channel_id === ch);
    assert.equal(shares.length, 1, 'shared once');
    assert.equal(s.slack.uploads.filter((u) => u.channel === ch && u.completed).length, 1, 'one file in the thread');
  });
});
