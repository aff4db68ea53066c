// Signed requests to POST /slack/events: timestamps more than 5 minutes off either way are
// refused, and a replayed (timestamp, signature) runs nothing — across two web processes that
// share Redis, and in one process while Redis is down.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGoService, type GoService } from '../support/go-service.js';
import { commandBody, postRaw, signedHeaders } from '../support/slack-request.js';
import { SIGNING_SECRET, startHarness, type Harness } from '../e2e/harness.js';
import { waitThread } from '../e2e/helpers.js';
import { verifySlackSignature } from '../../src/web/slack-verify.js';
import { Writable } from 'node:stream';

describe('Slack request signatures', () => {
  let go: GoService;
  let a: Harness;
  let b: Harness;
  before(async () => {
    go = await startGoService();
    const configYaml = `services:\n  svc-order:\n    url: ${go.url}\n    minIntervalSeconds: 0\n`;
    a = await startHarness({ configYaml });
    // A second web process on the same Redis and Slack: replays must be refused across both.
    b = await startHarness({ configYaml, role: 'web', redis: a.redis, slack: a.slack });
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await go?.stop();
  });

  it('refuses timestamps more than 5 minutes off, either way', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, string]> = [
      ['+1 hour', String(now + 3600)],
      ['+1 year', String(now + 365 * 86400)],
      ['1e20', '1e20'],
      ['100000000000000000000', '100000000000000000000'],
      ['-6 minutes', String(now - 360)],
      ['+6 minutes', String(now + 360)],
      ['empty', ''],
      ['fraction', `${now}.5`],
    ];
    for (const [what, timestamp] of cases) {
      const body = commandBody({ text: 'snapshot svc-order', channel: 'C0FUTURE', responseUrl: a.slack.responseUrl() });
      const res = await postRaw(a.eventsUrl, signedHeaders(SIGNING_SECRET, body, { timestamp }), body);
      assert.equal(res.status, 401, `${what} refused`);
    }
    // Within the window, both ways, is accepted.
    for (const timestamp of [String(now + 200), String(now - 200)]) {
      const body = commandBody({ text: 'help', responseUrl: a.slack.responseUrl() });
      const res = await postRaw(a.eventsUrl, signedHeaders(SIGNING_SECRET, body, { timestamp }), body);
      assert.equal(res.status, 200, `${timestamp} accepted`);
    }
    assert.equal(a.slack.parents('C0FUTURE').length, 0, 'no refused request started a capture');
    // Counted by reason on /metrics, beside the log line.
    const m = /^leakbot_slack_requests_refused_total\{reason="bad_signature"\} (\d+)$/m.exec(await (await fetch(`${a.baseUrl}/metrics`)).text());
    assert.ok(m && Number(m[1]) >= cases.length, m?.[0]);
  });

  it('a replayed signed command runs once, whichever web process receives the copy', async () => {
    const body = commandBody({ text: 'snapshot svc-order', channel: 'C0REPLAY', responseUrl: a.slack.responseUrl() });
    const headers = signedHeaders(SIGNING_SECRET, body);
    const first = await postRaw(a.eventsUrl, headers, body);
    assert.equal(first.status, 200);
    assert.match(String(first.json?.text), /svc-order/);
    const again = await postRaw(a.eventsUrl, headers, body);
    assert.equal(again.status, 409, 'same process refuses the replay');
    const elsewhere = await postRaw(b.eventsUrl, headers, body);
    assert.equal(elsewhere.status, 409, 'the other web process refuses it too (Redis)');
    assert.match(await (await fetch(`${b.baseUrl}/metrics`)).text(), /^leakbot_slack_requests_refused_total\{reason="replay"\} 1$/m);
    await waitThread(a.slack, 'C0REPLAY', 0);
    // A fresh signature for the same text is a new request (a person typing it again).
    const retyped = await a.command({ text: 'help', channel: 'C0REPLAY' });
    assert.equal(retyped.status, 200);
    assert.equal(a.slack.parents('C0REPLAY').length, 1, 'one capture thread, not two');
  });

  it('Redis down: the process still answers and still drops replays it has seen', async () => {
    const body = commandBody({ text: 'help', channel: 'C0NOREDIS', responseUrl: a.slack.responseUrl() });
    const headers = signedHeaders(SIGNING_SECRET, body);
    await a.redis.stop();
    try {
      const first = await postRaw(a.eventsUrl, headers, body);
      assert.equal(first.status, 200, 'answered while Redis is down');
      assert.match(String(first.json?.text), /\/leak snapshot/);
      const again = await postRaw(a.eventsUrl, headers, body);
      assert.equal(again.status, 409, 'replay to the same process refused from its memory');
    } finally {
      await a.redis.start();
      // Let both processes reconnect before the suite stops them.
      for (const x of [a, b]) while ((await fetch(`${x.baseUrl}/healthz`)).status !== 200);
    }
  });

  it('a request signed with another secret, or stamped outside the window, is logged with what to check', async () => {
    // A new team that pasted the Client Secret as SLACK_SIGNING_SECRET sees "dispatch_failed" in
    // Slack; the log line was only {"reason":"signature mismatch"}.
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const w = await startHarness({ configYaml: 'services:\n  svc-order:\n    url: http://127.0.0.1:9/\n', role: 'web', redis: a.redis, slack: a.slack, logLevel: 'warn', logDestination: destination });
    try {
      const body = commandBody({ text: 'help', responseUrl: a.slack.responseUrl() });
      assert.equal((await postRaw(w.eventsUrl, signedHeaders('the-client-secret-not-the-signing-one', body), body)).status, 401);
      assert.equal((await postRaw(w.eventsUrl, signedHeaders(SIGNING_SECRET, body, { staleSeconds: 900 }), body)).status, 401);
      const refused = lines.map((l) => JSON.parse(l) as { msg: string; hint?: string }).filter((l) => /slack request refused/.test(l.msg));
      const mismatch = refused.find((l) => /signature mismatch/.test(l.msg));
      assert.match(String(mismatch?.hint), /SLACK_SIGNING_SECRET is not this Slack app's Signing Secret .*Basic Information → App Credentials → Signing Secret; not the Client Secret/, JSON.stringify(refused));
      const stale = refused.find((l) => /timestamp too old/.test(l.msg));
      assert.match(String(stale?.hint), /this host's clock is more than 5 minutes off/, JSON.stringify(refused));
      assert.ok(!lines.join('').includes('the-client-secret-not-the-signing-one'));
    } finally {
      await w.close();
    }
  });

  it('verifySlackSignature: refusal reasons never quote the signature', () => {
    const now = Date.UTC(2026, 0, 1);
    const ts = String(now / 1000);
    const body = Buffer.from('a=1');
    const h = signedHeaders(SIGNING_SECRET, 'a=1', { timestamp: ts });
    assert.deepEqual(verifySlackSignature(h, body, SIGNING_SECRET, now), { ok: true, timestamp: now / 1000, signature: h['x-slack-signature']!.slice(3) });
    const wrong = verifySlackSignature(h, Buffer.from('a=2'), SIGNING_SECRET, now);
    assert.deepEqual(wrong, { ok: false, reason: 'signature mismatch' });
    assert.deepEqual(verifySlackSignature(h, body, SIGNING_SECRET, now + 301_000), { ok: false, reason: 'timestamp too old' });
    assert.deepEqual(verifySlackSignature(h, body, SIGNING_SECRET, now - 301_000), { ok: false, reason: 'timestamp in the future' });
    assert.deepEqual(verifySlackSignature({ ...h, 'x-slack-signature': 'v1=abc' }, body, SIGNING_SECRET, now), { ok: false, reason: 'malformed signature' });
  });
});
