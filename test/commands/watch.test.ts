// `/leak watch` end to end: real Redis and BullMQ, the leaking Go service, the Slack stand-in.
// A short watch posts one message updated in place, a summary and a valid PNG; a stop request ends
// a watch early; a worker process killed mid-watch loses and duplicates no capture.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { WatchStore } from '../../src/incident/watch.js';
import { startGoService, type GoService } from '../support/go-service.js';
import type { StubMessage, StubUpload } from '../support/slack-stub.js';
import { startHarness, type Harness } from '../e2e/harness.js';
import { settled } from '../e2e/helpers.js';
import { assertPng } from '../incident/png.js';

const textOf = (m: StubMessage): string => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
const config = (url: string, ch: string): string => `
services:
  svc-order:
    url: ${url}
    channel: ${ch}
    minIntervalSeconds: 0
    timeoutSeconds: 3
watch:
  minIntervalSeconds: 1
`;

async function activeWatch(store: WatchStore, service: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const id = await store.active(service);
    if (id) return id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no active watch');
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('/leak watch in one process', () => {
  const CH = 'C0WATCH';
  let go: GoService;
  let h: Harness;
  let store: WatchStore;
  before(async () => {
    go = await startGoService();
    h = await startHarness({ configYaml: config(go.url, CH) });
    store = new WatchStore(h.bot.ctx.redis, h.bot.ctx.prefix);
  });
  after(async () => {
    await h?.close();
    await go?.stop();
  });

  it('3 intervals: one message updated in place, a chart on request, a summary and a PNG at the end', async () => {
    const ack = await h.command({ text: 'watch svc-order every 2s for 6s', channel: CH, user: 'U0ALICE' });
    assert.match(String(ack.json?.text), /Watching \*svc-order\* every 2 s for 6 s \(4 captures\)/);
    const id = await activeWatch(store, 'svc-order');
    // The leak starts after the first capture: that capture is the trend's starting point, so a
    // failed one would leave only leaked captures and an honest "flat" — say that instead.
    const first = await until('first capture', async () => (await store.samples(id))[0]);
    assert.equal(first.error, undefined, `the first capture failed, so the watch cannot see the leak start: ${first.error}`);
    const site = (await go.patterns()).chansend;
    await go.leak('chansend', 250);

    // A second watch of the same service is refused, saying where the running one is (trial9, asking
    // from another channel, was told only who started it); a chart can be asked for meanwhile.
    const again = await h.command({ text: 'watch svc-order', channel: 'C0ELSEWHERE', user: 'U0BOB' });
    assert.match(String(again.json?.text), new RegExp(`already being watched \\(started by <@U0ALICE> in <#${CH}>, every 2 s\\)`));
    await until('second capture', async () => (await store.samples(id)).length >= 2);
    const chartAck = await h.command({ text: 'watch chart svc-order', channel: CH, user: 'U0BOB' });
    assert.match(String(chartAck.json?.text), /Uploading the trend chart/);

    const done = await h.slack.waitFor('final message', () => h.slack.parents(CH).find((m) => /^Watch of svc-order ended/.test(m.text)), 120_000);
    assert.equal(done.text, 'Watch of svc-order ended: growing');
    assert.equal(h.slack.parents(CH).length, 1, 'one message for the whole watch');
    assert.ok(done.versions.length >= 5, `updated in place at each capture (${done.versions.length} versions)`);
    assert.ok(done.versions.some((v) => /Watching svc-order/.test(v.text)), 'showed the running trend first');
    const final = textOf(done);
    assert.match(final, /4\/4 captures/);
    assert.ok(final.includes(`${site.file.split('/').pop()}:${site.line}`), `the growing suspect is the leak site:\n${final}`);
    assert.match(final, /growing/);

    const summary = await h.slack.waitFor('summary reply', () => h.slack.replies(CH, done.ts).find((m) => /svc-order is growing: [\d,]+ → [\d,]+ goroutines/.test(m.text)), 60_000);
    assert.ok(summary);
    const pngs = await h.slack.waitFor('final chart', () => {
      const ups = h.slack.uploads.filter((u) => u.filename.endsWith('.png') && u.completed);
      return ups.some((u) => /over/.test(u.initialComment ?? '')) ? ups : null;
    }, 60_000);
    for (const u of pngs as StubUpload[]) {
      assert.equal(u.threadTs, done.ts, 'charts go to the watch thread');
      assertPng(u.content, { minBytes: 5_000, maxBytes: 1_000_000 });
    }
    assert.ok(pngs.some((u) => /so far/.test(u.initialComment ?? '')), 'the chart asked for mid-watch was uploaded');
    // Counted once every job has run to its end: a retried finish would post its summary or chart again.
    await settled(h);
    assert.equal(h.slack.parents(CH).length, 1, 'still one message for the whole watch');
    assert.equal(h.slack.replies(CH, done.ts).filter((m) => /svc-order is growing/.test(m.text)).length, 1, 'one summary');
    assert.equal(h.slack.uploads.filter((u) => u.threadTs === done.ts && /over/.test(u.initialComment ?? '')).length, 1, 'one final chart');

    const samples = await store.samples(id);
    assert.deepEqual(samples.map((s) => s.index), [0, 1, 2, 3]);
    assert.ok(samples.at(-1)!.total! - samples[0]!.total! >= 200, 'the leak shows in the totals');
    const events = await until('the watch end on the timeline', async () => {
      const ev = (await h.bot.ctx.timeline.list('svc-order')).filter((e) => e.type === 'watch');
      return ev.some((e) => e.data?.phase === 'end') ? ev : null;
    });
    assert.deepEqual(events.map((e) => e.data?.phase), ['start', 'tick', 'tick', 'tick', 'tick', 'end']);
    assert.equal(events.at(-1)!.data?.verdict, 'growing');
    assert.equal(await store.active('svc-order'), null, 'the service can be watched again');

    // The watch's message is the service's thread here: a snapshot right after joins it.
    const snap = await h.command({ text: 'snapshot svc-order', channel: CH, user: 'U0CAROL' });
    assert.match(String(snap.json?.text), /the open watch thread of \*svc-order\*/);
    await h.slack.waitFor('snapshot findings in the watch thread', () => h.slack.replies(CH, done.ts).find((m) => /Compared with/.test(textOf(m))), 60_000);
    await settled(h);
    assert.equal(h.slack.parents(CH).length, 1, 'still one message in the channel');
    assert.equal(textOf(done).includes('Watch of svc-order ended'), true, 'the watch message stays the watch\'s');
  });

  it('stops on request with a summary, and says so when nothing runs', async () => {
    const parentsBefore = h.slack.parents(CH).length;
    await h.command({ text: 'watch svc-order every 1s for 5m', channel: CH, user: 'U0ALICE' });
    const id = await activeWatch(store, 'svc-order');
    await until('a capture', async () => (await store.samples(id)).length >= 1);
    const stop = await h.command({ text: 'watch stop svc-order', channel: CH, user: 'U0BOB' });
    assert.match(String(stop.json?.text), /Stopping the watch of \*svc-order\*/);
    const msg = await h.slack.waitFor('stopped message', () => h.slack.parents(CH).slice(parentsBefore).find((m) => /^Watch of svc-order ended/.test(m.text)), 60_000);
    assert.match(textOf(msg), /stopped by <@U0BOB>/);
    assert.doesNotMatch(JSON.stringify(msg.blocks), /watch_stop/);
    await h.slack.waitFor('summary', () => h.slack.replies(CH, msg.ts).find((m) => /svc-order is|Not enough captures/.test(m.text)), 60_000);
    const n = (await store.samples(id)).length;
    assert.ok(n < 600);
    const none = await h.command({ text: 'watch stop svc-order', channel: CH, user: 'U0BOB' });
    assert.match(String(none.json?.text), /No watch of svc-order is running/);
    const bad = await h.command({ text: 'watch svc-order every 10ms', channel: CH });
    assert.match(String(bad.json?.text), /needs a duration with a unit|at most once every/);
  });
});

describe('/leak watch across a worker crash', () => {
  const CH = 'C0WATCHKILL';
  let go: GoService;
  let h: Harness;
  let worker: ChildProcess | null = null;
  let redis: Redis;
  const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

  function startWorker(): ChildProcess {
    const p = spawn(process.execPath, ['--import', 'tsx', cli, 'worker'], {
      env: { ...process.env, ...h.env, PORT: '0', LEAKBOT_JOB_LOCK_MS: '2000', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return p;
  }
  async function kill(p: ChildProcess | null): Promise<void> {
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  before(async () => {
    go = await startGoService();
    h = await startHarness({ configYaml: config(go.url, CH), role: 'web' });
    redis = new Redis(h.redis.url);
  });
  after(async () => {
    await kill(worker);
    redis?.disconnect();
    await h?.close();
    await go?.stop();
  });

  it('a worker killed mid-capture: the watch completes after a restart, every capture exactly once', async () => {
    const store = new WatchStore(redis, h.bot.ctx.prefix);
    worker = startWorker();
    await go.slow(700); // captures take long enough to be killed in the middle of one
    await h.command({ text: 'watch svc-order every 2s for 8s', channel: CH, user: 'U0ALICE' });
    const id = await activeWatch(store, 'svc-order', 60_000);
    await until('first capture', async () => (await store.samples(id)).length >= 1, 120_000);
    // Kill while a tick job is in progress (its capture waiting on the slow service).
    await until('a tick in flight', async () => (await h.bot.ctx.jobs.queue.getActive()).some((j) => j.name === 'watch.tick' && j.data.index >= 1), 120_000);
    await kill(worker);
    const before = (await store.samples(id)).length;
    await go.slow(0);
    worker = startWorker();

    const done = await h.slack.waitFor('final message', () => h.slack.parents(CH).find((m) => /^Watch of svc-order ended/.test(m.text)), 180_000);
    const samples = await store.samples(id);
    assert.deepEqual(samples.map((s) => s.index), [0, 1, 2, 3, 4], `no capture lost (had ${before} at the kill)`);
    const ticks = (await h.bot.ctx.timeline.list('svc-order')).filter((e) => e.type === 'watch' && e.data?.phase === 'tick');
    assert.deepEqual(ticks.map((e) => e.data?.tick).sort(), [0, 1, 2, 3, 4], 'no capture recorded twice');
    assert.match(textOf(done), /5\/5 captures/);
    await h.slack.waitFor('the summary', () => h.slack.replies(CH, done.ts).find((m) => /svc-order is/.test(m.text)), 60_000);
    const png = await h.slack.waitFor('chart', () => h.slack.uploads.find((u) => u.threadTs === done.ts && u.filename.endsWith('.png') && u.completed), 60_000);
    assertPng(png.content);
    // Counted once the jobs the new worker took over have run to their end (a double comes later).
    await settled(h, 120_000);
    assert.equal(h.slack.parents(CH).length, 1, 'still one message');
    assert.equal(h.slack.replies(CH, done.ts).filter((m) => /svc-order is/.test(m.text)).length, 1, 'one summary');
    assert.equal(h.slack.uploads.filter((u) => u.threadTs === done.ts && u.filename.endsWith('.png')).length, 1, 'one chart');
  });
});
