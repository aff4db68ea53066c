// Memory of what a job already posted to Slack: idempotency key → channel + ts. A retried or
// restarted job finds its earlier message here and updates it instead of posting a second one.
//
// With Redis Sentinel, replication is asynchronous: a failover can lose the last writes. The intent
// marker is what makes a lost post findable, so it must be on a replica before the post is sent
// (markIntent waits for WAIT 1, else refuses); the stored ts is waited for too, best effort.
import type { Redis } from 'ioredis';
import { replicaAcked } from './redis.js';

export interface PostedRef {
  channel: string;
  ts: string;
  /** files.uploadV2 results remember the file id instead. */
  fileId?: string;
}

const TTL_SECONDS = 14 * 24 * 3600;
/** How long a write waits for a replica's confirmation (inside the command connection's 1 s timeout). */
const REPLICA_WAIT_MS = 500;

/** Thrown by markIntent when a replica is attached but did not confirm the marker in time: posting
 *  now could be doubled after a failover, so the caller does not post (the job retries). */
export class ReplicaLagError extends Error {
  override name = 'ReplicaLagError';
}

// KEYS[1] the posting lease, KEYS[2] the stored message; ARGV: token, ms. 1: the lease is ours.
const KEEP_POSTING = `
if redis.call('exists', KEYS[2]) == 1 then return 0 end
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if holder then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Thrown by keepPosting: another attempt may hold the key now; the poster takes its turn again. */
export class PostingLeaseLostError extends Error {
  override name = 'PostingLeaseLostError';
}

export class PostMemory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'leakbot',
    /** Sentinel set-up: wait for a replica to hold the marker / the ts (see the header). */
    private readonly replicated = false,
  ) {}

  private k(key: string): string {
    return `${this.prefix}:post:${key}`;
  }

  async get(key: string): Promise<PostedRef | null> {
    const v = await this.redis.get(this.k(key));
    return v ? (JSON.parse(v) as PostedRef) : null;
  }

  async set(key: string, ref: PostedRef): Promise<void> {
    await this.redis.set(this.k(key), JSON.stringify(ref), 'EX', TTL_SECONDS);
    // Best effort: if it is lost anyway, the replicated intent marker makes the message findable.
    if (this.replicated) await replicaAcked(this.redis, REPLICA_WAIT_MS);
  }

  /** Marks a key as "post in flight" so a crash between Slack's answer and set() is detectable.
   *  True when this call set the marker, false when an earlier attempt had. Throws ReplicaLagError
   *  (marker removed again) when a Sentinel replica does not confirm it within 500 ms. */
  async markIntent(key: string): Promise<boolean> {
    const fresh = (await this.redis.set(this.k(`${key}:intent`), String(Date.now()), 'EX', TTL_SECONDS, 'NX')) === 'OK';
    if (fresh && this.replicated && !(await replicaAcked(this.redis, REPLICA_WAIT_MS))) {
      await this.clearIntent(key).catch(() => {});
      throw new ReplicaLagError(`the Redis replica did not confirm the post marker of ${key} within ${REPLICA_WAIT_MS} ms; not posting until it does`);
    }
    return fresh;
  }

  /** Remembers the file id an upload under `key` got from files.getUploadURLExternal, before it is
   *  shared (files.completeUploadExternal), so a retry can ask Slack whether it was. Throws
   *  ReplicaLagError like markIntent. */
  async markUpload(key: string, fileId: string): Promise<void> {
    await this.redis.set(this.k(`${key}:file`), fileId, 'EX', TTL_SECONDS);
    if (this.replicated && !(await replicaAcked(this.redis, REPLICA_WAIT_MS))) {
      throw new ReplicaLagError(`the Redis replica did not confirm the upload marker of ${key} within ${REPLICA_WAIT_MS} ms; not sharing until it does`);
    }
  }

  /** Marks the share of the upload under `key` (files.completeUploadExternal) as about to be sent,
   *  with the time (ms), so a retry that does not see it shared yet knows Slack may still be
   *  sharing it. Throws ReplicaLagError like markIntent. */
  async markShare(key: string): Promise<void> {
    await this.redis.set(this.k(`${key}:share`), String(Date.now()), 'EX', TTL_SECONDS);
    if (this.replicated && !(await replicaAcked(this.redis, REPLICA_WAIT_MS))) {
      await this.clearShare(key).catch(() => {});
      throw new ReplicaLagError(`the Redis replica did not confirm the share marker of ${key} within ${REPLICA_WAIT_MS} ms; not sharing until it does`);
    }
  }

  /** When an attempt last sent (or was about to send) the share of `key` (ms since epoch), or null. */
  async shareSince(key: string): Promise<number | null> {
    const v = await this.redis.get(this.k(`${key}:share`));
    return v && Number.isFinite(Number(v)) ? Number(v) : null;
  }

  /** Forgets the share marker: Slack certainly did not share the file. */
  async clearShare(key: string): Promise<void> {
    await this.redis.del(this.k(`${key}:share`));
  }

  /** The file id an earlier upload attempt under `key` got, or null. */
  async uploadMark(key: string): Promise<string | null> {
    return this.redis.get(this.k(`${key}:file`));
  }

  /** Takes the posting lease of `key` for `ms` (token: whose it is); false while another holds it. */
  async startPosting(key: string, token: string, ms: number): Promise<boolean> {
    return (await this.redis.set(this.k(`${key}:posting`), token, 'PX', ms, 'NX')) === 'OK';
  }

  /** Extends the posting lease of `key` by `ms` if it is still `token`'s, or takes it again if it
   *  lapsed and nobody took it (a slow lookup with no other attempt about must not loop for ever).
   *  Throws PostingLeaseLostError when another attempt holds it or has stored the key's message
   *  meanwhile: this one must not act on Slack now. One script, so nobody slips in between. */
  async keepPosting(key: string, token: string, ms: number): Promise<void> {
    const kept = await this.redis.eval(KEEP_POSTING, 2, this.k(`${key}:posting`), this.k(key), token, String(ms));
    if (Number(kept) !== 1) throw new PostingLeaseLostError(`another attempt took over posting ${key} while this one was slow`);
  }

  /** Gives the lease back, if it is still `token`'s. */
  async endPosting(key: string, token: string): Promise<void> {
    await this.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, this.k(`${key}:posting`), token);
  }

  /** Marks `key` done-once (at most once across retries); false when an earlier attempt had. */
  async markOnce(key: string): Promise<boolean> {
    return (await this.redis.set(this.k(`${key}:once`), '1', 'EX', TTL_SECONDS, 'NX')) === 'OK';
  }

  /** True when `key` was marked done-once (markOnce). */
  async isOnce(key: string): Promise<boolean> {
    return (await this.redis.exists(this.k(`${key}:once`))) === 1;
  }

  /** Forgets the message posted under `key` (its ts and intent marker): it was deleted in Slack, so
   *  the next post under the key posts a new one instead of updating the gone one. */
  async forget(key: string): Promise<void> {
    await this.redis.del(this.k(key), this.k(`${key}:intent`));
  }

  /** Forgets the marker: the post certainly did not happen, so a retry may post without looking. */
  async clearIntent(key: string): Promise<void> {
    await this.redis.del(this.k(`${key}:intent`));
  }

  async hasIntent(key: string): Promise<boolean> {
    return (await this.redis.exists(this.k(`${key}:intent`))) === 1;
  }

  /** When the first attempt marked its intent (ms since epoch), or null without a marker. */
  async intentSince(key: string): Promise<number | null> {
    const v = await this.redis.get(this.k(`${key}:intent`));
    return v && Number.isFinite(Number(v)) ? Number(v) : null;
  }
}
