// Target discovery against real parts: dnsmasq answering A and SRV records on a loopback port,
// Prometheus discovering targets from a file_sd file. Also the rules that keep a user or an alert
// from ever naming an address: only discovered instances can be selected.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, ConfigError } from '../../src/config/load.js';
import { DiscoveryError, selectInstance, TargetResolver, isFleet } from '../../src/capture/targets/index.js';
import { startDnsmasq, type TestDnsmasq } from '../support/dnsmasq.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { freePort } from '../support/redis.js';

let dns: TestDnsmasq;
let prom: TestPrometheus;

before(async () => {
  [dns, prom] = await Promise.all([
    startDnsmasq({
      hosts: { 'order.fleet.test': ['127.0.0.2', '127.0.0.3'], 'pod-a.fleet.test': ['127.0.0.4'], 'pod-b.fleet.test': ['127.0.0.5'] },
      srv: { '_pprof._tcp.order.fleet.test': [{ target: 'pod-a.fleet.test', port: 7001 }, { target: 'pod-b.fleet.test', port: 7002 }] },
    }),
    startPrometheus({
      job: 'svc-order',
      targets: [
        { address: '127.0.0.6:9100', labels: { pod: 'svc-order-7f9c4-aaaaa', namespace: 'prod', node: 'node-1' } },
        { address: '127.0.0.7:9100', labels: { pod: 'svc-order-7f9c4-bbbbb', namespace: 'prod', node: 'node-2' } },
      ],
    }),
  ]);
});
after(async () => {
  await Promise.all([dns?.close(), prom?.close()]);
});

function resolver(yaml: string, now?: () => number): TargetResolver {
  const config = parseConfig(yaml);
  return new TargetResolver(config.services, { dnsServer: dns.server, ...(now ? { now } : {}) });
}

test('config: exactly one of url, targets, dns, prometheus', () => {
  assert.throws(() => parseConfig('services:\n  a: { channel: C0123ABC }\n'), (e: Error) => e instanceof ConfigError && /set one of url, targets, dns, prometheus/.test(e.message));
  assert.throws(() => parseConfig('services:\n  a: { url: "http://x:1", dns: "x:1" }\n'), /set only one of url, dns/);
  assert.throws(() => parseConfig('services:\n  a: { dns: "http://x:1" }\n'), /host:port/);
  const c = parseConfig('services:\n  a: { dns: "order.fleet.test:pprof" }\n  b: { url: "http://x:1" }\n');
  assert.equal(isFleet(c.services.a!), true);
  assert.equal(isFleet(c.services.b!), false);
  assert.equal(c.services.a!.fleet.sample, 20);
});

test('static targets: one instance per listed URL, id host:port', async () => {
  const r = resolver('services:\n  s: { targets: ["http://127.0.0.1:6060", "http://127.0.0.2:6060/admin"] }\n');
  const d = await r.discover('s');
  assert.equal(d.source, 'targets');
  assert.deepEqual(d.instances.map((i) => [i.id, i.url]), [['127.0.0.1:6060', 'http://127.0.0.1:6060'], ['127.0.0.2:6060', 'http://127.0.0.2:6060/admin']]);
});

test('dns host:port: every A record is an instance, at the configured scheme and path', async () => {
  const r = resolver('services:\n  s: { dns: "order.fleet.test:6060", basePath: /admin }\n');
  const d = await r.discover('s');
  assert.equal(d.source, 'dns');
  assert.deepEqual(d.instances.map((i) => i.url), ['http://127.0.0.2:6060/admin', 'http://127.0.0.3:6060/admin']);
  assert.deepEqual(d.instances.map((i) => i.id), ['127.0.0.2:6060', '127.0.0.3:6060']);
});

test('dns host:portname: SRV records, each target at its own port, named by its host', async () => {
  const r = resolver('services:\n  s: { dns: "order.fleet.test:pprof" }\n');
  const d = await r.discover('s');
  assert.deepEqual(d.instances.map((i) => [i.name, i.url]), [['pod-a', 'http://127.0.0.4:7001'], ['pod-b', 'http://127.0.0.5:7002']]);
  assert.equal(d.instances[0]!.labels.target, 'pod-a.fleet.test');
});

test('dns: cached for discoveryTtlSeconds, refreshed on use; a failed refresh reuses the last answer and says so', async () => {
  let now = 1_000_000;
  const r = resolver('services:\n  s: { dns: "grow.fleet.test:6060", fleet: { discoveryTtlSeconds: 10, maxInstances: 2 } }\n', () => now);
  await dns.setHosts({ 'grow.fleet.test': ['127.0.0.2'] }, 'grow.fleet.test');
  assert.equal((await r.discover('s')).instances.length, 1);
  await dns.setHosts({ 'grow.fleet.test': ['127.0.0.2', '127.0.0.3', '127.0.0.4'] }, 'grow.fleet.test');
  assert.equal((await r.discover('s')).instances.length, 1, 'within the TTL the cached answer is used');
  now += 11_000;
  const d = await r.discover('s');
  assert.equal(d.found, 3);
  assert.deepEqual(d.instances.map((i) => i.id), ['127.0.0.2:6060', '127.0.0.3:6060'], 'capped at maxInstances');
  await dns.setHosts({}, undefined);
  await waitNoRecords('grow.fleet.test');
  now += 11_000;
  const stale = await r.discover('s');
  assert.match(stale.stale ?? '', /DNS has no instances for grow\.fleet\.test/);
  assert.equal(stale.instances.length, 2);
});

test('dns: a name with no records is a DiscoveryError with a message for the user', async () => {
  const r = resolver('services:\n  s: { dns: "nothing.fleet.test:6060" }\n');
  await assert.rejects(r.discover('s'), (e: Error) => e instanceof DiscoveryError && /DNS has no instances for nothing\.fleet\.test/.test(e.message));
});

test('dns: a DNS server that does not answer is said so, not called a name without records', async () => {
  // A trial stopped the fleet's DNS server: the thread said "DNS has no instances for
  // orders.fleet.test:7071 (ECONNREFUSED). Check the name…", sending people to check a name that
  // was fine. A closed UDP port answers ICMP port-unreachable (ECONNREFUSED); nothing at all, a timeout.
  const closed = `127.0.0.1:${await freePort()}`;
  const config = parseConfig('services:\n  s: { dns: "order.fleet.test:6060" }\n  t: { dns: "order.fleet.test:pprof" }\n');
  const r = new TargetResolver(config.services, { dnsServer: closed });
  for (const svc of ['s', 't']) {
    await assert.rejects(r.discover(svc), (e: Error) => {
      assert.ok(e instanceof DiscoveryError, e.message);
      assert.doesNotMatch(e.message, /has no instances/);
      assert.match(e.message, new RegExp(`^The DNS server ${closed.replace(/\./g, '\\.')} did not answer for \\S*order\\.fleet\\.test:?\\S* \\((ECONNREFUSED|ETIMEOUT)\\)`));
      assert.match(e.message, /dnsServer|LEAKBOT_DNS_SERVER/);
      return true;
    });
  }
});

test('prometheus: the job\'s active targets, with pod/namespace/node labels; port override for pprof', async () => {
  const r = resolver(`services:\n  s: { prometheus: { url: "${prom.url}", job: svc-order, port: 6060 } }\n`);
  const d = await r.discover('s');
  assert.equal(d.source, 'prometheus');
  assert.deepEqual(
    d.instances.map((i) => [i.id, i.name, i.url, i.labels.namespace, i.labels.node]),
    [
      ['127.0.0.6:9100', 'svc-order-7f9c4-aaaaa', 'http://127.0.0.6:6060', 'prod', 'node-1'],
      ['127.0.0.7:9100', 'svc-order-7f9c4-bbbbb', 'http://127.0.0.7:6060', 'prod', 'node-2'],
    ],
  );
  const none = resolver(`services:\n  s: { prometheus: { url: "${prom.url}", job: other } }\n`);
  await assert.rejects(none.discover('s'), /no active targets for job other/);
});

test('selecting an instance: only discovered ones, by pod name, id, instance label or unique prefix', async () => {
  const r = resolver(`services:\n  s: { prometheus: { url: "${prom.url}", job: svc-order, port: 6060 } }\n`);
  const { instances } = await r.discover('s');
  assert.equal(selectInstance(instances, { key: 'pod', value: 'svc-order-7f9c4-bbbbb' })?.id, '127.0.0.7:9100');
  assert.equal(selectInstance(instances, { key: 'instance', value: '127.0.0.6:9100' })?.name, 'svc-order-7f9c4-aaaaa');
  assert.equal(selectInstance(instances, { key: 'instance', value: '127.0.0.6:6060' })?.name, 'svc-order-7f9c4-aaaaa', 'same host, pprof port');
  assert.equal(selectInstance(instances, { key: 'pod', value: 'svc-order-7f9c4-a' })?.id, '127.0.0.6:9100');
  assert.equal(selectInstance(instances, { key: 'pod', value: 'svc-order-7f9c4' }), null, 'ambiguous prefix');
  assert.equal(selectInstance(instances, { key: 'instance', value: '169.254.169.254:80' }), null, 'an address nobody discovered is never selected');
  assert.equal(selectInstance(instances, { key: 'instance', value: 'http://127.0.0.6:9100' }), null);
});

async function waitNoRecords(name: string): Promise<void> {
  const { Resolver } = await import('node:dns/promises');
  const q = new Resolver({ timeout: 500, tries: 1 });
  q.setServers([dns.server]);
  for (;;) {
    const ips = await q.resolve4(name).catch(() => []);
    if (ips.length === 0) return;
    await new Promise((r) => setImmediate(r));
  }
}
