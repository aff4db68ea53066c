// Issue 12, items 2 and 3, against a running bot: a registered service that answers with a
// decompression bomb gets a clear refusal in the thread and in the requester's response_url, the
// bot stays up and keeps working; a worker thread that runs out of heap fails its task, not the
// process; a 1,000,000-goroutine debug=1 profile is parsed while /healthz and slash commands answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisPool } from '../../src/analysis/pool.js';
import { ProfileLimitError } from '../../src/capture/limits.js';
import { bigDebug1Dump } from '../support/big-dump.js';
import { messageText, waitThread, withServiceHarness } from '../e2e/helpers.js';

describe('hostile profiles', { timeout: 300_000 }, () => {
  const s = withServiceHarness((bomb, good) => `services:\n  svc-bomb:\n    url: ${bomb}\n    minIntervalSeconds: 0\n  svc-order:\n    url: ${good}\n    minIntervalSeconds: 0\n`, {
    services: 2,
    prepare: ([, good]) => good!.leak('chanrecv', 50),
  });

  it('a gzip bomb (1 GiB inflated) is refused with a clear message; the bot keeps serving', async () => {
    const { h } = s;
    const bomb = s.services[0]!;
    const gz = await bomb.bomb(1024);
    assert.ok(gz < 8 << 20, `the bomb is small on the wire (${gz} bytes)`);
    const rss0 = process.memoryUsage().rss;
    const ack = await h.command({ text: 'snapshot svc-bomb', channel: 'C0BOMB' });
    assert.equal(ack.status, 200);
    const t = await waitThread(h.slack, 'C0BOMB', 0);
    const all = [t.parent, ...t.replies].map(messageText).join('\n');
    assert.match(all, /refused.*inflates to more than 64 MiB/s, all);
    const rssGrowthMb = (process.memoryUsage().rss - rss0) / (1 << 20);
    console.log(`# bomb: ${gz} B gzip'd, RSS growth ${Math.round(rssGrowthMb)} MiB`);
    // The process answers and a healthy service still gets its findings.
    assert.equal((await fetch(`${h.baseUrl}/healthz`)).status, 200);
    await h.command({ text: 'snapshot svc-order', channel: 'C0GOOD' });
    const ok = await waitThread(h.slack, 'C0GOOD', 0);
    assert.match(ok.parent.text, /svc-order/);
    assert.doesNotMatch(ok.parent.text, /failed/);
  });

  it('a bomb under the byte cap but with millions of samples is refused before decoding', async () => {
    const { h } = s;
    const bomb = s.services[0]!;
    await bomb.bomb(40); // 40 MiB of 8-byte samples: ≈ 5 million records
    await h.command({ text: 'snapshot svc-bomb', channel: 'C0BOMB2' });
    const t = await waitThread(h.slack, 'C0BOMB2', 0);
    assert.match([t.parent, ...t.replies].map(messageText).join('\n'), /more than 1,000,000 distinct stacks/);
  });

  it('1,000,000 goroutines over 250,000 stacks (debug=1) are parsed while /healthz and slash commands answer', async () => {
    const { h } = s;
    const dump = bigDebug1Dump();
    let parsed = false;
    const parse = h.bot.ctx.analysis.decode(dump, { capturedAt: 0, maxBytes: 64 << 20 }).then((s) => {
      parsed = true;
      return s;
    });
    let answeredDuringParse = 0;
    const hz = await fetch(`${h.baseUrl}/healthz`);
    assert.equal(hz.status, 200);
    if (!parsed) answeredDuringParse++;
    const cmd = await h.command({ text: 'help', channel: 'C0HELP' });
    assert.equal(cmd.status, 200);
    assert.match(String(cmd.json?.text), /snapshot/);
    if (!parsed) answeredDuringParse++;
    const snap = await parse;
    assert.equal(snap.total, 1_000_000);
    assert.equal(snap.groups.length, 250_000);
    assert.ok(answeredDuringParse > 0, 'the bot answered while the profile was being parsed');
  });
});

describe('analysis worker heap limit', () => {
  it('a worker out of heap fails its task with ProfileLimitError; the pool and process go on', async () => {
    const pool = new AnalysisPool({ size: 1, memoryMb: 64 });
    try {
      const err = await pool.decode(bigDebug1Dump(), { capturedAt: 0, maxBytes: 64 << 20 }).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ProfileLimitError, `got ${String(err)}`);
      assert.equal(err.what, 'memory');
      assert.match(err.message, /more than the 64 MiB allowed/);
      assert.equal(pool.stats().crashes, 1);
      const small = await pool.decode(bigDebug1Dump(100, 3), { capturedAt: 0, maxBytes: 64 << 20 });
      assert.equal(small.total, 300);
    } finally {
      await pool.close();
    }
  });
});
