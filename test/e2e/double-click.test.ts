// Slack delivers every click: a double click, or two people pressing the same button at once
// during an incident, reaches leakbot twice. Through the whole bot (really signed block_actions, a
// real Go service and Redis, the Slack stand-in): *Capture again* captures and posts once and both
// clickers are answered; *Full report* and *Draft postmortem* are posted once; a click after the
// first capture's answer starts a new one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StubMessage } from '../support/slack-stub.js';
import type { Harness } from './harness.js';
import { built, delayedJob, messageText, orderService, settled, waitThread, withServiceHarness, type Thread } from './helpers.js';

type Button = { action_id: string; value: string };
const button = (m: StubMessage, id: string): Button => {
  const b = ((m.blocks ?? []) as Array<{ type: string; elements?: Button[] }>).filter((x) => x.type === 'actions').flatMap((x) => x.elements ?? []).find((e) => e.action_id === id);
  assert.ok(b, `button ${id} on the message`);
  return b;
};

/** A leaking svc-order whose first snapshots capture again by themselves after `autoSeconds` (0: never). */
const orderLeaking = (autoSeconds: number) => withServiceHarness((url) => `${orderService(url)}snapshot:\n  autoRecaptureSeconds: ${autoSeconds}\n`, { prepare: ([go]) => go!.leak('chansend', 20) });

/** `/leak snapshot svc-order` in `ch`: its thread and first findings (blocks in). */
async function firstFindings(s: { h: Harness }, ch: string): Promise<{ h: Harness; t: Thread; findings: StubMessage }> {
  const { h } = s;
  await h.command({ text: 'snapshot svc-order', channel: ch });
  const t = await waitThread(h.slack, ch, 0, 1, 120_000);
  return { h, t, findings: await h.slack.waitFor('findings built', () => built(h.slack.replies(ch, t.parent.ts)[0]), 60_000) };
}

describe('the same button pressed twice at once', { timeout: 240_000 }, () => {
  // No automatic second capture: the test waits for the queue to be idle.
  const s = orderLeaking(0);

  it('Capture again, Full report and Draft postmortem, each clicked twice at once, answer once; both clickers are told', async () => {
    const ch = 'C0DOUBLE';
    const { h, t, findings } = await firstFindings(s, ch);
    await settled(h);
    const captures = () => h.bot.ctx.snapshots.latest('svc-order').then((m) => m?.seq ?? 0);
    const seqBefore = await captures();
    const repliesBefore = h.slack.replies(ch, t.parent.ts).length;

    const click = async (actionId: string) => {
      const urls = [h.slack.responseUrl(), h.slack.responseUrl()];
      const value = button(findings, actionId).value;
      await Promise.all(urls.map((responseUrl, i) => h.action({ actionId, value, channel: ch, messageTs: findings.ts, threadTs: t.parent.ts, responseUrl, user: i ? 'U0BOB' : 'U0ALICE' })));
      return urls;
    };
    const [alice, bob] = await click('leak_capture_again');
    await click('leak_full_report');
    await click('postmortem_draft');
    for (const url of [alice!, bob!]) await h.slack.waitFor('each clicker told where the findings are', () => h.slack.responsesTo(url).find((r) => /Findings for svc-order/.test(String(r.body.text))), 60_000);
    await h.slack.waitFor('postmortem drafted', () => h.slack.replies(ch, t.parent.ts).find((m) => /Postmortem draft/.test(m.text)), 60_000);
    await settled(h);

    assert.equal(await captures(), seqBefore + 1, 'one capture');
    const replies = h.slack.replies(ch, t.parent.ts).slice(repliesBefore);
    assert.equal(replies.filter((m) => /Goroutine snapshot of \*svc-order\*/.test(m.text)).length, 1, 'one status line');
    assert.equal(replies.filter((m) => /^Goroutines of svc-order/.test(m.text)).length, 1, 'one findings reply');
    assert.equal(replies.filter((m) => /Postmortem draft/.test(m.text)).length, 1, 'one postmortem draft');
    assert.equal(h.slack.uploads.filter((u) => u.completed && u.threadTs === t.parent.ts && /^svc-order-goroutines-.*\.md$/.test(u.filename)).length, 1, 'one full report');
    assert.equal(h.slack.parents(ch).length, 1);

    // The window closed with the answer: Capture again now captures again.
    const [again] = await click('leak_capture_again');
    await h.slack.waitFor('a new capture', () => h.slack.responsesTo(again!).find((r) => new RegExp(`Findings for svc-order #${seqBefore + 2} `).test(String(r.body.text))), 60_000);
  });
});

// A first snapshot promises its own second capture ('leakbot captures again by itself in N s… this
// message will update'). Capture again clicked meanwhile — twice at once — is that second capture:
// it runs now, once, and updates the promised message, instead of a capture and findings message of
// its own beside an automatic one still due.
describe('Capture again while the automatic second capture is pending', { timeout: 240_000 }, () => {
  const s = orderLeaking(600);

  it('two clicks run the pending second capture once, now; both clickers are told', async () => {
    const ch = 'C0DOUBLEAUTO';
    const { h, t, findings } = await firstFindings(s, ch);
    const isAuto = (j: { name: string; data: unknown }) => j.name === 'snapshot' && (j.data as { reason?: string }).reason === 'auto';
    await delayedJob(h, 'the automatic second capture', isAuto);
    await settled(h);
    const seqBefore = (await h.bot.ctx.snapshots.latest('svc-order'))!.seq;
    // A busy queue: many jobs planned for later (watch ticks of long watches). A click must not read
    // them all to find its thread's pending capture (it listed every delayed job, each read whole).
    const { queue } = h.bot.ctx.jobs;
    const later = await queue.addBulk(Array.from({ length: 500 }, (_v, i) => ({ name: 'watch.tick', data: { watchId: `w-busy-${i}`, index: i }, opts: { jobId: `busy-${i}`, delay: 3600_000 } })));
    const jobReads = async () => Number(/cmdstat_hgetall:calls=(\d+)/.exec(await h.bot.ctx.redis.info('commandstats'))?.[1] ?? 0);
    const readsBefore = await jobReads();

    const { value } = button(findings, 'leak_capture_again');
    const urls = [h.slack.responseUrl(), h.slack.responseUrl()];
    await Promise.all(urls.map((responseUrl, i) => h.action({ actionId: 'leak_capture_again', value, channel: ch, messageTs: findings.ts, threadTs: t.parent.ts, responseUrl, user: i ? 'U0BOB' : 'U0ALICE' })));
    for (const url of urls) await h.slack.waitFor('each clicker told', () => h.slack.responsesTo(url).find((r) => /automatic second capture/.test(String(r.body.text))), 60_000);
    const reads = (await jobReads()) - readsBefore;
    assert.ok(reads < 100, `two clicks read ${reads} jobs (hashes) with 500 jobs delayed`);
    await Promise.all(later.map((j) => j.remove()));
    await h.slack.waitFor('the promised message updated', () => (/captured again automatically/.test(messageText(findings)) ? findings : null), 60_000);
    await settled(h);

    assert.equal((await h.bot.ctx.snapshots.latest('svc-order'))!.seq, seqBefore + 1, 'one capture');
    assert.deepEqual((await h.bot.ctx.jobs.queue.getDelayed()).filter(isAuto), [], 'no automatic capture left pending');
    assert.equal(h.slack.replies(ch, t.parent.ts).filter((m) => /^Goroutines of svc-order/.test(m.text)).length, 1, 'one findings message, updated in place');
  });
});

// Set as baseline and Compare with baseline each start a job per click: a double click (or two
// people at once) set the baseline twice with two confirmations, and posted the same comparison
// twice (each diff job checked the thread for the pair before either had recorded it).
describe('Set as baseline and Compare with baseline pressed twice at once', { timeout: 240_000 }, () => {
  const s = withServiceHarness((url) => `${orderService(url)}snapshot:\n  autoRecaptureSeconds: 0\n`);

  it('each acts and posts once; the second clicker is told', async () => {
    const ch = 'C0DOUBLEBASE';
    const { h, t, findings } = await firstFindings(s, ch);
    await settled(h);
    /** Clicks `actionId` on `m` twice at once; resolves once the work is posted (`done`) and a clicker
     *  was told it was asked moments ago (`told`; Bolt acks a click before its handler runs). */
    const twice = async (m: StubMessage, actionId: string, done: RegExp, told: RegExp) => {
      const urls = [h.slack.responseUrl(), h.slack.responseUrl()];
      const { value } = button(m, actionId);
      const threadTs = m.thread_ts ?? m.ts;
      await Promise.all(urls.map((responseUrl, i) => h.action({ actionId, value, channel: ch, messageTs: m.ts, threadTs, responseUrl, user: i ? 'U0BOB' : 'U0ALICE' })));
      await h.slack.waitFor('the work posted', () => h.slack.replies(ch, threadTs).find((r) => r.ts > m.ts && done.test(r.text)), 60_000);
      await settled(h);
      const posted = h.slack.replies(ch, threadTs).filter((r) => r.ts > m.ts && done.test(r.text)).length;
      await h.slack.waitFor('the second clicker told', () => posted === 1 && urls.some((u) => h.slack.responsesTo(u).some((r) => told.test(String(r.body.text)))), 60_000).catch(() => undefined);
      return { posted, told: urls.some((u) => h.slack.responsesTo(u).some((r) => told.test(String(r.body.text)))) };
    };
    assert.deepEqual(await twice(findings, 'leak_set_baseline', /as the healthy baseline/, /already being set as the baseline by a click moments ago/), { posted: 1, told: true }, 'the baseline set once; the second clicker told');

    // #2 → #3 in a thread of its own offers Compare with baseline (#1 → #3, not in that thread yet).
    for (const text of ['snapshot svc-order', 'snapshot svc-order', 'diff svc-order 2 3 --new']) {
      await h.command({ text, channel: ch });
      await settled(h);
    }
    const diff = h.slack.messages(ch).find((m) => built(m) && m.thread_ts !== t.parent.ts && JSON.stringify(m.blocks).includes('leak_compare_baseline'))!;
    assert.ok(diff, 'the diff offers Compare with baseline');
    assert.deepEqual(await twice(diff, 'leak_compare_baseline', /^Goroutines of svc-order: #1 → #3/, /requested from this button moments ago/), { posted: 1, told: true }, 'one comparison; the second clicker told');
  });
});
