// Issue 12, item 2: a job BullMQ fails for good without running our code — its workers died mid-job
// more often than maxStalledCount allows — still gets its requester a clear answer, in the thread
// and through the response_url, exactly once; the parent it left saying "capturing…" shows the
// failure, even when the dead worker never learnt that parent's ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGoService, type GoService } from '../support/go-service.js';
import { startHarness, type Harness } from '../e2e/harness.js';
import { spawnLeakbot, type LeakbotProcess } from '../e2e/processes.js';
import { profileRequested } from '../e2e/helpers.js';

describe('jobs that fail for good', () => {
  let go: GoService;
  let h: Harness;
  const procs: LeakbotProcess[] = [];
  before(async () => {
    go = await startGoService();
    // svc-answer: the same process under another name, so its capture does not wait on the lock a
    // killed worker's capture of svc-order left behind (held until its TTL).
    h = await startHarness({ role: 'web', configYaml: `services:\n  svc-order:\n    url: ${go.url}\n    timeoutSeconds: 60\n    minIntervalSeconds: 0\n  svc-answer:\n    url: ${go.url}\n    timeoutSeconds: 60\n    minIntervalSeconds: 0\n` });
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    await h?.close();
    await go?.stop();
  });

  it('a job over the stalled-job limit is reported to the requester', async () => {
    // maxStalledCount 0: the first worker death fails the job for good (the default allows 3).
    const env = { ...h.env, LEAKBOT_JOB_LOCK_MS: '2000', LEAKBOT_MAX_STALLED: '0' };
    const first = spawnLeakbot('worker', env);
    procs.push(first);
    await first.waitLog((l) => l.msg === 'worker started', 90_000);
    await go.slow(60_000); // the capture hangs, so the worker is mid-job when it is killed
    const ch = 'C0STALL';
    const responseUrl = h.slack.responseUrl();
    await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl });
    const parent = await h.slack.waitFor('parent posted', () => h.slack.parents(ch)[0], 60_000);
    // Killed mid-capture, not mid-post: the stand-in records the parent before the worker has its
    // ts (and stores it), so a kill right then leaves no thread to answer in. The capture starts
    // after the parent's ts is stored: wait until the service has the profile request.
    await profileRequested(go);
    await first.kill('SIGKILL');

    const second = spawnLeakbot('worker', env);
    procs.push(second);
    const answer = await h.slack.waitFor('the requester is told', () => h.slack.responsesTo(responseUrl).find((r) => /gave up/.test(String(r.body.text))), 120_000);
    assert.match(String(answer.body.text), /gave up on this snapshot of \*svc-order\*: the worker running it stopped several times/);
    const fatal = await h.slack.waitFor('failure in the thread', () => h.slack.replies(ch, parent.ts).find((m) => /gave up/.test(m.text)), 30_000);
    assert.ok(fatal);
    await second.waitLog((l) => l.msg === 'job failed for good; telling the requester', 10_000);
    assert.equal(h.slack.responsesTo(responseUrl).filter((r) => /gave up/.test(String(r.body.text))).length, 1, 'told once');
    const closed = await h.slack.waitFor('the parent no longer says capturing', () => !/capturing…/.test(h.slack.parents(ch)[0]!.text) && h.slack.parents(ch)[0], 30_000);
    assert.match(closed.text, /gave up on this snapshot/, 'the parent shows the failure');
    await go.reset();
    await second.kill('SIGKILL'); // idle: the next test brings its own workers
  });

  it('a worker killed right after Slack took the parent (ts never stored): the failure goes into that thread and closes its parent', async () => {
    const env = { ...h.env, LEAKBOT_JOB_LOCK_MS: '2000', LEAKBOT_MAX_STALLED: '0' };
    const first = spawnLeakbot('worker', env);
    procs.push(first);
    await first.waitLog((l) => l.msg === 'worker started', 90_000);
    const ch = 'C0STALLPOST';
    const held = h.slack.hold('chat.postMessage', 'after', (a) => a.channel === ch && !a.thread_ts);
    const responseUrl = h.slack.responseUrl();
    await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl });
    await held.reached;
    await first.kill('SIGKILL');
    held.release();

    const second = spawnLeakbot('worker', env);
    procs.push(second);
    await h.slack.waitFor('the requester is told', () => h.slack.responsesTo(responseUrl).find((r) => /gave up/.test(String(r.body.text))), 120_000);
    const parents = h.slack.parents(ch);
    assert.equal(parents.length, 1, 'no second parent');
    const fatal = await h.slack.waitFor('failure in the thread', () => h.slack.replies(ch, parents[0]!.ts).find((m) => /gave up/.test(m.text)), 30_000);
    assert.ok(fatal, 'the failure is in the thread the dead worker started');
    const closed = await h.slack.waitFor('the parent no longer says capturing', () => !/capturing…/.test(h.slack.parents(ch)[0]!.text) && h.slack.parents(ch)[0], 30_000);
    assert.match(closed.text, /gave up/);
    assert.equal(h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === ch).length, 2, 'the parent and the failure reply, each once');
    await second.kill('SIGKILL');
  });

  it('the worker answering a failed job dies as it posts the answer: another worker gives it, once', async () => {
    const env = { ...h.env, LEAKBOT_JOB_LOCK_MS: '2000', LEAKBOT_MAX_STALLED: '0' };
    const first = spawnLeakbot('worker', env);
    procs.push(first);
    await first.waitLog((l) => l.msg === 'worker started', 90_000);
    const ch = 'C0STALLANSWER';
    const responseUrl = h.slack.responseUrl();
    await go.reset();
    await go.slow(60_000);
    await h.command({ text: 'snapshot svc-answer', channel: ch, responseUrl });
    const parent = await h.slack.waitFor('parent posted', () => h.slack.parents(ch)[0], 60_000);
    await profileRequested(go);
    // The next worker gives up on the job and starts answering; it dies before Slack has the reply.
    const held = h.slack.hold('chat.postMessage', 'before', (a) => a.channel === ch && /gave up/.test(String(a.text)));
    await first.kill('SIGKILL');
    const second = spawnLeakbot('worker', env);
    procs.push(second);
    await held.reached;
    await second.kill('SIGKILL');
    held.drop(); // its connection died with the worker: Slack never got the post
    await go.reset();

    const third = spawnLeakbot('worker', env);
    procs.push(third);
    const gaveUp = () => h.slack.replies(ch, parent.ts).filter((m) => /gave up/.test(m.text));
    await h.slack.waitFor('the failure in the thread', () => gaveUp()[0], 120_000);
    await h.slack.waitFor('the requester is told', () => h.slack.responsesTo(responseUrl).find((r) => /gave up/.test(String(r.body.text))), 60_000);
    const closed = await h.slack.waitFor('the parent no longer says capturing', () => !/capturing…/.test(h.slack.parents(ch)[0]!.text) && h.slack.parents(ch)[0], 30_000);
    assert.match(closed.text, /gave up/);
    assert.equal(gaveUp().length, 1, 'one failure reply');
    assert.equal(h.slack.responsesTo(responseUrl).filter((r) => /gave up/.test(String(r.body.text))).length, 1, 'told once');
    await third.kill('SIGKILL');
  });
});
