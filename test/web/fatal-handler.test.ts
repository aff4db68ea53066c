// The process-wide handlers of `leakbot web`: an exception or rejection that escaped every handler
// is logged (error serialized without req/res, no header values) and the process keeps serving.
// A real process: src/main.ts's run(), with a real request object on the error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startSlackStub, type SlackStub } from '../support/slack-stub.js';
import { SIGNING_SECRET } from '../e2e/harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Starts `web`, then, on its first request to /escape, throws from a timer (uncaught) and rejects a
// promise nobody awaits, both carrying that request (with its Authorization and Cookie headers).
const SCRIPT = `
import { run } from './src/main.ts';
const running = await run('web');
const server = (await import('node:http')).createServer((req, res) => {
  const err = Object.assign(new Error('boom from a library'), { req, res, headers: req.headers });
  setTimeout(() => { throw err; });
  void Promise.reject(Object.assign(new Error('rejected by a library'), { request: req }));
  res.end('thrown');
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'escape listening', port: server.address().port, web: running.port })));
`;

describe('process-wide error handlers', () => {
  let dir: string;
  let redis: TestRedis;
  let slack: SlackStub;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbot-fatal-'));
    [redis, slack] = await Promise.all([startRedis(), startSlackStub()]);
    writeFileSync(join(dir, 'leakbot.yml'), 'services:\n  svc-order:\n    url: http://127.0.0.1:9/\n');
  });
  after(async () => {
    await slack?.close();
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs an uncaught exception and an unhandled rejection without secrets, and keeps serving', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
      cwd: root,
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LEAKBOT_CONFIG: join(dir, 'leakbot.yml') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const seen = (pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        const check = (line: string) => {
          try {
            const l = JSON.parse(line) as Record<string, unknown>;
            if (pred(l)) resolve(l);
          } catch {
            /* not JSON */
          }
        };
        lines.forEach(check);
        createInterface({ input: proc.stdout! }).on('line', (line) => (lines.push(line), check(line)));
        proc.once('exit', (code) => reject(new Error(`exited ${code}: ${lines.join('\n')}`)));
      });
    proc.stderr!.on('data', (c: Buffer) => lines.push(c.toString()));
    try {
      const ready = await seen((l) => l.msg === 'escape listening');
      const res = await fetch(`http://127.0.0.1:${String(ready.port)}/escape`, { headers: { authorization: 'Bearer sk-live-777', cookie: 'sid=cookie-999' } });
      assert.equal(await res.text(), 'thrown');
      const fatal = await seen((l) => l.msg === 'uncaught exception; still serving');
      await seen((l) => l.msg === 'unhandled promise rejection; still serving');
      assert.match(String((fatal.err as { message: string }).message), /boom from a library/);
      const hz = await fetch(`http://127.0.0.1:${String(ready.web)}/healthz`);
      assert.equal(hz.status, 200, 'still serving');
      assert.equal(proc.exitCode, null);
      const m = await (await fetch(`http://127.0.0.1:${String(ready.web)}/metrics`)).text();
      assert.match(m, /leakbot_uncaught_errors_total\{kind="exception"\} 1/);
      const all = lines.join('\n');
      for (const s of ['sk-live-777', 'cookie-999', slack.token, SIGNING_SECRET]) assert.ok(!all.includes(s), `${s} reached the logs`);
    } finally {
      proc.kill('SIGKILL');
    }
  });
});
