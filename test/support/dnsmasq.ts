// A real DNS server (Debian's dnsmasq) on a loopback port for tests of `dns:` services: answers only
// from the records the test gives (A/AAAA from a hosts file, which also answers their PTR; A records
// without PTR, PTR records and SRV from the command line), nothing upstream unless a test forwards a
// zone (to a silentDns(), say). `setHosts` rewrites the hosts file and reloads it (SIGHUP), as a
// headless Service's records change when pods come and go. Killed when the test process exits.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type Daemon } from './daemon.js';
import { onFreePort } from './redis.js';

export const dnsmasqBin = process.env.DNSMASQ_BIN ?? '/usr/sbin/dnsmasq';

export interface DnsmasqOptions {
  /** The zone it is authoritative for: names under it without a record answer NODATA/NXDOMAIN. */
  domain?: string;
  /** name → addresses (A or AAAA). */
  hosts: Record<string, string[]>;
  /** SRV records: `_pprof._tcp.svc.fleet.test` → targets. */
  srv?: Record<string, Array<{ target: string; port: number }>>;
  /** name → addresses answered for A/AAAA with no PTR record behind them (dnsmasq --address). */
  aOnly?: Record<string, string[]>;
  /** address → the name its PTR record gives (dnsmasq --ptr-record; wins over the hosts file). */
  ptr?: Record<string, string>;
  /** zone → upstream (`127.0.0.1#port`) that dnsmasq forwards its questions to (dnsmasq --server). */
  forward?: Record<string, string>;
  /** Try this port first (a test that takes it away); `tries`: ports to try in all (default 3). */
  port?: number;
  tries?: number;
}

/** The PTR question's name for an address: `4.3.2.1.in-addr.arpa` for 1.2.3.4 (RFC 1035 3.5),
 *  32 reversed nibbles under ip6.arpa for IPv6 (RFC 3596 2.5). */
export function reverseName(ip: string): string {
  if (!ip.includes(':')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const groups = (x: string | undefined) => (x ? x.split(':') : []);
  const all = [...groups(head), ...Array(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)];
  return `${[...all.map((g) => g.padStart(4, '0')).join('')].reverse().join('.')}.ip6.arpa`;
}

export interface TestDnsmasq {
  /** `127.0.0.1:<port>`: what leakbot's dnsServer takes. */
  server: string;
  port: number;
  /** Replaces the A/AAAA records and waits until the server answers with the new ones for `probe`. */
  setHosts(hosts: Record<string, string[]>, probe?: string): Promise<void>;
  /** Queries the server log (for assertion messages). */
  log(): string;
  close(): Promise<void>;
}

function hostsText(hosts: Record<string, string[]>): string {
  return Object.entries(hosts)
    .flatMap(([name, ips]) => ips.map((ip) => `${ip} ${name}`))
    .join('\n') + '\n';
}

export async function startDnsmasq(opts: DnsmasqOptions): Promise<TestDnsmasq> {
  const domain = opts.domain ?? 'fleet.test';
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-dns-'));
  // dnsmasq drops privileges after start and re-reads the hosts file on SIGHUP: keep it readable.
  chmodSync(dir, 0o755);
  const hostsFile = join(dir, 'hosts');
  const readyName = `ready.${domain}`;
  const write = (h: Record<string, string[]>) => writeFileSync(hostsFile, hostsText({ ...h, [readyName]: ['127.0.0.1'] }), { mode: 0o644 });
  write(opts.hosts);
  const srv = Object.entries(opts.srv ?? {}).flatMap(([name, targets]) => targets.map((t) => `--srv-host=${name},${t.target},${t.port}`));
  const records = [
    ...Object.entries(opts.aOnly ?? {}).flatMap(([name, ips]) => ips.map((ip) => `--address=/${name}/${ip}`)),
    ...Object.entries(opts.ptr ?? {}).map(([ip, name]) => `--ptr-record=${reverseName(ip)},${name}`),
    ...Object.entries(opts.forward ?? {}).map(([zone, upstream]) => `--server=/${zone}/${upstream}`),
  ];
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  const spawnOn = async (port: number): Promise<{ d: Daemon; port: number; server: string }> => {
    const d = spawnDaemon(
      'dnsmasq',
      dnsmasqBin,
      [
        '--no-daemon',
        '--no-resolv',
        '--no-hosts',
        '--no-poll',
        `--addn-hosts=${hostsFile}`,
        `--local=/${domain}/`,
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        `--port=${port}`,
        '--cache-size=0',
        '--pid-file=',
        '--log-queries',
        '--log-facility=-',
        ...srv,
        ...records,
      ],
    );
    const server = `127.0.0.1:${port}`;
    resolver.setServers([server]);
    await d.started(`an answer for ${readyName} from ${server}`, async () => (await resolver.resolve4(readyName)).includes('127.0.0.1'), { everyMs: 50 });
    return { d, port, server };
  };
  // On a port from freePort(), moving to another when dnsmasq exited before it answered: freePort()
  // releases the TCP port before dnsmasq binds it, and dnsmasq also binds UDP on it, which freePort()
  // never checked (onFreePort).
  let started: Awaited<ReturnType<typeof spawnOn>>;
  try {
    started = await onFreePort(spawnOn, { ...(opts.port !== undefined ? { first: opts.port } : {}), ...(opts.tries !== undefined ? { tries: opts.tries } : {}) });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const { d, port, server } = started;

  const waitFor = (name: string, want: (ips: string[]) => boolean) =>
    d.until(`an answer for ${name} as expected from ${server}`, async () => want(await resolver.resolve4(name)), { everyMs: 50 });

  return {
    server,
    port,
    async setHosts(hosts, probe) {
      write(hosts);
      d.child.kill('SIGHUP');
      if (probe) {
        const want = [...(hosts[probe] ?? [])].filter((ip) => !ip.includes(':')).sort().join(',');
        await waitFor(probe, (ips) => [...ips].sort().join(',') === want);
      }
    },
    log: d.log,
    async close() {
      await d.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A DNS upstream that never answers (a dead or overloaded server behind the one leakbot asks). */
export interface SilentDns {
  /** `127.0.0.1#port`, as dnsmasq's --server takes it. */
  upstream: string;
  /** The distinct question names it has received. */
  asked: Set<string>;
  /** Every question name it has received, repeats included, in order. */
  received: string[];
  /** Resolves once `name` has been asked. */
  waitAsked(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Listens for DNS questions on a loopback UDP port, records their names and answers none. */
export async function silentDns(): Promise<SilentDns> {
  const sock = createSocket('udp4');
  const asked = new Set<string>();
  const received: string[] = [];
  const waiting = new Map<string, Array<() => void>>();
  sock.on('message', (msg) => {
    const name = questionName(msg);
    if (name === null) return;
    asked.add(name);
    received.push(name);
    for (const w of waiting.get(name) ?? []) w();
    waiting.delete(name);
  });
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  return {
    upstream: `127.0.0.1#${sock.address().port}`,
    asked,
    received,
    waitAsked: (name) => (asked.has(name) ? Promise.resolve() : new Promise((r) => waiting.set(name, [...(waiting.get(name) ?? []), r]))),
    close: () => new Promise((r) => sock.close(() => r())),
  };
}

/** The first question's name of a DNS message (RFC 1035 4.1.1-4.1.2: a 12-byte header, then labels). */
function questionName(msg: Buffer): string | null {
  const labels: string[] = [];
  for (let at = 12; at < msg.length; ) {
    const len = msg[at]!;
    if (len === 0) return labels.join('.').toLowerCase();
    if (len > 63) return null;
    labels.push(msg.subarray(at + 1, at + 1 + len).toString('latin1'));
    at += 1 + len;
  }
  return null;
}
