// A fleet pod that refuses its capture is asked once per alert, even when Slack is down as the fleet
// summary is posted and the alert's capture job runs again: the job keeps the round's outcome (each
// pod's snapshot or error) and its retry posts from it. Real parts: a real Alertmanager, Redis, three
// real leaksvc processes listed as static targets on 127.0.0.2–4 (one refusing pprof with 401 and
// counting requests), the Slack stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, messageText, queueIdle } from '../e2e/helpers.js';
import { withAlertFleet } from './fleet-harness.js';

const CH = 'C0FLEETRETRY';

describe('a fleet alert whose summary meets Slack down', { timeout: 240_000 }, () => {
  // minIntervalSeconds 0 (the fleet's config): no cached failure hides a second capture of the refusing pod.
  const f = withAlertFleet({
    ips: ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
    token: 'fleet-retry-webhook-token-5e4d3c2b1a0f',
    channel: CH,
    env: { slackRetryMaxDelayMs: 300 },
    prepare: (pods) => pods[1]!.requireHeader('X-Leakbot-Test', 'not-sent'),
  });
  const podAt = f.podAt;

  it('the job runs again without asking the refusing pod again; one summary lists it as not captured', async () => {
    const { h, am, pods } = f;
    const isSummary = (a: Record<string, unknown>) => /^Fleet of svc-order/.test(String(a.text));
    // Four 503s outlast the client's three quick retries: the job attempt fails and the job waits.
    h.slack.failNext('chat.postMessage', 4, { status: 503 }, (a) => a.channel === CH && !!a.thread_ts && isSummary(a));
    await am.postAlerts([{ labels: { alertname: 'GoroutineLeak', service: 'svc-order', instance: podAt(0), severity: 'page' }, startsAt: new Date() }]);
    const parent = await h.slack.waitFor('alert parent', () => h.slack.parents(CH)[0], 60_000);
    const summaries = () => h.slack.replies(CH, parent.ts).filter((r) => isSummary(r as unknown as Record<string, unknown>));
    const summary = await h.slack.waitFor('fleet summary', () => built(summaries()[0]), 120_000);
    await queueIdle(h);
    const jobs = await h.bot.ctx.jobs.queue.getJobs(['completed', 'failed']);
    assert.ok(jobs.some((j) => j.name === 'alert.capture' && ((j.data as { slackWait?: { tries: number } }).slackWait?.tries ?? 0) >= 1), 'the capture job waited for Slack and ran again');
    const asked = (await pods[1]!.requests()).filter((r) => r.startsWith('/debug/pprof/'));
    assert.equal(asked.length, 1, `the refusing pod was asked once: ${asked.join(', ')}`);
    assert.ok(messageText(summary).includes(`${podAt(1)} (`), `the summary lists the refusing pod as not captured:\n${messageText(summary)}`);
    assert.equal(summaries().length, 1, 'one fleet summary');
  });
});
