// Slack delivers every click: a double click, or two people pressing the same button at once
// during an incident, reaches leakbot twice. Through the whole bot (really signed block_actions, a
// real Go service and Redis, the Slack stand-in): *Capture again* captures and posts once and both
// clickers are answered; *Full report* and *Draft postmortem* are posted once; a click after the
// first capture's answer starts a new one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StubMessage } from '../support/slack-stub.js';
import { built, orderService, settled, waitThread, withServiceHarness } from './helpers.js';

describe('the same button pressed twice at once', { timeout: 240_000 }, () => {
  // No automatic second capture: the test waits for the queue to be idle.
  const s = withServiceHarness((url) => `${orderService(url)}snapshot:\n  autoRecaptureSeconds: 0\n`, { prepare: ([go]) => go!.leak('chansend', 20) });

  type Button = { action_id: string; value: string };
  const button = (m: StubMessage, id: string): Button => {
    const b = ((m.blocks ?? []) as Array<{ type: string; elements?: Button[] }>).filter((x) => x.type === 'actions').flatMap((x) => x.elements ?? []).find((e) => e.action_id === id);
    assert.ok(b, `button ${id} on the message`);
    return b;
  };

  it('Capture again, Full report and Draft postmortem, each clicked twice at once, answer once; both clickers are told', async () => {
    const { h } = s;
    const ch = 'C0DOUBLE';
    await h.command({ text: 'snapshot svc-order', channel: ch });
    const t = await waitThread(h.slack, ch, 0, 1, 120_000);
    const findings = await h.slack.waitFor('findings built', () => built(h.slack.replies(ch, t.parent.ts)[0]), 60_000);
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
