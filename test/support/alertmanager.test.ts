import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAlertmanager, type TestAlertmanager } from './alertmanager.js';

// The helper itself, against a tiny loopback receiver: Alertmanager really delivers, with the token,
// resolves, and retries after a 5xx.

interface Delivery {
  headers: IncomingHttpHeaders;
  body: { version: string; status: string; groupKey: string; alerts: Array<{ status: string; fingerprint: string; labels: Record<string, string> }> };
}

let server: Server;
let receiverUrl: string;
const deliveries: Delivery[] = [];
let failNext = 0;
let am: TestAlertmanager;
const TOKEN = 'am-helper-test-token-0123456789';

before(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8').on('data', (d: string) => (data += d));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end('try later');
        return;
      }
      deliveries.push({ headers: req.headers, body: JSON.parse(data) as Delivery['body'] });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  receiverUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
  am = await startAlertmanager({ webhookUrl: receiverUrl, token: TOKEN });
});

after(async () => {
  await am?.close();
  server?.close();
});

async function waitFor<T>(what: string, fn: () => T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${am.log()}`);
    await sleep(50);
  }
}

test('posted alerts reach the webhook as version 4 with the bearer token, and resolve', async () => {
  const alerts = [
    { labels: { alertname: 'GoroutineLeak', service: 'svc-a', instance: 'i1' }, annotations: { summary: 'growing' } },
    { labels: { alertname: 'GoroutineLeak', service: 'svc-a', instance: 'i2' } },
  ];
  await am.postAlerts(alerts);
  const firing = await waitFor('firing delivery', () => deliveries.find((d) => d.body.status === 'firing' && d.body.alerts.length === 2));
  assert.equal(firing.headers.authorization, `Bearer ${TOKEN}`);
  assert.equal(firing.body.version, '4');
  assert.match(firing.body.groupKey, /alertname="GoroutineLeak"/);
  assert.ok(firing.body.alerts.every((a) => /^[0-9a-f]{16}$/.test(a.fingerprint)));
  assert.equal((await am.alerts()).length, 2);

  await am.resolve(alerts);
  const resolved = await waitFor('resolved delivery', () => deliveries.find((d) => d.body.status === 'resolved'));
  assert.equal(resolved.body.alerts.length, 2);
  assert.ok(resolved.body.alerts.every((a) => a.status === 'resolved'));
});

test('a 5xx is retried by Alertmanager until it is accepted', async () => {
  const before = deliveries.length;
  failNext = 2;
  await am.postAlerts([{ labels: { alertname: 'Retry', service: 'svc-b' } }]);
  const d = await waitFor('retried delivery', () => deliveries.slice(before).find((x) => x.body.alerts[0]?.labels.alertname === 'Retry'));
  assert.equal(failNext, 0, 'both failures were consumed before the accepted delivery');
  assert.equal(d.body.status, 'firing');
});

test('stop/start keeps the port; alerts are in memory only and must be re-posted', async () => {
  await am.stop();
  await am.start({ fresh: true });
  assert.equal((await am.alerts()).length, 0);
  await am.postAlerts([{ labels: { alertname: 'AfterRestart', service: 'svc-c' } }]);
  await waitFor('delivery after restart', () => deliveries.find((x) => x.body.alerts[0]?.labels.alertname === 'AfterRestart'));
});

test('moves to another port when its port is taken before it binds, and restarts on the port it got', async () => {
  // What freePort() cannot rule out: something else listens on the port by the time Alertmanager binds it.
  const taken = createNetServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  try {
    await assert.rejects(startAlertmanager({ webhookUrl: receiverUrl, port, tries: 1 }), /alertmanager exited with .* before ready/);
    const moved = await startAlertmanager({ webhookUrl: receiverUrl, port });
    try {
      assert.notEqual(moved.port, port);
      assert.equal(moved.url, `http://127.0.0.1:${moved.port}`);
      assert.deepEqual(await moved.alerts(), []);
      await moved.stop();
      await moved.start();
      assert.deepEqual(await moved.alerts(), [], 'restarted on the port it moved to');
    } finally {
      await moved.close();
    }
  } finally {
    taken.close();
  }
});
