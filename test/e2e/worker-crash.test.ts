// A worker process SIGKILLed in the middle of a snapshot job: after a new worker starts, the job
// completes (BullMQ returns the stalled job) and the thread has no double post.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { settled, waitThread, withServiceHarness } from './helpers.js';
import { spawnLeakbot, type LeakbotProcess } from './processes.js';

describe('worker killed mid-job', () => {
  const procs: LeakbotProcess[] = [];
  after(() => Promise.all(procs.map((p) => p.kill('SIGKILL')))); // before leakbot and Redis close
  const s = withServiceHarness((url) => `services:\n  svc-order:\n    url: ${url}\n    timeoutSeconds: 60\n    minIntervalSeconds: 0\n`, {
    role: 'web',
    prepare: ([go]) => go!.leak('chanrecv', 40),
  });

  it('the job completes after restart with no double post', async () => {
    const { h, go } = s;
    const env = { ...h.env, LEAKBOT_JOB_LOCK_MS: '3000' };
    const first = spawnLeakbot('worker', env);
    procs.push(first);
    await first.waitLog((l) => l.msg === 'worker started', 90_000);

    await go.slow(30_000); // the capture hangs: the worker is mid-job when we kill it
    const ch = 'C0CRASH';
    await h.command({ text: 'snapshot svc-order', channel: ch });
    await h.slack.waitFor('parent "capturing…" posted', () => h.slack.parents(ch)[0], 60_000);
    await first.waitLog((l) => l.msg === 'job started', 30_000);
    assert.equal(await first.kill('SIGKILL'), null, 'killed by signal');
    await go.reset();

    const second = spawnLeakbot('worker', env);
    procs.push(second);
    const t = await waitThread(h.slack, ch, 0, 1, 120_000);
    assert.ok(second.logs.some((l) => l.msg === 'job started'), 'the new worker ran the returned job');
    await settled(h, 120_000);
    assert.equal(h.slack.parents(ch).length, 1, 'one parent message');
    assert.equal(h.slack.replies(ch, t.parent.ts).length, 1, 'one findings reply');
    assert.match(t.parent.text, /goroutines/);
    assert.equal(h.slack.callsTo('chat.postMessage').length, 2, 'parent + findings, nothing posted twice');
    assert.ok(t.parent.versions.length >= 2, 'the retried job updated the existing parent');
    assert.equal(await h.bot.ctx.snapshots.count('svc-order'), 1, 'one capture stored');
  });
});
