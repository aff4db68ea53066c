// Findings too many for one message go up as a report file under them (postFindings). The snapshot
// flow's automatic second capture updates the first findings in place, under the first job's post
// key; its report file went up under that key too, which the poster already remembered when the
// first findings had overflowed: the thread kept only the single snapshot's file ('svc-order #1')
// under a message comparing #1 → #2 whose 'N more suspected leak sites are in the full report'
// pointed at it. The comparison's findings are a real pair of captures of leaksvc, repeated at 40
// sites so they overflow (leaksvc's 13 patterns fit in one message as a single snapshot).
// Real parts: leaksvc, Redis; Slack is the stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withServiceHarness } from '../e2e/helpers.js';
import { analyzePair, postFindings, type AnalysisResult } from '../../src/flows/findings.js';

/** `r` with its top finding repeated at 40 sites: more than one Slack message holds. */
function overflowing(r: AnalysisResult): AnalysisResult {
  const f = r.analysis.findings[0]!;
  const findings = Array.from({ length: 40 }, (_, i) => ({ ...f, site: f.site ? { ...f.site, line: f.site.line + i } : f.site, coarseKey: `${f.coarseKey}#${i}` }));
  return { ...r, analysis: { ...r.analysis, findings } };
}

describe('the report file of an automatic second capture', () => {
  const s = withServiceHarness((url) => `services:\n  svc-order:\n    url: ${url}\n    minIntervalSeconds: 0\n`);

  it('goes up beside the first one, titled with the pair it compares', async () => {
    const { h, go } = s;
    const ctx = h.bot.ctx;
    await go.leak('chansend', 20);
    const one = await ctx.captures.obtain('svc-order', { requestedBy: 'test' });
    assert.ok(one.ok);
    await go.leak('chansend', 20);
    const two = await ctx.captures.obtain('svc-order', { requestedBy: 'test', maxAgeMs: 0 });
    assert.ok(two.ok);
    const parent = await ctx.poster.post('test:auto-report:parent', { channel: 'C0AUTOREPORT', text: 'Goroutine snapshot of svc-order' });
    const thread = { channel: parent.channel, ts: parent.ts };
    const files = () => h.slack.uploads.filter((u) => u.completed && u.threadTs === thread.ts);

    // The first snapshot's findings, then the automatic capture's comparison, under the same key.
    await postFindings(ctx, 'job:auto-report', 'svc-order', thread, overflowing(await analyzePair(ctx, 'svc-order', null, null, one.meta)), 'U1');
    assert.deepEqual(files().map((u) => u.title), [`Full goroutine report: svc-order #${one.meta.seq}`]);
    await postFindings(ctx, 'job:auto-report', 'svc-order', thread, overflowing(await analyzePair(ctx, 'svc-order', one.meta, 'previous', two.meta)), 'leakbot', { suffix: ' (captured again automatically)' });
    assert.deepEqual(files().map((u) => u.title), [`Full goroutine report: svc-order #${one.meta.seq}`, `Full goroutine report: svc-order #${one.meta.seq} → #${two.meta.seq}`]);
    assert.equal(h.slack.replies(thread.channel, thread.ts).filter((m) => /^Goroutines of svc-order/.test(m.text)).length, 1, 'one findings message, updated');

    // A retried job posts its file once.
    await postFindings(ctx, 'job:auto-report', 'svc-order', thread, overflowing(await analyzePair(ctx, 'svc-order', one.meta, 'previous', two.meta)), 'leakbot', { suffix: ' (captured again automatically)' });
    assert.equal(files().length, 2);
  });
});
