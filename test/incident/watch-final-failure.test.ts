// A watch whose tick job fails for good ends there and says so, instead of showing "Watching…" for
// ever (the chain of ticks is broken: each tick queues the next). Real parts: an in-process web
// leakbot taking the signed `/leak watch`, `leakbot worker` processes on a real Redis, a real Go
// service whose profile hangs, the Slack stand-in. The tick fails for good the way BullMQ fails a
// job without running our code: its worker is killed mid-capture (an event: the service has the
// profile request) with LEAKBOT_MAX_STALLED=0, and the next worker's stalled-job check gives up.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WatchStore } from '../../src/incident/watch.js';
import { built, messageText, profileRequested, settled, withServiceHarness } from '../e2e/helpers.js';
import { spawnLeakbot, type LeakbotProcess } from '../e2e/processes.js';

const CH = 'C0WATCHFATAL';

describe('a watch whose tick fails for good', { timeout: 300_000 }, () => {
  // svc-finish: the second case's own service, so the first case's killed capture (whose gate keeps
  // svc-order from being asked again until it times out) does not hold up its ticks.
  const s = withServiceHarness(
    (url) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${CH}\n    timeoutSeconds: 60\n    minIntervalSeconds: 0\n  svc-finish:\n    url: ${url}\n    minIntervalSeconds: 0\nwatch:\n  minIntervalSeconds: 1\n`,
    { role: 'web' },
  );
  const procs: LeakbotProcess[] = [];
  after(() => Promise.all(procs.map((p) => p.kill('SIGKILL'))));

  it('ends the watch with a message saying why, once', async () => {
    const env = { ...s.h.env, LEAKBOT_JOB_LOCK_MS: '2000', LEAKBOT_MAX_STALLED: '0' };
    const first = spawnLeakbot('worker', env);
    procs.push(first);
    await first.waitLog((l) => l.msg === 'worker started', 90_000);
    await s.go.slow(60_000); // the first capture hangs, so the worker is mid-tick when it is killed
    const ack = await s.h.command({ text: 'watch svc-order every 2s for 6s', channel: CH, user: 'U0ALICE' });
    assert.equal(ack.status, 200);
    await profileRequested(s.go);
    await first.kill('SIGKILL');
    await s.go.reset();

    const second = spawnLeakbot('worker', env);
    procs.push(second);
    const watch = () => s.slack.parents(CH)[0];
    const ended = await s.slack.waitFor('the watch message says it ended', () => {
      const m = built(watch());
      return m && /ended early/.test(messageText(m)) && m;
    }, 120_000);
    assert.match(messageText(ended), /a capture failed for good/);
    const summary = await s.slack.waitFor('the summary in its thread', () => s.slack.replies(CH, ended.ts).find((r) => /gave up on a capture of this watch/.test(r.text)), 30_000);
    assert.match(summary.text, /ends early/);
    await settled(s.h);
    assert.equal(s.slack.replies(CH, ended.ts).filter((r) => /gave up/.test(r.text)).length, 1, 'said once');
    assert.equal(s.slack.parents(CH).length, 1, 'no second watch message');
    assert.equal(await new WatchStore(s.h.bot.ctx.redis, s.h.bot.ctx.prefix).active('svc-order'), null, 'the service can be watched again');
  });
  it('a finish that fails for good still ends the watch, and its thread says the summary is missing, once', async () => {
    const ch = 'C0WATCHFIN';
    // The first case's workers would take the finish job too: only the one killed below may run it.
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    const env = { ...s.h.env, LEAKBOT_JOB_LOCK_MS: '2000', LEAKBOT_MAX_STALLED: '0' };
    const first = spawnLeakbot('worker', env);
    procs.push(first);
    await first.waitLog((l) => l.msg === 'worker started', 90_000);
    // The summary is the watch's only text reply in its thread: hold it, and kill the worker meanwhile.
    const held = s.slack.hold('chat.postMessage', 'before', (a) => a.channel === ch && !!a.thread_ts);
    const ack = await s.h.command({ text: 'watch svc-finish every 1s for 2s', channel: ch, user: 'U0ALICE' });
    assert.equal(ack.status, 200);
    await held.reached;
    await first.kill('SIGKILL');
    held.drop();

    const second = spawnLeakbot('worker', env);
    procs.push(second);
    const parent = await s.slack.waitFor('the watch message', () => s.slack.parents(ch)[0], 30_000);
    const said = await s.slack.waitFor('the thread says the summary is missing', () => s.slack.replies(ch, parent.ts).find((r) => /could not write this watch's summary/.test(r.text)), 120_000);
    assert.match(said.text, /the worker running it stopped several times/);
    assert.match(said.text, /`\/leak history svc-finish`/);
    await settled(s.h); // the final failure is answered outside the queue: queue idle is not enough
    assert.equal(s.slack.replies(ch, parent.ts).filter((r) => /could not write/.test(r.text)).length, 1, 'said once');
    assert.equal(await new WatchStore(s.h.bot.ctx.redis, s.h.bot.ctx.prefix).active('svc-finish'), null, 'the service can be watched again');
    await second.kill('SIGKILL');
  });
});
