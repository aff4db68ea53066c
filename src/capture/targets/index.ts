// Which processes make up a registered service, briefly cached: static lists answer at once, DNS and
// Prometheus are asked again once an answer is older than fleet.discoveryTtlSeconds (on use, never in
// the background), and a failed refresh falls back on the last answer for a while, saying so.
import type { ServiceConfig } from '../../config/schema.js';
import { dnsInstances } from './dns.js';
import { prometheusInstances } from './prometheus.js';
import { staticInstances } from './static.js';
import { DiscoveryError, type Discovery, type Instance } from './types.js';

export type { Discovery, DiscoverySource, Instance } from './types.js';
export { DiscoveryError } from './types.js';

const DISCOVERY_TIMEOUT_MS = 5_000;

export interface ResolverOptions {
  /** DNS server for `dns:` services (`ip` or `ip:port`); default the system's. */
  dnsServer?: string;
  /** Injectable clock for the cache (tests). */
  now?: () => number;
}

/** True when the service has (or may have) more than one instance. */
export function isFleet(svc: Pick<ServiceConfig, 'url' | 'targets'>): boolean {
  return svc.url === undefined && !(svc.targets && svc.targets.length === 1);
}

/** Asks each service's configured source for its instances. One resolver per process. */
export class TargetResolver {
  private readonly cache = new Map<string, Discovery>();
  private readonly inflight = new Map<string, Promise<Discovery>>();
  private readonly now: () => number;

  constructor(
    private readonly services: Record<string, ServiceConfig>,
    private readonly opts: ResolverOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** The service's instances (sorted by id, capped at fleet.maxInstances). Throws DiscoveryError
   *  for an unknown service or when discovery fails with nothing cached to fall back on. */
  async discover(service: string): Promise<Discovery> {
    const svc = Object.hasOwn(this.services, service) ? this.services[service] : undefined;
    if (!svc) throw new DiscoveryError(`${service} is not a registered service.`);
    const cached = this.cache.get(service);
    const ttl = svc.fleet.discoveryTtlSeconds * 1000;
    if (cached && !cached.stale && this.now() - cached.at < ttl) return cached;
    let p = this.inflight.get(service);
    if (!p) {
      p = this.refresh(service, svc).finally(() => this.inflight.delete(service));
      this.inflight.set(service, p);
    }
    return p;
  }

  private async refresh(service: string, svc: ServiceConfig): Promise<Discovery> {
    const source = svc.url !== undefined ? 'url' : svc.targets ? 'targets' : svc.dns !== undefined ? 'dns' : 'prometheus';
    let found: Instance[];
    try {
      if (svc.url !== undefined) found = staticInstances([svc.url]);
      else if (svc.targets) found = staticInstances(svc.targets);
      else if (svc.dns !== undefined)
        found = await dnsInstances(svc.dns, {
          ...(this.opts.dnsServer ? { server: this.opts.dnsServer } : {}),
          timeoutMs: DISCOVERY_TIMEOUT_MS,
          scheme: svc.scheme,
          basePath: svc.basePath,
          nameAtMost: svc.fleet.maxInstances,
        });
      else found = await prometheusInstances(svc.prometheus!, { timeoutMs: DISCOVERY_TIMEOUT_MS, scheme: svc.scheme, basePath: svc.basePath });
    } catch (err) {
      const last = this.cache.get(service);
      if (err instanceof DiscoveryError && last && this.now() - last.at < svc.fleet.staleDiscoverySeconds * 1000) {
        const stale: Discovery = { ...last, stale: err.userMessage };
        this.cache.set(service, stale);
        return stale;
      }
      throw err;
    }
    const d: Discovery = { source, instances: found.slice(0, svc.fleet.maxInstances), found: found.length, at: this.now() };
    this.cache.set(service, d);
    return d;
  }

  /** Forget cached answers (config reload, tests). */
  clear(): void {
    this.cache.clear();
  }
}

/** What a user or an alert may say to pick an instance: `pod=…` or `instance=…`. */
export interface InstanceSelector {
  key: 'pod' | 'instance';
  value: string;
}

/** The discovered instance a selector names: exact id, name or label (for `pod=` also the full DNS
 *  name a `dns:` instance was named from), then a unique prefix of the name (pod names are long). Null when none or several match. Never turns the value into an
 *  address: only instances already discovered can come back. */
export function selectInstance(instances: readonly Instance[], sel: InstanceSelector): Instance | null {
  const v = sel.value.trim();
  if (!v) return null;
  const labelKeys = sel.key === 'pod' ? ['pod', 'target', 'host'] : ['instance'];
  const exact = instances.filter((i) => i.id === v || i.name === v || labelKeys.some((k) => i.labels[k] === v));
  if (exact.length === 1) return exact[0]!;
  if (exact.length > 1) return null;
  // An `instance` label's host alone (the alert's instance is the metrics port, pprof may differ).
  const host = v.replace(/:\d+$/, '');
  const byHost = instances.filter((i) => i.id.replace(/:\d+$/, '') === host);
  if (byHost.length === 1) return byHost[0]!;
  const prefix = instances.filter((i) => i.name.startsWith(v));
  return prefix.length === 1 ? prefix[0]! : null;
}
