// The consumer side: one BullMQ Worker dispatching by job name to registered processors.
// SIGTERM → close(): stop taking jobs, let in-flight ones finish within the grace period; after
// it, force-close — their locks lapse and another worker picks them up (returned, not lost).
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { createRedis } from '../store/redis.js';
import { QUEUE_NAME, type JobKind, type JobPayloads } from './jobs.js';
import type { ProcessorRegistry } from './processors.js';
import { isWorthWaiting, waitingFor, waitingOutcome } from './transient.js';

export interface WorkerOptions {
  redisUrl: string;
  processors: ProcessorRegistry;
  log: Logger;
  metrics?: Metrics;
  concurrency?: number;
  /** How long a job's lock lives without renewal; a killed worker's job is retried after it. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** How long a job keeps waiting for an unreachable Slack before it fails (ms, default 6 h). */
  slackRetryMs?: number;
  /** Longest pause between two tries while Slack is unreachable (ms, default 60 s). */
  slackRetryMaxDelayMs?: number;
  /** Stalls (worker died mid-job) after which BullMQ fails the job for good (default 3). */
  maxStalledCount?: number;
  prefix?: string;
}

/** BullMQ's Worker, plus a way to let go of it when close() cannot finish. */
class LeakbotWorker extends Worker {
  /** Stops the stalled-job checker and lock renewal, so the in-flight jobs' locks lapse and
   *  another worker takes them, and no timer of this worker keeps the process alive. BullMQ stops
   *  both inside close(), but only after its blocking connection has ended, and with Redis
   *  unreachable it never ends: ioredis' disconnect() of a client waiting to reconnect clears the
   *  retry timer without emitting 'end' (redis/ioredis#1830); close(true) after close() returns
   *  that same pending close. */
  async abandon(): Promise<void> {
    await this.pause(true); // doNotWaitActive: ends the stalled checker's wait at once
    await this.lockManager.close();
  }
}

export interface RunningWorker {
  worker: Worker;
  close(graceMs?: number): Promise<void>;
}

export function startWorker(opts: WorkerOptions): RunningWorker {
  const log = opts.log.child({ component: 'worker' });
  const conn = createRedis(opts.redisUrl, 'worker', log);
  const shutdown = new AbortController();
  const lockDuration = opts.lockDurationMs ?? 30_000;
  const worker = new LeakbotWorker(
    QUEUE_NAME,
    async (job: Job, token?: string) => {
      const fn = opts.processors.get(job.name);
      const jlog = log.child({ jobId: job.id, kind: job.name, attempt: job.attemptsMade + 1, requestId: (job.data as { requester?: { requestId?: string } })?.requester?.requestId });
      if (!fn) {
        jlog.error('no processor registered for this job kind; dropping it');
        return;
      }
      const started = Date.now();
      jlog.info('job started');
      try {
        const result = await fn({
          id: String(job.id),
          kind: job.name as JobKind,
          // Read through: after updateData (a checkpoint) the processor sees what it stored.
          get data() {
            return job.data as JobPayloads[JobKind];
          },
          attemptsMade: job.attemptsMade,
          maxAttempts: job.opts.attempts ?? 1,
          updateData: (d) => job.updateData(d),
          log: jlog,
          signal: shutdown.signal,
        });
        opts.metrics?.jobs.inc({ kind: job.name, outcome: 'ok' });
        jlog.info({ ms: Date.now() - started }, 'job done');
        return result;
      } catch (err) {
        if (isWorthWaiting(err) && token && (await waitForSlack(job, token, opts, jlog, waitingFor(err)))) {
          opts.metrics?.jobs.inc({ kind: job.name, outcome: waitingOutcome(err) });
          throw new DelayedError();
        }
        opts.metrics?.jobs.inc({ kind: job.name, outcome: 'error' });
        jlog.warn({ err: (err as Error).message, ms: Date.now() - started }, 'job attempt failed');
        throw err;
      } finally {
        opts.metrics?.jobDuration.observe({ kind: job.name }, (Date.now() - started) / 1000);
      }
    },
    {
      connection: conn,
      prefix: `${opts.prefix ?? 'leakbot'}:bull`,
      concurrency: opts.concurrency ?? 8,
      lockDuration,
      stalledInterval: opts.stalledIntervalMs ?? Math.max(1000, Math.round(lockDuration / 2)),
      maxStalledCount: opts.maxStalledCount ?? 3,
    },
  );
  // BullMQ reports every reconnect attempt; one line per 30 s is enough to see an outage.
  let lastErrorLog = 0;
  worker.on('error', (err) => {
    if (Date.now() - lastErrorLog < 30_000) return;
    lastErrorLog = Date.now();
    log.warn({ err: err.message }, 'worker connection error (retrying)');
  });
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) log.error({ jobId: job.id, kind: job.name, err: err.message }, 'job failed for good');
  });
  worker.on('stalled', (jobId) => log.warn({ jobId }, 'job stalled (worker died?) and was returned to the queue'));

  return {
    worker,
    async close(graceMs = 25_000) {
      log.info('worker closing: finishing in-flight jobs');
      let timer: NodeJS.Timeout | undefined;
      const graceful = worker.close().then(() => 'closed' as const);
      const timeout = new Promise<'timeout'>((r) => {
        timer = setTimeout(() => r('timeout'), graceMs);
      });
      const how = await Promise.race([graceful, timeout]);
      clearTimeout(timer);
      if (how === 'timeout') {
        log.warn('grace period over: returning in-flight jobs to the queue');
        shutdown.abort();
        // Aborted jobs get a bounded moment to return; with Redis unreachable the close never
        // finishes (see abandon), so stop renewing locks and drop the connection: the jobs'
        // locks lapse and another worker takes them.
        const closed = await Promise.race([graceful.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 2000).unref())]);
        if (!closed) await worker.abandon();
      }
      conn.disconnect();
    },
  };
}

/** Kept in a job's data while it waits for Slack (first failure, tries so far). */
interface SlackWait {
  since: number;
  tries: number;
}

/** Slack is unreachable (or another isWorthWaiting cause): park the job in BullMQ's delayed set (in Redis, so the wait survives a
 *  restart) with exponential backoff, without spending one of its attempts, until slackRetryMs has
 *  passed since the first failure. False when that time is over (the job then fails as usual). */
async function waitForSlack(job: Job, token: string, opts: WorkerOptions, log: { warn(o: object, m: string): void }, why = 'Slack unreachable'): Promise<boolean> {
  const data = job.data as { slackWait?: SlackWait };
  const now = Date.now();
  const wait = data.slackWait ?? { since: now, tries: 0 };
  const limit = opts.slackRetryMs ?? 6 * 3600_000;
  if (now - wait.since >= limit) return false;
  const maxDelay = opts.slackRetryMaxDelayMs ?? 60_000;
  const delay = Math.min(maxDelay, 1000 * 2 ** Math.min(wait.tries, 16)) * (0.8 + Math.random() * 0.4);
  await job.updateData({ ...job.data, slackWait: { since: wait.since, tries: wait.tries + 1 } });
  await job.moveToDelayed(now + Math.round(delay), token);
  log.warn({ tries: wait.tries + 1, delayMs: Math.round(delay), waitingMs: now - wait.since }, `${why}: the job waits and retries`);
  return true;
}
