// A real Alertmanager (Debian's prometheus-alertmanager) for tests and benchmarks: loopback only,
// clustering off, a private storage dir, a webhook receiver pointed at the URL the test gives, with the
// bearer token in a credentials_file exactly as production would configure it. Killed when the test
// process exits even if the test forgot to stop it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type Daemon } from './daemon.js';
import { onFreePort } from './redis.js';

export const alertmanagerBin = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

export interface AlertmanagerOptions {
  /** Where the webhook receiver posts, e.g. http://127.0.0.1:1234/webhooks/alertmanager. */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer <token>` (via credentials_file); omitted → no Authorization. */
  token?: string;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  /** webhook_configs.max_alerts (0 = all). */
  maxAlerts?: number;
  sendResolved?: boolean;
  /** A complete config instead of the generated one; `${WEBHOOK_URL}` and `${CREDENTIALS_FILE}` are
   *  substituted (used to run the shipped deploy/ snippet for real). */
  configTemplate?: string;
  /** Try this port first (a test that takes it away); `tries`: ports to try in all (default 3). */
  port?: number;
  tries?: number;
}

/** What POST /api/v2/alerts takes (Prometheus sends the same). Times are ISO strings or Dates. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string | Date;
  endsAt?: string | Date;
  generatorURL?: string;
}

export interface TestAlertmanager {
  url: string;
  port: number;
  configFile: string;
  /** Posts alerts as Prometheus would (firing unless endsAt is in the past). */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  /** Posts the same alerts with endsAt in the past: Alertmanager sends them as resolved. */
  resolve(alerts: PostableAlert[]): Promise<void>;
  /** GET /api/v2/alerts. */
  alerts(): Promise<Array<{ labels: Record<string, string>; fingerprint: string; status: { state: string } }>>;
  /** Stops the process (SIGTERM, then SIGKILL after 10 s). Storage survives for start(). */
  stop(): Promise<void>;
  /** Starts it again on the same ports; `fresh` wipes its notification log first (as a new HA replica
   *  that never saw the earlier notifications would behave). */
  start(opts?: { fresh?: boolean }): Promise<void>;
  /** Last lines of its log (for assertion messages). */
  log(): string;
  close(): Promise<void>;
}

export function alertmanagerConfig(opts: AlertmanagerOptions, credentialsFile: string): string {
  if (opts.configTemplate) {
    return opts.configTemplate.replaceAll('${WEBHOOK_URL}', opts.webhookUrl).replaceAll('${CREDENTIALS_FILE}', credentialsFile);
  }
  const auth = opts.token
    ? `
        http_config:
          authorization:
            type: Bearer
            credentials_file: ${JSON.stringify(credentialsFile)}`
    : '';
  return `route:
  receiver: leakbot
  group_by: ${JSON.stringify(opts.groupBy ?? ['alertname', 'service'])}
  group_wait: ${opts.groupWait ?? '1s'}
  group_interval: ${opts.groupInterval ?? '2s'}
  repeat_interval: ${opts.repeatInterval ?? '1h'}
receivers:
  - name: leakbot
    webhook_configs:
      - url: ${JSON.stringify(opts.webhookUrl)}
        send_resolved: ${opts.sendResolved ?? true}
        max_alerts: ${opts.maxAlerts ?? 0}${auth}
`;
}

export async function startAlertmanager(opts: AlertmanagerOptions): Promise<TestAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-am-'));
  const configFile = join(dir, 'alertmanager.yml');
  const credentialsFile = join(dir, 'token');
  const storage = join(dir, 'data');
  writeFileSync(credentialsFile, opts.token ?? '', { mode: 0o600 });
  writeFileSync(configFile, alertmanagerConfig(opts, credentialsFile));
  let port = 0;
  let url = '';
  let proc: Daemon | null = null;
  let last: Daemon | null = null;

  async function start(startOpts: { fresh?: boolean } = {}): Promise<void> {
    if (startOpts.fresh) rmSync(storage, { recursive: true, force: true });
    const d = spawnDaemon(
      'alertmanager',
      alertmanagerBin,
      [
        `--config.file=${configFile}`,
        `--storage.path=${storage}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=', // no gossip port, no HA: a single loopback instance
        `--web.external-url=${url}`,
        '--log.level=debug',
      ],
    );
    proc = last = d;
    await d.started(`ready on ${url}`, async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok);
  }

  async function stop(): Promise<void> {
    const p = proc;
    proc = null;
    await p?.stop();
  }

  const iso = (t: string | Date | undefined): string | undefined => (t instanceof Date ? t.toISOString() : t);

  async function postAlerts(alerts: PostableAlert[]): Promise<void> {
    const body = alerts.map((a) => ({
      labels: a.labels,
      annotations: a.annotations ?? {},
      ...(a.startsAt ? { startsAt: iso(a.startsAt) } : {}),
      ...(a.endsAt ? { endsAt: iso(a.endsAt) } : {}),
      generatorURL: a.generatorURL ?? 'http://prometheus.test:9090/graph?g0.expr=go_goroutines',
    }));
    const res = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) throw new Error(`alertmanager POST /api/v2/alerts: ${res.status} ${await res.text()}`);
  }

  // On a port from freePort(), moving to another when it was taken before Alertmanager bound it
  // (onFreePort); start() later restarts it on the port it got.
  const startOn = (p: number) => {
    [port, url] = [p, `http://127.0.0.1:${p}`];
    return start();
  };
  await onFreePort(startOn, { ...(opts.port !== undefined ? { first: opts.port } : {}), ...(opts.tries !== undefined ? { tries: opts.tries } : {}) }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    url,
    port,
    configFile,
    postAlerts,
    // Resolved: an end in the past, but after the start (Alertmanager refuses endsAt before startsAt,
    // which a second back would be for an alert started within the last second).
    resolve: (alerts) =>
      postAlerts(alerts.map((a) => ({ ...a, endsAt: new Date(Math.max(Date.now() - 1000, a.startsAt ? new Date(a.startsAt).getTime() + 1 : 0)) }))),
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`, { signal: AbortSignal.timeout(15_000) });
      if (!res.ok) throw new Error(`alertmanager GET /api/v2/alerts: ${res.status}`);
      return (await res.json()) as Awaited<ReturnType<TestAlertmanager['alerts']>>;
    },
    stop,
    start,
    log: () => last?.log() ?? '',
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
