// A capture that failed is never repeated by the job's retry: when Slack is down as the failure is
// posted, or the requester's response_url answers 5xx as they are pointed at the thread, the job
// waits and retries, and the retry reports the same failure from the job's data instead of asking
// the struggling service again. Whole bot on real parts: signed slash command, worker, Redis, a real
// Go service whose net/http/pprof refuses every request (401) and counts them, the Slack stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { queueIdle, withServiceHarness } from './helpers.js';

describe('a failed capture across job retries', { timeout: 240_000 }, () => {
  // minIntervalSeconds 0: no cached failure hides a second capture (Slack's backoff can outlast any
  // min interval in production, so the job itself must not capture twice).
  // svc-guarded: the same service behind the default-like min interval (long enough that the test's
  // second request always falls inside it).
  const s = withServiceHarness((url) => `services:\n  svc-refusing:\n    url: ${url}\n    minIntervalSeconds: 0\n  svc-guarded:\n    url: ${url}\n    minIntervalSeconds: 600\n`, { env: { slackRetryMaxDelayMs: 300 } });

  const inThread = (ch: string) => (a: Record<string, unknown>) => a.channel === ch && !!a.thread_ts;
  const pprofRequests = async () => (await s.go.requests()).filter((r) => r.startsWith('/debug/pprof/'));

  /** Runs `/leak snapshot svc-refusing` in `ch` against the refusing service; resolves, once the
   *  queue is idle, with the service's pprof requests, the thread's failure replies, the pointers
   *  the requester got and the finished job's data. */
  async function failedSnapshot(ch: string) {
    await s.go.reset(); // clears the request log too
    await s.go.requireHeader('X-Leakbot-Test', 'not-sent');
    const responseUrl = s.slack.responseUrl();
    const ack = await s.h.command({ text: 'snapshot svc-refusing', channel: ch, responseUrl });
    assert.match(String(ack.json?.text), /Capturing goroutines/);
    const parent = await s.slack.waitFor('parent', () => s.slack.parents(ch)[0]);
    const pointer = (r: { body: Record<string, unknown> }) => /The capture of svc-refusing failed/.test(String(r.body.text));
    await s.slack.waitFor('requester pointed at the thread', () => s.slack.responsesTo(responseUrl).find(pointer), 120_000);
    await queueIdle(s.h);
    const jobs = await s.h.bot.ctx.jobs.queue.getJobs(['completed', 'failed']);
    const job = jobs.find((j) => j.name === 'snapshot' && (j.data as { requester?: { channel?: string } }).requester?.channel === ch);
    assert.ok(job, 'the snapshot job is recorded');
    return {
      requests: await pprofRequests(),
      failures: s.slack.replies(ch, parent.ts).filter((m) => /Could not capture \*svc-refusing\*/.test(m.text)),
      pointers: s.slack.responsesTo(responseUrl).filter(pointer),
      data: job.data as { failure?: { message: string }; slackWait?: { tries: number } },
    };
  }

  it('Slack unavailable as the failure is posted: the retry posts it without capturing again', async () => {
    const ch = 'C0FAILPOST';
    // Four 503s outlast the client's three quick retries: the job attempt fails and the job waits.
    s.slack.failNext('chat.postMessage', 4, { status: 503 }, inThread(ch));
    const r = await failedSnapshot(ch);
    assert.ok((r.data.slackWait?.tries ?? 0) >= 1, 'the job waited for Slack and ran again');
    assert.equal(r.requests.length, 1, `one request to the service across the retries: ${r.requests.join(', ')}`);
    assert.equal(r.failures.length, 1, 'the failure is said once in the thread');
    assert.match(r.failures[0]!.text, /401/);
    assert.equal(r.pointers.length, 1, 'the requester is pointed at the thread once');
    assert.match(r.data.failure?.message ?? '', /401/, 'the job keeps the reason it posted');
  });

  it('the response_url answering 503 as the requester is pointed at the thread: told on the retry, no second capture', async () => {
    const ch = 'C0FAILTELL';
    s.slack.failNext('response_url', 2, { status: 503 });
    const r = await failedSnapshot(ch);
    assert.ok((r.data.slackWait?.tries ?? 0) >= 1, 'the job waited for Slack and ran again');
    assert.equal(r.requests.length, 1, `one request to the service across the retries: ${r.requests.join(', ')}`);
    assert.equal(r.failures.length, 1, 'the failure is said once in the thread');
    assert.equal(r.pointers.length, 1, 'the requester is pointed at the thread once');
  });

  it('a request inside minIntervalSeconds of a failure gets that failure without a new request to the service, and is told it is the earlier capture’s', async () => {
    await s.go.reset();
    await s.go.requireHeader('X-Leakbot-Test', 'not-sent');
    const failure = async (ch: string) => {
      await s.h.command({ text: 'snapshot svc-guarded', channel: ch });
      const parent = await s.slack.waitFor('parent', () => s.slack.parents(ch)[0]);
      return s.slack.waitFor('the failure in the thread', () => s.slack.replies(ch, parent.ts).find((m) => /Could not capture \*svc-guarded\*/.test(m.text)), 120_000);
    };
    const first = await failure('C0GUARD1');
    await queueIdle(s.h);
    assert.doesNotMatch(first.text, /earlier capture/, 'the first failure is its own');
    const second = await failure('C0GUARD2');
    await queueIdle(s.h);
    assert.equal((await pprofRequests()).length, 1, 'the struggling service was asked once');
    assert.match(second.text, /401/, 'the same reason');
    assert.match(second.text, /the answer of a capture \d+(\.\d)? m?s ago: leakbot asks svc-guarded again once 600 s have passed since it failed/, 'not told as if it had just been tried');
  });
  it('asked again inside minIntervalSeconds in the thread that says the failure: the failure is not said twice, the asker is pointed at it', async () => {
    const ch = 'C0GUARD3';
    await s.h.command({ text: 'snapshot svc-guarded', channel: ch });
    const parent = await s.slack.waitFor('parent', () => s.slack.parents(ch)[0]);
    const failures = () => s.slack.replies(ch, parent.ts).filter((m) => /Could not capture \*svc-guarded\*/.test(m.text));
    await s.slack.waitFor('the failure in the thread', () => failures()[0], 120_000);
    await queueIdle(s.h);
    // A second person at 3 a.m., seconds later: the verb joins the service's open thread.
    const responseUrl = s.slack.responseUrl();
    await s.h.command({ text: 'snapshot svc-guarded', channel: ch, user: 'U0BOB', responseUrl });
    const pointer = await s.slack.waitFor('the second asker pointed at the thread', () => s.slack.responsesTo(responseUrl).find((r) => /the thread/.test(String(r.body.text))), 120_000);
    await queueIdle(s.h);
    assert.equal(failures().length, 1, `the failure is said once: ${failures().map((m) => m.text).join(' | ')}`);
    assert.match(String(pointer.body.text), /The capture of svc-guarded failed at .*the reason is in <[^>]+\|the thread>/);
    const status = s.slack.replies(ch, parent.ts).find((m) => /requested by <@U0BOB>/.test(m.text));
    assert.match(status?.text ?? '', /the capture failure above is the latest/, 'the status line points at the failure above');
  });
});
