// A fleet as a headless Service publishes it, for tests through the whole bot: one real Go process
// per address (all on one port), a real dnsmasq answering `<name>` with those addresses (plus any
// further records the test gives), and leakbot asking that dnsmasq, with the service `svc` set to
// `dns: "<name>:<port>"`, no capture interval and no discovery cache.
import { startHarness, type Harness } from '../e2e/harness.js';
import { startDnsmasq, type DnsmasqOptions, type TestDnsmasq } from './dnsmasq.js';
import { startGoService, type GoService } from './go-service.js';
import { freePort } from './redis.js';

export interface DnsFleet {
  port: number;
  pods: GoService[];
  dns: TestDnsmasq;
  h: Harness;
  /** `ip:port` of the process at `ip`: its instance id. */
  at(ip: string): string;
  /** Stops all of it (a dnsmasq the test already closed is fine). */
  close(): Promise<void>;
}

/** Starts processes at `ips`, dnsmasq with `records` and `name` → the addresses in `published`
 *  (default all of `ips`), and a bot whose `svc` is discovered from that name. `autoRecaptureSeconds`
 *  (default 0: none) and `staleDiscoverySeconds` (default the config's) set those options. */
export async function startDnsFleet(o: { svc: string; name: string; ips: string[]; published?: string[]; records?: Omit<DnsmasqOptions, 'hosts'>; autoRecaptureSeconds?: number; staleDiscoverySeconds?: number }): Promise<DnsFleet> {
  const port = await freePort();
  const pods = await Promise.all(o.ips.map((ip) => startGoService({ args: ['-addr', `${ip}:${port}`] })));
  const dns = await startDnsmasq({ ...o.records, hosts: { [o.name]: o.published ?? o.ips } });
  const h = await startHarness({
    configYaml: `
dnsServer: "${dns.server}"
services:
  ${o.svc}:
    dns: "${o.name}:${port}"
    minIntervalSeconds: 0
    fleet: { discoveryTtlSeconds: 0${o.staleDiscoverySeconds !== undefined ? `, staleDiscoverySeconds: ${o.staleDiscoverySeconds}` : ''} }
# Rounds happen when a test asks unless set: no automatic second round (test/flows/fleet-recapture.test.ts).
snapshot: { autoRecaptureSeconds: ${o.autoRecaptureSeconds ?? 0} }
`,
  });
  return {
    port,
    pods,
    dns,
    h,
    at: (ip) => `${ip}:${port}`,
    async close() {
      await h.close();
      await dns.close();
      await Promise.all(pods.map((p) => p.stop()));
    },
  };
}
