// A real Prometheus (Debian's prometheus) on a loopback port for tests of `prometheus:` services: one
// scrape job whose targets come from a file_sd file the test writes (with pod/namespace/node labels,
// as Kubernetes service discovery would attach them). `setTargets` rewrites the file and waits until
// Prometheus's /api/v1/targets shows exactly those. Killed when the test process exits.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type Daemon } from './daemon.js';
import { onFreePort } from './redis.js';

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

export interface PrometheusOptions {
  job: string;
  targets: SdTarget[];
  /** A rule file's YAML (`groups:` …), loaded with rule_files and evaluated every second. */
  rules?: string;
  /** Alertmanager base URL (http://127.0.0.1:port) the firing rules are sent to. */
  alertmanagerUrl?: string;
  /** Listen on this loopback port (from freePort(): a config naming Prometheus is written before it starts). */
  port?: number;
  /** Without `port`: try this port first (a test that takes it away), and `tries` ports in all (default 3). */
  firstPort?: number;
  tries?: number;
}

export async function startPrometheus(opts: PrometheusOptions): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-prom-'));
  const sdFile = join(dir, 'targets.json');
  const writeSd = (targets: SdTarget[]) => {
    // Atomic replace: Prometheus's file watcher must never read half a file.
    writeFileSync(`${sdFile}.tmp`, JSON.stringify(targets.map((t) => ({ targets: [t.address], labels: t.labels ?? {} }))));
    renameSync(`${sdFile}.tmp`, sdFile);
  };
  writeSd(opts.targets);
  const configFile = join(dir, 'prometheus.yml');
  let alerting = '';
  if (opts.rules !== undefined) {
    writeFileSync(join(dir, 'rules.yml'), opts.rules);
    alerting += `rule_files: [${JSON.stringify(join(dir, 'rules.yml'))}]\n`;
  }
  if (opts.alertmanagerUrl) {
    const am = new URL(opts.alertmanagerUrl);
    alerting += `alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [${JSON.stringify(am.host)}]\n`;
  }
  writeFileSync(
    configFile,
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
${alerting}scrape_configs:
  - job_name: ${JSON.stringify(opts.job)}
    metrics_path: /metrics
    file_sd_configs:
      - files: [${JSON.stringify(sdFile)}]
        refresh_interval: 1s
`,
  );
  const shows = (url: string, targets: SdTarget[]) => async () => {
    const res = await fetch(`${url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { data: { activeTargets: Array<{ labels: Record<string, string> }> } };
    const have = body.data.activeTargets.filter((t) => t.labels.job === opts.job).map((t) => t.labels.instance).sort();
    return have.join(',') === targets.map((t) => t.address).sort().join(',');
  };
  const spawnOn = async (port: number): Promise<{ d: Daemon; url: string }> => {
    const url = `http://127.0.0.1:${port}`;
    const d = spawnDaemon('prometheus', prometheusBin, [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn']);
    await d.started(`ready on ${url}`, async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok, { timeoutMs: 60_000 });
    return { d, url };
  };
  // A port the caller gave (written into a config before this starts) is kept; else one from
  // freePort(), and another when Prometheus exited before it was ready (its port was taken
  // between freePort() and its bind: onFreePort).
  let started: Awaited<ReturnType<typeof spawnOn>>;
  try {
    started =
      opts.port !== undefined
        ? await spawnOn(opts.port)
        : await onFreePort(spawnOn, { ...(opts.firstPort !== undefined ? { first: opts.firstPort } : {}), ...(opts.tries !== undefined ? { tries: opts.tries } : {}) });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const { d, url } = started;
  const poll = (what: string, ok: () => Promise<boolean>) => d.until(`${what} on ${url}`, ok, { timeoutMs: 60_000 });
  await d.started(`the initial targets on ${url}`, shows(url, opts.targets), { timeoutMs: 60_000 });
  return {
    url,
    job: opts.job,
    async setTargets(targets) {
      writeSd(targets);
      await poll('new targets', shows(url, targets));
    },
    async waitFor(query, ok) {
      await poll(`query ${query}`, async () => {
        const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
        const v = body.data.result[0]?.value[1];
        return v !== undefined && ok(Number(v));
      });
    },
    log: d.log,
    async close() {
      await d.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
