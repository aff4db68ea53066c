// `dns:` services: every A/AAAA record of `host:port` is an instance; with a port name
// (`host:pprof`) the SRV records of `_pprof._tcp.host` are, each target's addresses at the SRV port.
// Kubernetes headless Services publish exactly these (one record per ready pod):
// https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#srv-records
// Each instance keeps `ip:port` as its id (snapshots, baselines and locks are keyed by it) and is
// named for people by its SRV target or PTR record when that names the pod (./ptr.ts).
import { Resolver } from 'node:dns/promises';
import { instanceLabel, reverseNames } from './ptr.js';
import { baseUrl, DiscoveryError, type Instance } from './types.js';

export interface DnsOptions {
  /** `ip` or `ip:port` of the DNS server to ask; default: the system's resolvers. */
  server?: string;
  timeoutMs: number;
  scheme: 'http' | 'https';
  basePath: string;
  /** Only the first this many instances (by id, the ones discovery keeps) are named from DNS. */
  nameAtMost?: number;
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

/** Resolves a `dns:` setting into instances (id `ip:port`, sorted by id), each named by its SRV
 *  target's or PTR record's first label when that names one process (ptr.ts instanceLabel), else by
 *  its id. PTR questions go to the same server with the same time cap as the forward lookup; their
 *  failure only leaves the id as the name. Throws DiscoveryError when the name has no records or the
 *  server cannot be asked. */
export async function dnsInstances(spec: string, opts: DnsOptions): Promise<Instance[]> {
  const colon = spec.lastIndexOf(':');
  const host = spec.slice(0, colon).replace(/\.$/, '');
  const port = spec.slice(colon + 1);
  const r = resolver(opts);
  const found: Found[] = [];
  if (/^\d+$/.test(port)) {
    const { ips, errors } = await addresses(r, host);
    if (ips.length === 0) throw noRecords(spec, errors, opts.server);
    for (const ip of ips) found.push({ ip, port: Number(port) });
  } else {
    const srvName = `_${port}._tcp.${host}`;
    let srv;
    try {
      srv = await r.resolveSrv(srvName);
    } catch (err) {
      throw noRecords(srvName, [(err as NodeJS.ErrnoException).code ?? 'error'], opts.server, err);
    }
    const errors: string[] = [];
    for (const rec of srv) {
      const got = await addresses(r, rec.name);
      errors.push(...got.errors);
      for (const ip of got.ips) found.push({ ip, port: rec.port, target: rec.name });
    }
    if (found.length === 0) throw noRecords(srvName, errors, opts.server);
  }
  const byId = new Map(found.map((f) => [idOf(f), f]));
  const ids = [...byId.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const names = await instanceNames(ids.slice(0, opts.nameAtMost ?? ids.length).map((id) => byId.get(id)!), host, opts);
  return ids.map((id) => {
    const f = byId.get(id)!;
    const named = names.get(id);
    const labels: Record<string, string> = { instance: id, ...(f.target ? { target: f.target } : {}), ...(named?.host && named.host !== f.target ? { host: named.host } : {}) };
    return { id, name: named?.name ?? id, url: baseUrl(opts.scheme, f.ip, f.port, opts.basePath), labels };
  });
}

/** One address found for the service, with the SRV target that gave it. */
interface Found {
  ip: string;
  port: number;
  target?: string;
}

function idOf(f: Found): string {
  return f.ip.includes(':') ? `[${f.ip}]:${f.port}` : `${f.ip}:${f.port}`;
}

/** id → display name and the DNS name it came from, for the instances DNS names (SRV target first,
 *  else PTR). A name two instances would share is told apart by the port, or dropped when the port
 *  does not tell them apart either: a name must pick out one process (`pod=`). */
async function instanceNames(found: Found[], service: string, opts: DnsOptions): Promise<Map<string, { name: string; host: string }>> {
  const named = new Map<string, { name: string; host: string }>();
  const ask: Found[] = [];
  for (const f of found) {
    const label = f.target ? instanceLabel(f.target, service) : null;
    if (label) named.set(idOf(f), { name: label, host: f.target!.replace(/\.$/, '') });
    else ask.push(f);
  }
  const ptr = await reverseNames(resolver(opts), [...new Set(ask.map((f) => f.ip))], opts.timeoutMs);
  for (const f of ask) {
    const host = (ptr.get(f.ip) ?? []).find((h) => instanceLabel(h, service));
    if (host) named.set(idOf(f), { name: instanceLabel(host, service)!, host: host.replace(/\.$/, '') });
  }
  const count = (key: (id: string) => string) => {
    const n = new Map<string, number>();
    for (const id of named.keys()) n.set(key(id), (n.get(key(id)) ?? 0) + 1);
    return n;
  };
  const portOf = (id: string) => id.slice(id.lastIndexOf(':') + 1);
  const byName = count((id) => named.get(id)!.name);
  const withPort = count((id) => `${named.get(id)!.name}:${portOf(id)}`);
  for (const [id, n] of [...named]) {
    if (byName.get(n.name) === 1) continue;
    if (withPort.get(`${n.name}:${portOf(id)}`) === 1) named.set(id, { ...n, name: `${n.name}:${portOf(id)}` });
    else named.delete(id);
  }
  return named;
}

// The server gave no answer about the name (refused the connection: nothing listens there; timed out;
// refused or failed the query): the name may be fine, the server is what to check.
const UNANSWERED = new Set(['ECONNREFUSED', 'ETIMEOUT', 'ETIMEDOUT', 'EREFUSED', 'ESERVFAIL', 'ECANCELLED']);

function noRecords(name: string, errors: string[], server: string | undefined, cause?: unknown): DiscoveryError {
  const codes = [...new Set(errors)];
  const why = codes.length ? ` (${codes.join(', ')})` : '';
  if (codes.length > 0 && codes.every((c) => UNANSWERED.has(c))) {
    const who = server ? `The DNS server ${server}` : "The system's DNS resolver";
    return new DiscoveryError(`${who} did not answer for ${name}${why}. Is it running and reachable from leakbot? \`dnsServer\` in the config (or LEAKBOT_DNS_SERVER) names the server leakbot asks.`, { cause });
  }
  return new DiscoveryError(`DNS has no instances for ${name}${why}. Check the name and that the DNS server leakbot uses can resolve it.`, { cause });
}
