import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createServer } from 'node:net';
import { startRedis } from './redis.js';

test('test Redis survives a stop/start with its data (append-only file)', async () => {
  const r = await startRedis();
  try {
    const c = new Redis(r.url, { maxRetriesPerRequest: 1 });
    await c.set('k', 'v');
    c.disconnect();
    await r.stop();
    await r.start();
    const c2 = new Redis(r.url);
    assert.equal(await c2.get('k'), 'v');
    c2.disconnect();
  } finally {
    await r.close();
  }
});

test('test Redis moves to another port when its port is taken before it binds', async () => {
  // What freePort() cannot rule out: something else listens on the port by the time redis binds it.
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  try {
    await assert.rejects(startRedis({ port, tries: 1 }), /exited with .* before PONG/);
    const r = await startRedis({ port });
    try {
      assert.notEqual(r.port, port);
      const c = new Redis(r.url, { maxRetriesPerRequest: 1 });
      assert.equal(await c.ping(), 'PONG');
      c.disconnect();
    } finally {
      await r.close();
    }
  } finally {
    taken.close();
  }
});
