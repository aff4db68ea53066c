// A real Prometheus (Debian's prometheus) on a loopback port for tests of `prometheus:` services: one
// scrape job whose targets come from a file_sd file the test writes (with pod/namespace/node labels,
// as Kubernetes service discovery would attach them). `setTargets` rewrites the file and waits until
// Prometheus's /api/v1/targets shows exactly those. Killed when the test process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './redis.js';

export const prometheusBin = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export interface SdTarget {
  /** host:port */
  address: string;
  labels?: Record<string, string>;
}

export interface TestPrometheus {
  url: string;
  job: string;
  setTargets(targets: SdTarget[]): Promise<void>;
  /** Polls an instant query until its first sample's value satisfies `ok` (a scrape landed). */
  waitFor(query: string, ok: (value: number) => boolean): Promise<void>;
  log(): string;
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export async function startPrometheus(opts: { job: string; targets: SdTarget[] }): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-prom-'));
  const sdFile = join(dir, 'targets.json');
  const writeSd = (targets: SdTarget[]) => {
    // Atomic replace: Prometheus's file watcher must never read half a file.
    writeFileSync(`${sdFile}.tmp`, JSON.stringify(targets.map((t) => ({ targets: [t.address], labels: t.labels ?? {} }))));
    renameSync(`${sdFile}.tmp`, sdFile);
  };
  writeSd(opts.targets);
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: ${JSON.stringify(opts.job)}
    metrics_path: /metrics
    file_sd_configs:
      - files: [${JSON.stringify(sdFile)}]
        refresh_interval: 1s
`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    prometheusBin,
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  live.add(child);
  let logTail = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    logTail = (logTail + d).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => (live.delete(child), resolve())));

  async function poll(what: string, ok: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}\n${logTail}`);
      if (await ok().catch(() => false)) return;
      await sleep(100);
    }
    throw new Error(`prometheus on ${url}: ${what} not reached within 60 s\n${logTail}`);
  }
  const shows = (targets: SdTarget[]) => async () => {
    const res = await fetch(`${url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { data: { activeTargets: Array<{ labels: Record<string, string> }> } };
    const have = body.data.activeTargets.filter((t) => t.labels.job === opts.job).map((t) => t.labels.instance).sort();
    return have.join(',') === targets.map((t) => t.address).sort().join(',');
  };
  try {
    await poll('ready', async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok);
    await poll('initial targets', shows(opts.targets));
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    job: opts.job,
    async setTargets(targets) {
      writeSd(targets);
      await poll('new targets', shows(targets));
    },
    async waitFor(query, ok) {
      await poll(`query ${query}`, async () => {
        const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
        const v = body.data.result[0]?.value[1];
        return v !== undefined && ok(Number(v));
      });
    },
    log: () => logTail,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
