// PTR-named `dns:` instances through the whole bot: real Go processes behind a real dnsmasq whose
// PTR records name one of them as a StatefulSet pod (`web-0.web.fleet.test`) and the other with its
// dashed address, as Kubernetes DNS does for a pod without a hostname. The fleet table and the
// findings say `web-0`; `/leak diff pod=web-0` and `pod=<ip:port>` both pick that process; and when
// web-0 comes back on a new address (a rescheduled pod: a new process under the old name), pod=web-0
// means the new one while its old ip:port still reaches the old one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsFleet, type DnsFleet } from '../support/dns-fleet.js';
import type { Harness } from '../e2e/harness.js';
import { built, messageText, waitThread, type Thread } from '../e2e/helpers.js';

const [WEB0, OTHER, WEB0_MOVED] = ['127.0.0.81', '127.0.0.82', '127.0.0.83'];

describe('dns: instances named by their PTR records, end to end', () => {
  let f: DnsFleet | undefined;
  let h: Harness | undefined;
  let n = 0;
  const at = (ip: string) => f!.at(ip);

  before(async () => {
    f = await startDnsFleet({
      svc: 'svc-web',
      name: 'web.fleet.test',
      ips: [WEB0, OTHER, WEB0_MOVED],
      published: [WEB0, OTHER],
      records: { ptr: { [WEB0]: 'web-0.web.fleet.test', [OTHER]: '127-0-0-82.web.fleet.test', [WEB0_MOVED]: 'web-0.web.fleet.test' } },
    });
    h = f.h;
  });
  after(async () => {
    await f?.close();
  });

  /** `/leak <text>` in a fresh channel; its finished thread. */
  async function run(text: string): Promise<Thread> {
    const ch = `C0PTR${n++}`;
    const ack = await h!.command({ text, channel: ch, user: 'U0ONCALL' });
    assert.equal(ack.status, 200, JSON.stringify(ack.json));
    return waitThread(h!.slack, ch, 0, 1);
  }
  /** The fleet summary of a round, once its blocks are in. */
  const fleetOf = (t: Thread) =>
    h!.slack.waitFor('the fleet summary with its blocks', () => built(h!.slack.replies(t.parent.channel, t.parent.ts).find((r) => /^Fleet of /.test(r.text))), 90_000);
  /** `/leak diff <args>`: the acknowledgement, and the comparison it posts. */
  async function diff(args: string): Promise<{ ack: string; found: string }> {
    const ch = `C0PTRDIFF${n++}`;
    const ack = String((await h!.command({ text: `diff svc-web ${args}`, channel: ch, user: 'U0ONCALL' })).json?.text);
    const t = await waitThread(h!.slack, ch, 0, 1);
    const found = await h!.slack.waitFor('the comparison', () => h!.slack.replies(ch, t.parent.ts).map(messageText).find((x) => x.startsWith('Goroutines of svc-web')), 90_000);
    return { ack, found };
  }

  it('the fleet table names the pod by its PTR record and keeps ip:port for the dashed-address pod', async () => {
    for (let round = 0; round < 2; round++) {
      const text = messageText(await fleetOf(await run('snapshot svc-web')));
      assert.match(text, /\bweb-0\b/, text);
      assert.ok(text.includes(at(OTHER)), `the pod without a hostname keeps ${at(OTHER)}:\n${text}`);
      assert.ok(!text.includes(at(WEB0)), `web-0 is not shown as ${at(WEB0)}:\n${text}`);
    }
    const metas = await h!.bot.ctx.snapshots.list('svc-web', 10);
    assert.deepEqual([...new Set(metas.map((m) => m.instance))].sort(), [at(WEB0), at(OTHER)], 'snapshots stay keyed by ip:port');
    assert.equal(metas.find((m) => m.instance === at(WEB0))?.instanceName, 'web-0');
  });

  it('/leak diff pod=web-0 and pod=<ip:port> compare that process, and its findings say web-0', async () => {
    const seqs = (await h!.bot.ctx.snapshots.list('svc-web', 10)).filter((m) => m.instance === at(WEB0)).map((m) => m.seq);
    for (const pick of ['pod=web-0', `pod=${at(WEB0)}`]) {
      const { ack, found } = await diff(`${pick} --new`);
      assert.match(ack, new RegExp(`^Comparing \\*svc-web\\* \\(web-0\\) #${seqs[1]} → #${seqs[0]}`), `${pick}: ${ack}`);
      assert.match(found, /^Goroutines of svc-web \(web-0\)/, found);
    }
  });

  it('web-0 on a new address is a new process under the old name: pod=web-0 means the newest, the old ip:port the old one', async () => {
    await f!.dns.setHosts({ 'web.fleet.test': [WEB0_MOVED, OTHER] }, 'web.fleet.test');
    for (let round = 0; round < 2; round++) assert.match(messageText(await fleetOf(await run('snapshot svc-web'))), /\bweb-0\b/);
    const metas = await h!.bot.ctx.snapshots.list('svc-web', 20);
    const of = (ip: string) => metas.filter((m) => m.instance === at(ip)).map((m) => m.seq);
    assert.equal(of(WEB0_MOVED).length, 2);
    const moved = await diff('pod=web-0 --new');
    assert.match(moved.ack, new RegExp(`^Comparing \\*svc-web\\* \\(web-0\\) #${of(WEB0_MOVED)[1]} → #${of(WEB0_MOVED)[0]}`), moved.ack);
    const old = await diff(`pod=${at(WEB0)} --new`);
    assert.match(old.ack, new RegExp(`^Comparing \\*svc-web\\* \\(web-0\\) #${of(WEB0)[1]} → #${of(WEB0)[0]}`), old.ack);
  });
});
