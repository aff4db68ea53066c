import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { startAlertmanager, type TestAlertmanager } from '../support/alertmanager.js';
import { parseAlertNotification } from '../../src/alerts/payload.js';

// The files in deploy/ are what users copy: check them with the tools users run, and run the
// Alertmanager snippet for real.

const run = promisify(execFile);
const deploy = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy');
const rules = join(deploy, 'prometheus', 'goroutine-leak.rules.yml');
const snippet = join(deploy, 'alertmanager', 'leakbot-receiver.yml');

test('promtool check rules accepts the shipped rules, and every alert carries a service label', async () => {
  const { stdout } = await run('promtool', ['check', 'rules', rules], { timeout: 60_000 });
  assert.match(stdout, /SUCCESS: 3 rules found/);
  const doc = parseYaml(readFileSync(rules, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; for?: string; labels?: Record<string, string> }> }> };
  const alerts = doc.groups.flatMap((g) => g.rules).filter((r) => r.alert);
  assert.deepEqual(alerts.map((a) => a.alert).sort(), ['GoroutineCountHigh', 'GoroutineLeak']);
  for (const a of alerts) {
    assert.ok(a.labels?.service, `${a.alert} has a service label`);
    assert.ok(a.for, `${a.alert} holds for a while before firing`);
  }
});

test('promtool test rules: the leak fires with the service label, surges and a filled pool do not', async () => {
  const { stdout } = await run('promtool', ['test', 'rules', join(deploy, 'prometheus', 'goroutine-leak.rules.test.yml')], { timeout: 120_000, cwd: join(deploy, 'prometheus') });
  assert.match(stdout, /SUCCESS/);
});

test('amtool check-config accepts the receiver snippet as it ships', async () => {
  const { stdout } = await run('amtool', ['check-config', snippet], { timeout: 60_000 });
  assert.match(stdout, /SUCCESS/);
  const doc = parseYaml(readFileSync(snippet, 'utf8')) as { receivers: Array<{ name: string; webhook_configs?: Array<Record<string, unknown>> }> };
  const hook = doc.receivers.find((r) => r.name === 'leakbot')?.webhook_configs?.[0];
  assert.ok(hook);
  assert.equal(hook.send_resolved, true);
  assert.ok(typeof hook.max_alerts === 'number' && hook.max_alerts > 0);
  assert.match(String(hook.url), /\/webhooks\/alertmanager$/);
});

let am: TestAlertmanager | undefined;
after(async () => {
  await am?.close();
});

test('the shipped snippet, run by a real Alertmanager, delivers with the bearer token from credentials_file', async () => {
  const seen: Array<{ headers: IncomingHttpHeaders; body: unknown }> = [];
  const server = createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8').on('data', (d: string) => (data += d));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: JSON.parse(data) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const addr = server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/webhooks/alertmanager`;
    // Only the endpoint, the secret's path and the (30 s) group_wait change for the test.
    const template = readFileSync(snippet, 'utf8')
      .replace(/url: https:\/\/\S+/, 'url: ${WEBHOOK_URL}')
      .replace(/credentials_file: \S+/, 'credentials_file: ${CREDENTIALS_FILE}')
      .replace(/group_wait: \S+/, 'group_wait: 1s');
    am = await startAlertmanager({ webhookUrl: url, token: 'snippet-token-abcdef0123456789', configTemplate: template });
    await am.postAlerts([{ labels: { alertname: 'GoroutineLeak', service: 'svc-order', instance: 'a:1' } }]);
    const deadline = Date.now() + 60_000;
    while (seen.length === 0 && Date.now() < deadline) await sleep(50);
    assert.equal(seen.length, 1, am.log());
    assert.equal(seen[0]!.headers.authorization, 'Bearer snippet-token-abcdef0123456789');
    const parsed = parseAlertNotification(seen[0]!.body);
    assert.ok(parsed.ok, !parsed.ok ? parsed.reason : '');
    assert.equal(parsed.notification.alerts[0]!.labels.service, 'svc-order');
    assert.deepEqual(parsed.notification.groupLabels, { alertname: 'GoroutineLeak', service: 'svc-order' });
  } finally {
    server.close();
  }
});
