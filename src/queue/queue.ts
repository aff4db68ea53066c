// The producer side: enqueue jobs into BullMQ. When Redis is unreachable the job is held (bounded) —
// in memory and in a local spool file (src/queue/spool.ts), so it also survives this process — and
// queued as soon as Redis is back; callers get status 'held' and tell the user so.
import { randomUUID } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { createRedis, isRedisUnavailable, parseRedisUrl, replicaAcked, waitReady, type Redis } from '../store/redis.js';
import { QUEUE_NAME, type JobKind, type JobPayloads } from './jobs.js';
import { defaultSpoolDir, HeldJobSpool } from './spool.js';

export interface EnqueueOptions {
  /** Stable id: adding a job whose id exists is a no-op (BullMQ dedupe). ':' is replaced. */
  jobId?: string;
  delayMs?: number;
  attempts?: number;
  /** What to do when Redis is down: 'hold' in memory and flush later (default), or 'throw'. */
  onUnavailable?: 'hold' | 'throw';
}

export type EnqueueResult = { status: 'queued' | 'held'; jobId: string };

export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

const MAX_HELD = 1000;
// With the command connection's 1 s timeout this keeps a command's worst case (Redis hung, not
// down) well inside Slack's 3 s.
const ADD_TIMEOUT_MS = 1200;
/** Sentinel: how long an enqueue waits for a replica to confirm the job (WAIT). */
const REPLICA_WAIT_MS = 300;

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 1500 },
  removeOnComplete: { age: 24 * 3600, count: 2000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** A job id as BullMQ stores it: it reserves ':' (its key separator), so ours carry '_' there. */
function bullJobId(id: string): string {
  return id.replace(/:/g, '_');
}

export function newJobId(kind: string): string {
  return bullJobId(`${kind}-${randomUUID()}`);
}

interface Held {
  kind: string;
  data: unknown;
  opts: JobsOptions;
  at: number;
}

export class JobQueue {
  readonly queue: Queue;
  private readonly conn: Redis;
  private readonly held: Held[] = [];
  private flushing = false;
  private readonly timer: NodeJS.Timeout;
  private readonly spool: HeldJobSpool;
  /** Sentinel deployments: a job counts as queued once a replica has it (survives a failover). */
  private readonly replicated: boolean;

  constructor(
    redisUrl: string,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
    prefix = 'leakbot',
    /** Where held jobs are spooled (LEAKBOT_SPOOL_DIR; default <tmpdir>/leakbot-spool). */
    spoolDir?: string,
  ) {
    this.spool = new HeldJobSpool(spoolDir ?? defaultSpoolDir(), redisUrl, prefix, log.child({ component: 'spool' }));
    // Jobs an earlier process held and never queued (it stopped or died while Redis was down).
    const inherited = this.spool.claim();
    if (inherited.length) {
      this.held.push(...inherited);
      log.info({ held: inherited.length }, 'held jobs recovered from the spool; queued once redis answers');
    }
    this.conn = createRedis(redisUrl, 'command', log.child({ component: 'queue' }));
    this.replicated = parseRedisUrl(redisUrl).mode === 'sentinel';
    // skipVersionCheck: with skipWaitingForReady, BullMQ's version check (INFO) would run before the
    // fail-fast connection is up, fail, and leave the queue broken for good (the worker still checks).
    this.queue = new Queue(QUEUE_NAME, { connection: this.conn, prefix: `${prefix}:bull`, defaultJobOptions: DEFAULT_JOB_OPTIONS, skipWaitingForReady: true, skipVersionCheck: true });
    this.queue.on('error', (err) => this.log.debug({ err: err.message }, 'queue connection error'));
    this.conn.on('ready', () => void this.flush());
    this.timer = setInterval(() => void this.flush(), 2000);
    this.timer.unref();
    metrics?.onCollect(async () => {
      const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ state }, n);
      metrics.queueDepth.set({ state: 'held_in_memory' }, this.held.length);
    });
  }

  /** True while a worker runs the job enqueued under `jobId` (BullMQ's 'active'; the id as given to enqueue). */
  async isRunning(jobId: string): Promise<boolean> {
    const job = await this.queue.getJob(bullJobId(jobId));
    return job !== undefined && (await job.isActive());
  }

  async enqueue<K extends JobKind>(kind: K, data: JobPayloads[K], opts: EnqueueOptions = {}): Promise<EnqueueResult> {
    const jobId = bullJobId(opts.jobId ?? newJobId(kind));
    const jobOpts: JobsOptions = { jobId, ...(opts.delayMs ? { delay: opts.delayMs } : {}), ...(opts.attempts ? { attempts: opts.attempts } : {}) };
    try {
      if (!(await this.add(kind, data, jobOpts))) {
        // In Redis but on no replica yet: keep it held too, so a failover cannot lose it.
        const h = { kind, data, opts: jobOpts, at: Date.now() };
        this.spool.hold(h);
        this.held.push(h);
      }
      return { status: 'queued', jobId };
    } catch (err) {
      if (!isRedisUnavailable(err) && !(err instanceof QueueUnavailableError)) throw err;
      if ((opts.onUnavailable ?? 'hold') === 'throw' || this.held.length >= MAX_HELD) {
        throw new QueueUnavailableError('the job queue (Redis) is unreachable');
      }
      const h = { kind, data, opts: jobOpts, at: Date.now() };
      this.spool.hold(h);
      this.held.push(h);
      this.log.warn({ kind, jobId, held: this.held.length, err: (err as Error).message }, 'redis unreachable: job held in memory until it returns');
      return { status: 'held', jobId };
    }
  }

  /** Adds the job; resolves false when it is in Redis but not yet confirmed on a replica (Sentinel:
   *  WAIT 1 — a failover right now could lose it, so the caller keeps it held and adds it again,
   *  which BullMQ's job-id dedupe makes harmless). */
  private async add(kind: string, data: unknown, opts: JobsOptions): Promise<boolean> {
    // Right after start the connection may still be coming up: give it a moment.
    if (this.conn.status === 'connecting' || this.conn.status === 'connect' || this.conn.status === 'wait') await waitReady(this.conn, 800).catch(() => {});
    if (this.conn.status !== 'ready') throw new QueueUnavailableError(`redis ${this.conn.status}`);
    let t: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.queue.add(kind, data, opts),
        new Promise((_r, reject) => {
          t = setTimeout(() => reject(new QueueUnavailableError('enqueue timed out')), ADD_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(t);
    }
    if (!this.replicated) return true;
    return replicaAcked(this.conn, REPLICA_WAIT_MS);
  }

  /** Resolves once the producer's Redis connection is ready (rejects after timeoutMs). */
  whenReady(timeoutMs: number): Promise<void> {
    return waitReady(this.conn, timeoutMs);
  }

  /** Jobs waiting in memory for Redis to return. */
  heldCount(): number {
    return this.held.length;
  }

  async flush(): Promise<void> {
    if (this.flushing || this.held.length === 0 || this.conn.status !== 'ready') return;
    this.flushing = true;
    try {
      while (this.held.length > 0) {
        const h = this.held[0]!;
        try {
          if (!(await this.add(h.kind, h.data, h.opts))) return; // not on a replica yet: try again later
          this.held.shift();
          this.spool.done(String(h.opts.jobId));
          if (this.held.length === 0) this.spool.clear();
          this.log.info({ kind: h.kind, jobId: h.opts.jobId, heldMs: Date.now() - h.at }, 'held job queued after redis returned');
        } catch (err) {
          this.log.debug({ err: (err as Error).message }, 'flush of held jobs postponed');
          return;
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => {});
    if (this.held.length > 0) this.log.warn({ held: this.held.length }, 'shutting down with jobs held (redis unreachable); they stay in the spool for the next leakbot process');
    await Promise.race([this.queue.close().catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.conn.disconnect();
  }
}
