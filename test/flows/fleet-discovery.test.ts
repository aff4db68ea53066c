// A fleet whose discovery fails between two rounds: a real dnsmasq publishes two real Go processes,
// then stops answering. The second round reuses the earlier answer (README: "a failed refresh reuses
// the last answer for up to 5 minutes and says so"), and the thread says so: pods started since the
// answer would be missing from a summary that otherwise reads like the whole fleet.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsFleet, type DnsFleet } from '../support/dns-fleet.js';
import { built, delayedJob, messageText, settled, waitThread } from '../e2e/helpers.js';

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

describe('fleet discovery that fails before the automatic second round', () => {
  let f: DnsFleet | undefined;
  before(async () => {
    // No earlier answer is reused (staleDiscoverySeconds 0): the automatic round's discovery fails.
    f = await startDnsFleet({ svc: 'svc-order', name: 'order.fleet.test', ips: ['127.0.0.74', '127.0.0.75'], autoRecaptureSeconds: 600, staleDiscoverySeconds: 0 });
  });
  after(async () => {
    await f?.close();
  });

  it('the first summary no longer promises the round: it says the round failed and how to compare', async () => {
    const { h } = f!;
    const ch = 'C0DISCAUTO';
    await h.command({ text: 'snapshot svc-order', channel: ch });
    const t = await waitThread(h.slack, ch, 0, 2);
    const fleet = await h.slack.waitFor('fleet summary built', () => built(t.replies.find((r) => /^Fleet of /.test(r.text))));
    assert.match(messageText(fleet), /I will capture the fleet again in 600 s and update this summary/);
    const auto = await delayedJob(h, 'the automatic round', (j) => j.name === 'snapshot' && (j.data as { reason?: string }).reason === 'auto');
    await f!.dns.close();
    await auto.promote();
    const error = await h.slack.waitFor('the failure is said in the thread', () => h.slack.replies(ch, t.parent.ts).find((r) => /a second time/.test(r.text) && /did not answer/.test(r.text)), 60_000);
    assert.ok(error);
    await h.slack.waitFor('the summary no longer promises the round', () => (/automatic second capture of the fleet failed/.test(messageText(fleet)) ? fleet : null), 60_000);
    await settled(h);
    const text = messageText(fleet);
    // Before: 'I will capture the fleet again in 600 s and update this summary' stayed after the round failed.
    assert.doesNotMatch(text, /I will capture the fleet again|update this summary/, text);
    assert.match(text, /The automatic second capture of the fleet failed \(.*The DNS server .* did not answer.*\), so pods with no earlier snapshot are not compared: press Capture again or run `\/leak snapshot svc-order` to compare them\./s, text);
    assert.match(text, /No suspected leaks on any of 2 captured pods/, 'the first round\'s summary, drawn again');
    assert.equal(h.slack.replies(ch, t.parent.ts).filter((r) => /^Fleet of /.test(r.text)).length, 1, 'updated in place');
  });
});
