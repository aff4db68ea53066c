import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { redisPerFile } from '../support/redis.js';
import { ChannelPacer, RedisSemaphore } from '../../src/alerts/limits.js';
import { setTimeout as sleep } from 'node:timers/promises';

const db = redisPerFile();

test('the semaphore never lets more than `limit` holders run, across separate connections', async () => {
  const other = new Redis(db.server.url);
  try {
    const sems = [new RedisSemaphore(db.client, 't:sem', () => 3), new RedisSemaphore(other, 't:sem', () => 3)];
    let running = 0;
    let peak = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sems[i % 2]!.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(20);
          running--;
          done++;
        }),
      ),
    );
    assert.equal(done, 20);
    assert.ok(peak <= 3 && peak > 1, `peak ${peak}`);
    assert.equal(await sems[0]!.inUse(), 0, 'every slot released');
  } finally {
    other.disconnect();
  }
});

test('a slot held by a dead holder is reclaimed after its lease; errors release the slot', async () => {
  const sem = new RedisSemaphore(db.client, 't:sem2', () => 1, 300);
  await db.client.zadd('t:sem2', Date.now(), 'dead-worker'); // acquired and never released
  let ran = false;
  await sem.run(async () => {
    ran = true;
  });
  assert.ok(ran);
  await assert.rejects(sem.run(async () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await sem.inUse(), 0);
});

test('pacer: a burst goes out at once, then callers line up at the sustained rate, per channel', async () => {
  const pacer = new ChannelPacer(db.client, 't', 20, 3); // 20/s so the test stays short
  const waits = await Promise.all(Array.from({ length: 7 }, () => pacer.wait('C1')));
  waits.sort((a, b) => a - b);
  assert.deepEqual(waits.slice(0, 3), [0, 0, 0], 'burst of 3 immediately');
  // the other 4 were given distinct slots ≈ 50 ms apart
  const queued = waits.slice(3);
  assert.ok(queued.every((w) => w > 0));
  assert.ok(queued[3]! - queued[0]! >= 100, `slots spread out: ${queued.join(', ')}`);
  assert.equal(await pacer.wait('C2'), 0, 'another channel has its own bucket');
});
