// A button clicked while Redis is down: the clicker is told at once that the request is held, and
// the held request runs once when Redis returns (Full report: one upload in the thread).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StubMessage } from '../support/slack-stub.js';
import { built, orderService, settled, waitThread, withServiceHarness } from './helpers.js';

type Button = { action_id: string; value: string };
const button = (m: StubMessage, id: string): Button => {
  const b = ((m.blocks ?? []) as Array<{ type: string; elements?: Button[] }>).filter((x) => x.type === 'actions').flatMap((x) => x.elements ?? []).find((e) => e.action_id === id);
  assert.ok(b, `button ${id} on the message`);
  return b;
};

describe('Full report clicked while Redis is down', { timeout: 240_000 }, () => {
  const s = withServiceHarness(orderService);

  it('tells the clicker it is held, and uploads the report once when Redis is back', async () => {
    const { h } = s;
    const ch = 'C0REPORTOUT';
    await h.command({ text: 'snapshot svc-order', channel: ch });
    const t = await waitThread(h.slack, ch, 0, 1, 120_000);
    const findings = await h.slack.waitFor('findings built', () => built(h.slack.replies(ch, t.parent.ts)[0]), 60_000);
    await settled(h);

    await h.redis.stop();
    const responseUrl = h.slack.responseUrl();
    const res = await h.action({ actionId: 'leak_full_report', value: button(findings, 'leak_full_report').value, channel: ch, messageTs: findings.ts, threadTs: t.parent.ts, responseUrl, user: 'U0ALICE' });
    assert.equal(res.status, 200);
    const told = await h.slack.waitFor('the clicker is told', () => h.slack.responsesTo(responseUrl).find((r) => /Redis is unreachable.*holding this request/.test(String(r.body.text))), 30_000);
    assert.equal(told.body.response_type ?? 'ephemeral', 'ephemeral');

    await h.redis.start();
    const upload = () => h.slack.uploads.filter((u) => u.completed && u.threadTs === t.parent.ts && /^svc-order-goroutines-.*\.md$/.test(u.filename));
    await h.slack.waitFor('the held report is uploaded', () => upload()[0], 120_000);
    await settled(h);
    assert.equal(upload().length, 1, 'one report');
  });
});
