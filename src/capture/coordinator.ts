// Getting snapshots of a service's processes for a job: targets (src/capture/targets) → one capture
// in flight per instance across all workers, a minimum interval between captures of an instance, and
// requests arriving meanwhile sharing the capture (or its failure) instead of starting their own →
// fetch (src/capture/index.ts). A fleet capture runs a bounded number of instances at once, each with
// its own timeout, and a sample of the instances when the fleet is large. Each capture is checked
// against the instance's previous one for a restart (src/capture/restart.ts).
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { CaptureOptions } from './index.js';
import { escapeMrkdwn, type Snapshot } from '../engine/index.js';
import type { Timeline } from '../incident/timeline.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { CaptureGate } from '../store/capture-gate.js';
import type { SnapshotMeta, SnapshotStore } from '../store/snapshots.js';
import { detectRestart, maxGoroutineId, restartFromDumps, type RestartVerdict } from './restart.js';
import { DiscoveryError, selectInstance, type Discovery, type Instance, type InstanceSelector, type TargetResolver } from './targets/index.js';
import { own } from '../own.js';
import { captureBrief, COORDINATOR_BRIEF, durationText } from './errors.js';

export type CaptureOutcome =
  | {
      ok: true;
      meta: SnapshotMeta;
      shared: boolean;
      ageMs: number;
      /** The parsed snapshot, when this call captured it (saves a reload). */
      snapshot?: Snapshot;
      instance?: Instance;
    }
  /** `message`: the full sentence for people; `brief`: its few words for a line listing several
   *  failures (CaptureError.brief, or COORDINATOR_BRIEF for the coordinator's own codes). */
  | { ok: false; code: string; message: string; brief: string; shared: boolean; instance?: Instance };

/** One fleet capture: every chosen instance's outcome, in the order they were chosen. */
export type FleetOutcome =
  | {
      ok: true;
      discovery: Discovery;
      results: Array<{ instance: Instance; outcome: CaptureOutcome }>;
      /** Discovered but not captured this time (sample smaller than the fleet). */
      skipped: Instance[];
      /** The selector given as `first` named no discovered instance. */
      firstMissing?: string;
    }
  | { ok: false; code: string; message: string };

export interface FleetOptions extends Omit<ObtainOptions, 'instance'> {
  /** Capture this instance first (the one an alert named). */
  first?: InstanceSelector;
  /** Instances to prefer when sampling (e.g. those with findings last time), by id. */
  prefer?: string[];
  /** Called once with the instances chosen for capture and the discovery they came from, before
   *  any capture starts. */
  onPlan?: (chosen: Instance[], discovery: Discovery) => void;
  /** Called as each instance finishes (progress messages). */
  onResult?: (instance: Instance, outcome: CaptureOutcome) => void;
}

export interface ObtainOptions {
  requestedBy?: string;
  reason?: string;
  /** Reuse a snapshot at most this old (default: the service's minIntervalSeconds). */
  maxAgeMs?: number;
  /** When the request was first made (ms since epoch; default now): a capture saved (or failed)
   *  since answers it. A job retried after its worker died passes when it first asked, so what the
   *  dead worker captured is not captured again. */
  askedAt?: number;
  signal?: AbortSignal;
  thread?: { channel: string; ts: string };
  /** Lock owner; pass the job id so a retry of a job whose worker died takes over its lock. */
  owner?: string;
  /** The instance (id from discovery) to capture; default: the only (or first) one. */
  instance?: string;
  /** No 'snapshot' timeline event per capture: the caller records the round as one (a fleet's
   *  interleaved pods would read as one process jumping up and down). */
  quiet?: boolean;
}

/** A process's total from a capture this recent may stand in for the counting request. */
const RECENT_TOTAL_MS = 15 * 60_000;

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
    /** Where the instances of each service come from (src/capture/targets). */
    readonly targets?: TargetResolver,
  ) {}

  /** The instances of a service (cached discovery). Throws DiscoveryError. */
  async instances(service: string): Promise<Discovery> {
    if (!this.targets) throw new DiscoveryError('target discovery is not set up in this process');
    return this.targets.discover(service);
  }

  /** A discovered instance of the service named by `pod=`/`instance=`, or why not (for the user). */
  async findInstance(service: string, sel: InstanceSelector): Promise<{ instance: Instance } | { error: string }> {
    let d: Discovery;
    try {
      d = await this.instances(service);
    } catch (err) {
      if (err instanceof DiscoveryError) return { error: err.userMessage };
      throw err;
    }
    const hit = selectInstance(d.instances, sel);
    if (hit) return { instance: hit };
    // The value is the user's (or an alert's) text and the names come from discovery: escaped for Slack.
    const names = d.instances.slice(0, 8).map((i) => escapeMrkdwn(i.name));
    return { error: `${service} has no instance ${sel.key}=${escapeMrkdwn(sel.value.slice(0, 200))} (known: ${names.join(', ')}${d.instances.length > names.length ? ', …' : ''}).` };
  }

  /**
   * Captures the service's instances: `first` (when it names a discovered instance), then a sample
   * of the rest (preferred ids, then the others in id order) up to fleet.sample, with at most
   * fleet.concurrency captures running. Each instance follows obtain()'s rules. Resolves when every
   * chosen instance has an outcome (each bounded by the service's timeoutSeconds).
   */
  async obtainFleet(service: string, opts: FleetOptions = {}): Promise<FleetOutcome> {
    const svc = own(this.config.services, service);
    if (!svc) return { ok: false, code: 'unknown_service', message: `${service} is not a registered service.` };
    let discovery: Discovery;
    try {
      discovery = await this.instances(service);
    } catch (err) {
      if (!(err instanceof DiscoveryError)) throw err;
      this.metrics?.captureFailures.inc({ service, code: 'discovery' });
      return { ok: false, code: 'discovery', message: err.userMessage };
    }
    const all = discovery.instances;
    const first = opts.first ? selectInstance(all, opts.first) : null;
    const prefer = new Set(opts.prefer ?? []);
    // A sample rotates: among the rest, the least recently captured go first (never captured first
    // of all), so every pod of a large fleet is seen over a few rounds.
    let rest = all.filter((i) => i !== first && !prefer.has(i.id));
    if (all.length > svc.fleet.sample) {
      const last = await Promise.all(rest.map((i) => this.snapshots.latestOf(service, i.id).then((m) => m?.capturedAt ?? 0)));
      rest = rest.map((i, k) => ({ i, at: last[k]! })).sort((a, b) => a.at - b.at).map((x) => x.i);
    }
    const ordered = [...(first ? [first] : []), ...all.filter((i) => i !== first && prefer.has(i.id)), ...rest];
    const chosen = ordered.slice(0, Math.max(1, svc.fleet.sample));
    const skipped = ordered.slice(chosen.length);
    const results: Array<{ instance: Instance; outcome: CaptureOutcome }> = new Array(chosen.length);
    const { first: _f, prefer: _p, onResult, onPlan, ...obtainOpts } = opts;
    onPlan?.(chosen, discovery);
    const run = async (i: number): Promise<void> => {
      const instance = chosen[i]!;
      const outcome = await this.obtain(service, { ...obtainOpts, quiet: true, instance: instance.id, owner: `${opts.owner ?? randomUUID()}:${instance.id}` }, instance);
      results[i] = { instance, outcome };
      onResult?.(instance, outcome);
    };
    // The alerting instance goes first and alone, so its capture is not slowed by the others'.
    let next = 0;
    if (first) await run(next++);
    const lanes = Array.from({ length: Math.min(svc.fleet.concurrency, chosen.length - next) }, async () => {
      while (next < chosen.length) await run(next++);
    });
    await Promise.all(lanes);
    return {
      ok: true,
      discovery,
      results,
      skipped,
      ...(opts.first && !first ? { firstMissing: `${opts.first.key}=${opts.first.value}` } : {}),
    };
  }

  /** One instance's snapshot: a recent one shared, or a new capture under the instance's lock.
   *  `known` saves a discovery lookup when the caller already holds the instance. */
  async obtain(service: string, opts: ObtainOptions = {}, known?: Instance): Promise<CaptureOutcome> {
    const svc = own(this.config.services, service);
    if (!svc) return { ok: false, code: 'unknown_service', message: `${service} is not a registered service.`, brief: COORDINATOR_BRIEF.unknown_service, shared: false };
    let instance = known;
    if (!instance && this.targets) {
      try {
        const d = await this.targets.discover(service);
        instance = opts.instance !== undefined ? d.instances.find((i) => i.id === opts.instance) : d.instances[0];
      } catch (err) {
        if (!(err instanceof DiscoveryError)) throw err;
        return { ok: false, code: 'discovery', message: err.userMessage, brief: COORDINATOR_BRIEF.discovery, shared: false };
      }
      if (!instance) return { ok: false, code: 'gone', message: `Instance ${opts.instance} of ${service} is no longer discovered.`, brief: COORDINATOR_BRIEF.gone, shared: false };
    }
    const key = instance ? `${service}@${instance.id}` : service;
    const minMs = svc.minIntervalSeconds * 1000;
    const maxAge = opts.maxAgeMs ?? minMs;
    const lockTtl = svc.timeoutSeconds * 1000 * 2 + 15_000;
    const deadline = Date.now() + lockTtl * 2;
    const owner = opts.owner ?? randomUUID();
    // Anything captured (or failed) after we asked answers us, whatever the min interval.
    const askedAt = opts.askedAt ?? Date.now();
    while (Date.now() < deadline) {
      if (opts.signal?.aborted) throw new Error('worker shutting down');
      const shared = await this.recent(service, key, instance, maxAge, minMs, askedAt);
      if (shared) return shared;
      if (await this.gate.tryLock(key, owner, lockTtl)) {
        try {
          // Someone may have finished a capture between our check and the lock.
          const again = await this.recent(service, key, instance, maxAge, minMs, askedAt);
          if (again) return again;
          return await this.capture(service, key, instance, opts);
        } finally {
          await this.gate.release(key, owner).catch(() => {});
        }
      }
      await this.gate.waitUnlocked(key, lockTtl, opts.signal);
    }
    const who = instance && instance.id !== service ? `${service} (${instance.name})` : service;
    return { ok: false, code: 'busy', message: `Another capture of ${who} is taking too long; try again in a minute.`, brief: COORDINATOR_BRIEF.busy, shared: false, ...(instance ? { instance } : {}) };
  }

  private async recent(service: string, key: string, instance: Instance | undefined, maxAge: number, minMs: number, askedAt: number): Promise<CaptureOutcome | null> {
    const latest = instance ? await this.snapshots.latestOf(service, instance.id) : await this.snapshots.latest(service);
    const now = Date.now();
    const inst = instance ? { instance } : {};
    if (latest && (now - latest.capturedAt < maxAge || latest.savedAt >= askedAt)) {
      this.metrics?.capturesShared.inc({ service });
      return { ok: true, meta: latest, shared: true, ageMs: now - latest.capturedAt, ...inst };
    }
    const fail = await this.gate.recentFailure(key);
    if (fail && (now - fail.at < minMs || fail.at >= askedAt) && (!latest || fail.at > latest.capturedAt)) {
      this.metrics?.capturesShared.inc({ service });
      // A failure from before this request was asked for is not a new try: say so, or the person
      // reads the same sentence as if the service had just failed them again.
      const message = fail.at < askedAt ? `${fail.message} ${reusedFailureNote(service, (now - fail.at) / 1000, minMs / 1000)}` : fail.message;
      return { ok: false, code: fail.code, message, brief: captureBrief(fail), shared: true, ...inst };
    }
    return null;
  }

  /** restartFromDumps against stored snapshot `prevSeq`; no restart when it is gone or unreadable
   *  (as before: the marks said none). */
  private async fromDumps(service: string, prevSeq: number, cur: Snapshot): Promise<RestartVerdict> {
    const before = await this.snapshots.load(service, prevSeq).catch(() => null);
    return before ? restartFromDumps(before, cur) : { restarted: false, reason: '' };
  }

  private async capture(service: string, key: string, instance: Instance | undefined, opts: ObtainOptions): Promise<CaptureOutcome> {
    const svc = own(this.config.services, service)!;
    const started = Date.now();
    const log = this.log.child({ service, ...(instance ? { instance: instance.id } : {}) });
    const inst = instance ? { instance } : {};
    // Loaded on first use: web-only processes never capture.
    const { captureSnapshot, captureTarget, CaptureError } = await import('../capture/index.js');
    try {
      const prev = instance ? await this.snapshots.latestOf(service, instance.id) : null;
      // Only after a capture that got the detailed dump: one that fell back to the proto profile
      // (the service too slow for the dump) needs the count again, as the same fallback. Without
      // it the automatic recapture of a slow service spent its time on the dump and failed.
      const recent = prev && prev.format === 'debug2' && started - prev.capturedAt < RECENT_TOTAL_MS ? { recentTotal: prev.total } : {};
      const res = await captureSnapshot(
        captureTarget(service, svc, instance),
        { capturedAt: started, ...(opts.signal ? { signal: opts.signal } : {}), ...(this.decode ? { decode: this.decode } : {}), ...recent },
      );
      const capturedAt = res.snapshot.capturedAt ?? started;
      let life = 1;
      let restart: { previousSeq: number; reason: string } | undefined;
      const maxId = maxGoroutineId(res.snapshot);
      if (instance) {
        if (prev) {
          const v = detectRestart(
            { maxGoroutineId: prev.maxGoroutineId ?? null, total: prev.total, capturedAt: prev.capturedAt, ...(prev.startTime !== undefined ? { startTime: prev.startTime } : {}) },
            { maxGoroutineId: maxId, total: res.snapshot.total, capturedAt, ...(instance.startTime !== undefined ? { startTime: instance.startTime } : {}) },
          );
          // Ids that fell only a little (a small process restarting) leave the marks unsure: the dumps
          // themselves tell (the previous one is loaded only then, and only when both carry ids).
          const verdict = !v.restarted && prev.format === 'debug2' && res.snapshot.format === 'debug2' ? await this.fromDumps(service, prev.seq, res.snapshot) : v;
          life = (prev.life ?? 1) + (verdict.restarted ? 1 : 0);
          if (verdict.restarted) restart = { previousSeq: prev.seq, reason: verdict.reason };
        }
      }
      const meta = await this.snapshots.save(service, {
        ...(instance
          ? {
              instance: {
                id: instance.id,
                name: instance.name,
                labels: instance.labels,
                life,
                maxGoroutineId: maxId,
                ...(restart ? { restart } : {}),
                ...(instance.startTime !== undefined ? { startTime: instance.startTime } : {}),
              },
            }
          : {}),
        snapshot: res.snapshot,
        raw: res.raw,
        bytes: res.bytes,
        durationMs: res.durationMs,
        capturedAt,
        ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}),
        ...(opts.reason ? { reason: opts.reason } : {}),
      });
      await this.gate.clearFailure(key);
      this.metrics?.captures.inc({ service, outcome: 'ok' });
      this.metrics?.captureDuration.observe({ service }, (Date.now() - started) / 1000);
      log.info({ seq: meta.seq, total: meta.total, format: meta.format, bytes: meta.bytes, ms: res.durationMs, life, restarted: !!restart }, 'captured goroutine profile');
      const on = instance && svc.url === undefined ? ` of ${instance.name}` : '';
      if (!opts.quiet) {
        await this.timeline
          .append({
            at: meta.capturedAt,
            service,
            type: 'snapshot',
            actor: opts.requestedBy ?? 'leakbot',
            text: `Snapshot #${meta.seq}${on}: ${meta.total} goroutines (${meta.format}${meta.leakProfile ? ', leak profile' : ''})${restart ? `; the process restarted since #${restart.previousSeq} (${restart.reason})` : ''}`,
            ...(opts.thread ? { thread: opts.thread } : {}),
            data: { seq: meta.seq, total: meta.total, groups: meta.groups, format: meta.format, ...(instance ? { instance: instance.id, life } : {}), ...(on ? { instanceName: instance!.name } : {}), ...(restart ? { restart } : {}) },
          }, { once: `snapshot:${meta.seq}` })
          .catch((err: Error) => log.warn({ err: err.message }, 'timeline append failed'));
      }
      return { ok: true, meta, shared: false, ageMs: 0, snapshot: res.snapshot, ...inst };
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err;
      this.metrics?.captures.inc({ service, outcome: 'failed' });
      this.metrics?.captureFailures.inc({ service, code: err.code });
      log.warn({ code: err.code, err: err.message }, 'capture failed');
      await this.gate.recordFailure(key, { at: Date.now(), code: err.code, message: err.userMessage, brief: err.brief }, svc.minIntervalSeconds * 1000);
      await this.timeline
        .append({ at: Date.now(), service, type: 'error', actor: opts.requestedBy ?? 'leakbot', text: `Capture failed: ${err.userMessage}`, ...(opts.thread ? { thread: opts.thread } : {}), data: { code: err.code, brief: err.brief, ...(instance ? { instance: instance.id } : {}) } })
        .catch(() => {});
      return { ok: false, code: err.code, message: err.userMessage, brief: err.brief, shared: false, ...inst };
    }
  }
}

/** Said after a failure answered from an earlier capture (within minIntervalSeconds of it): how long
 *  ago it was and when leakbot asks the service again. `agoSeconds`, `intervalSeconds`: seconds. */
export function reusedFailureNote(service: string, agoSeconds: number, intervalSeconds: number): string {
  return `(This is the answer of a capture ${durationText(agoSeconds)} ago: leakbot asks ${service} again once ${durationText(intervalSeconds)} have passed since it failed, so that a struggling service is not asked over and over.)`;
}
