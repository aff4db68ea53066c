// The words of target discovery: an Instance is one process of a registered service, found through
// the service's `url`, `targets`, `dns` or `prometheus` setting (src/config/schema.ts).

/** One process of a service: the only kind of address leakbot ever fetches a profile from. */
export interface Instance {
  /** Stable within the service: `host:port` of the pprof endpoint, or Prometheus's `instance` label.
   *  Snapshots, series, baselines and capture locks are keyed by it. */
  id: string;
  /** For people: the pod name when known (Prometheus's pod label; for `dns:` the SRV target's or PTR
   *  name's first label), else the id. May change between discoveries: nothing is stored under it. */
  name: string;
  /** pprof base URL (origin + optional path prefix), from the config or from discovery, never from a
   *  Slack user or an alert. */
  url: string;
  /** Display labels kept from discovery: instance, pod, namespace, node, target (SRV), host (the PTR
   *  name a `dns:` instance is named from). */
  labels: Record<string, string>;
  /** Process start (ms since epoch), when Prometheus reports process_start_time_seconds for it. */
  startTime?: number;
}

/** Where the instances of a service were found. */
export type DiscoverySource = 'url' | 'targets' | 'dns' | 'prometheus';

/** One discovery answer. */
export interface Discovery {
  source: DiscoverySource;
  /** Sorted by id; at most fleet.maxInstances. */
  instances: Instance[];
  /** How many were found before the cap. */
  found: number;
  /** When the answer was obtained (ms since epoch). */
  at: number;
  /** Set when discovery failed and this is an older answer being reused: why. */
  stale?: string;
}

/** Discovery failed and there is no earlier answer to fall back on. `userMessage` is for Slack. */
export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
  constructor(
    readonly userMessage: string,
    opts: { cause?: unknown } = {},
  ) {
    super(userMessage, opts.cause === undefined ? undefined : { cause: opts.cause });
  }
}

/** `host:port` of a URL (IPv6 hosts keep their brackets), the id of a listed instance. */
export function hostPort(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.hostname}:${port}`;
}

/** `http://host:port/basePath`, bracketing IPv6 literals. */
export function baseUrl(scheme: 'http' | 'https', host: string, port: number | string, basePath: string): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${scheme}://${h}:${port}${basePath}`;
}
