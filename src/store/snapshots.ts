// Snapshots in Redis, per service:
//   {p}:snap:{svc}:seq            INCR counter; a snapshot's id is its sequence number
//   {p}:snaps:{svc}               ZSET seq → seq (history, capped at history.perService)
//   {p}:snap:{svc}:{seq}:meta     JSON SnapshotMeta
//   {p}:snap:{svc}:{seq}:data     gzip'd JSON of the parsed Snapshot (what analysis needs)
//   {p}:snap:{svc}:{seq}:raw      gzip'd raw dump, expires after history.rawDumpTtlHours
//   {p}:baseline:{svc}            seq of the healthy baseline (never trimmed from history)
import { promisify } from 'node:util';
import { constants as zlibConstants, gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import type { Redis } from 'ioredis';
import type { DumpFormat, Snapshot } from '../engine/index.js';

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
}

export interface SaveInput {
  snapshot: Snapshot;
  raw?: Buffer;
  bytes: number;
  durationMs: number;
  capturedAt: number;
  requestedBy?: string;
  reason?: string;
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
    };
    // Raw dumps are large (tens of MB) and rarely read: fastest compression keeps captures quick.
    const [data, raw] = await Promise.all([
      gzip(Buffer.from(JSON.stringify(input.snapshot))),
      input.raw ? gzip(input.raw, { level: zlibConstants.Z_BEST_SPEED }) : Promise.resolve(null),
    ]);
    const m = this.redis
      .multi()
      .set(this.k(service, seq, 'meta'), JSON.stringify(meta))
      .set(this.k(service, seq, 'data'), data)
      .zadd(this.k(service), seq, String(seq));
    if (raw) m.set(this.k(service, seq, 'raw'), raw, 'EX', Math.max(1, Math.round(this.limits.rawDumpTtlHours * 3600)));
    await m.exec();
    await this.trim(service);
    return meta;
  }

  /** Keeps the newest perService snapshots (plus the baseline, wherever it is). */
  private async trim(service: string): Promise<void> {
    const excess = await this.redis.zrange(this.k(service), 0, String(-this.limits.perService - 1));
    if (excess.length === 0) return;
    const baseline = await this.baselineSeq(service);
    const drop = excess.map(Number).filter((s) => s !== baseline);
    if (drop.length === 0) return;
    const m = this.redis.multi().zrem(this.k(service), ...drop.map(String));
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
    return JSON.parse((await gunzip(buf)).toString('utf8')) as Snapshot;
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

  /** The snapshot taken just before `seq`, if any. */
  async previous(service: string, seq: number): Promise<SnapshotMeta | null> {
    const seqs = await this.redis.zrevrangebyscore(this.k(service), `(${seq}`, '-inf', 'LIMIT', 0, 1);
    return seqs[0] ? this.get(service, Number(seqs[0])) : null;
  }

  async count(service: string): Promise<number> {
    return this.redis.zcard(this.k(service));
  }

  async setBaseline(service: string, seq: number): Promise<void> {
    await this.redis.set(`${this.prefix}:baseline:${service}`, String(seq));
  }

  async baselineSeq(service: string): Promise<number | null> {
    const v = await this.redis.get(`${this.prefix}:baseline:${service}`);
    return v === null ? null : Number(v);
  }

  async baseline(service: string): Promise<SnapshotMeta | null> {
    const seq = await this.baselineSeq(service);
    return seq === null ? null : this.get(service, seq);
  }
}
