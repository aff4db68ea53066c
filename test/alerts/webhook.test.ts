import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/log.js';
import { JobQueue, QueueUnavailableError } from '../../src/queue/queue.js';
import { isRedisUnavailable } from '../../src/store/redis.js';
import { RouteRegistry } from '../../src/web/routes.js';
import { closeServer, createHttpServer, listen } from '../../src/web/server.js';
import { createAuthCheck } from '../../src/alerts/auth.js';
import { webhookRoute, WEBHOOK_PATH } from '../../src/alerts/webhook.js';
import { startRedis, type TestRedis } from '../support/redis.js';

// The route on H3's HTTP server, enqueueing into the real BullMQ queue on a real Redis.

const TOKEN = 'webhook-test-token-7f0e9d8c7b6a5948';
const logLines: string[] = [];
const log = createLogger({
  level: 'debug',
  destination: new Writable({
    write(chunk, _e, cb) {
      logLines.push(String(chunk));
      cb();
    },
  }),
});

let redis: TestRedis;
let queue: JobQueue;
let server: Server;
let disabledServer: Server;
let url: string;
let disabledUrl: string;

const payload = (alerts = 1) => ({
  version: '4',
  receiver: 'leakbot',
  status: 'firing',
  groupKey: '{}:{alertname="GoroutineLeak"}',
  groupLabels: { alertname: 'GoroutineLeak' },
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://am',
  truncatedAlerts: 0,
  alerts: Array.from({ length: alerts }, (_, i) => ({
    status: 'firing',
    labels: { alertname: 'GoroutineLeak', service: 'svc-a', instance: `i${i}` },
    annotations: {},
    startsAt: '2026-11-23T12:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prom/graph',
    fingerprint: `fp${i}`,
  })),
});

before(async () => {
  redis = await startRedis();
  queue = new JobQueue(redis.url, log, undefined, 'wh');
  const mk = (auth: ReturnType<typeof createAuthCheck> | null) => {
    const routes = new RouteRegistry();
    routes.add(
      webhookRoute({
        auth,
        log,
        isUnavailable: (err) => err instanceof QueueUnavailableError || isRedisUnavailable(err),
        enqueue: (n, meta) => queue.enqueue('alert.notify', { notification: n, receivedAt: meta.receivedAt, requester: { requestId: meta.requestId } }, { onUnavailable: 'throw' }),
      }),
    );
    return createHttpServer(routes, null, log);
  };
  server = mk(createAuthCheck(TOKEN));
  disabledServer = mk(null);
  url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}${WEBHOOK_PATH}`;
  disabledUrl = `http://127.0.0.1:${await listen(disabledServer, 0, '127.0.0.1')}${WEBHOOK_PATH}`;
  // the queue's connection must be ready before the first enqueue
  for (let i = 0; ; i++) {
    try {
      await queue.queue.getJobCounts();
      break;
    } catch (err) {
      if (i > 400) throw err;
      await sleep(25);
    }
  }
});

after(async () => {
  await closeServer(server);
  await closeServer(disabledServer);
  await queue.close();
  await redis.close();
});

async function send(body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }, to = url) {
  const res = await fetch(to, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as { error?: string; status?: string; alerts?: number } | null };
}

test('a valid notification is queued as an alert.notify job and answered 200', async () => {
  const r = await send(payload(3));
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { status: 'queued', alerts: 3 });
  const jobs = await queue.queue.getJobs(['waiting']);
  const job = jobs.find((j) => j.name === 'alert.notify');
  assert.ok(job, 'job stored in Redis');
  assert.equal(job.data.notification.alerts.length, 3);
  assert.equal(job.data.notification.groupKey, '{}:{alertname="GoroutineLeak"}');
});

test('basic auth with the token as password works too', async () => {
  const basic = `Basic ${Buffer.from(`grafana:${TOKEN}`).toString('base64')}`;
  assert.equal((await send(payload(), { authorization: basic })).status, 200);
});

test('missing or wrong credentials → 401, and the log never contains a token', async () => {
  assert.equal((await send(payload(), {})).status, 401);
  const wrong = await send(payload(), { authorization: 'Bearer not-the-token-but-a-guess-123' });
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.body, { error: 'unauthorized' });
  const all = logLines.join('');
  assert.match(all, /wrong bearer token/);
  assert.ok(!all.includes(TOKEN), 'configured token not logged');
  assert.ok(!all.includes('not-the-token-but-a-guess-123'), 'presented credential not logged');
});

test('garbage → 400 with the reason', async () => {
  const notJson = await send('{"version": "4", alerts: [');
  assert.equal(notJson.status, 400);
  assert.match(notJson.body!.error!, /body is not JSON/);
  const wrongShape = await send({ version: '4', status: 'firing', alerts: [{ labels: {} }] });
  assert.equal(wrongShape.status, 400);
  assert.match(wrongShape.body!.error!, /invalid Alertmanager webhook payload: alerts\.0\.status/);
  const unknownVersion = await send({ version: '5' });
  assert.match(unknownVersion.body!.error!, /version "5"/);
});

test('a body over the cap → 413', async () => {
  const huge = { ...payload(), padding: 'x'.repeat(6 * 1024 * 1024) };
  assert.equal((await send(huge)).status, 413);
});

test('no token configured → 503 for everyone (Alertmanager keeps retrying), with a log line', async () => {
  const r = await send(payload(), { authorization: `Bearer ${TOKEN}` }, disabledUrl);
  assert.equal(r.status, 503);
  assert.match(r.body!.error!, /LEAKBOT_WEBHOOK_TOKEN/);
});

test('Redis down → 503 so Alertmanager retries; back up → 200', async () => {
  await redis.stop();
  const down = await send(payload());
  assert.equal(down.status, 503);
  assert.equal(queue.heldCount(), 0, 'not held in memory: the sender keeps it');
  await redis.start();
  const deadline = Date.now() + 30_000;
  let status = 0;
  while (Date.now() < deadline && (status = (await send(payload())).status) !== 200) await sleep(200);
  assert.equal(status, 200);
});
