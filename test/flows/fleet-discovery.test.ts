// A fleet whose discovery fails between two rounds: a real dnsmasq publishes two real Go processes,
// then stops answering. The second round reuses the earlier answer (README: "a failed refresh reuses
// the last answer for up to 5 minutes and says so"), and the thread says so: pods started since the
// answer would be missing from a summary that otherwise reads like the whole fleet.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGoService, type GoService } from '../support/go-service.js';
import { startDnsmasq, type TestDnsmasq } from '../support/dnsmasq.js';
import { freePort } from '../support/redis.js';
import { startHarness, type Harness } from '../e2e/harness.js';
import { messageText, waitThread } from '../e2e/helpers.js';

const IPS = ['127.0.0.72', '127.0.0.73'];

describe('fleet discovery that fails between rounds', () => {
  let pods: GoService[] = [];
  let dns: TestDnsmasq | undefined;
  let h: Harness | undefined;
  before(async () => {
    const port = await freePort();
    pods = await Promise.all(IPS.map((ip) => startGoService({ args: ['-addr', `${ip}:${port}`] })));
    dns = await startDnsmasq({ hosts: { 'order.fleet.test': IPS } });
    h = await startHarness({
      configYaml: `
dnsServer: "${dns.server}"
services:
  svc-order:
    dns: "order.fleet.test:${port}"
    minIntervalSeconds: 0
    fleet: { discoveryTtlSeconds: 0 }
`,
    });
  });
  after(async () => {
    await h?.close();
    await dns?.close();
    await Promise.all(pods.map((p) => p.stop()));
  });

  it('the round on the earlier answer says discovery failed, how old the pods list is, and why', async () => {
    const fleet = async (ch: string) => {
      await h!.command({ text: 'snapshot svc-order', channel: ch });
      const t = await waitThread(h!.slack, ch, 0, 1);
      return { parent: t.parent.text, fleet: messageText(t.replies.find((r) => /^Fleet of /.test(r.text))!) };
    };
    const first = await fleet('C0DISC1');
    assert.doesNotMatch(first.fleet, /discovery failed/i);
    await dns!.close();
    dns = undefined;
    const second = await fleet('C0DISC2');
    assert.match(second.fleet, /No suspected leaks on any of 2 captured pods; discovery failed, so these are the pods found \d+ s ago \(pods started since are missing\)\./, second.fleet);
    assert.match(second.parent, /discovery failed, so these are the pods found/, 'the parent says it too');
    assert.match(second.fleet, /• Discovery: DNS has no instances for order\.fleet\.test:\d+ \(\w+\)/, second.fleet);
  });
});
