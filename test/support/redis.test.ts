import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
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
