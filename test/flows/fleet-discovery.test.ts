// A fleet whose discovery fails between two rounds: a real dnsmasq publishes two real Go processes,
// then stops answering. The second round reuses the earlier answer (README: "a failed refresh reuses
// the last answer for up to 5 minutes and says so"), and the thread says so: pods started since the
// answer would be missing from a summary that otherwise reads like the whole fleet.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsFleet, type DnsFleet } from '../support/dns-fleet.js';
import { messageText, waitThread } from '../e2e/helpers.js';

describe('fleet discovery that fails between rounds', () => {
  let f: DnsFleet | undefined;
  before(async () => {
    f = await startDnsFleet({ svc: 'svc-order', name: 'order.fleet.test', ips: ['127.0.0.72', '127.0.0.73'] });
  });
  after(async () => {
    await f?.close();
  });

  it('the round on the earlier answer says discovery failed, how old the pods list is, and why', async () => {
    const fleet = async (ch: string) => {
      await f!.h.command({ text: 'snapshot svc-order', channel: ch });
      const t = await waitThread(f!.h.slack, ch, 0, 1);
      return { parent: t.parent.text, fleet: messageText(t.replies.find((r) => /^Fleet of /.test(r.text))!) };
    };
    const first = await fleet('C0DISC1');
    assert.doesNotMatch(first.fleet, /discovery failed/i);
    await f!.dns.close();
    const second = await fleet('C0DISC2');
    assert.match(second.fleet, /No suspected leaks on any of 2 captured pods; discovery failed, so these are the pods found \d+ s ago \(pods started since are missing\)\./, second.fleet);
    assert.match(second.parent, /discovery failed, so these are the pods found/, 'the parent says it too');
    // The DNS server stopped, not the name: the reason says the server did not answer (a trial's
    // thread said 'DNS has no instances for … Check the name').
    assert.match(second.fleet, new RegExp(`• Discovery: The DNS server ${f!.dns.server.replace(/\./g, '\\.')} did not answer for order\\.fleet\\.test:\\d+ \\((ECONNREFUSED|ETIMEOUT)\\)\\. Is it running and reachable from leakbot\\?`), second.fleet);
  });
});
