// Fleets end to end on real parts: six real leaking Go processes of one service on loopback
// addresses 127.0.0.2–7 (same port), published by a real dnsmasq and discovered by a real
// Prometheus (file_sd), signed slash commands, Redis, the Slack stand-in. One pod leaks and five are
// healthy; one hangs (and Slack refuses the early summary); one is killed and restarted between
// captures.
import { after, before, describe, it } from 'node:test';
import { createServer, type Server } from 'node:http';
import assert from 'node:assert/strict';
import { startGoService, type GoService } from '../support/go-service.js';
import { startDnsmasq, type TestDnsmasq } from '../support/dnsmasq.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { freePort } from '../support/redis.js';
import { startHarness, type Harness } from '../e2e/harness.js';
import { basename, built, messageText, queueIdle, settled, waitThread, type Thread } from '../e2e/helpers.js';

const IPS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'];

describe('fleet snapshots', () => {
  let port: number;
  let pods: GoService[];
  let dns: TestDnsmasq;
  let prom: TestPrometheus;
  let h: Harness;
  const podAt = (i: number) => `${IPS[i]}:${port}`;
  const startPod = (i: number) => startGoService({ args: ['-addr', podAt(i)] });
  let n = 0;
  /** Runs `/leak <text>` in a fresh channel and waits for its thread (summary + strongest findings). */
  async function run(text: string, minReplies = 1): Promise<Thread> {
    const ch = `C0FLEET${n++}`;
    const ack = await h.command({ text, channel: ch, user: 'U0ONCALL' });
    assert.equal(ack.status, 200, JSON.stringify(ack.json));
    return waitThread(h.slack, ch, 0, minReplies);
  }
  const fleetReply = (t: Thread) => t.replies.find((r) => /^Fleet of /.test(r.text));

  // Each pod's metrics endpoint (a sidecar on the pod's address, another port), as Prometheus
  // scrapes it: process_start_time_seconds of the pod's Go process.
  const started = IPS.map(() => Date.now() / 1000);
  const sidecars: Server[] = [];
  let metricsPort: number;

  before(async () => {
    port = await freePort();
    metricsPort = await freePort();
    pods = await Promise.all(IPS.map((_, i) => startPod(i)));
    for (const [i, ip] of IPS.entries()) {
      const srv = createServer((_req, res) => res.end(`# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ${started[i]!.toFixed(3)}\n`));
      await new Promise<void>((resolve) => srv.listen(metricsPort, ip, resolve));
      sidecars.push(srv);
    }
    [dns, prom] = await Promise.all([
      startDnsmasq({ hosts: { 'order.fleet.test': IPS } }),
      startPrometheus({ job: 'order', targets: IPS.map((ip, i) => ({ address: `${ip}:${metricsPort}`, labels: { pod: `svc-order-5d8f-${i}`, namespace: 'prod' } })) }),
    ]);
    h = await startHarness({
      configYaml: `
dnsServer: "${dns.server}"
services:
  svc-order:
    dns: "order.fleet.test:${port}"
    minIntervalSeconds: 0
    timeoutSeconds: 4
    fleet: { discoveryTtlSeconds: 0, concurrency: 3 }
  svc-sample:
    dns: "order.fleet.test:${port}"
    minIntervalSeconds: 0
    fleet: { discoveryTtlSeconds: 0, sample: 2 }
  svc-hang:
    dns: "order.fleet.test:${port}"
    minIntervalSeconds: 0
    timeoutSeconds: 20 # the early summary needs the five others in within half of this, even on a busy machine
  svc-prom:
    prometheus: { url: "${prom.url}", job: order, port: ${port} }
    minIntervalSeconds: 0
    fleet: { discoveryTtlSeconds: 0 }
# Rounds happen when a test asks (sampling and diffs count them): no automatic second round,
# which test/flows/fleet-recapture.test.ts covers.
snapshot: { autoRecaptureSeconds: 0 }
`,
    });
  });
  after(async () => {
    await h?.close();
    for (const s of sidecars) s.close();
    await Promise.all([dns?.close(), prom?.close(), ...(pods ?? []).map((p) => p.stop())]);
  });

  it('one leaking pod and five healthy: only that pod in the verdict, the rest counted clean', async () => {
    const first = await run('snapshot svc-order', 2);
    const sum1 = fleetReply(first);
    assert.ok(sum1, `a fleet summary in the thread:\n${first.replies.map((r) => r.text).join('\n')}`);
    assert.match(messageText(sum1), /No suspected leaks on any of 6 captured pods/);
    assert.doesNotMatch(messageText(sum1), /namespace/, 'DNS knows no namespace');
    for (const i of IPS.keys()) assert.ok(messageText(sum1).includes(podAt(i)), `the table lists ${podAt(i)}`);

    const site = (await pods[2]!.patterns()).chansend;
    // leak() returns once each goroutine has counted itself parked, just before its send: a straggler
    // between the count and the send is in another group at capture time, so the pile may read 29x.
    await pods[2]!.leak('chansend', 300);
    const second = await run('snapshot svc-order', 2);
    const sum2 = messageText(fleetReply(second)!);
    const where = `${basename(site.file)}:${site.line}`;
    assert.match(sum2, new RegExp(`eak at \`[^\`]*${where.replace('.', '\\.')}\` on 1 of 6 pods: ${podAt(2).replaceAll('.', '\\.')} (29\\d|3\\d\\d) \\([^)]+\\) of its [\\d,]+ goroutines`), sum2);
    assert.match(sum2, /5 pods clean/);
    for (const i of [0, 1, 3, 4, 5]) assert.doesNotMatch(sum2.split('\n')[1] ?? '', new RegExp(podAt(i).replaceAll('.', '\\.')), 'healthy pods are not in the verdict line');
    // The strongest pod's findings in full, compared with its own previous snapshot.
    const full = second.replies.find((r) => r !== fleetReply(second) && messageText(r).includes(where));
    assert.ok(full, 'the leaking pod\'s findings are posted in full');
    assert.match(messageText(full), new RegExp(`Goroutines of svc-order \\(${podAt(2).replaceAll('.', '\\.')}\\): #\\d+ → #\\d+`));
    assert.match(second.parent.text, /on 1 of 6 pods/, 'the parent carries the summary');
    // Those findings are in the thread: a diff of the same pair (the suspect pod's last two) points
    // at them instead of posting them a second time.
    const again = String((await h.command({ text: 'diff svc-order', channel: second.parent.channel, user: 'U0ONCALL' })).json?.text);
    assert.match(again, /^The findings of \*svc-order\* #\d+ → #\d+ are already in/, again);
    // Every snapshot belongs to its instance; the series of pod 2 holds only pod 2.
    const metas = await h.bot.ctx.snapshots.list('svc-order', 12);
    assert.equal(metas.length, 12);
    assert.deepEqual(new Set(metas.map((m) => m.instance)), new Set(IPS.map((_, i) => podAt(i))));
    // The timeline (what the postmortem reads) has one snapshot event per round, following the
    // strongest pod with its change against its own previous snapshot.
    const rounds = (await h.bot.ctx.timeline.list('svc-order')).filter((e) => e.type === 'snapshot');
    assert.equal(rounds.length, 2, rounds.map((e) => e.text).join('\n'));
    assert.match(rounds[1]!.text, /^Fleet snapshot \(6 of 6 pods captured\): .*on 1 of 6 pods/);
    assert.equal(rounds[1]!.data?.instance, podAt(2));
    assert.ok(Number(rounds[1]!.data?.delta) >= 300, JSON.stringify(rounds[1]!.data));
  });

  it('/leak baseline on a fleet: each pod its own, except the leaking one; history shows pods and per-pod changes', async () => {
    const ack = await h.command({ text: 'baseline svc-order', channel: 'C0FLEETB', user: 'U0ONCALL' });
    const text = String(ack.json?.text);
    assert.match(text, /set the healthy baseline of \*svc-order\* for 5 pods/, text);
    assert.match(text, new RegExp(`Not set where the latest snapshot looked like a leak: #\\d+ \\(${podAt(2).replaceAll('.', '\\.')}\\)`));
    for (const i of [0, 1, 3, 4, 5]) {
      const latest = await h.bot.ctx.snapshots.latestOf('svc-order', podAt(i));
      assert.equal((await h.bot.ctx.snapshots.baselineFor({ ...latest!, seq: latest!.seq + 1000 })).meta?.seq, latest!.seq, `${podAt(i)} has its own baseline`);
    }
    const one = await h.bot.ctx.snapshots.latestOf('svc-order', podAt(0));
    const named = String((await h.command({ text: `baseline svc-order ${one!.seq}`, channel: 'C0FLEETB', user: 'U0ONCALL' })).json?.text);
    assert.match(named, new RegExp(`healthy baseline of \\*svc-order \\(${podAt(0).replaceAll('.', '\\.')}\\)\\*`), 'a numbered baseline names its pod');
    const services = String((await h.command({ text: 'services', channel: 'C0FLEETB', user: 'U0ONCALL' })).json?.text);
    assert.match(services, /\*svc-order\* \(instances from DNS\) — last #\d+ of 127\.0\.0\.\d+:\d+ at/, services);
    assert.match(services, /\*svc-prom\* \(instances from Prometheus\)/);
    const hist = String((await h.command({ text: 'history svc-order', channel: 'C0FLEETB', user: 'U0ONCALL' })).json?.text);
    assert.match(hist, new RegExp(`#\\d+  ${podAt(2).replaceAll('.', '\\.')} .*\\*3\\d\\d\\*\\s?\\(\\+3\\d\\d\\) goroutines`), hist);
  });

  it('/leak diff on a fleet compares the pod the last round suspected, not whichever pod was captured last, and says which', async () => {
    // A healthy pod captured on its own, twice, after the round: the service's latest snapshots are its.
    await run(`snapshot svc-order instance=${podAt(4)}`, 1);
    await run(`snapshot svc-order instance=${podAt(4)}`, 1);
    assert.equal((await h.bot.ctx.snapshots.latest('svc-order'))?.instance, podAt(4));
    const ch = 'C0FLEETDIFF';
    const ack = String((await h.command({ text: 'diff svc-order', channel: ch, user: 'U0ONCALL' })).json?.text);
    const pod2 = podAt(2).replaceAll('.', '\\.');
    assert.match(ack, new RegExp(`^Comparing \\*svc-order\\* \\(${pod2}\\) #\\d+ → #\\d+`), ack);
    const site = (await pods[2]!.patterns()).chansend;
    const t = await waitThread(h.slack, ch, 0, 1);
    const found = t.replies.map(messageText).find((x) => x.startsWith('Goroutines of svc-order ('));
    assert.match(found ?? '', new RegExp(`^Goroutines of svc-order \\(${pod2}\\): #\\d+ → #\\d+`), found);
    assert.ok(found!.includes(`${basename(site.file)}:${site.line}`), `the leaking pod's site:\n${found}`);
    // pod=/instance= as /leak snapshot takes them: that process's last two snapshots.
    const [p4b, p4a] = (await h.bot.ctx.snapshots.list('svc-order', 50)).filter((m) => m.instance === podAt(4));
    const one = String((await h.command({ text: `diff svc-order instance=${podAt(4)} --new`, channel: ch, user: 'U0ONCALL' })).json?.text);
    assert.match(one, new RegExp(`^Comparing \\*svc-order\\* \\(${podAt(4).replaceAll('.', '\\.')}\\) #${p4a!.seq} → #${p4b!.seq}…`), one);
    const none = String((await h.command({ text: 'diff svc-order pod=svc-order-nope', channel: ch, user: 'U0ONCALL' })).json?.text);
    assert.match(none, new RegExp(`^No snapshot of \\*svc-order\\* is of \`svc-order-nope\`\\. Processes with snapshots: .*\`${pod2}\``), none);
  });

  it('a large fleet is sampled: suspects from the last round first, then the least recently captured', async () => {
    const captured = (t: Thread) => IPS.map((_, i) => i).filter((i) => messageText(fleetReply(t)!).includes(podAt(i)));
    const r1 = await run('snapshot svc-sample', 1);
    assert.match(messageText(fleetReply(r1)!), /sampled 2 of 6 pods/);
    assert.deepEqual(captured(r1), [0, 1]);
    const r2 = await run('snapshot svc-sample', 1);
    assert.deepEqual(captured(r2), [2, 3], 'the next round takes pods not captured yet');
    assert.match(messageText(fleetReply(r2)!), new RegExp(`on 1 of 2 pods: ${podAt(2).replaceAll('.', '\\.')}`), 'pod 2 (leaking since the first test) is a suspect');
    const r3 = await run('snapshot svc-sample', 1);
    assert.deepEqual(captured(r3), [2, 4], 'the suspect again, then the least recently captured');
  });

  it('a pod that hangs: the others are posted without waiting for it, then its error is listed', async () => {
    await pods[5]!.slow(60_000);
    try {
      const t = await run('snapshot svc-hang', 1);
      const hung = podAt(5).replaceAll('.', '\\.');
      const final = await h.slack.waitFor(
        'the fleet summary completed with the hung pod\'s timeout',
        () => {
          const m = h.slack.replies(t.parent.channel, t.parent.ts).find((r) => /^Fleet of /.test(r.text));
          return m && /did not deliver/.test(messageText(m)) ? m : null;
        },
        90_000,
      );
      const early = final.versions.find((v) => /still capturing after/.test(v.text));
      assert.ok(early, `a first version went out while ${podAt(5)} was still capturing:\n${final.versions.map((v) => v.text).join('\n---\n')}`);
      assert.match(early.text, new RegExp(`1 not captured: ${hung} \\(still capturing after`));
      assert.match(early.text, /Likely leak at|Leak at|pods clean|No suspected leaks/, 'the five that answered are in it');
      const sum = messageText(final);
      assert.match(sum, new RegExp(`1 not captured: ${hung} \\(no profile within 20 s\\)`), sum);
      assert.match(sum, new RegExp(`${hung} +— +not captured +no profile within 20 s`), 'the table says why in a few words');
      // Said once in full (what to do), not cut mid-sentence in the summary, the table and the parent.
      const full = `svc-hang (${podAt(5)}) did not deliver its goroutine profile within 20 s`;
      assert.equal(sum.split(full).length - 1, 1, `the full reason once:\n${sum}`);
      assert.match(sum, /raise timeoutSeconds for it, or try again\./);
      const parent = await h.slack.waitFor('the parent with the hung pod', () => h.slack.parents(t.parent.channel).find((p) => p.text.includes('no profile within 20 s')) ?? null, 30_000);
      assert.doesNotMatch(parent.text, /did not deliver|…/, parent.text);
      await settled(h, 90_000);
      assert.equal(h.slack.replies(t.parent.channel, t.parent.ts).filter((r) => /^Fleet of /.test(r.text)).length, 1, 'completed in place, not posted twice');
    } finally {
      await pods[5]!.reset();
    }
  });

  it('a pod that hangs and Slack down as the early summary goes out: the job runs again without capturing the fleet again', async () => {
    const perPod = async () => {
      const metas = await h.bot.ctx.snapshots.list('svc-hang', 200);
      return IPS.map((_, i) => metas.filter((m) => m.instance === podAt(i)).length);
    };
    const before = await perPod();
    await pods[5]!.slow(60_000);
    // Four 503s outlast the client's three quick retries of the early summary: the attempt fails.
    h.slack.failNext('chat.postMessage', 4, { status: 503 }, (a) => /^Fleet of svc-hang/.test(String(a.text)) && /still capturing/.test(String(a.text)));
    try {
      const t = await run('snapshot svc-hang', 1);
      const summaries = () => h.slack.replies(t.parent.channel, t.parent.ts).filter((r) => /^Fleet of /.test(r.text));
      await h.slack.waitFor('the fleet summary with the hung pod\'s timeout', () => summaries().find((m) => /did not deliver/.test(messageText(m))), 90_000);
      await queueIdle(h, 90_000);
      const jobs = await h.bot.ctx.jobs.queue.getJobs(['completed', 'failed']);
      assert.ok(jobs.some((j) => j.name === 'snapshot' && (j.data as { requester?: { channel?: string } }).requester?.channel === t.parent.channel && ((j.data as { slackWait?: { tries: number } }).slackWait?.tries ?? 0) >= 1), 'the job waited for Slack and ran again');
      const after = await perPod();
      assert.deepEqual(after.map((n, i) => n - before[i]!), [1, 1, 1, 1, 1, 0], 'each pod that answered was captured once; the hung one never delivered');
      assert.equal(summaries().length, 1, 'one fleet summary');
    } finally {
      await pods[5]!.reset();
    }
  });

  it('a job checkpointed by an older version (code and message, no brief) is posted from its checkpoint', async () => {
    // A fleet job retried across an upgrade: its checkpoint in Redis was written before briefs were.
    const kept = await h.bot.ctx.snapshots.latestOf('svc-order', podAt(1));
    assert.ok(kept, 'an earlier round captured pod 1');
    const slow = `svc-order (${podAt(3)}) did not deliver its goroutine profile within 4 s (http://${podAt(3)}/debug/pprof/goroutine?debug=0). A very busy or very large service can take longer: raise timeoutSeconds for it, or try again.`;
    const fleetCheckpoint = {
      discovered: 6,
      instances: [
        { id: podAt(1), name: podAt(1), seq: kept.seq },
        { id: podAt(3), name: podAt(3), code: 'timeout', error: slow },
        { id: podAt(4), name: podAt(4), code: 'busy', error: `Another capture of svc-order (${podAt(4)}) is taking too long; try again in a minute.` },
      ],
    };
    const before = await Promise.all(pods.map((p) => p.requests()));
    const ch = 'C0FLEETOLD';
    await h.bot.ctx.jobs.enqueue('snapshot', { service: 'svc-order', requester: { user: 'U0ONCALL', channel: ch }, reason: 'command', fleetCheckpoint });
    const t = await waitThread(h.slack, ch, 0, 1);
    // Posted placeholder-first: its blocks (the table, the full reasons) come by an update.
    const sum = messageText(await h.slack.waitFor('the fleet summary with its blocks', () => built(h.slack.replies(ch, t.parent.ts).find((r) => /^Fleet of /.test(r.text)))));
    const [p3, p4] = [podAt(3), podAt(4)].map((x) => x.replaceAll('.', '\\.'));
    assert.match(sum, new RegExp(`2 not captured: ${p3} \\(timed out\\), ${p4} \\(another capture still running\\)`), sum);
    assert.match(sum, new RegExp(`${p3} +— +not captured +timed out`), sum);
    assert.equal(sum.split(slow).length - 1, 1, `the full reason once:\n${sum}`);
    assert.deepEqual(await Promise.all(pods.map((p) => p.requests())), before, 'posted from the checkpoint: no pod asked again');
  });

  it('a replica killed and restarted between captures: restart detected, no diff across its lives', async () => {
    await pods[0]!.leak('chanrecv', 400); // raises its goroutine ids well above a fresh process's
    await run('snapshot svc-order', 1);
    const before = await h.bot.ctx.snapshots.latestOf('svc-order', podAt(0));
    assert.ok(before);
    await pods[0]!.kill();
    pods[0] = await startPod(0);
    const t = await run('snapshot svc-order', 1);
    const sum = messageText(fleetReply(t)!);
    assert.match(sum, new RegExp(`${podAt(0).replaceAll('.', '\\.')} restarted since the last capture: comparison starts over`), sum);
    const afterRestart = await h.bot.ctx.snapshots.latestOf('svc-order', podAt(0));
    assert.ok(afterRestart && afterRestart.seq > before.seq);
    assert.equal(afterRestart.life, (before.life ?? 1) + 1);
    assert.equal(afterRestart.restart?.previousSeq, before.seq);
    assert.match(afterRestart.restart?.reason ?? '', /goroutine ids started over/);
    assert.equal(await h.bot.ctx.snapshots.previous('svc-order', afterRestart.seq), null, 'never compared with its previous life');
    // The 400 goroutines of the old life are gone, not reported as "vanished" from one process.
    assert.doesNotMatch(sum.split('\n').find((l) => l.includes(podAt(0)) && /Leak/.test(l)) ?? '', /./);
  });

  it('/leak snapshot svc instance=… captures that instance only; an undiscovered address is refused', async () => {
    const t = await run(`snapshot svc-order instance=${podAt(3)}`, 1);
    const pod3 = podAt(3).replaceAll('.', '\\.');
    assert.match(messageText(t.replies[0]!), new RegExp(`Goroutines of svc-order \\(${pod3}\\)`));
    // Its *Capture again* captures that pod again (compared with its previous snapshot), not the fleet.
    const again = await h.slack.waitFor('the capture-again button', () => {
      for (const m of h.slack.replies(t.parent.channel, t.parent.ts)) {
        const el = JSON.stringify(m.blocks ?? []).match(/"action_id":"leak_capture_again","value":"((?:[^"\\]|\\.)*)"/);
        if (el) return { value: JSON.parse(`"${el[1]}"`) as string, ts: m.ts };
      }
      return null;
    });
    await h.action({ actionId: 'leak_capture_again', value: again.value, channel: t.parent.channel, messageTs: again.ts, threadTs: t.parent.ts });
    const recaptured = await h.slack.waitFor('the pod captured again', () =>
      h.slack.replies(t.parent.channel, t.parent.ts).find((m) => new RegExp(`Goroutines of svc-order \\(${pod3}\\): #\\d+ → #\\d+`).test(messageText(m))),
    );
    assert.ok(recaptured);
    assert.ok(!h.slack.replies(t.parent.channel, t.parent.ts).some((m) => /^Fleet of /.test(m.text)), 'no fleet round in a pod\'s thread');
    const before = await pods[1]!.requests();
    const bad = await run('snapshot svc-order instance=169.254.169.254:80', 1);
    assert.match(messageText(bad.replies[0]!), /has no instance instance=169\.254\.169\.254:80/);
    assert.deepEqual(await pods[1]!.requests(), before, 'nothing fetched for a refused instance');
  });

  it('prometheus targets: pods named by their pod label; pod=… picks one', async () => {
    const t = await run('snapshot svc-prom', 1);
    const sum = messageText(fleetReply(t)!);
    for (const i of IPS.keys()) assert.ok(sum.includes(`svc-order-5d8f-${i}`), `pod svc-order-5d8f-${i} in the table:\n${sum}`);
    // kubectl needs the namespace beside the pod name: Prometheus's namespace label, shared by all.
    assert.match(sum, /\*Fleet of svc-prom\* \(namespace `prod`\)\n/, sum);
    const one = await run('snapshot svc-prom pod=svc-order-5d8f-2', 1);
    assert.match(messageText(one.replies[0]!), /Goroutines of svc-prom \(svc-order-5d8f-2\)/);
  });

  it('prometheus process_start_time_seconds: a restart Prometheus saw is detected even when ids say little', async () => {
    await run('snapshot svc-prom pod=svc-order-5d8f-1', 1);
    const before = await h.bot.ctx.snapshots.latestOf('svc-prom', `${IPS[1]}:${metricsPort}`);
    assert.ok(before, 'instance id is the Prometheus instance label');
    await pods[1]!.kill();
    pods[1] = await startPod(1);
    started[1] = Date.now() / 1000;
    await prom.waitFor(`process_start_time_seconds{instance="${IPS[1]}:${metricsPort}"}`, (v) => Math.abs(v - started[1]!) < 0.01);
    const t = await run('snapshot svc-prom pod=svc-order-5d8f-1', 1);
    const after = await h.bot.ctx.snapshots.latestOf('svc-prom', `${IPS[1]}:${metricsPort}`);
    assert.equal(after?.restart?.previousSeq, before.seq);
    assert.match(after?.restart?.reason ?? '', /after the previous capture \(Prometheus process_start_time_seconds\)/);
    assert.match(messageText(t.replies[0]!), /svc-prom \(svc-order-5d8f-1\) restarted since snapshot #\d+/);
  });
});
