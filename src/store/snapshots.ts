// Snapshots in Redis, per service:
//   {p}:snap:{svc}:seq            INCR counter; a snapshot's id is its sequence number
//   {p}:snaps:{svc}               ZSET seq → seq (history, capped at history.perService)
//   {p}:snap:{svc}:{seq}:meta     JSON SnapshotMeta
//   {p}:snap:{svc}:{seq}:data     gzip'd JSON of the parsed Snapshot (what analysis needs)
//   {p}:snap:{svc}:{seq}:raw      gzip'd raw dump, expires after history.rawDumpTtlHours
//   {p}:baseline:{svc}            seq of the healthy baseline (never trimmed from history)
// and per instance (process) of a service, for snapshots that name one:
//   {p}:snaps:{svc}:i:{instance}  ZSET seq → seq: the process's series (capped at history.perService)
//   {p}:baseline:{svc}:i:{instance} seq of that process's baseline
// A series is compared only within one life of the process: `life` goes up when a capture finds the
// process restarted (src/capture/restart.ts), and previous()/baselineFor() never cross it.
import { promisify } from 'node:util';
import { constants as zlibConstants, gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import type { Redis } from 'ioredis';
import type { DumpFormat, Snapshot } from '../engine/index.js';
import { attachStoredForm, decodeSnapshotDataAsync, encodeSnapshotDataAsync, storedFormOf } from './snapshot-data.js';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

export interface SnapshotMeta {
  service: string;
  seq: number;
  capturedAt: number;
  /** When it was stored (capture finished). */
  savedAt: number;
  total: number;
  groups: number;
  format: DumpFormat;
  leakProfile: boolean;
  truncated: boolean;
  bytes: number;
  durationMs: number;
  /** Who or what asked: a Slack user id, 'alertmanager', 'watch', … */
  requestedBy?: string;
  reason?: string;
  /** The process it was captured from (src/capture/targets): its id, name and display labels. */
  instance?: string;
  instanceName?: string;
  instanceLabels?: Record<string, string>;
  /** Life of the process, from 1; a restart detected at capture starts the next one. */
  life?: number;
  /** Set on the first snapshot of a new life: the last snapshot of the previous one and why. */
  restart?: { previousSeq: number; reason: string };
  /** Identity marks for restart detection (see ProcessMarks). */
  maxGoroutineId?: number | null;
  startTime?: number;
}

/** The process a snapshot belongs to, as the capture layer found it. */
export interface SnapshotInstance {
  id: string;
  name: string;
  labels: Record<string, string>;
  life: number;
  restart?: { previousSeq: number; reason: string };
  maxGoroutineId: number | null;
  startTime?: number;
}

export interface SaveInput {
  snapshot: Snapshot;
  raw?: Buffer;
  bytes: number;
  durationMs: number;
  capturedAt: number;
  requestedBy?: string;
  reason?: string;
  instance?: SnapshotInstance;
}

export interface HistoryLimits {
  perService: number;
  rawDumpTtlHours: number;
}

export class SnapshotStore {
  constructor(
    private readonly redis: Redis,
    private readonly limits: HistoryLimits,
    private readonly prefix = 'leakbot',
  ) {}

  private k(service: string, seq?: number, part?: 'meta' | 'data' | 'raw'): string {
    return seq === undefined ? `${this.prefix}:snaps:${service}` : `${this.prefix}:snap:${service}:${seq}:${part}`;
  }

  private ki(service: string, instance: string): string {
    return `${this.prefix}:snaps:${service}:i:${instance}`;
  }

  private kb(service: string, instance?: string): string {
    return instance === undefined ? `${this.prefix}:baseline:${service}` : `${this.prefix}:baseline:${service}:i:${instance}`;
  }

  async save(service: string, input: SaveInput): Promise<SnapshotMeta> {
    const seq = await this.redis.incr(`${this.prefix}:snap:${service}:seq`);
    const meta: SnapshotMeta = {
      service,
      seq,
      capturedAt: input.capturedAt,
      savedAt: Date.now(),
      total: input.snapshot.total,
      groups: input.snapshot.groups.length,
      format: input.snapshot.format,
      leakProfile: input.snapshot.leakProfile,
      truncated: input.snapshot.truncated,
      bytes: input.bytes,
      durationMs: input.durationMs,
      ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
      ...(input.reason ? { reason: input.reason } : {}),
      ...(input.instance
        ? {
            instance: input.instance.id,
            instanceName: input.instance.name,
            instanceLabels: input.instance.labels,
            life: input.instance.life,
            ...(input.instance.restart ? { restart: input.instance.restart } : {}),
            maxGoroutineId: input.instance.maxGoroutineId,
            ...(input.instance.startTime !== undefined ? { startTime: input.instance.startTime } : {}),
          }
        : {}),
    };
    // Raw dumps are large (tens of MB) and rarely read: fastest compression keeps captures quick.
    // The decoding worker usually encoded the snapshot already (see snapshot-data.ts).
    const stored = storedFormOf(input.snapshot);
    const [data, raw] = await Promise.all([
      stored ?? encodeSnapshotDataAsync(input.snapshot),
      input.raw ? gzip(input.raw, { level: zlibConstants.Z_BEST_SPEED }) : Promise.resolve(null),
    ]);
    const m = this.redis
      .multi()
      .set(this.k(service, seq, 'meta'), JSON.stringify(meta))
      .set(this.k(service, seq, 'data'), data)
      .zadd(this.k(service), seq, String(seq));
    if (raw) m.set(this.k(service, seq, 'raw'), raw, 'EX', Math.max(1, Math.round(this.limits.rawDumpTtlHours * 3600)));
    if (input.instance) m.zadd(this.ki(service, input.instance.id), seq, String(seq));
    await m.exec();
    await this.trim(service, input.instance?.id);
    return meta;
  }

  /** Keeps the newest perService snapshots of the process (or, for snapshots naming no instance,
   *  of the service), plus the baselines, wherever they are. */
  private async trim(service: string, instance?: string): Promise<void> {
    const series = instance === undefined ? this.k(service) : this.ki(service, instance);
    const excess = await this.redis.zrange(series, 0, String(-this.limits.perService - 1));
    if (excess.length === 0) return;
    const [baseline, own] = await this.redis.mget(this.kb(service), instance === undefined ? this.kb(service) : this.kb(service, instance));
    const keep = new Set([baseline, own].filter((v): v is string => v !== null).map(Number));
    const drop = excess.map(Number).filter((s) => !keep.has(s));
    if (drop.length === 0) return;
    const m = this.redis.multi().zrem(this.k(service), ...drop.map(String));
    if (instance !== undefined) m.zrem(series, ...drop.map(String));
    for (const s of drop) m.del(this.k(service, s, 'meta'), this.k(service, s, 'data'), this.k(service, s, 'raw'));
    await m.exec();
  }

  async get(service: string, seq: number): Promise<SnapshotMeta | null> {
    const raw = await this.redis.get(this.k(service, seq, 'meta'));
    return raw ? (JSON.parse(raw) as SnapshotMeta) : null;
  }

  async load(service: string, seq: number): Promise<Snapshot | null> {
    const buf = await this.redis.getBuffer(this.k(service, seq, 'data'));
    if (!buf) return null;
    const s = await decodeSnapshotDataAsync(buf);
    attachStoredForm(s, buf); // so the analysis pool sends these bytes, not the object
    return s;
  }

  async loadRaw(service: string, seq: number): Promise<Buffer | null> {
    const buf = await this.redis.getBuffer(this.k(service, seq, 'raw'));
    return buf ? gunzip(buf) : null;
  }

  /** Newest first. */
  async list(service: string, limit = 10): Promise<SnapshotMeta[]> {
    const seqs = await this.redis.zrevrange(this.k(service), 0, limit - 1);
    if (seqs.length === 0) return [];
    const raws = await this.redis.mget(seqs.map((s) => this.k(service, Number(s), 'meta')));
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as SnapshotMeta);
  }

  async latest(service: string): Promise<SnapshotMeta | null> {
    return (await this.list(service, 1))[0] ?? null;
  }

  /** The snapshot taken just before `seq` of the same process in the same life (a snapshot naming
   *  no instance: of the service), if any. */
  async previous(service: string, seq: number): Promise<SnapshotMeta | null> {
    const cur = await this.get(service, seq);
    if (cur?.instance !== undefined) return (await this.seriesBefore(cur, 1))[0] ?? null;
    const seqs = await this.redis.zrevrangebyscore(this.k(service), `(${seq}`, '-inf', 'LIMIT', 0, 1);
    return seqs[0] ? this.get(service, Number(seqs[0])) : null;
  }

  /** Earlier snapshots of the same process and life as `cur`, newest first (at most `limit`). For a
   *  snapshot naming no instance: earlier snapshots of the service. */
  async seriesBefore(cur: SnapshotMeta, limit = 10): Promise<SnapshotMeta[]> {
    const key = cur.instance === undefined ? this.k(cur.service) : this.ki(cur.service, cur.instance);
    const seqs = await this.redis.zrevrangebyscore(key, `(${cur.seq}`, '-inf', 'LIMIT', 0, limit);
    if (seqs.length === 0) return [];
    const raws = await this.redis.mget(seqs.map((s) => this.k(cur.service, Number(s), 'meta')));
    const out: SnapshotMeta[] = [];
    for (const r of raws) {
      if (r === null) continue;
      const m = JSON.parse(r) as SnapshotMeta;
      if (cur.instance !== undefined && (m.life ?? 1) !== (cur.life ?? 1)) break;
      out.push(m);
    }
    return out;
  }

  /** The newest snapshot of one process of the service. */
  async latestOf(service: string, instance: string): Promise<SnapshotMeta | null> {
    const seqs = await this.redis.zrevrange(this.ki(service, instance), 0, 0);
    return seqs[0] ? this.get(service, Number(seqs[0])) : null;
  }

  async count(service: string): Promise<number> {
    return this.redis.zcard(this.k(service));
  }

  /** Marks `seq` as the service's baseline, and as its process's baseline when it names one. */
  async setBaseline(service: string, seq: number): Promise<void> {
    const meta = await this.get(service, seq);
    const m = this.redis.multi().set(this.kb(service), String(seq));
    if (meta?.instance !== undefined) m.set(this.kb(service, meta.instance), String(seq));
    await m.exec();
  }

  async baselineSeq(service: string): Promise<number | null> {
    const v = await this.redis.get(this.kb(service));
    return v === null ? null : Number(v);
  }

  /** The baseline to compare `cur` with: its process's own, taken earlier in the same life; for a
   *  snapshot naming no instance, the service's. `fromOtherLife` is set when the process has a
   *  baseline but it predates a restart (so it is not used); `notBefore` when the baseline is `cur`
   *  itself or was taken after it (nothing to compare with it yet). */
  async baselineFor(cur: SnapshotMeta): Promise<{ meta: SnapshotMeta | null; fromOtherLife: SnapshotMeta | null; notBefore?: SnapshotMeta }> {
    if (cur.instance === undefined) {
      const b = await this.baseline(cur.service);
      return b && b.seq >= cur.seq ? { meta: null, fromOtherLife: null, notBefore: b } : { meta: b, fromOtherLife: null };
    }
    const [own, shared] = await this.redis.mget(this.kb(cur.service, cur.instance), this.kb(cur.service));
    let b = own === null ? null : await this.get(cur.service, Number(own));
    if (!b && shared !== null) {
      // A baseline stored before snapshots named their process (no instance): a single-url
      // service keeps it across the upgrade.
      const legacy = await this.get(cur.service, Number(shared));
      if (legacy && legacy.instance === undefined) return legacy.seq < cur.seq ? { meta: legacy, fromOtherLife: null } : { meta: null, fromOtherLife: null, notBefore: legacy };
    }
    if (b && b.seq >= cur.seq) return { meta: null, fromOtherLife: null, notBefore: b };
    if (!b) return { meta: null, fromOtherLife: null };
    return (b.life ?? 1) === (cur.life ?? 1) ? { meta: b, fromOtherLife: null } : { meta: null, fromOtherLife: b };
  }

  async baseline(service: string): Promise<SnapshotMeta | null> {
    const seq = await this.baselineSeq(service);
    return seq === null ? null : this.get(service, seq);
  }
}
