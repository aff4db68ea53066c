// 20 simultaneous `/leak snapshot` for one service, from two channels, handled by two separate
// worker processes sharing one Redis: one capture, 20 answers, one thread per channel, no
// duplicate posts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { settled, waitThread, withServiceHarness } from './helpers.js';
import { spawnLeakbot, type LeakbotProcess } from './processes.js';

describe('20 simultaneous snapshots', () => {
  const workers: LeakbotProcess[] = [];
  after(() => Promise.all(workers.map((w) => w.kill('SIGKILL')))); // before leakbot and Redis close
  const s = withServiceHarness((url) => `services:\n  svc-order:\n    url: ${url}\n    minIntervalSeconds: 10\n`, {
    role: 'web',
    prepare: ([go]) => go!.leak('chansend', 50),
  });
  before(async () => {
    for (let i = 0; i < 2; i++) workers.push(spawnLeakbot('worker', { ...s.h.env, LEAKBOT_WORKER_CONCURRENCY: '1' }));
    await Promise.all(workers.map((w) => w.waitLog((l) => l.msg === 'worker started', 90_000)));
  });

  it('one capture, 20 answers, no duplicate posts', async () => {
    const { h, go } = s;
    await go.slow(1500); // keep the capture in flight while the requests arrive
    const urls = Array.from({ length: 20 }, () => h.slack.responseUrl());
    const channels = urls.map((_, i) => (i % 2 === 0 ? 'C0TEAMA' : 'C0TEAMB'));
    const acks = await Promise.all(urls.map((u, i) => h.command({ text: 'snapshot svc-order', channel: channels[i], user: `U0USER${i}`, responseUrl: u })));
    assert.ok(acks.every((a) => a.status === 200 && typeof a.json?.text === 'string'), 'every request acked with a message');
    const started = acks.filter((a) => /Capturing goroutines/.test(String(a.json?.text))).length;
    const joined = acks.filter((a) => /you are added to it/.test(String(a.json?.text))).length;
    assert.equal(started, 2, 'one job per channel');
    assert.equal(joined, 18);

    const a = await waitThread(h.slack, 'C0TEAMA', 0);
    const b = await waitThread(h.slack, 'C0TEAMB', 0);
    // every requester gets an answer pointing at the findings
    await h.slack.waitFor('20 response_url answers', () => urls.every((u) => h.slack.responsesTo(u).some((r) => /Findings for svc-order/.test(String(r.body.text)))), 60_000);
    // Every job run to its end before counting: a retry's double comes after the first answers.
    await settled(h);
    // one capture for all of them
    assert.equal(await h.bot.ctx.snapshots.count('svc-order'), 1);
    // no duplicate posts: one parent and one findings reply per channel
    assert.equal(h.slack.parents('C0TEAMA').length, 1);
    assert.equal(h.slack.parents('C0TEAMB').length, 1);
    assert.equal(h.slack.replies('C0TEAMA', a.parent.ts).length, 1);
    assert.equal(h.slack.replies('C0TEAMB', b.parent.ts).length, 1);
    assert.equal(h.slack.callsTo('chat.postMessage').length, 4);
    assert.match(a.parent.text, /and \d+ others/, 'the parent names who asked');
    // the two jobs ran in different processes (each worker takes one job at a time)
    for (const w of workers) assert.ok(w.logs.some((l) => l.msg === 'job started' && l.kind === 'snapshot'), 'both workers ran a snapshot job');
    // each user was answered once
    for (const u of urls) assert.equal(h.slack.responsesTo(u).length, 1);
  });
});
