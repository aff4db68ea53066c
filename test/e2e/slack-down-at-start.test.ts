// A leakbot process started while Slack cannot be reached (the incident that takes Slack's network
// path down is when the bot is restarted): it comes up, answers health, queues Alertmanager's alert,
// refuses Slack's own requests with 503 (before the replay guard, so Slack's retry is not a replay)
// and, once auth.test succeeds, serves commands and posts the alert's findings once. A token that
// Slack answers and refuses still ends the start with a sentence.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGoService, type GoService } from '../support/go-service.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startSlackStub, type SlackStub } from '../support/slack-stub.js';
import { startHarness, type Harness } from './harness.js';
import { messageText, settled } from './helpers.js';

const TOKEN = 'slack-down-webhook-token-0123456789';
const CH = 'C0DOWNSTART';

function alert(): string {
  const labels = { alertname: 'GoroutinesGrowing', service: 'svc-order', severity: 'warning' };
  return JSON.stringify({
    version: '4',
    groupKey: '{}:{alertname="GoroutinesGrowing"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'leakbot',
    groupLabels: { alertname: 'GoroutinesGrowing' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.test:9093',
    alerts: [{ status: 'firing', labels, annotations: { summary: 'goroutines growing' }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'fdown1' }],
  });
}

describe('Slack unreachable when the process starts', { timeout: 240_000 }, () => {
  let go: GoService;
  let redis: TestRedis;
  let slack: SlackStub;
  let h: Harness | undefined;
  const config = (url: string) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${CH}\n    minIntervalSeconds: 0\n`;
  before(async () => {
    [go, redis, slack] = await Promise.all([startGoService(), startRedis(), startSlackStub()]);
    await go.leak('chansend', 40);
  });
  after(async () => {
    await h?.close();
    await slack?.close();
    await redis?.close();
    await go?.stop();
  });

  async function health(): Promise<{ status: number; body: { slack?: string } }> {
    const res = await fetch(`${h!.baseUrl}/healthz`);
    return { status: res.status, body: (await res.json()) as { slack?: string } };
  }

  it('starts anyway, keeps the alert, and serves Slack once auth.test succeeds', async () => {
    slack.outage(true);
    h = await startHarness({ configYaml: config(go.url), redis, slack, webhookToken: TOKEN, env: { slackRetryMaxDelayMs: 300 } });
    assert.ok(slack.calls.some((c) => c.method === 'outage:/api/auth.test'), 'auth.test was tried while Slack was down');

    const down = await health();
    assert.equal(down.status, 200, 'a process waiting for Slack is alive and serves webhooks');
    assert.equal(down.body.slack, 'connecting');

    const refused = await h.command({ text: 'snapshot svc-order', channel: CH });
    assert.equal(refused.status, 503, 'Slack is told to retry, not given a half-initialised app');
    // /metrics shows it (a trial's probe saw only 'slack: connecting' and no sample of anything).
    const metricsDown = await (await fetch(`${h.baseUrl}/metrics`)).text();
    assert.match(metricsDown, /^leakbot_slack_connected 0$/m);
    assert.match(metricsDown, /^leakbot_slack_requests_refused_total\{reason="not_connected"\} 1$/m);

    const res = await fetch(`${h.baseUrl}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: alert() });
    assert.ok(res.ok, `the alert is accepted while Slack is down (HTTP ${res.status})`);

    slack.outage(false);
    // Readiness, not time: the background auth.test retry flips the health field.
    for (;;) {
      if ((await health()).body.slack === 'ready') break;
      await sleep(50);
    }
    assert.match(await (await fetch(`${h.baseUrl}/metrics`)).text(), /^leakbot_slack_connected 1$/m);

    const parent = await slack.waitFor('the alert thread posted once Slack answers', () => slack.parents(CH)[0], 120_000);
    await slack.waitFor('the alert findings in its thread', () => slack.replies(CH, parent.ts).find((m) => /chansend|send|goroutines/i.test(messageText(m))), 120_000);

    const ack = await h.command({ text: 'snapshot svc-order', channel: CH });
    assert.equal(ack.status, 200, 'commands are served once the token has been checked');
    assert.match(String(ack.json?.text), /Capturing goroutines|thread/i);
    await settled(h); // the alert's jobs and the command's have run to their end
    assert.equal(slack.parents(CH).length, 1, 'the alert and the command share one thread; nothing was posted twice');
  });

  it('a token Slack refuses still ends the start, with the reason', async () => {
    await assert.rejects(
      startHarness({ configYaml: config(go.url), redis, slack, env: { slackBotToken: 'xoxb-not-the-bots-token' } }),
      /Slack rejected SLACK_BOT_TOKEN \(auth\.test\): invalid_auth/,
    );
    // Socket Mode: the app-level token is named when apps.connections.open refuses it.
    await assert.rejects(
      startHarness({ configYaml: config(go.url), redis, slack, socketMode: true, env: { slackAppToken: 'xapp-not-the-apps-token' } }),
      /Slack rejected SLACK_APP_TOKEN \(apps\.connections\.open\): invalid_auth/,
    );
  });
});
