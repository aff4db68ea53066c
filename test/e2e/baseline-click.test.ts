// *Set as baseline* and its *Set as baseline anyway* confirmation clicked twice at once (a double
// click, or two people): the baseline is set once and the thread says so once; the second click is
// told it was already done. Real parts: signed block_actions, a leaking Go service, Redis; Slack is
// the stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StubMessage } from '../support/slack-stub.js';
import { built, orderService, settled, waitThread, withServiceHarness } from './helpers.js';

type Button = { action_id: string; value: string };
const elements = (blocks: unknown): Button[] => ((blocks ?? []) as Array<{ elements?: Button[] }>).flatMap((b) => b.elements ?? []);
const button = (blocks: unknown, id: string): Button => {
  const b = elements(blocks).find((e) => e.action_id === id);
  assert.ok(b, `button ${id}`);
  return b;
};

describe('baseline buttons clicked twice at once', { timeout: 240_000 }, () => {
  const s = withServiceHarness((url) => `${orderService(url)}snapshot:\n  autoRecaptureSeconds: 0\n`, { prepare: ([go]) => go!.leak('chansend', 20) });

  it('Set as baseline anyway, double-clicked, sets it once and says so once', async () => {
    const { h } = s;
    const ch = 'C0BASEDOUBLE';
    await h.command({ text: 'snapshot svc-order', channel: ch });
    const t = await waitThread(h.slack, ch, 0);
    const findings = (await h.slack.waitFor('findings built', () => built(h.slack.replies(ch, t.parent.ts)[0]), 60_000)) as StubMessage;
    await settled(h);
    const askUrl = h.slack.responseUrl();
    const set = button(findings.blocks, 'leak_set_baseline');
    await h.action({ actionId: set.action_id, value: set.value, channel: ch, messageTs: findings.ts, threadTs: t.parent.ts, responseUrl: askUrl });
    const ask = await h.slack.waitFor('the warning with its confirm button', () => h.slack.responsesTo(askUrl).find((r) => r.body.blocks));
    const confirm = button(ask.body.blocks, 'leak_baseline_confirm');
    const urls = [h.slack.responseUrl(), h.slack.responseUrl()];
    await Promise.all(urls.map((responseUrl) => h.action({ actionId: confirm.action_id, value: confirm.value, channel: ch, messageTs: findings.ts, threadTs: t.parent.ts, responseUrl })));
    await h.slack.waitFor('the baseline said in the thread', () => h.slack.replies(ch, t.parent.ts).find((m) => /as the healthy baseline of \*svc-order\*/.test(m.text)), 60_000);
    await settled(h);
    const said = h.slack.replies(ch, t.parent.ts).filter((m) => /as the healthy baseline of \*svc-order\*/.test(m.text));
    assert.equal(said.length, 1, `said once: ${said.map((m) => m.text).join(' | ')}`);
    // Each clicker hears back on their response_url.
    const told = await Promise.all(urls.map((u) => h.slack.waitFor('the clicker told', () => h.slack.responsesTo(u)[0]).then((r) => String(r.body.text))));
    assert.ok(told.some((t) => /as you confirmed/.test(t)), told.join(' | '));
    assert.ok(told.some((t) => /is already being set as the baseline by a click moments ago/.test(t)), told.join(' | '));
  });
});
