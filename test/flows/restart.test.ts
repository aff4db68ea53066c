// A small process that restarts between two captures (a crash loop) is caught and said so. trial5's
// service restarted between the first snapshot and the automatic recapture: its highest goroutine id
// fell by a handful (the new life hands out the same ids again), under restart.ts's drop of 64, so the
// thread said "Compared with the previous snapshot" beside the engine's note that the dumps were of
// different processes. Real parts: a leaking Go service (Go 1.26) killed and started again on the same
// address, Redis, signed slash commands; Slack is the stand-in.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { built, delayedJob, messageText, settled, waitThread, withServiceHarness } from '../e2e/helpers.js';
import { startGoService, type GoService } from '../support/go-service.js';
import { detectRestart } from '../../src/capture/restart.js';

const ADDR = '127.0.0.1:7311';

describe('restart of a small process between two captures', () => {
  let svc: GoService | undefined;
  const s = withServiceHarness(
    () => `
services:
  svc-crashy:
    url: http://${ADDR}
    minIntervalSeconds: 0
snapshot:
  autoRecaptureSeconds: 600
`,
    { services: 0 },
  );
  after(async () => {
    await svc?.stop();
  });

  it('the recapture after a restart says the process restarted, not that it was compared; the next capture compares within the new life', async () => {
    const { h } = s;
    const ch = 'C0CRASHY';
    svc = await startGoService({ args: ['-addr', ADDR] });
    await svc.leak('chansend', 30);
    await h.command({ text: 'snapshot svc-crashy', channel: ch });
    const t = await waitThread(h.slack, ch, 0, 1);
    const findings = await h.slack.waitFor('first findings built', () => built(t.replies[0]));
    assert.match(messageText(findings), /Single snapshot|single snapshot/);

    // The process dies and comes back on the same address with a slightly smaller pile.
    await svc.kill();
    svc = await startGoService({ args: ['-addr', ADDR] });
    await svc.leak('chansend', 25);
    const job = await delayedJob(h, 'the automatic recapture', (j) => j.name === 'snapshot' && (j.data as { reason?: string }).reason === 'auto');
    await job.promote();
    const updated = await h.slack.waitFor('findings updated after the recapture', () => (/captured again automatically|restarted since/.test(messageText(findings)) ? messageText(findings) : null));

    const [cur, prev] = await h.bot.ctx.snapshots.list('svc-crashy', 2);
    assert.ok(cur && prev, 'two snapshots stored');
    // What the old rule saw: ids that fell by under 64 — no restart by the marks alone.
    assert.equal(detectRestart({ maxGoroutineId: prev.maxGoroutineId ?? null, total: prev.total, capturedAt: prev.capturedAt }, { maxGoroutineId: cur.maxGoroutineId ?? null, total: cur.total, capturedAt: cur.capturedAt }).restarted, false, `ids ${prev.maxGoroutineId} → ${cur.maxGoroutineId}`);
    assert.equal(cur.life, 2, 'a new life');
    assert.equal(cur.restart?.previousSeq, prev.seq);
    assert.match(updated, new RegExp(`svc-crashy restarted since snapshot #${prev.seq} \\(a new process: the goroutines listed under the same ids and stacks as before all show other call arguments`));
    assert.match(updated, /A process is never compared with its previous life/);
    assert.doesNotMatch(updated, /Compared with the previous snapshot/);
    assert.doesNotMatch(updated, /different processes|order given/, 'no CLI wording about files given in order');
    await settled(h);

    // The same life, captured again: compared with the restart's snapshot, as one process.
    await svc.leak('chansend', 40);
    await h.command({ text: 'snapshot svc-crashy', channel: ch });
    const third = await h.slack.waitFor('third findings compared', () => h.slack.replies(ch, t.parent.ts).map(messageText).find((x) => /Compared with the previous snapshot/.test(x)));
    assert.match(third, new RegExp(`Compared with the previous snapshot #${cur.seq} `));
    assert.doesNotMatch(third, /restarted since|different processes/);
    const [third3] = await h.bot.ctx.snapshots.list('svc-crashy', 1);
    assert.equal(third3?.life, 2, 'same life');
    await settled(h);
  });
});
