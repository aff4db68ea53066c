// `prometheus:` services: the active targets of one scrape job, as Prometheus discovered them (pods,
// VMs, Consul…). API: GET /api/v1/targets?state=active and /api/v1/query
// (https://prometheus.io/docs/prometheus/latest/querying/api/#targets). The Prometheus URL is from the
// config; the instance addresses come from Prometheus's answer, never from a user.
import { Agent, request } from 'undici';
import { baseUrl, DiscoveryError, type Instance } from './types.js';

export interface PrometheusSource {
  url: string;
  job: string;
  port?: number;
  headers: Record<string, string>;
}

export interface PrometheusOptions {
  timeoutMs: number;
  scheme: 'http' | 'https';
  basePath: string;
}

/** Labels kept for display; Kubernetes SD's long names are folded into the short ones. */
const KEEP: Record<string, string> = {
  instance: 'instance',
  pod: 'pod',
  kubernetes_pod_name: 'pod',
  namespace: 'namespace',
  kubernetes_namespace: 'namespace',
  node: 'node',
  kubernetes_node_name: 'node',
};

const MAX_BODY = 16 * 1024 * 1024;
const agent = new Agent({ keepAliveTimeout: 4_000, connect: { timeout: 5_000 } });

interface ActiveTarget {
  labels?: Record<string, string>;
  scrapePool?: string;
  scrapeUrl?: string;
  health?: string;
}

async function getJson(src: PrometheusSource, path: string, timeoutMs: number): Promise<unknown> {
  const url = `${src.url.replace(/\/+$/, '')}${path}`;
  const where = `Prometheus at ${new URL(src.url).origin}`;
  let res;
  try {
    res = await request(url, {
      dispatcher: agent,
      headers: { accept: 'application/json', ...src.headers },
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (err) {
    throw new DiscoveryError(`Could not ask ${where} for the targets of job ${src.job} (${(err as { code?: string }).code ?? 'network error'}).`, { cause: err });
  }
  // undici's request() never follows redirects: a 3xx lands here and is refused like any non-200.
  if (res.statusCode !== 200) {
    await res.body.dump().catch(() => {});
    throw new DiscoveryError(`${where} answered HTTP ${res.statusCode} for the targets of job ${src.job}.`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_BODY) {
      res.body.destroy();
      throw new DiscoveryError(`${where} sent more than 16 MiB of targets; leakbot stopped reading.`);
    }
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new DiscoveryError(`${where} did not answer with JSON for the targets of job ${src.job}.`, { cause: err });
  }
}

/** The job's active targets as instances (id = the `instance` label, sorted), with start times from
 *  `process_start_time_seconds` when Prometheus has them. Throws DiscoveryError when Prometheus cannot
 *  be asked or knows no target of the job. */
export async function prometheusInstances(src: PrometheusSource, opts: PrometheusOptions): Promise<Instance[]> {
  const body = (await getJson(src, '/api/v1/targets?state=active', opts.timeoutMs)) as { data?: { activeTargets?: ActiveTarget[] } };
  const targets = body.data?.activeTargets;
  if (!Array.isArray(targets)) throw new DiscoveryError(`Prometheus at ${new URL(src.url).origin} answered without a target list.`);
  const out = new Map<string, Instance>();
  for (const t of targets) {
    const labels = t.labels ?? {};
    if (labels.job !== src.job && t.scrapePool !== src.job) continue;
    if (typeof t.scrapeUrl !== 'string') continue;
    let scraped: URL;
    try {
      scraped = new URL(t.scrapeUrl);
    } catch {
      continue;
    }
    const host = scraped.hostname.replace(/^\[|\]$/g, '');
    const port = src.port ?? (scraped.port ? Number(scraped.port) : scraped.protocol === 'https:' ? 443 : 80);
    const id = labels.instance ?? scraped.host;
    const kept: Record<string, string> = {};
    for (const [from, to] of Object.entries(KEEP)) if (labels[from] && !kept[to]) kept[to] = labels[from];
    if (t.health) kept.health = t.health;
    out.set(id, { id, name: kept.pod ?? id, url: baseUrl(opts.scheme, host, port, opts.basePath), labels: kept });
  }
  if (out.size === 0) throw new DiscoveryError(`Prometheus at ${new URL(src.url).origin} has no active targets for job ${src.job}.`);
  await addStartTimes(src, out, opts.timeoutMs).catch(() => undefined);
  return [...out.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Best effort: a process start time is one more restart signal, not a requirement. */
async function addStartTimes(src: PrometheusSource, byId: Map<string, Instance>, timeoutMs: number): Promise<void> {
  const q = encodeURIComponent(`process_start_time_seconds{job=${JSON.stringify(src.job)}}`);
  const body = (await getJson(src, `/api/v1/query?query=${q}`, timeoutMs)) as {
    data?: { result?: Array<{ metric?: Record<string, string>; value?: [number, string] }> };
  };
  for (const r of body.data?.result ?? []) {
    const inst = r.metric?.instance ? byId.get(r.metric.instance) : undefined;
    const v = Number(r.value?.[1]);
    if (inst && Number.isFinite(v) && v > 0) inst.startTime = Math.round(v * 1000);
  }
}
