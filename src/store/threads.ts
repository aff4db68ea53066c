// What leakbot knows about each thread it started: the service, the snapshots it compared, who
// asked, and the state its parent shows. Buttons and the postmortem draft look threads up by
// channel + ts; /leak verbs find a service's open thread in a channel (one thread per service per
// incident) through findOpen().
import type { Redis } from 'ioredis';

/** What a thread's parent shows: the latest outcome in the thread (one line, from the same summary
 *  function as the findings; see src/slack/messages.ts threadStatus). */
export interface ThreadState {
  /** 'findings' after an analysis, 'failed' after a capture that failed. */
  outcome: 'findings' | 'failed';
  /** Summary line (e.g. verdictLine of the analysis, or "capture failed"). */
  summary: string;
  /** Snapshot seq and goroutine total of the latest analysis. */
  seq?: number;
  total?: number;
  /** When snapshot `seq` was captured (ms since epoch): the time the parent shows beside it. */
  capturedAt?: number;
  /** The pod of a fleet whose verdict this is (a thread of a fleet holds several pods' analyses:
   *  the parent names the one it shows). Unset for a one-process service. */
  instanceName?: string;
  /** When this state was recorded (ms since epoch). */
  at: number;
  /** On a failure: the last findings state, still shown by the parent. */
  last?: ThreadState;
}

export interface ThreadRecord {
  channel: string;
  ts: string;
  service: string;
  kind: 'snapshot' | 'diff' | 'alert' | 'watch' | string;
  /** ms since epoch. */
  createdAt: number;
  /** Last time leakbot posted in the thread (ms since epoch); createdAt when never. */
  lastActivityAt?: number;
  /** Alert threads: true while the alert fires (open whatever the activity window says). */
  open?: boolean;
  /** Snapshot seqs of the last analysis posted in the thread. */
  refSeq?: number | null;
  curSeq?: number | null;
  requestedBy?: string[];
  /** Latest outcome, shown by the parent. */
  state?: ThreadState;
  /** Findings messages posted in this thread (one updated in place, as the automatic recapture
   *  does, counts once); shown as 'N analyses in this thread'. */
  analyses?: number;
  /** "ref→cur" pairs whose findings are already in the thread (diff does not post them again). */
  pairs?: string[];
  data?: Record<string, unknown>;
  /** Its messages were deleted in Slack (a post into it answered thread_not_found): never open. */
  gone?: boolean;
}

const TTL_SECONDS = 30 * 24 * 3600;
/** How many recent threads of a service findOpen() looks through. */
const SCAN = 25;

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

  /** Read-modify-write of one record (patch may be a function of the current record). Concurrent
   *  writers of the same thread are rare (one job per thread at a time); the last one wins. */
  async update(channel: string, ts: string, patch: Partial<ThreadRecord> | ((cur: ThreadRecord) => Partial<ThreadRecord>)): Promise<ThreadRecord | null> {
    const cur = await this.get(channel, ts);
    if (!cur) return null;
    const next = { ...cur, ...(typeof patch === 'function' ? patch(cur) : patch) };
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

  /**
   * The service's open thread in `channel`, newest first: an alert thread whose alert still fires,
   * or any thread with leakbot activity within `windowMs` of `now` (ms). Null when none.
   * A thread started with `--new` is the newest, so it wins from then on.
   */
  async findOpen(service: string, channel: string, now: number, windowMs: number): Promise<ThreadRecord | null> {
    for (const r of await this.recent(service, SCAN)) {
      if (r.channel !== channel) continue;
      if (isOpen(r, now, windowMs)) return r;
    }
    return null;
  }
}

/** Open = an alert still firing, or activity within the window; never a thread that is gone. */
export function isOpen(r: ThreadRecord, now: number, windowMs: number): boolean {
  if (r.gone) return false;
  if (r.open === true) return true;
  return now - (r.lastActivityAt ?? r.createdAt) <= windowMs;
}

/** The key of a compared pair, as stored in ThreadRecord.pairs. */
export function pairKey(refSeq: number | null | undefined, curSeq: number): string {
  return `${refSeq ?? '-'}→${curSeq}`;
}
