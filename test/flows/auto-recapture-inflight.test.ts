// The automatic second capture of a first /leak snapshot updates the first findings in place. A run of
// the first snapshot's job that checked 'followed up' before the automatic round marked it (BullMQ
// hands a job whose worker was only slow to another worker) may still have its findings update in
// flight, Slack slow to take it, when the automatic round posts: Slack then applied the single
// snapshot's findings after the comparison, and the thread lost the 2-snapshot verdict. Forced here
// with the stand-in's hold() on that update, not raced. Real parts: leaksvc, Redis, signed slash
// commands; Slack is the stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { built, delayedJob, messageText, settled, waitThread, withServiceHarness } from '../e2e/helpers.js';

describe('the automatic second capture while a run of the first snapshot still posts', () => {
  const lines: string[] = [];
  const s = withServiceHarness((url) => `services:\n  svc-order:\n    url: ${url}\n    minIntervalSeconds: 0\nsnapshot:\n  autoRecaptureSeconds: 600\n`, {
    logLevel: 'info',
    logDestination: new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }),
  });

  it('keeps the comparison: one findings message, updated by the 2-snapshot verdict', async () => {
    const { h, go } = s;
    const ch = 'C0INFLIGHT';
    await go.leak('chansend', 20);
    await h.command({ text: 'snapshot svc-order', channel: ch });
    const t = await waitThread(h.slack, ch, 0, 1);
    const findings = await h.slack.waitFor('first findings built', () => built(t.replies.find((r) => /^Goroutines of svc-order/.test(r.text))));
    assert.match(messageText(findings), /captures again by itself in 600 s/);
    await settled(h);
    const auto = await delayedJob(h, 'the automatic second capture', (j) => j.name === 'snapshot' && (j.data as { reason?: string }).reason === 'auto');
    const first = (await h.bot.ctx.jobs.queue.getJobs(['completed'])).find((j) => j.name === 'snapshot' && (j.data as { reason?: string }).reason !== 'auto')!;

    // The first job runs again; Slack holds its findings update (the single snapshot's) unanswered.
    const held = h.slack.hold('chat.update', 'before', (a) => a.channel === ch && a.ts === findings.ts && /captures again by itself/.test(JSON.stringify(a.blocks ?? [])));
    await first.retry('completed');
    await held.reached;

    // Meanwhile the leak grows and the automatic round runs: it updates the findings, or (fixed) waits
    // for the run still posting; either is seen before the held update is let go.
    await go.leak('chansend', 20);
    const compared = () => /captured again automatically/.test(messageText(findings));
    const waits = () => lines.some((l) => /still running/.test(l));
    await auto.promote();
    await h.slack.waitFor('the automatic round posted or waits for the first run', () => compared() || waits());
    held.release();
    await settled(h);

    const text = messageText(findings);
    assert.match(text, /captured again automatically/, `the findings show the comparison:\n${text}`);
    assert.doesNotMatch(text, /captures again by itself/, text);
    assert.equal(h.slack.replies(ch, t.parent.ts).length, 1, 'one findings message');
    assert.match(t.parent.text, /\(snapshot #\d+, /, t.parent.text);
    assert.doesNotMatch(t.parent.text, /analyses/, `one findings message counted:\n${t.parent.text}`);
    const latest = (await h.bot.ctx.threads.get(ch, t.parent.ts))?.state;
    assert.equal(latest?.seq, (await h.bot.ctx.snapshots.list('svc-order', 1))[0]?.seq, 'the thread\'s latest verdict is the automatic round\'s');
    assert.equal((await h.bot.ctx.jobs.queue.getDelayed()).filter((j) => j.name === 'snapshot').length, 0, 'no third round');
  });
});
