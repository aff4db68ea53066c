// Resilience figures (issue 12) on real parts — an in-process leakbot (role all) with redis-server,
// the leaking Go service and the Slack stand-in:
//  - gzip bomb: a 1 GiB-inflating profile.proto from a registered service → time to the clear error
//    in the thread, and the process's peak RSS meanwhile;
//  - 1,000,000 goroutines over 250,000 stacks (debug=1, ≈ 34 MB) decoded in the worker pool → /healthz
//    and slash-command ack latency while it runs, next to the same parse on the main thread (the old way);
//  - a Slack outage (20 s here, not the 60 s, to keep `npm run bench` short; the mechanism
//    does not depend on the length) under 5 snapshot requests → time from Slack's return to all
//    findings delivered, and doubles (must be 0).
import { parseDump } from '../src/engine/index.js';
import { startGoService, type GoService } from '../test/support/go-service.js';
import { bigDebug1Dump } from '../test/support/big-dump.js';
import { startHarness, type Harness } from '../test/e2e/harness.js';

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const mib = (b: number) => `${(b / (1 << 20)).toFixed(0)} MiB`;

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
}

/** Sends /healthz and `help` acks one after another until `done` settles; returns both latency lists. */
async function probe(h: Harness, done: Promise<unknown>): Promise<{ healthz: number[]; acks: number[] }> {
  let over = false;
  void done.finally(() => (over = true));
  const healthz: number[] = [];
  const acks: number[] = [];
  while (!over) {
    const t0 = performance.now();
    await fetch(`${h.baseUrl}/healthz`);
    healthz.push(performance.now() - t0);
    acks.push((await h.command({ text: 'help', channel: 'C0PROBE' })).ms);
  }
  return { healthz: healthz.sort((a, b) => a - b), acks: acks.sort((a, b) => a - b) };
}

export async function run(): Promise<void> {
  let go: GoService | null = null;
  let h: Harness | null = null;
  try {
    go = await startGoService();
    await go.leak('chanrecv', 50);
    h = await startHarness({ configYaml: `services:\n  svc-bomb:\n    url: ${go.url}\n    minIntervalSeconds: 0\n`, env: { slackRetryMaxDelayMs: 1000 } });

    // 1. Gzip bomb.
    const gz = await go.bomb(1024);
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    await h.command({ text: 'snapshot svc-bomb', channel: 'C0BOMB' });
    const hh = h;
    await hh.slack.waitFor('bomb refused', () => hh.slack.messages('C0BOMB').some((m) => /refused/.test(m.text)), 120_000);
    const tBomb = performance.now() - t0;
    clearInterval(sampler);
    console.log(`gzip bomb (${mib(gz)} gzip'd → 1 GiB): clear error in the thread after ${fmt(tBomb)}; RSS ${mib(rss0)} → peak ${mib(peak)}`);
    await go.reset();

    // 2. 1M goroutines, debug=1.
    const dump = bigDebug1Dump();
    const w0 = performance.now();
    const decoded = h.bot.ctx.analysis.decode(dump, { capturedAt: 0, maxBytes: 64 << 20 });
    const off = await probe(h, decoded);
    const snap = await decoded;
    const wMs = performance.now() - w0;
    console.log(
      `1M goroutines / ${snap.groups.length} stacks debug=1 (${mib(dump.length)}), worker thread: ${fmt(wMs)}; ` +
        `/healthz p50 ${fmt(pct(off.healthz, 50))} p99 ${fmt(pct(off.healthz, 99))} max ${fmt(off.healthz.at(-1)!)}, ` +
        `ack p50 ${fmt(pct(off.acks, 50))} p99 ${fmt(pct(off.acks, 99))} (${off.acks.length} acks)`,
    );
    // The same parse on the main thread, as before the pool: requests queue behind it.
    const blocked = new Promise<void>((r) => setTimeout(r, 0)).then(() => parseDump(dump, { maxBytes: 64 << 20 }));
    const m0 = performance.now();
    const hz = fetch(`${h.baseUrl}/healthz`).then(() => performance.now() - m0);
    await blocked;
    console.log(`  same parse on the main thread: /healthz waited ${fmt(await hz)}`);

    // 3. Slack outage.
    const chans = ['C0OUT1', 'C0OUT2', 'C0OUT3', 'C0OUT4', 'C0OUT5'];
    const s = h.slack;
    s.outage(true);
    await go.leak('chansend', 20);
    const cfgSvc = 'svc-bomb';
    for (const ch of chans) await h.command({ text: `snapshot ${cfgSvc}`, channel: ch });
    await new Promise((r) => setTimeout(r, 20_000)); // the outage
    const back = performance.now();
    s.outage(false);
    await s.waitFor('all findings delivered', () => chans.every((ch) => s.parents(ch)[0] && s.replies(ch, s.parents(ch)[0]!.ts).length > 0), 180_000);
    const doubles = chans.reduce((n, ch) => n + Math.max(0, s.parents(ch).length - 1) + Math.max(0, s.replies(ch, s.parents(ch)[0]!.ts).length - 1), 0);
    console.log(`Slack outage of 20 s under ${chans.length} snapshots: all findings delivered ${fmt(performance.now() - back)} after Slack returned; doubled messages: ${doubles}`);
  } finally {
    await h?.close();
    await go?.stop();
  }
}
