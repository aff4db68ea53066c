// What leakbot knows about each thread it started: the service, the snapshots it compared, who
// asked. Buttons and H5's postmortem draft look threads up by channel + ts.
import type { Redis } from 'ioredis';

export interface ThreadRecord {
  channel: string;
  ts: string;
  service: string;
  kind: 'snapshot' | 'diff' | 'alert' | 'watch' | string;
  createdAt: number;
  /** Snapshot seqs of the last analysis posted in the thread. */
  refSeq?: number | null;
  curSeq?: number | null;
  requestedBy?: string[];
  data?: Record<string, unknown>;
}

const TTL_SECONDS = 30 * 24 * 3600;

export class ThreadStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'leakbot',
  ) {}

  private k(channel: string, ts: string): string {
    return `${this.prefix}:thread:${channel}:${ts}`;
  }

  async put(rec: ThreadRecord): Promise<void> {
    await this.redis
      .multi()
      .set(this.k(rec.channel, rec.ts), JSON.stringify(rec), 'EX', TTL_SECONDS)
      .zadd(`${this.prefix}:threads:${rec.service}`, rec.createdAt, `${rec.channel}:${rec.ts}`)
      .zremrangebyrank(`${this.prefix}:threads:${rec.service}`, 0, -201)
      .exec();
  }

  async get(channel: string, ts: string): Promise<ThreadRecord | null> {
    const v = await this.redis.get(this.k(channel, ts));
    return v ? (JSON.parse(v) as ThreadRecord) : null;
  }

  async update(channel: string, ts: string, patch: Partial<ThreadRecord>): Promise<ThreadRecord | null> {
    const cur = await this.get(channel, ts);
    if (!cur) return null;
    const next = { ...cur, ...patch };
    await this.redis.set(this.k(channel, ts), JSON.stringify(next), 'EX', TTL_SECONDS);
    return next;
  }

  /** Most recent threads of a service, newest first. */
  async recent(service: string, limit = 10): Promise<ThreadRecord[]> {
    const ids = await this.redis.zrevrange(`${this.prefix}:threads:${service}`, 0, limit - 1);
    const out: ThreadRecord[] = [];
    for (const id of ids) {
      const i = id.lastIndexOf(':');
      const r = await this.get(id.slice(0, i), id.slice(i + 1));
      if (r) out.push(r);
    }
    return out;
  }
}
