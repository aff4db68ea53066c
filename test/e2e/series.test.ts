// A process captured three times is read as a series, not as a pair of its last two snapshots: a
// leak grows at every step, which two counts cannot show. Proto-only captures (a service above
// debug2MaxGoroutines: no goroutine ids) gain most; the thread says which snapshots it read.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StubMessage } from '../support/slack-stub.js';
import { basename, built, delayedJob, messageText, settled, waitThread, withServiceHarness } from './helpers.js';

describe('a process captured three times is read as a series', () => {
  const s = withServiceHarness(
    (url) => `
services:
  svc-big:
    url: ${url}
    minIntervalSeconds: 0
    debug2MaxGoroutines: 5
  svc-paced:
    url: ${url}
    minIntervalSeconds: 600
snapshot:
  autoRecaptureSeconds: 600
`,
  );
  const button = (m: StubMessage, id: string): string => {
    const b = ((m.blocks ?? []) as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).flatMap((x) => (x.type === 'actions' ? (x.elements ?? []) : [])).find((e) => e.action_id === id);
    assert.ok(b, `button ${id}`);
    return b.value;
  };
  const findingOf = (text: string, file: string): string => text.split('\n').find((l) => l.includes(file)) ?? '';

  it('the third capture compares #1 → #2 → #3 and the pile that grew at every step reads high', async () => {
    const { h, go } = s;
    const ch = 'C0SERIES';
    const site = (await go.patterns()).select;
    const where = `${basename(site.file)}:${site.line}`;
    await go.leak('select', 20);
    await h.command({ text: 'snapshot svc-big', channel: ch, user: 'U0ALICE' });
    const thread = await waitThread(h.slack, ch, 0);
    const findings = await h.slack.waitFor('first findings', () => built(thread.replies[0]));
    assert.match(messageText(findings), /single snapshot: growth is not measured yet/);

    // Step 1: the pile grows; the automatic recapture compares #1 → #2 (a pair of counts).
    await go.leak('select', 20);
    const job = await delayedJob(h, 'the automatic recapture', (j) => j.name === 'snapshot' && (j.data as { reason?: string }).reason === 'auto');
    await job.promote();
    const pair = await h.slack.waitFor('the pair verdict', () => (/Compared with the previous snapshot/.test(messageText(findings)) ? messageText(findings) : null));
    assert.match(pair, /Goroutines of svc-big: #1 → #2/);
    assert.doesNotMatch(pair, /as a series/);
    assert.ok(findingOf(pair, where), `the pair lists the pile at ${where}:\n${pair}`);
    // Two counts cannot tell this from a surge: the pair stops short of high.
    assert.doesNotMatch(pair, /— high/, pair);
    await settled(h);

    // Step 2: it grows again; Capture again reads the three snapshots as one series.
    await go.leak('select', 20);
    await h.action({ actionId: 'leak_capture_again', value: button(findings, 'leak_capture_again'), channel: ch, messageTs: findings.ts, threadTs: thread.parent.ts });
    const third = await h.slack.waitFor('the series findings', () => built(h.slack.replies(ch, thread.parent.ts).find((m) => /#1 → #2 → #3/.test(messageText(m)))));
    const text = messageText(third);
    assert.match(text, /Goroutines of svc-big: #1 → #2 → #3/);
    assert.match(text, /Compared with the previous snapshot #2 \([^)]*\) and, as a series, with the earlier one #1 \(/);
    const line = findingOf(text, where);
    assert.ok(line, `the series names the pile at ${where}:\n${text}`);
    // Growth at every step of three captures is the strongest count-only evidence (grew-every-step).
    assert.match(text, /grew at every step|every step/, text);
    const esc = where.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(text, new RegExp(`— high \\(score \\d+\\)\\nat \`[^\`]*${esc}\``), `the pile reads high in the series:\n${text}`);
    // The job posts the findings, then records them on the timeline: wait for the job, not the post.
    await settled(h);
    const ev = (await h.bot.ctx.timeline.list('svc-big')).filter((e) => e.type === 'findings').at(-1);
    assert.deepEqual((ev?.data as { earlierSeqs?: number[] }).earlierSeqs, [1], 'the timeline records which snapshots the series read');

    // The Full report under it reads the same series.
    await h.action({ actionId: 'leak_full_report', value: button(third, 'leak_full_report'), channel: ch, messageTs: third.ts, threadTs: thread.parent.ts });
    const upload = await h.slack.waitFor('the full report', () => h.slack.uploads.find((u) => u.completed && /^Goroutine report: svc-big/.test(u.title ?? '')));
    assert.equal(upload.title, 'Goroutine report: svc-big #1 → #2 → #3');
    assert.match(upload.content.toString(), /3 snapshots/);

    // Two snapshots a user names are compared as a pair, whatever came before them.
    const diffUrl = h.slack.responseUrl();
    await h.command({ text: 'diff svc-big 2 3 --new', channel: ch, user: 'U0ALICE', responseUrl: diffUrl });
    const diff = await h.slack.waitFor('the named pair', () => {
      const parent = h.slack.parents(ch)[1];
      const m = parent && h.slack.replies(ch, parent.ts).find((x) => /Goroutines of svc-big: #2 → #3/.test(messageText(x)));
      return m && built(m) ? messageText(m) : null;
    });
    assert.doesNotMatch(diff, /as a series|#1 → #2 → #3/);
  });

  it('Capture again within minIntervalSeconds of a series the thread showed names that series (#1 → #2 → #3), not its last pair', async () => {
    const { h } = s;
    const ch = 'C0SERIESHELD';
    await h.command({ text: 'snapshot svc-paced', channel: ch, user: 'U0ALICE' });
    const thread = await waitThread(h.slack, ch, 0);
    const findings = await h.slack.waitFor('first findings', () => built(thread.replies[0]));
    const again = async (user: string, responseUrl?: string): Promise<void> => {
      await h.action({ actionId: 'leak_capture_again', value: button(findings, 'leak_capture_again'), channel: ch, messageTs: findings.ts, threadTs: thread.parent.ts, user, ...(responseUrl ? { responseUrl } : {}) });
    };
    // The click runs the due automatic second capture now: #1 → #2, in place.
    await again('U0ALICE');
    await h.slack.waitFor('the pair in place', () => /Goroutines of svc-paced: #1 → #2/.test(messageText(findings)) || null, 60_000);
    await settled(h);
    // A capture made elsewhere that shares nothing (as an automatic second capture does): #3. The
    // next click shares it (within the 600 s) and, new to this thread, posts the series it reads.
    const third = await h.bot.ctx.captures.obtain('svc-paced', { requestedBy: 'U0ALICE', reason: 'auto', maxAgeMs: 0 });
    assert.ok(third.ok && third.meta.seq === 3, 'a third snapshot');
    await again('U0ALICE');
    await h.slack.waitFor('the series findings', () => built(h.slack.replies(ch, thread.parent.ts).find((m) => /Goroutines of svc-paced: #1 → #2 → #3/.test(messageText(m)))));
    await settled(h);
    // Clicked again: nothing new to post; what it says is the latest is what the thread showed.
    const url = h.slack.responseUrl();
    await again('U0BOB', url);
    const told = await h.slack.waitFor('the clicker is told', () => h.slack.responsesTo(url).find((r) => /No new capture of svc-paced yet/.test(String(r.body.text))));
    assert.match(String(told.body.text), /the findings of #1 → #2 → #3 in <[^>]+\|the thread> are the latest: svc-paced was captured at /, String(told.body.text));
    await settled(h);
    const status = h.slack.replies(ch, thread.parent.ts).find((m) => /requested by <@U0BOB>/.test(m.text));
    assert.ok(status, 'a status line in the thread');
    assert.match(status.text, /the findings of #1 → #2 → #3 above are the latest/, status.text);
  });
});
