// The compiled package as users get it (everything else tests the sources through tsx):
// - `npm pack` → `npm install --omit=dev` elsewhere: the bin runs dist/ with no TypeScript tooling
//   installed, finds templates/ and package.json from dist/, and starts the bot;
// - `npm start` in the checkout: SIGTERM (or SIGKILL) to npm never leaves leakbot serving as an
//   orphan. npm's stdout pipe is shared by the whole process tree, so its end is the event that
//   says every process of the tree has exited.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { repoRoot } from './support/leakbot-cli.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { startSlackStub, type SlackStub } from './support/slack-stub.js';

const run = promisify(execFile);
const fixture = join(repoRoot, 'test', 'fixtures', 'dumps', 'go1.26', 'leak-chansend.t1.debug2.txt');

interface Tree {
  proc: ChildProcess;
  logs: Array<Record<string, unknown>>;
  /** Resolves with the first JSON log line matching pred. */
  waitLog(pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves when stdout reaches its end: every process holding the pipe has exited. */
  closed: Promise<void>;
}

/** Starts a process tree with JSON logs on stdout (pino), collecting them. */
function startTree(cmd: string, args: string[], cwd: string, env: Record<string, string>): Tree {
  const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<{ pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = [];
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const closed = new Promise<void>((resolve) => proc.stdout!.once('close', () => resolve()));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return; // npm's "> leakbot@… start" banner
    const l = JSON.parse(line) as Record<string, unknown>;
    logs.push(l);
    for (const w of [...waiters]) if (w.pred(l)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(l));
  });
  return {
    proc,
    logs,
    closed,
    waitLog: (pred) =>
      new Promise((resolve, reject) => {
        const hit = logs.find(pred);
        if (hit) return resolve(hit);
        waiters.push({ pred, resolve });
        void closed.then(() => reject(new Error(`process tree ended before the expected log line; stderr:\n${stderr}`)));
      }),
  };
}

/** Whether pid is a running process; an exited one that init has not reaped yet (zombie) is not. */
const alive = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
};

describe('the compiled package', { timeout: 600_000 }, () => {
  let dir: string;
  let redis: TestRedis;
  let slack: SlackStub;
  let env: Record<string, string>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbot-package-'));
    [redis, slack] = await Promise.all([startRedis(), startSlackStub()]);
    // The checkout's dist/ (gitignored) from the current sources, for `npm start` below.
    await run('npm', ['run', 'build'], { cwd: repoRoot, timeout: 300_000 });
    const cfg = join(dir, 'leakbot.yml');
    writeFileSync(cfg, 'services:\n  svc-order:\n    url: http://127.0.0.1:9\n');
    env = { PORT: '0', LOG_LEVEL: 'info', SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: 'signing-secret-for-tests', SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LEAKBOT_CONFIG: cfg };
  });
  after(async () => {
    await slack?.close();
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('installed from its tarball without dev dependencies: runs dist/, finds its files, starts the bot', async () => {
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repoRoot, timeout: 120_000 });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed!.files.map((f) => f.path);
    assert.ok(files.includes('dist/src/cli.js') && files.includes('bin/leakbot.js') && files.includes('templates/postmortem.md'), files.join(' '));
    assert.ok(!files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no TypeScript sources shipped');

    const app = join(dir, 'app');
    writeFileSync(join(dir, 'package.json'), '{}'); // keeps npm from walking up to another project
    await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--prefix', app, join(dir, packed!.filename)], { cwd: dir, timeout: 300_000 });
    const installed = join(app, 'node_modules', 'leakbot');
    assert.ok(!existsSync(join(app, 'node_modules', 'tsx')) && !existsSync(join(app, 'node_modules', 'typescript')), 'no TypeScript tooling installed');
    const bin = join(app, 'node_modules', '.bin', 'leakbot');

    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal((await run(bin, ['--version'])).stdout.trim(), version);
    const analysed = JSON.parse((await run(bin, ['analyze', '--json', fixture])).stdout) as { goroutines: number; findings: Array<{ pattern: string }> };
    assert.equal(analysed.goroutines, 34);
    assert.ok(analysed.findings.length > 0);

    // The bot loads its checklist and postmortem templates at start: from the installed templates/.
    const bot = startTree(bin, ['start'], dir, env);
    try {
      const l = await bot.waitLog((x) => x.msg === 'worker started');
      assert.equal(l.role, 'all');
      bot.proc.kill('SIGTERM');
      await bot.closed;
    } finally {
      bot.proc.kill('SIGKILL');
    }
    assert.ok(existsSync(join(installed, 'templates', 'checklist.yml')));
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`npm start: ${signal} to npm stops leakbot too (no orphan keeps serving)`, async () => {
      const npm = startTree('npm', ['start'], repoRoot, env);
      let pid = 0;
      try {
        const l = await npm.waitLog((x) => x.msg === 'http server listening');
        await npm.waitLog((x) => x.msg === 'worker started');
        pid = l.pid as number;
        assert.notEqual(pid, npm.proc.pid, 'leakbot runs as a child of npm');
        assert.equal((await fetch(`http://127.0.0.1:${l.port}/healthz`)).status, 200);
        npm.proc.kill(signal);
        await npm.closed; // every process of the tree has exited (or this test times out)
        assert.ok(!alive(pid), `leakbot (pid ${pid}) exited with npm`);
        await assert.rejects(fetch(`http://127.0.0.1:${l.port}/healthz`), 'nothing serves on the port any more');
        const msgs = npm.logs.map((x) => x.msg);
        assert.ok(msgs.includes('stopped'), `leakbot shut down gracefully: ${msgs.join(' | ')}`);
      } finally {
        if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
        npm.proc.kill('SIGKILL');
      }
    });
  }
});
