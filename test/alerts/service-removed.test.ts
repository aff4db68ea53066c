// An alert's capture that outlives its service in the config (the worker running it died, and the
// bot came back with a config that no longer lists the service) ends with a clear line in the alert
// thread, once, instead of a JavaScript error retried and then quoted to the channel. Real
// Redis/BullMQ, leakbot worker processes on the old and the new config, a real Go service with
// net/http/pprof, the Slack stand-in, the webhook with its bearer token.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startGoService, type GoService } from '../support/go-service.js';
import { startHarness, type Harness } from '../e2e/harness.js';
import { spawnLeakbot, type LeakbotProcess } from '../e2e/processes.js';
import { messageText, profileRequested, queueIdle } from '../e2e/helpers.js';

const TOKEN = 'e2e-alert-removed-token-9a8b7c6d5e4f';
const CH = 'C0REMOVED';

describe('an alert whose service left the config while its capture was under way', { timeout: 240_000 }, () => {
  let go: GoService;
  let h: Harness;
  const procs: LeakbotProcess[] = [];
  before(async () => {
    go = await startGoService();
    // Web only: the alert's jobs run in the worker processes below.
    h = await startHarness({ role: 'web', webhookToken: TOKEN, configYaml: `services:\n  svc-gone:\n    url: ${go.url}\n    channel: ${CH}\n    timeoutSeconds: 60\n` });
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    await h?.close();
    await go?.stop();
  });

  it('says in the alert thread that the service is no longer registered; no job fails with a TypeError', async () => {
    const env = { ...h.env, LEAKBOT_JOB_LOCK_MS: '2000' };
    const first = spawnLeakbot('worker', env);
    procs.push(first);
    await first.waitLog((l) => l.msg === 'worker started', 90_000);
    await go.slow(60_000); // the capture hangs, so the worker is mid-capture when it dies
    const res = await fetch(`${h.baseUrl}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4', status: 'firing', receiver: 'leakbot', groupKey: '{}:{alertname="GoroutineLeak"}', groupLabels: { alertname: 'GoroutineLeak' },
        commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager.example', truncatedAlerts: 0,
        alerts: [{ status: 'firing', labels: { alertname: 'GoroutineLeak', service: 'svc-gone' }, annotations: {}, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: '0f1e2d3c4b5a6978' }],
      }),
    });
    assert.equal(res.status, 200, await res.text());
    const parent = await h.slack.waitFor('alert parent', () => h.slack.parents(CH)[0], 60_000);
    await profileRequested(go);
    await first.kill('SIGKILL');

    const newConfig = join(dirname(h.configPath), 'new.yml');
    writeFileSync(newConfig, `services:\n  svc-other:\n    url: ${go.url}\n    channel: ${CH}\n`);
    const second = spawnLeakbot('worker', { ...env, LEAKBOT_CONFIG: newConfig });
    procs.push(second);
    const said = await h.slack.waitFor('the thread names the removed service', () => h.slack.replies(CH, parent.ts).find((m) => /svc-gone/.test(messageText(m)) && /not a registered service/.test(messageText(m))), 90_000);
    assert.ok(said);
    // The capture job ends (completed: its failure is its answer) before 'once' is judged; nothing
    // logs a job's completion, so the queue's counts tell.
    await queueIdle(h, 90_000);
    const thread = h.slack.replies(CH, parent.ts).map(messageText).join('\n');
    assert.doesNotMatch(thread, /Cannot read properties|TypeError/, thread);
    assert.equal(h.slack.replies(CH, parent.ts).filter((m) => /not a registered service/.test(messageText(m))).length, 1, 'said once');
    assert.ok(!second.logs.some((l) => /Cannot read properties/.test(JSON.stringify(l))), 'no TypeError in the worker');
  });
});
