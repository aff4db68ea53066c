// A worker SIGKILLed in the middle of a fleet round, after some pods were captured: the job BullMQ
// hands to the next worker must not capture those pods again (each capture of a struggling fleet
// costs every pod a stop-the-world dump). Before, the round's outcome was kept on the job only once
// every pod had answered, so the retry captured the whole fleet again.
// Real parts: three leaking Go processes as static targets, Redis, separate `leakbot web` and
// `leakbot worker` processes (the worker is killed), signed slash commands; Slack is the stand-in.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { profileRequested, settled, waitThread, withServiceHarness } from './helpers.js';
import { spawnLeakbot, type LeakbotProcess } from './processes.js';

describe('worker killed in the middle of a fleet round', () => {
  const procs: LeakbotProcess[] = [];
  after(() => Promise.all(procs.map((p) => p.kill('SIGKILL')))); // before leakbot and Redis close
  // One pod at a time, in the order written (no earlier snapshots, no suspects): a and b are
  // captured before c, which hangs.
  const s = withServiceHarness(
    (a, b, c) => `services:\n  svc-fleet:\n    targets: [${a}, ${b}, ${c}]\n    timeoutSeconds: 60\n    minIntervalSeconds: 0\n    fleet: { concurrency: 1 }\nsnapshot: { autoRecaptureSeconds: 0 }\n`,
    { role: 'web', services: 3, prepare: (gos) => Promise.all(gos.map((g) => g.leak('chanrecv', 20))) },
  );

  it('the returned job captures only the pods the dead worker had not', async () => {
    const { h, services } = s;
    const env = { ...h.env, LEAKBOT_JOB_LOCK_MS: '3000' };
    const first = spawnLeakbot('worker', env);
    procs.push(first);
    await first.waitLog((l) => l.msg === 'worker started', 90_000);

    const hanging = services[2]!;
    await hanging.slow(60_000);
    const ch = 'C0FLEETCRASH';
    await h.command({ text: 'snapshot svc-fleet', channel: ch });
    await profileRequested(hanging); // a and b are captured; the round waits for c
    assert.equal(await h.bot.ctx.snapshots.count('svc-fleet'), 2, 'two pods captured before the crash');
    assert.equal(await first.kill('SIGKILL'), null, 'killed by signal');
    await hanging.reset();

    const second = spawnLeakbot('worker', env);
    procs.push(second);
    const t = await waitThread(h.slack, ch, 0, 1, 120_000);
    await settled(h, 120_000);
    assert.match(t.parent.text, /3 captured pods|of 3/, `the summary covers the three pods: ${t.parent.text}`);
    assert.equal(await h.bot.ctx.snapshots.count('svc-fleet'), 3, 'each pod captured once in the round');
  });
});
