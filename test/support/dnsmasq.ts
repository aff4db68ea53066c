// A real DNS server (Debian's dnsmasq) on a loopback port for tests of `dns:` services: answers only
// from the records the test gives (A/AAAA from a hosts file, SRV from the command line), nothing
// upstream. `setHosts` rewrites the hosts file and reloads it (SIGHUP), as a headless Service's
// records change when pods come and go. Killed when the test process exits.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon } from './daemon.js';
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
    ],
  );
  const server = `127.0.0.1:${port}`;
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([server]);

  const waitFor = (name: string, want: (ips: string[]) => boolean) =>
    d.until(`an answer for ${name} as expected from ${server}`, async () => want(await resolver.resolve4(name)), { everyMs: 50 });

  await d.started(`an answer for ${readyName} from ${server}`, async () => (await resolver.resolve4(readyName)).includes('127.0.0.1'), { everyMs: 50 });
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
