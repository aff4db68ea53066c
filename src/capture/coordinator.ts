// Getting a snapshot of a service for a job, with the rules from issue 3: one capture in flight per
// service across all workers, a minimum interval between captures, and requests arriving meanwhile
// sharing the capture (or its failure) instead of starting their own. H4/H5 jobs use obtain() too.
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { CaptureOptions } from './index.js';
import type { Snapshot } from '../engine/index.js';
import type { Timeline } from '../incident/timeline.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { CaptureGate } from '../store/capture-gate.js';
import type { SnapshotMeta, SnapshotStore } from '../store/snapshots.js';

export type CaptureOutcome =
  | { ok: true; meta: SnapshotMeta; shared: boolean; ageMs: number; /** The parsed snapshot, when this call captured it (saves a reload). */ snapshot?: Snapshot }
  | { ok: false; code: string; message: string; shared: boolean };

export interface ObtainOptions {
  requestedBy?: string;
  reason?: string;
  /** Reuse a snapshot at most this old (default: the service's minIntervalSeconds). */
  maxAgeMs?: number;
  signal?: AbortSignal;
  thread?: { channel: string; ts: string };
  /** Lock owner; pass the job id so a retry of a job whose worker died takes over its lock. */
  owner?: string;
}

export class CaptureCoordinator {
  constructor(
    private readonly config: Config,
    private readonly snapshots: SnapshotStore,
    private readonly gate: CaptureGate,
    private readonly timeline: Timeline,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
    /** Where profiles are decoded (the bot: its worker-thread pool); default: this thread. */
    private readonly decode?: CaptureOptions['decode'],
  ) {}

  async obtain(service: string, opts: ObtainOptions = {}): Promise<CaptureOutcome> {
    const svc = this.config.services[service];
    if (!svc) return { ok: false, code: 'unknown_service', message: `${service} is not a registered service.`, shared: false };
    const minMs = svc.minIntervalSeconds * 1000;
    const maxAge = opts.maxAgeMs ?? minMs;
    const lockTtl = svc.timeoutSeconds * 1000 * 2 + 15_000;
    const deadline = Date.now() + lockTtl * 2;
    const owner = opts.owner ?? randomUUID();
    // Anything captured (or failed) after we asked answers us, whatever the min interval.
    const askedAt = Date.now();
    while (Date.now() < deadline) {
      if (opts.signal?.aborted) throw new Error('worker shutting down');
      const shared = await this.recent(service, maxAge, minMs, askedAt);
      if (shared) return shared;
      if (await this.gate.tryLock(service, owner, lockTtl)) {
        try {
          // Someone may have finished a capture between our check and the lock.
          const again = await this.recent(service, maxAge, minMs, askedAt);
          if (again) return again;
          return await this.capture(service, opts);
        } finally {
          await this.gate.release(service, owner).catch(() => {});
        }
      }
      await this.gate.waitUnlocked(service, lockTtl, opts.signal);
    }
    return { ok: false, code: 'busy', message: `Another capture of ${service} is taking too long; try again in a minute.`, shared: false };
  }

  private async recent(service: string, maxAge: number, minMs: number, askedAt: number): Promise<CaptureOutcome | null> {
    const latest = await this.snapshots.latest(service);
    const now = Date.now();
    if (latest && (now - latest.capturedAt < maxAge || latest.savedAt >= askedAt)) {
      this.metrics?.capturesShared.inc({ service });
      return { ok: true, meta: latest, shared: true, ageMs: now - latest.capturedAt };
    }
    const fail = await this.gate.recentFailure(service);
    if (fail && (now - fail.at < minMs || fail.at >= askedAt) && (!latest || fail.at > latest.capturedAt)) {
      this.metrics?.capturesShared.inc({ service });
      return { ok: false, code: fail.code, message: fail.message, shared: true };
    }
    return null;
  }

  private async capture(service: string, opts: ObtainOptions): Promise<CaptureOutcome> {
    const svc = this.config.services[service]!;
    const started = Date.now();
    const log = this.log.child({ service });
    // Loaded on first use: web-only processes never capture.
    const { captureSnapshot, captureTarget, CaptureError } = await import('../capture/index.js');
    try {
      const res = await captureSnapshot(
        captureTarget(service, svc),
        { capturedAt: started, ...(opts.signal ? { signal: opts.signal } : {}), ...(this.decode ? { decode: this.decode } : {}) },
      );
      const meta = await this.snapshots.save(service, {
        snapshot: res.snapshot,
        raw: res.raw,
        bytes: res.bytes,
        durationMs: res.durationMs,
        capturedAt: res.snapshot.capturedAt ?? started,
        ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}),
        ...(opts.reason ? { reason: opts.reason } : {}),
      });
      await this.gate.clearFailure(service);
      this.metrics?.captures.inc({ service, outcome: 'ok' });
      this.metrics?.captureDuration.observe({ service }, (Date.now() - started) / 1000);
      log.info({ seq: meta.seq, total: meta.total, format: meta.format, bytes: meta.bytes, ms: res.durationMs }, 'captured goroutine profile');
      await this.timeline
        .append({
          at: meta.capturedAt,
          service,
          type: 'snapshot',
          actor: opts.requestedBy ?? 'leakbot',
          text: `Snapshot #${meta.seq}: ${meta.total} goroutines (${meta.format}${meta.leakProfile ? ', leak profile' : ''})`,
          ...(opts.thread ? { thread: opts.thread } : {}),
          data: { seq: meta.seq, total: meta.total, groups: meta.groups, format: meta.format },
        })
        .catch((err: Error) => log.warn({ err: err.message }, 'timeline append failed'));
      return { ok: true, meta, shared: false, ageMs: 0, snapshot: res.snapshot };
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err;
      this.metrics?.captures.inc({ service, outcome: 'failed' });
      this.metrics?.captureFailures.inc({ service, code: err.code });
      log.warn({ code: err.code, err: err.message }, 'capture failed');
      await this.gate.recordFailure(service, { at: Date.now(), code: err.code, message: err.userMessage }, svc.minIntervalSeconds * 1000);
      await this.timeline
        .append({ at: Date.now(), service, type: 'error', actor: opts.requestedBy ?? 'leakbot', text: `Capture failed: ${err.userMessage}`, ...(opts.thread ? { thread: opts.thread } : {}), data: { code: err.code } })
        .catch(() => {});
      return { ok: false, code: err.code, message: err.userMessage, shared: false };
    }
  }
}
