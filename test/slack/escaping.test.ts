// Outside text never reaches Slack as markup: a service answering with `<!channel>` and a disguised
// link, an alert whose labels carry them, a user typing them. Checked in every field leakbot sends
// (top-level `text`, every block, every version of an updated message, response_url replies).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { orderService, withServiceHarness } from '../e2e/helpers.js';
import { parseConfig } from '../../src/config/load.js';
import type { AlertRecord, Episode } from '../../src/alerts/dedupe.js';
import { captureFailedMessage, parentMessage, resolvedMessage } from '../../src/alerts/messages.js';
import { finalFailureText } from '../../src/queue/final-failure.js';

const HOSTILE_ANSWER = 'Error <!channel> <https://evil.example/login|re-login here>';
const HOSTILE_LABEL = '<!channel> Leak <https://evil.example|click>';

/** No Slack control sequence of outside origin: mentions (<!…>, <@…> we did not write) or links. */
function assertInert(what: string, s: string): void {
  assert.ok(!/<!(channel|here|everyone)/.test(s), `${what} carries a mass mention: ${s}`);
  assert.ok(!/<https?:\/\/evil/.test(s), `${what} carries the disguised link: ${s}`);
}

describe('outside text is escaped everywhere', () => {
  const s = withServiceHarness(orderService);

  it('a service answering with <!channel> and a link: thread, parent and reply are inert', async () => {
    const { h, go } = s;
    await go.garbage(`${HOSTILE_ANSWER}\n`);
    try {
      const responseUrl = h.slack.responseUrl();
      await h.command({ text: 'snapshot svc-order', channel: 'C0HOSTILE', responseUrl });
      const parent = await h.slack.waitFor('the failed parent', () => h.slack.parents('C0HOSTILE').find((m) => /capture failed/i.test(m.text)));
      const reply = await h.slack.waitFor('the reply to the requester', () => h.slack.responsesTo(responseUrl)[0]);
      const thread = h.slack.replies('C0HOSTILE', parent.ts);
      assert.ok(thread.length > 0, 'the failure is explained in the thread');
      for (const m of [parent, ...thread]) for (const v of m.versions) assertInert(`message ${m.ts}`, `${v.text}\n${JSON.stringify(v.blocks ?? [])}`);
      assertInert('reply', JSON.stringify(reply.body));
      // The answer is still shown (escaped), so the on-call sees what the service said.
      assert.match(`${parent.text}\n${thread.map((m) => m.text).join('\n')}`, /&lt;!channel&gt;/);
    } finally {
      await go.reset();
    }
  });

  it('what a user types is echoed inert', async () => {
    const { h } = s;
    for (const text of ['snapshot <!channel>', '<!here> now', 'history <https://evil.example|x>', 'diff svc-order <!channel>', 'watch svc-order every <!channel>']) {
      const r = await h.command({ text, channel: 'C0TYPED' });
      assert.equal(r.status, 200);
      assertInert(`/leak ${text}`, r.text);
    }
  });

  it('alert labels and annotations: parent text, blocks, failure and resolution messages', () => {
    const config = parseConfig(`services: { svc-a: { url: "http://127.0.0.1:1" } }`);
    const T0 = Date.parse('2026-11-23T12:00:00Z');
    const rec: AlertRecord = {
      fingerprint: 'f1', status: 'firing', startsAt: T0, endsAt: null, service: 'svc-a', channel: 'C0A', matchedBy: 'service=svc-a',
      labels: { alertname: HOSTILE_LABEL, service: 'svc-a', pod: HOSTILE_LABEL }, summary: HOSTILE_LABEL, generatorURL: 'http://prom/graph',
      round: 1, seen: 1, resolvedSeen: 0,
    };
    const ep: Episode = {
      id: 'ep1', groupKey: '{}', source: 'alertmanager', receiver: 'leakbot', title: HOSTILE_LABEL, externalURL: 'http://am:9093',
      openedAt: T0, updatedAt: T0, closedAt: null, notifications: 1, truncatedAlerts: 0,
      alerts: { f1: rec }, services: { 'svc-a': { channel: 'C0A', round: 1, since: T0, resolvedAt: null, firingSeen: true } },
    };
    const firing = parentMessage(ep, 'C0A', config, T0);
    assertInert('firing parent text', firing.text);
    assertInert('firing parent blocks', JSON.stringify(firing.blocks));
    const resolved = parentMessage({ ...ep, alerts: { f1: { ...rec, status: 'resolved', endsAt: T0 + 60_000 } } }, 'C0A', config, T0);
    assertInert('resolved parent', `${resolved.text}${JSON.stringify(resolved.blocks)}`);
    const failed = captureFailedMessage('svc-a', 'when the alert fired', HOSTILE_ANSWER);
    assertInert('capture failed', `${failed.text}${JSON.stringify(failed.blocks)}`);
    const done = resolvedMessage({ service: 'svc-a', title: HOSTILE_LABEL, firedAt: T0, resolvedAt: T0 + 60_000, firingCapturedAt: null, finalCapturedAt: T0, resolution: null, fallback: HOSTILE_ANSWER });
    assertInert('resolved reply', `${done.text}${JSON.stringify(done.blocks)}`);
    assertInert('final failure', finalFailureText('snapshot', 'svc-a', HOSTILE_ANSWER));
  });
});
