// A real DNS server (Debian's dnsmasq) on a loopback port for tests of `dns:` services: answers only
// from the records the test gives (A/AAAA from a hosts file, SRV from the command line), nothing
// upstream. `setHosts` rewrites the hosts file and reloads it (SIGHUP), as a headless Service's
// records change when pods come and go. Killed when the test process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './redis.js';

export const dnsmasqBin = process.env.DNSMASQ_BIN ?? '/usr/sbin/dnsmasq';

export interface DnsmasqOptions {
  /** The zone it is authoritative for: names under it without a record answer NODATA/NXDOMAIN. */
  domain?: string;
  /** name → addresses (A or AAAA). */
  hosts: Record<string, string[]>;
  /** SRV records: `_pprof._tcp.svc.fleet.test` → targets. */
  srv?: Record<string, Array<{ target: string; port: number }>>;
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

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

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
  const port = await freePort();
  const srv = Object.entries(opts.srv ?? {}).flatMap(([name, targets]) => targets.map((t) => `--srv-host=${name},${t.target},${t.port}`));
  const child = spawn(
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
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  live.add(child);
  let logTail = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    logTail = (logTail + d).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => (live.delete(child), resolve())));
  const server = `127.0.0.1:${port}`;
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([server]);

  async function waitFor(name: string, want: (ips: string[]) => boolean): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`dnsmasq exited with ${child.exitCode}\n${logTail}`);
      const ips = await resolver.resolve4(name).catch(() => [] as string[]);
      if (want(ips)) return;
      await sleep(50);
    }
    throw new Error(`dnsmasq on ${server} did not answer ${name} as expected within 30 s\n${logTail}`);
  }

  try {
    await waitFor(readyName, (ips) => ips.includes('127.0.0.1'));
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    server,
    port,
    async setHosts(hosts, probe) {
      write(hosts);
      child.kill('SIGHUP');
      if (probe) {
        const want = [...(hosts[probe] ?? [])].filter((ip) => !ip.includes(':')).sort().join(',');
        await waitFor(probe, (ips) => [...ips].sort().join(',') === want);
      }
    },
    log: () => logTail,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
