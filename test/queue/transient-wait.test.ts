// A job whose post could not be made safely because the Sentinel replica did not confirm the post's
// marker (ReplicaLagError) waits and runs again, like a job waiting for Slack: it is not failed, and
// no attempt is spent (with attempts: 1 a failed attempt would end it for good, its result lost).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/log.js';
import { QUEUE_NAME } from '../../src/queue/jobs.js';
import { ProcessorRegistry } from '../../src/queue/processors.js';
import { startWorker, type RunningWorker } from '../../src/queue/worker.js';
import { ReplicaLagError } from '../../src/store/posts.js';
import { createMetrics } from '../../src/metrics.js';
import { startRedis, type TestRedis } from '../support/redis.js';

describe('jobs wait out a lagging Redis replica', () => {
  let redis: TestRedis;
  let worker: RunningWorker | undefined;
  const conns: Redis[] = [];
  let queue: Queue;
  let events: QueueEvents;
  before(async () => {
    redis = await startRedis();
    const conn = () => {
      const c = new Redis(redis.url, { maxRetriesPerRequest: null });
      conns.push(c);
      return c;
    };
    queue = new Queue(QUEUE_NAME, { connection: conn(), prefix: 'tw:bull' });
    events = new QueueEvents(QUEUE_NAME, { connection: conn(), prefix: 'tw:bull' });
    await events.waitUntilReady();
  });
  after(async () => {
    await worker?.close(2000);
    await events?.close();
    await queue?.close();
    for (const c of conns) c.disconnect();
    await redis?.close();
  });

  it('ReplicaLagError parks the job without spending an attempt; it then completes', async () => {
    const processors = new ProcessorRegistry();
    let runs = 0;
    processors.register('baseline', async () => {
      runs += 1;
      if (runs === 1) throw new ReplicaLagError('the Redis replica did not confirm the post marker of k within 500 ms');
      return { posted: true };
    });
    const metrics = createMetrics();
    worker = startWorker({ redisUrl: redis.url, processors, log: createLogger({ level: 'silent' }), prefix: 'tw', slackRetryMaxDelayMs: 50, metrics });
    const job = await queue.add('baseline', { service: 'svc-order' }, { attempts: 1 });
    assert.deepEqual(await job.waitUntilFinished(events, 30_000), { posted: true });
    const done = (await queue.getJob(job.id!))!;
    assert.equal(runs, 2, 'ran again after waiting');
    assert.equal(done.attemptsMade, 1, 'only the successful run counted as an attempt');
    const outcomes = Object.fromEntries((await metrics.jobs.get()).values.map((v) => [String(v.labels.outcome), v.value]));
    assert.deepEqual(outcomes, { waiting_for_redis_replica: 1, ok: 1 }, 'counted as waiting for the replica, not for Slack');
  });
});
