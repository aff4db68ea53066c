// The whole alert path on real parts, as a team sets it up from deploy/: a real Prometheus scraping a
// fleet of real leaking Go processes (discovered by leakbot through that Prometheus), evaluating the
// shipped rule file, a real Alertmanager with the shipped receiver snippet and the bearer token,
// leakbot's webhook, the Slack stand-in. Only the rule's threshold and hold time and Alertmanager's
// intervals are shortened. The on-call engineer restarts the leaking pod before the growth-rate
// recapture: the alert capture's findings must stand, and the resolve says a restart hid the leak.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { startGoService, type GoService, type PatternSite } from '../support/go-service.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { startAlertmanager, type TestAlertmanager } from '../support/alertmanager.js';
import { freePort } from '../support/redis.js';
import { startHarness, type Harness } from '../e2e/harness.js';
import { built, delayedJob, messageText, settled } from '../e2e/helpers.js';

const IPS = ['127.0.0.42', '127.0.0.43', '127.0.0.44'];
const TOKEN = 'rule-test-token-0123456789abcdef0123';
const CH = 'C0ORDERS';
const podName = (i: number) => `svc-order-5d8f-${i}`;

describe('a real Prometheus rule routed by a real Alertmanager to a fleet', () => {
  let port: number;
  let pods: GoService[] = [];
  const sidecars: Server[] = [];
  let prom: TestPrometheus | undefined;
  let am: TestAlertmanager | undefined;
  let h: Harness | undefined;
  let site: PatternSite;
  const startPod = (i: number) => startGoService({ args: ['-addr', `${IPS[i]}:${port}`] });

  before(async () => {
    port = await freePort();
    const metricsPort = await freePort();
    const promPort = await freePort();
    pods = await Promise.all(IPS.map((_, i) => startPod(i)));
    site = (await pods[1]!.patterns()).chansend;
    // client_golang's go_goroutines beside each pod: the Go process's own runtime.NumGoroutine().
    for (const ip of IPS) {
      const srv = createServer((_req, res) => {
        fetch(`http://${ip}:${port}/count`)
          .then((r) => r.json() as Promise<{ count: number }>)
          .then((c) => res.end(`# TYPE go_goroutines gauge\ngo_goroutines ${c.count}\n`))
          .catch(() => res.writeHead(503).end());
      });
      await new Promise<void>((resolve) => srv.listen(metricsPort, ip, resolve));
      sidecars.push(srv);
    }
    h = await startHarness({
      webhookToken: TOKEN,
      configYaml: `
services:
  svc-order:
    prometheus: { url: "http://127.0.0.1:${promPort}", job: svc-order, port: ${port} }
    channel: ${CH}
    minIntervalSeconds: 0
    fleet: { discoveryTtlSeconds: 0 }
alerts:
  recaptureAfterSeconds: 3600 # the test promotes the recapture once the pod has restarted
`,
    });
    const receiver = readFileSync(new URL('../../deploy/alertmanager/leakbot-receiver.yml', import.meta.url), 'utf8')
      .replace(/url: https:\/\/\S+/, 'url: ${WEBHOOK_URL}')
      .replace(/credentials_file: \S+/, 'credentials_file: ${CREDENTIALS_FILE}')
      .replace(/group_wait: \S+/, 'group_wait: 1s')
      .replace(/group_interval: \S+/, 'group_interval: 1s')
      .replace(/repeat_interval: \S+/, 'repeat_interval: 2s');
    am = await startAlertmanager({ webhookUrl: `${h.baseUrl}/webhooks/alertmanager`, token: TOKEN, configTemplate: receiver });
    const rules = readFileSync(new URL('../../deploy/prometheus/goroutine-leak.rules.yml', import.meta.url), 'utf8');
    assert.match(rules, /go_goroutines > 10000/);
    prom = await startPrometheus({
      port: promPort,
      job: 'svc-order',
      rules: rules.replace('go_goroutines > 10000', 'go_goroutines > 150').replace('for: 15m', 'for: 1s'),
      alertmanagerUrl: am.url,
      targets: IPS.map((ip, i) => ({ address: `${ip}:${metricsPort}`, labels: { pod: podName(i), namespace: 'prod' } })),
    });
  });
  after(async () => {
    await prom?.close();
    await am?.close();
    await h?.close();
    await Promise.all(sidecars.map((s) => new Promise((r) => s.close(r))));
    await Promise.all(pods.map((p) => p.stop()));
  });

  it('fires, re-sends, the pod is restarted before the recapture, resolves: the leak site stays in the thread', async () => {
    const slack = h!.slack;
    await pods[1]!.leak('chansend', 200);
    const parent = () => slack.parents(CH)[0];
    // Placeholder-first (text, then blocks by chat.update): the note naming the pod is in the blocks.
    const findings = () => built(parent() ? slack.replies(CH, parent()!.ts).find((m) => /^Goroutine leak suspects/.test(m.text)) : undefined);
    const where = `${site.file.split('/').pop()}:${site.line}`;
    await slack.waitFor('the findings of the alerting pod', () => (findings() && messageText(findings()!).includes(where) ? 1 : null), 120_000);
    assert.match(messageText(findings()!), new RegExp(`This is ${podName(1)}, the instance the alert names`));
    // Named so on-call can act on it: the pod (and namespace) first in the parent's alert line.
    assert.match(messageText(parent()!), new RegExp(`pod=${podName(1)}, instance=${IPS[1]!.replaceAll('.', '\\.')}:\\d+, namespace=prod`));

    // Re-sends (repeat_interval) refresh the parent; never a second thread or capture.
    await slack.waitFor('a re-send', () => (/notified [2-9]\d*×/.test(messageText(parent()!)) ? 1 : null), 120_000);
    await settled(h!, 120_000); // the capture job and the re-send's notify have run to their end
    assert.equal(slack.parents(CH).length, 1);
    assert.equal(slack.replies(CH, parent()!.ts).filter((m) => /^Goroutine leak suspects/.test(m.text)).length, 1);

    // On-call restarts the leaking pod; then the recapture (due in 30 s in a default config) runs.
    await pods[1]!.kill();
    pods[1] = await startPod(1);
    // Scheduled at the end of the capture job, after the fleet round that follows the findings.
    const recapture = await delayedJob(h!, 'the recapture', (j) => j.name === 'alert.recapture', 120_000);
    await recapture.promote();
    const note = await slack.waitFor('the restart note', () => built(slack.replies(CH, parent()!.ts).find((m) => /restarted since the alert capture/.test(m.text))), 120_000);
    assert.match(note.text, new RegExp(`svc-order \\(${podName(1)}\\) restarted since the alert capture \\(#\\d+\\) — goroutine ids started over`), note.text);
    assert.match(note.text, /The findings above, from the alert capture, stand/);
    const kept = messageText(findings()!);
    assert.ok(kept.includes(where) && !/No suspected goroutine leaks/.test(kept), `the alert capture's findings are not overwritten by a comparison across the restart:\n${kept}`);

    const resolved = await slack.waitFor('the resolution', () => built(slack.replies(CH, parent()!.ts).find((m) => /resolved for svc-order/.test(m.text))), 120_000);
    assert.match(messageText(resolved), /Hidden by a restart/);
    assert.match(messageText(parent()!), new RegExp(`${where.replace('.', '\\.')}`), 'the parent still names the leak site');
  });
});
