// Fleet figures on real parts: 20 real leaksvc processes (2,000 parked goroutines each, one of them
// leaking) behind one `targets:` service, redis-server, the Slack stand-in, and leakbot as deployed
// (`leakbot web` + `leakbot worker` processes) driven by signed slash commands:
//  - command → fleet summary in the thread (goal < 3 s)
//  - most captures in flight at once per instance, measured at the instances by a counting proxy in
//    front of each (goal 1: three concurrent commands must share, never double a capture)
//  - the worker's peak RSS (VmHWM from /proc)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIGNING_SECRET } from '../test/e2e/harness.js';
import { spawnLeakbot, type LeakbotProcess } from '../test/e2e/processes.js';
import { startGoService, type GoService } from '../test/support/go-service.js';
import { startRedis, type TestRedis } from '../test/support/redis.js';
import { sendCommand } from '../test/support/slack-request.js';
import { startSlackStub, type SlackStub } from '../test/support/slack-stub.js';

const INSTANCES = 20;
const GOROUTINES = 2000;

/** A pass-through HTTP proxy in front of one instance that counts its concurrent pprof requests. */
async function countingProxy(target: string, seen: { now: number; max: number }): Promise<{ url: string; server: Server }> {
  const t = new URL(target);
  const server = createServer((req, res) => {
    const pprof = (req.url ?? '').startsWith('/debug/pprof/');
    if (pprof) seen.max = Math.max(seen.max, ++seen.now);
    const up = request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    let closed = false;
    const done = () => {
      if (pprof && !closed) seen.now--;
      closed = true;
    };
    res.once('close', done);
    up.once('error', () => {
      res.destroy();
      done();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, server };
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

export async function run(): Promise<void> {
  let redis: TestRedis | null = null;
  let slack: SlackStub | null = null;
  const pods: GoService[] = [];
  const proxies: Server[] = [];
  const procs: LeakbotProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-bench-fleet-'));
  try {
    [redis, slack] = await Promise.all([startRedis(), startSlackStub()]);
    // Started a few at a time: 20 Go processes parking 2,000 goroutines each on a 2-core machine.
    for (let i = 0; i < INSTANCES; i += 5)
      pods.push(...(await Promise.all(Array.from({ length: Math.min(5, INSTANCES - i) }, () => startGoService({ args: ['-goroutines', String(GOROUTINES), '-stacks', '40'] })))));
    const counters = pods.map(() => ({ now: 0, max: 0 }));
    const fronts = await Promise.all(pods.map((p, i) => countingProxy(p.url, counters[i]!)));
    proxies.push(...fronts.map((f) => f.server));
    const cfg = join(dir, 'leakbot.yml');
    writeFileSync(
      cfg,
      `services:\n  svc-fleet:\n    targets: [${fronts.map((f) => `"${f.url}"`).join(', ')}]\n    minIntervalSeconds: 0\n    fleet: { sample: ${INSTANCES}, concurrency: 8 }\n`,
    );
    const env = { SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LEAKBOT_CONFIG: cfg, LOG_LEVEL: 'info' };
    const web = spawnLeakbot('web', env);
    const worker = spawnLeakbot('worker', env);
    procs.push(web, worker);
    const port = (await web.waitLog((l) => l.msg === 'http server listening', 90_000)).port as number;
    await worker.waitLog((l) => l.msg === 'worker started', 90_000);
    const events = `http://127.0.0.1:${port}/slack/events`;
    const s = slack;
    const command = (ch: string) => sendCommand(events, SIGNING_SECRET, { text: 'snapshot svc-fleet', channel: ch, user: 'U0BENCH', responseUrl: s.responseUrl() });
    const summarised = (ch: string) => {
      const p = s.parents(ch)[0];
      return !!p && s.replies(ch, p.ts).some((r) => /^Fleet of svc-fleet/.test(r.text)) && !/capturing…/.test(p.text);
    };
    const timed = async (ch: string): Promise<number> => {
      const t0 = performance.now();
      const ack = await command(ch);
      if (ack.status !== 200) throw new Error(`ack failed: ${ack.status}`);
      await s.waitFor(`fleet summary in ${ch}`, () => summarised(ch), 120_000);
      return performance.now() - t0;
    };

    await timed('C0FWARM'); // first round: JIT, connections, no earlier snapshots
    await pods[7]!.leak('chansend', 300);
    // Three people ask at once: one capture per instance, the others share it.
    const concurrent = await Promise.all(['C0FCON0', 'C0FCON1', 'C0FCON2'].map(timed));
    const lat: number[] = [];
    for (let i = 0; i < 5; i++) {
      await pods[7]!.leak('chansend', 50);
      lat.push(await timed(`C0FSEQ${i}`));
    }
    const sorted = [...lat].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const maxInFlight = Math.max(...counters.map((c) => c.max));
    const last = s.parents('C0FSEQ4')[0]!;
    const verdict = /on 1 of 20 pods/.test(last.text) ? 'names the one leaking pod' : `verdict: ${last.text.slice(0, 120)}`;
    console.log(
      `fleet snapshot, ${INSTANCES} instances × ${GOROUTINES.toLocaleString('en-US')} goroutines: command → fleet summary median ${fmt(median)}  max ${fmt(sorted[sorted.length - 1]!)} over ${lat.length} runs; 3 concurrent commands ${concurrent.map(fmt).join(' / ')}  (goal < 3 s: ${median < 3000 ? 'met (median)' : 'MISSED'}; ${verdict})`,
    );
    console.log(`captures in flight per instance, measured at the instances: max ${maxInFlight}  (goal 1: ${maxInFlight <= 1 ? 'met' : 'MISSED'})`);
    const steps = worker.logs.filter((l) => l.msg === 'fleet snapshot analysed and posted').slice(-5);
    const med = (k: string) => [...steps.map((l) => Number(l[k]))].sort((a, b) => a - b)[Math.floor(steps.length / 2)] ?? NaN;
    const captures = worker.logs.filter((l) => l.msg === 'captured goroutine profile').slice(-INSTANCES).map((l) => Number(l.ms)).sort((a, b) => a - b);
    console.log(
      `  worker steps (median of the last ${steps.length}): capture ${fmt(med('captureMs'))} (one instance: median ${fmt(captures[Math.floor(captures.length / 2)] ?? NaN)}, max ${fmt(captures.at(-1) ?? NaN)}), analyse ${fmt(med('analyseMs'))}, post ${fmt(med('postMs'))}`,
    );
    console.log(`worker peak RSS (VmHWM): ${peakRssMb(worker.proc.pid!).toFixed(0)} MB; web ${peakRssMb(web.proc.pid!).toFixed(0)} MB`);
  } finally {
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    for (const p of proxies) p.close();
    await Promise.all(pods.map((p) => p.stop()));
    await slack?.close();
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
