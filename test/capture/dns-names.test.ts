// Naming `dns:` instances against a real DNS server (dnsmasq) laid out as Kubernetes DNS lays out a
// headless Service: A records for the Service, PTR records naming StatefulSet pods (`web-0.web…`) or
// giving the dashed address for pods without a hostname, SRV targets of both kinds, and a reverse zone
// forwarded to an upstream that never answers. The id stays `ip:port`; only the name changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { selectInstance, TargetResolver } from '../../src/capture/targets/index.js';
import { dnsInstances } from '../../src/capture/targets/dns.js';
import { Resolver } from 'node:dns/promises';
import { instanceLabel, PTR_CONCURRENCY, reverseNames, UNANSWERED_RETRY_MS } from '../../src/capture/targets/ptr.js';
import { reverseName, silentDns, startDnsmasq, type SilentDns, type TestDnsmasq } from '../support/dnsmasq.js';

let dns: TestDnsmasq;
let silent: SilentDns;
// 40 addresses whose reverse zone (127.0.3.x) is forwarded to the silent upstream: 5 rounds of
// PTR_CONCURRENCY questions, each round as long as the time cap, if naming had no overall cap.
const SLOW = Array.from({ length: 40 }, (_, i) => `127.0.3.${i + 1}`);

before(async () => {
  silent = await silentDns();
  dns = await startDnsmasq({
    hosts: { 'web.fleet.test': ['127.0.1.1', '127.0.1.2', '127.0.1.3'], 'web-0.web.fleet.test': ['127.0.1.1'], '127-0-1-2.web.fleet.test': ['127.0.1.2'] },
    ptr: {
      '127.0.1.1': 'web-0.web.fleet.test',
      '127.0.1.2': '127-0-1-2.web.fleet.test',
      // 127.0.1.3 has no PTR of its own: the hosts file answers with the Service's name.
      '127.0.5.1': 'twin.other.fleet.test',
      '127.0.5.2': 'twin.other.fleet.test',
      'fd00::5': 'pod-6.v6.fleet.test',
      'fd00::6': 'fd00--6.v6.fleet.test',
    },
    aOnly: {
      'bare.fleet.test': ['127.0.2.1', '127.0.2.2'],
      'twins.fleet.test': ['127.0.5.1', '127.0.5.2'],
      'slow.fleet.test': SLOW,
      'mixed.fleet.test': ['127.0.1.1', '127.0.3.200'],
      'v6.fleet.test': ['fd00::5', 'fd00::6'],
    },
    srv: {
      '_pprof._tcp.web.fleet.test': [
        { target: 'web-0.web.fleet.test', port: 7001 },
        { target: '127-0-1-2.web.fleet.test', port: 7001 },
      ],
      '_pprof._tcp.multi.fleet.test': [
        { target: 'web-0.web.fleet.test', port: 7001 },
        { target: 'web-0.web.fleet.test', port: 7002 },
      ],
    },
    forward: { '3.0.127.in-addr.arpa': silent.upstream },
  });
});
after(async () => {
  await Promise.all([dns?.close(), silent?.close()]);
});

function discover(dnsSetting: string, fleet = ''): Promise<{ instances: { id: string; name: string; url: string; labels: Record<string, string> }[] }> {
  const config = parseConfig(`services:\n  s: { dns: "${dnsSetting}"${fleet} }\n`);
  return new TargetResolver(config.services, { dnsServer: dns.server }).discover('s');
}

test('a PTR record naming the pod names the instance; a dashed address or the Service\'s own name leaves ip:port', async () => {
  const d = await discover('web.fleet.test:6060');
  assert.deepEqual(
    d.instances.map((i) => [i.id, i.name, i.url]),
    [
      ['127.0.1.1:6060', 'web-0', 'http://127.0.1.1:6060'],
      ['127.0.1.2:6060', '127.0.1.2:6060', 'http://127.0.1.2:6060'],
      ['127.0.1.3:6060', '127.0.1.3:6060', 'http://127.0.1.3:6060'],
    ],
  );
  assert.equal(d.instances[0]!.labels.host, 'web-0.web.fleet.test');
  assert.equal(d.instances[0]!.labels.instance, '127.0.1.1:6060');
  assert.equal(d.instances[1]!.labels.host, undefined);
});

test('pod= takes the PTR name, its full DNS name, or ip:port as before', async () => {
  const { instances } = await discover('web.fleet.test:6060');
  for (const value of ['web-0', 'web-0.web.fleet.test', '127.0.1.1:6060', '127.0.1.1'])
    assert.equal(selectInstance(instances, { key: 'pod', value })?.id, '127.0.1.1:6060', `pod=${value}`);
  assert.equal(selectInstance(instances, { key: 'pod', value: '127.0.1.2:6060' })?.id, '127.0.1.2:6060');
});

test('no PTR record at all: ip:port, and discovery succeeds', async () => {
  const d = await discover('bare.fleet.test:6060');
  assert.deepEqual(d.instances.map((i) => [i.id, i.name]), [['127.0.2.1:6060', '127.0.2.1:6060'], ['127.0.2.2:6060', '127.0.2.2:6060']]);
});

test('IPv6: the ip6.arpa PTR record names the pod; a dashed IPv6 address leaves [ip]:port', async () => {
  const d = await discover('v6.fleet.test:6060');
  assert.deepEqual(d.instances.map((i) => [i.id, i.name, i.url]), [
    ['[fd00::5]:6060', 'pod-6', 'http://[fd00::5]:6060'],
    ['[fd00::6]:6060', '[fd00::6]:6060', 'http://[fd00::6]:6060'],
  ]);
});

test('two addresses whose PTR records give the same name keep ip:port: a name must pick out one process', async () => {
  const d = await discover('twins.fleet.test:6060');
  assert.deepEqual(d.instances.map((i) => i.name), ['127.0.5.1:6060', '127.0.5.2:6060']);
});

test('SRV: a target naming the pod names it; a dashed-address target falls back to PTR, then ip:port', async () => {
  const d = await discover('web.fleet.test:pprof');
  assert.deepEqual(d.instances.map((i) => [i.id, i.name, i.labels.target]), [
    ['127.0.1.1:7001', 'web-0', 'web-0.web.fleet.test'],
    ['127.0.1.2:7001', '127.0.1.2:7001', '127-0-1-2.web.fleet.test'],
  ]);
  const multi = await discover('multi.fleet.test:pprof');
  assert.deepEqual(multi.instances.map((i) => [i.id, i.name]), [['127.0.1.1:7001', 'web-0:7001'], ['127.0.1.1:7002', 'web-0:7002']], 'one pod, two ports: the port tells them apart');
});

test('PTR questions to a DNS that never answers: discovery returns within the time cap, names what did answer, asks at most a bounded number at once', async () => {
  const timeoutMs = 1000;
  const t0 = performance.now();
  const slow = await dnsInstances('slow.fleet.test:6060', { server: dns.server, timeoutMs, scheme: 'http', basePath: '' });
  const took = performance.now() - t0;
  assert.equal(slow.length, SLOW.length);
  assert.ok(slow.every((i) => i.name === i.id), 'unanswered PTR questions leave ip:port');
  // Named in id order, so the first id's PTR question went out first.
  await silent.waitAsked(reverseName(new URL(slow[0]!.url).hostname));
  // Each question lives ~timeoutMs; within the cap only the first round (and at most a second
  // started as the first timed out) was asked, never all 40.
  const asked = [...silent.asked].filter((n) => SLOW.some((ip) => reverseName(ip) === n));
  assert.ok(asked.length >= 1 && asked.length <= 2 * PTR_CONCURRENCY, `asked ${asked.length} PTR questions`);
  // Uncapped, 40 questions at PTR_CONCURRENCY a round would take 5 × timeoutMs; capped, about one
  // timeoutMs after the (local, instant) forward lookup. The margin is for a busy machine.
  assert.ok(took < timeoutMs + 2000, `discovery took ${Math.round(took)} ms with a ${timeoutMs} ms cap`);

  // The unanswered ones are not asked again for a while: the next discoveries (a refresh every 15 s)
  // ask only those the cap cut off before asking, a round at a time, until none is left to ask.
  const slowNames = new Set(SLOW.map(reverseName));
  const questionsSince = (from: number) => silent.received.slice(from).filter((n) => slowNames.has(n));
  for (let round = 0; round <= SLOW.length / PTR_CONCURRENCY; round++) {
    const asked = new Set(silent.asked);
    const from = silent.received.length;
    const again = await dnsInstances('slow.fleet.test:6060', { server: dns.server, timeoutMs, scheme: 'http', basePath: '' });
    assert.ok(again.every((i) => i.name === i.id));
    const repeated = questionsSince(from).filter((n) => asked.has(n));
    assert.deepEqual(repeated, [], 'an address left unanswered is not asked again');
    if (SLOW.every((ip) => silent.asked.has(reverseName(ip)))) break;
  }
  assert.ok(SLOW.every((ip) => silent.asked.has(reverseName(ip))), 'every address was asked once in the end');
  const from = silent.received.length;
  await dnsInstances('slow.fleet.test:6060', { server: dns.server, timeoutMs, scheme: 'http', basePath: '' });
  assert.deepEqual(questionsSince(from), [], 'once every address went unanswered, no PTR question is asked (nothing waits out the cap)');

  const mixed = await dnsInstances('mixed.fleet.test:6060', { server: dns.server, timeoutMs, scheme: 'http', basePath: '' });
  assert.deepEqual(mixed.map((i) => [i.id, i.name]), [['127.0.1.1:6060', 'web-0'], ['127.0.3.200:6060', '127.0.3.200:6060']]);
});

test('an unanswered address is asked again once UNANSWERED_RETRY_MS has passed, and not before', async () => {
  const ip = '127.0.3.250'; // in the reverse zone forwarded to the silent upstream; no other test asks it
  // leakbot's own PTR questions, counted on the resolver (dnsmasq folds a repeat of a question it is
  // still forwarding into the first, so the upstream cannot count them).
  const ask = async (now: number) => {
    const r = new Resolver({ timeout: 200, tries: 1 });
    r.setServers([dns.server]);
    let asked = 0;
    const reverse = r.reverse.bind(r);
    r.reverse = (addr: string) => {
      asked++;
      return reverse(addr);
    };
    const names = await reverseNames(r, [ip], 500, () => now);
    assert.equal(names.size, 0);
    return asked;
  };
  assert.equal(await ask(1_000), 1, 'asked the first time');
  assert.equal(await ask(1_000 + UNANSWERED_RETRY_MS - 1), 0, 'not asked again within the retry time');
  assert.equal(await ask(1_000 + UNANSWERED_RETRY_MS + 1), 1, 'asked again after it');
});

test('instanceLabel: a pod hostname yes; dashed IPv4/IPv6 addresses, kube-dns hashes, the service itself, junk no', () => {
  const svc = 'svc-order.prod.svc.cluster.local';
  assert.equal(instanceLabel('svc-order-0.svc-order.prod.svc.cluster.local.', svc), 'svc-order-0');
  assert.equal(instanceLabel('10-1-2-3.svc-order.prod.svc.cluster.local.', svc), null);
  assert.equal(instanceLabel('fd00-10-244--5.svc-order.prod.svc.cluster.local.', svc), null);
  assert.equal(instanceLabel('438934893.svc-order.prod.svc.cluster.local.', svc), null);
  assert.equal(instanceLabel('svc-order.prod.svc.cluster.local.', svc), null);
  assert.equal(instanceLabel('bad name!.x', svc), null);
  assert.equal(instanceLabel('-x.y', svc), null);
});
