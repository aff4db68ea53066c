// JobQueue and the worker against a real redis-server: dedupe by job id, retries with backoff,
// dispatch by kind, holding jobs in memory while Redis is down and flushing them on its return,
// and a graceful close that lets the in-flight job finish.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/log.js';
import type { JobPayloads } from '../../src/queue/jobs.js';
import { ProcessorRegistry } from '../../src/queue/processors.js';
import { JobQueue, QueueUnavailableError } from '../../src/queue/queue.js';
import { startWorker } from '../../src/queue/worker.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const log = createLogger({ level: 'silent' });
const req = { user: 'U1', channel: 'C1' };
const data = (service: string): JobPayloads['snapshot'] => ({ service, requester: req, reason: 'command' });

async function until<T>(what: string, fn: () => T | undefined | null | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function untilAsync(what: string, fn: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('queue and worker', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.close();
  });

  it('dispatches by kind, dedupes by job id, retries a failing attempt', async () => {
    const q = new JobQueue(redis.url, log, undefined, 'tq1');
    const seen: Array<{ id: string; attempt: number; service: string }> = [];
    const procs = new ProcessorRegistry();
    procs.register('snapshot', async (job) => {
      seen.push({ id: job.id, attempt: job.attemptsMade, service: job.data.service });
      if (job.data.service === 'flaky' && job.attemptsMade === 0) throw new Error('transient');
    });
    assert.throws(() => procs.register('snapshot', async () => {}), /registered twice/);
    const w = startWorker({ redisUrl: redis.url, processors: procs, log, prefix: 'tq1', concurrency: 2 });
    try {
      assert.equal((await q.enqueue('snapshot', data('a'), { jobId: 'same:id' })).status, 'queued');
      await q.enqueue('snapshot', data('a'), { jobId: 'same:id' });
      await q.enqueue('snapshot', data('flaky'));
      await until('flaky retried', () => seen.filter((s) => s.service === 'flaky').length === 2);
      // Nothing left to run (not "300 ms passed"): a second 'a' would have to be waiting or active.
      await untilAsync('queue drained', async () => {
        const c = await q.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(c).every((n) => n === 0);
      });
      assert.equal(seen.filter((s) => s.service === 'a').length, 1, 'same job id → processed once');
      assert.deepEqual(
        seen.filter((s) => s.service === 'flaky').map((s) => s.attempt),
        [0, 1],
      );
    } finally {
      await w.close(5000);
      await q.close();
    }
  });

  it('holds jobs while Redis is down and flushes them when it returns; throw mode refuses', async () => {
    const q = new JobQueue(redis.url, log, undefined, 'tq2');
    const got: string[] = [];
    const procs = new ProcessorRegistry();
    procs.register('snapshot', async (job) => {
      got.push(job.data.service);
    });
    const w = startWorker({ redisUrl: redis.url, processors: procs, log, prefix: 'tq2' });
    try {
      await redis.stop();
      const r = await q.enqueue('snapshot', data('during-outage'));
      assert.equal(r.status, 'held');
      assert.equal(q.heldCount(), 1);
      await assert.rejects(q.enqueue('snapshot', data('x'), { onUnavailable: 'throw' }), QueueUnavailableError);
      await redis.start();
      await until('held job processed', () => got.includes('during-outage'), 60_000);
      assert.equal(q.heldCount(), 0);
      assert.ok(!got.includes('x'), 'a refused job was not queued');
    } finally {
      await w.close(5000);
      await q.close();
    }
  });

  it('close() lets the in-flight job finish', async () => {
    const q = new JobQueue(redis.url, log, undefined, 'tq3');
    let finished = false;
    let started = false;
    // The job runs until the test lets it go (after close() was called), not for a fixed time.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const procs = new ProcessorRegistry();
    procs.register('snapshot', async () => {
      started = true;
      await released;
      finished = true;
    });
    const w = startWorker({ redisUrl: redis.url, processors: procs, log, prefix: 'tq3' });
    try {
      await q.enqueue('snapshot', data('slow'));
      await until('job started', () => started);
      let closed = false;
      const closing = w.close(20_000).then(() => (closed = true));
      await new Promise((r) => setImmediate(r));
      assert.equal(closed, false, 'close() waits for the in-flight job');
      release();
      await closing;
      assert.equal(finished, true);
    } finally {
      await q.close();
    }
  });
});
