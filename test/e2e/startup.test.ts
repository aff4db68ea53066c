// `leakbot start|web|worker` as real processes: clear startup errors (missing env, bad config →
// names the key, exit 1), healthz/metrics in every role, a graceful SIGTERM that finishes the
// in-flight job, and logs that never contain the Slack token or signing secret.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGoService, type GoService } from '../support/go-service.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startSlackStub, type SlackStub } from '../support/slack-stub.js';
import { sendCommand } from '../support/slack-request.js';
import { SIGNING_SECRET } from './harness.js';
import { waitThread } from './helpers.js';
import { spawnLeakbot } from './processes.js';

describe('leakbot processes', () => {
  let dir: string;
  let redis: TestRedis;
  let slack: SlackStub;
  let go: GoService;
  let env: Record<string, string>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbot-startup-'));
    [redis, slack, go] = await Promise.all([startRedis(), startSlackStub(), startGoService()]);
    const cfg = join(dir, 'ok.yml');
    writeFileSync(cfg, `services:\n  svc-order:\n    url: ${go.url}\n    minIntervalSeconds: 0\n`);
    env = { SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LEAKBOT_CONFIG: cfg };
  });
  after(async () => {
    await go?.stop();
    await slack?.close();
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('missing environment: names every missing variable, exit 1', async () => {
    const p = spawnLeakbot('start', { ...env, SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '' });
    assert.equal(await p.exited, 1);
    const err = p.logs.filter((l) => l.stderr).map((l) => l.msg).join('\n');
    assert.match(err, /SLACK_BOT_TOKEN is not set/);
    assert.match(err, /SLACK_SIGNING_SECRET is not set/);
  });

  it('bad config: names the key, exit 1', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'services:\n  svc-order:\n    url: not-a-url\n    timeoutSeconds: -3\n');
    const p = spawnLeakbot('web', { ...env, LEAKBOT_CONFIG: bad });
    assert.equal(await p.exited, 1);
    const err = p.logs.filter((l) => l.stderr).map((l) => l.msg).join('\n');
    assert.match(err, /services\.svc-order\.url/);
    assert.match(err, /services\.svc-order\.timeoutSeconds/);
  });

  it('placeholders pasted from the README: each named with "replace the placeholder", exit 1', async () => {
    const p = spawnLeakbot('start', { ...env, SLACK_BOT_TOKEN: 'xoxb-…', SLACK_SIGNING_SECRET: '<your signing secret>', LEAKBOT_CONFIG: join(dir, 'missing.yml') });
    assert.equal(await p.exited, 1);
    const err = p.logs.filter((l) => l.stderr).map((l) => l.msg).join('\n');
    assert.match(err, /SLACK_BOT_TOKEN holds the README's placeholder "xoxb-…": replace the placeholder/);
    assert.match(err, /SLACK_SIGNING_SECRET holds the README's placeholder "<your signing secret>": replace the placeholder/);
    assert.match(err, /cannot read LEAKBOT_CONFIG .*missing\.yml/, 'config problems are listed in the same message');
    assert.doesNotMatch(err, /must be a bot token/, 'a placeholder is not also called malformed');
  });

  it('web and worker on one host with the same PORT: the second says so in a sentence; web logs every route', async () => {
    const web = spawnLeakbot('web', env);
    try {
      const l = await web.waitLog((x) => x.msg === 'http server listening', 90_000);
      for (const route of ['POST /slack/events', 'POST /webhooks/alertmanager', 'GET /healthz', 'GET /metrics']) {
        assert.ok((l.routes as string[]).includes(route), `the startup log lists ${route} (Bolt's beside our own): ${JSON.stringify(l.routes)}`);
      }
      const worker = spawnLeakbot('worker', { ...env, PORT: String(l.port) });
      assert.equal(await worker.exited, 1);
      const err = worker.logs.filter((x) => x.stderr).map((x) => x.msg).join('\n');
      assert.match(err, new RegExp(`port ${l.port} is already in use .*Give this worker its own PORT`));
      assert.doesNotMatch(err, /EADDRINUSE/);
      assert.equal((await fetch(`http://127.0.0.1:${l.port}/healthz`)).status, 200, 'the first process still serves');
    } finally {
      await web.kill('SIGKILL');
    }
  });

  it('a worker serves /healthz too (Docker HEALTHCHECK)', async () => {
    const p = spawnLeakbot('worker', env);
    try {
      const l = await p.waitLog((x) => x.msg === 'http server listening', 90_000);
      const res = await fetch(`http://127.0.0.1:${l.port}/healthz`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { role: string }).role, 'worker');
      assert.equal((await fetch(`http://127.0.0.1:${l.port}/slack/events`, { method: 'POST' })).status, 404, 'no Slack endpoint on a worker');
    } finally {
      await p.kill('SIGKILL');
    }
  });

  it('start: SIGTERM finishes the in-flight job, exits 0; logs carry no secrets', async () => {
    const p = spawnLeakbot('start', env);
    try {
      const l = await p.waitLog((x) => x.msg === 'http server listening', 90_000);
      await p.waitLog((x) => x.msg === 'worker started');
      await go.slow(2500);
      const ch = 'C0SIGTERM';
      const ack = await sendCommand(`http://127.0.0.1:${l.port}/slack/events`, SIGNING_SECRET, { text: 'snapshot svc-order', channel: ch, responseUrl: slack.responseUrl() });
      assert.equal(ack.status, 200);
      await p.waitLog((x) => x.msg === 'job started', 30_000);
      p.proc.kill('SIGTERM');
      assert.equal(await p.exited, 0);
      // the job finished before the process left
      const t = await waitThread(slack, ch, 0, 1, 5000);
      assert.match(t.parent.text, /goroutines/);
      assert.ok(p.logs.some((x) => x.msg === 'job done'));
      const all = p.logs.map((x) => JSON.stringify(x)).join('\n');
      assert.ok(!all.includes(slack.token), 'bot token never logged');
      assert.ok(!all.includes(SIGNING_SECRET), 'signing secret never logged');
      assert.ok(p.logs.some((x) => typeof x.requestId === 'string' && typeof x.jobId === 'string'), 'job logs carry request and job ids');
    } finally {
      await go.reset();
      await p.kill('SIGKILL');
    }
  });
});
