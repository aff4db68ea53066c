// Slack path figures on real parts: redis-server, the leaking Go service, the Slack stand-in, and
// leakbot as deployed — a `leakbot web` process and a `leakbot worker` process — driven by signed
// HTTP requests from this process:
//  - ack latency p50/p99 of `/leak snapshot` under 50 concurrent commands (goal p99 < 300 ms)
//  - command → findings-in-thread latency for a 10,000-goroutine service (goal < 1.5 s)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SIGNING_SECRET } from '../test/e2e/harness.js';
import { spawnLeakbot, type LeakbotProcess } from '../test/e2e/processes.js';
import { startGoService, type GoService } from '../test/support/go-service.js';
import { startRedis, type TestRedis } from '../test/support/redis.js';
import { sendCommand } from '../test/support/slack-request.js';
import { startSlackStub, type SlackStub } from '../test/support/slack-stub.js';

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

export async function run(): Promise<void> {
  let go: GoService | null = null;
  let redis: TestRedis | null = null;
  let slack: SlackStub | null = null;
  const procs: LeakbotProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-bench-'));
  try {
    [go, redis, slack] = await Promise.all([startGoService(), startRedis(), startSlackStub()]);
    const cfg = join(dir, 'leakbot.yml');
    writeFileSync(cfg, `services:\n  svc-order:\n    url: ${go.url}\n    minIntervalSeconds: 0\n  svc-big:\n    url: ${go.url}\n    minIntervalSeconds: 0\n  svc-big-compact:\n    url: ${go.url}\n    minIntervalSeconds: 0\n    debug2MaxGoroutines: 5000\n`);
    const env = { SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LEAKBOT_CONFIG: cfg, LOG_LEVEL: 'warn' };
    const web = spawnLeakbot('web', { ...env, LOG_LEVEL: 'info' });
    const worker = spawnLeakbot('worker', { ...env, LOG_LEVEL: 'info' });
    procs.push(web, worker);
    const port = (await web.waitLog((l) => l.msg === 'http server listening', 90_000)).port as number;
    await worker.waitLog((l) => l.msg === 'worker started', 90_000);
    const events = `http://127.0.0.1:${port}/slack/events`;
    const s = slack;
    const command = (text: string, channel: string, user = 'U0BENCH') => sendCommand(events, SIGNING_SECRET, { text, channel, user, responseUrl: s.responseUrl() });
    const done = (ch: string) => {
      const p = s.parents(ch)[0];
      return !!p && s.replies(ch, p.ts).length > 0 && !/capturing…/.test(p.text);
    };

    // 1. Ack latency: rounds of 50 concurrent signed slash commands (5 channels → 5 jobs per round).
    const acks: number[] = [];
    for (let r = 0; r < 7; r++) {
      const res = await Promise.all(Array.from({ length: 50 }, (_, i) => command('snapshot svc-order', `C0BENCH${r}X${i % 5}`, `U0B${r}X${i}`)));
      for (const x of res) if (x.status !== 200) throw new Error(`ack failed: ${x.status} ${x.text}`);
      if (r > 0) acks.push(...res.map((x) => x.ms)); // round 0 warms up the JIT and connections
      await s.waitFor('round drained', () => [0, 1, 2, 3, 4].every((i) => done(`C0BENCH${r}X${i}`)), 120_000);
    }
    acks.sort((a, b) => a - b);
    const p99 = pct(acks, 99);
    console.log(`ack latency, 50 concurrent /leak snapshot to \`leakbot web\` (${acks.length} commands): p50 ${fmt(pct(acks, 50))}  p99 ${fmt(p99)}  max ${fmt(acks[acks.length - 1]!)}  (goal p99 < 300 ms: ${p99 < 300 ? 'met' : 'MISSED'})`);

    // 2. Command → findings for a ~10,000-goroutine service: with the default format choice
    //    (debug=2 below 20,000 goroutines) and with debug2MaxGoroutines: 5000 (the proto profile only).
    await go.bulk(9400, 200);
    await go.leak('chansend', 500);
    const r = new Redis(redis.url);
    for (const svc of ['svc-big', 'svc-big-compact']) {
      await command(`snapshot ${svc}`, `C0WARM${svc.length}`);
      await s.waitFor('warm-up findings', () => done(`C0WARM${svc.length}`), 60_000);
      const lat: number[] = [];
      for (let i = 0; i < 5; i++) {
        await go.leak('chansend', 20);
        const ch = `C0BIG${svc.length}X${i}`;
        const t0 = performance.now();
        await command(`snapshot ${svc}`, ch);
        await s.waitFor('findings', () => done(ch), 60_000);
        lat.push(performance.now() - t0);
      }
      const total = await go.count();
      const metaRaw = await r.get(`leakbot:snap:${svc}:${await r.get(`leakbot:snap:${svc}:seq`)}:meta`);
      const meta = metaRaw ? (JSON.parse(metaRaw) as { format: string; bytes: number; durationMs: number }) : null;
      const sorted = [...lat].sort((a, b) => a - b);
      console.log(
        `command → findings, ${total.toLocaleString('en-US')}-goroutine service, ${meta?.format} (${((meta?.bytes ?? 0) / 1e6).toFixed(1)} MB): median ${fmt(pct(sorted, 50))}  max ${fmt(sorted[sorted.length - 1]!)}  over ${lat.length} runs; capture alone ${meta?.durationMs} ms in the last  (goal < 1500 ms: ${pct(sorted, 50) < 1500 ? 'met (median)' : 'MISSED'})`,
      );
    }
    r.disconnect();
  } finally {
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await go?.stop();
    await slack?.close();
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
