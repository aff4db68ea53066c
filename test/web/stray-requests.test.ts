// Requests leakbot does not serve (a load balancer's probe, a browser tab, a scanner) get 404/405
// and never end the process, in every role: sent to real `leakbot start|web|worker` processes,
// which must still answer /healthz and a signed command afterwards.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startSlackStub, type SlackStub } from '../support/slack-stub.js';
import { sendCommand } from '../support/slack-request.js';
import { SIGNING_SECRET } from '../e2e/harness.js';
import { spawnLeakbot, type LeakbotProcess } from '../e2e/processes.js';

const STRAY: Array<{ method: string; path: string; status: number; allow?: RegExp }> = [
  { method: 'GET', path: '/', status: 404 },
  { method: 'GET', path: '/favicon.ico', status: 404 },
  { method: 'HEAD', path: '/healthz', status: 200 },
  { method: 'HEAD', path: '/nonexistent', status: 404 },
  { method: 'OPTIONS', path: '/slack/events', status: 405, allow: /^POST$/ },
  { method: 'GET', path: '/slack/events', status: 405, allow: /^POST$/ },
  { method: 'POST', path: '/nonexistent', status: 404 },
  { method: 'POST', path: '/healthz', status: 405, allow: /^GET, HEAD$/ },
  { method: 'DELETE', path: '/metrics', status: 405 },
  { method: 'PUT', path: '/slack/events?x=1', status: 405 },
  { method: 'GET', path: '/%E0%A4%A', status: 404 },
];

describe('stray requests never end the process', () => {
  let dir: string;
  let redis: TestRedis;
  let slack: SlackStub;
  let env: Record<string, string>;
  const procs: LeakbotProcess[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbot-stray-'));
    [redis, slack] = await Promise.all([startRedis(), startSlackStub()]);
    const cfg = join(dir, 'leakbot.yml');
    writeFileSync(cfg, 'services:\n  svc-order:\n    url: http://127.0.0.1:9/\n');
    env = { SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LEAKBOT_CONFIG: cfg };
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    await slack?.close();
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const role of ['start', 'web', 'worker'] as const) {
    it(`${role}: 404/405 for what it does not serve, and keeps serving`, async () => {
      const p = spawnLeakbot(role, env);
      procs.push(p);
      const l = await p.waitLog((x) => x.msg === 'http server listening', 90_000);
      const base = `http://127.0.0.1:${String(l.port)}`;
      for (const s of STRAY) {
        const res = await fetch(`${base}${s.path}`, { method: s.method, ...(s.method === 'POST' ? { body: 'x=1' } : {}) });
        await res.arrayBuffer();
        const expected = role === 'worker' && s.path.startsWith('/slack/events') ? 404 : s.status;
        assert.equal(res.status, expected, `${role}: ${s.method} ${s.path}`);
        if (s.allow && expected === 405) assert.match(res.headers.get('allow') ?? '', s.allow, `${s.method} ${s.path} names what is allowed`);
      }
      // A request line Node cannot parse gets 400 from the server, not a crash.
      assert.match(await rawRequest(Number(l.port), 'NOT HTTP AT ALL\r\n\r\n'), /^HTTP\/1\.1 400/);
      if (role !== 'worker') {
        const unsigned = await fetch(`${base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"event_callback"}' });
        assert.equal(unsigned.status, 401, 'unsigned Slack request refused');
        const ack = await sendCommand(`${base}/slack/events`, SIGNING_SECRET, { text: 'help', responseUrl: slack.responseUrl() });
        assert.equal(ack.status, 200);
        assert.match(String(ack.json?.text), /\/leak snapshot/);
      }
      const hz = await fetch(`${base}/healthz`);
      assert.equal(hz.status, 200, 'still healthy after the stray requests');
      assert.equal(p.proc.exitCode, null, 'process still running');
      assert.ok(!p.logs.some((x) => /uncaught|Unhandled HTTP request/i.test(String(x.msg))), 'nothing escaped to the process handlers');
      await p.kill('SIGTERM');
    });
  }
});

function rawRequest(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(data));
    let out = '';
    sock.on('data', (c: Buffer) => (out += c.toString('latin1')));
    sock.on('end', () => resolve(out));
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
  });
}
