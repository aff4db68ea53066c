// `dns:` services: every A/AAAA record of `host:port` is an instance; with a port name
// (`host:pprof`) the SRV records of `_pprof._tcp.host` are, each target's addresses at the SRV port.
// Kubernetes headless Services publish exactly these (one record per ready pod):
// https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#srv-records
import { Resolver } from 'node:dns/promises';
import { baseUrl, DiscoveryError, type Instance } from './types.js';

export interface DnsOptions {
  /** `ip` or `ip:port` of the DNS server to ask; default: the system's resolvers. */
  server?: string;
  timeoutMs: number;
  scheme: 'http' | 'https';
  basePath: string;
}

// No records of that type is an empty answer, not a failure (a v4-only Service has no AAAA).
const EMPTY = new Set(['ENODATA', 'ENOTFOUND', 'NOTFOUND', 'ENONAME']);

function resolver(opts: DnsOptions): Resolver {
  const r = new Resolver({ timeout: Math.max(100, Math.round(opts.timeoutMs / 2)), tries: 2 });
  if (opts.server) r.setServers([opts.server]);
  return r;
}

async function addresses(r: Resolver, host: string): Promise<{ ips: string[]; errors: string[] }> {
  const errors: string[] = [];
  const one = async (fn: () => Promise<string[]>): Promise<string[]> => {
    try {
      return await fn();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (!EMPTY.has(code)) errors.push(code);
      return [];
    }
  };
  const [v4, v6] = await Promise.all([one(() => r.resolve4(host)), one(() => r.resolve6(host))]);
  return { ips: [...v4, ...v6], errors };
}

/** Resolves a `dns:` setting into instances (id `ip:port`, sorted). Throws DiscoveryError when the
 *  name has no records or the server cannot be asked. */
export async function dnsInstances(spec: string, opts: DnsOptions): Promise<Instance[]> {
  const colon = spec.lastIndexOf(':');
  const host = spec.slice(0, colon).replace(/\.$/, '');
  const port = spec.slice(colon + 1);
  const r = resolver(opts);
  const out: Instance[] = [];
  if (/^\d+$/.test(port)) {
    const { ips, errors } = await addresses(r, host);
    if (ips.length === 0) throw noRecords(spec, errors);
    for (const ip of ips) out.push(instance(ip, Number(port), opts, {}));
  } else {
    const srvName = `_${port}._tcp.${host}`;
    let srv;
    try {
      srv = await r.resolveSrv(srvName);
    } catch (err) {
      throw noRecords(srvName, [(err as NodeJS.ErrnoException).code ?? 'error'], err);
    }
    const errors: string[] = [];
    for (const rec of srv) {
      const got = await addresses(r, rec.name);
      errors.push(...got.errors);
      const target = rec.name.split('.')[0] ?? rec.name;
      for (const ip of got.ips) out.push(instance(ip, rec.port, opts, { target: rec.name }, target));
    }
    if (out.length === 0) throw noRecords(srvName, errors);
  }
  const byId = new Map(out.map((i) => [i.id, i]));
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function instance(ip: string, port: number, opts: DnsOptions, labels: Record<string, string>, name?: string): Instance {
  const id = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  return { id, name: name ?? id, url: baseUrl(opts.scheme, ip, port, opts.basePath), labels: { instance: id, ...labels } };
}

function noRecords(name: string, errors: string[], cause?: unknown): DiscoveryError {
  const why = errors.length ? ` (${[...new Set(errors)].join(', ')})` : '';
  return new DiscoveryError(`DNS has no instances for ${name}${why}. Check the name and that the DNS server leakbot uses can resolve it.`, { cause });
}
