// One capture in flight per service across all workers, plus a memory of the last failure so
// requests waiting on a failed capture share its answer instead of hammering a dead service.
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';

// Take the lock when free, or when this owner already holds it: a job retried after its worker
// died carries the same owner (its job id) and must not wait for its own stale lock.
const ACQUIRE = `local cur = redis.call('get', KEYS[1])
if cur == false or cur == ARGV[1] then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** A failed capture, remembered for the requests that wait on it. `at`: ms since epoch; `code`,
 *  `message`, `brief`: as in CaptureOutcome (`brief` is missing from records an older version
 *  stored: captureBrief in src/capture/errors.ts words those). */
export interface CaptureFailureRecord {
  at: number;
  code: string;
  message: string;
  brief?: string;
}

export class CaptureGate {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'leakbot',
  ) {}

  private lockKey(service: string): string {
    return `${this.prefix}:capture-lock:${service}`;
  }

  /** True when this owner now holds the service's capture lock (expires after ttlMs). */
  async tryLock(service: string, owner: string, ttlMs: number): Promise<boolean> {
    return Number(await this.redis.eval(ACQUIRE, 1, this.lockKey(service), owner, String(Math.max(1000, Math.round(ttlMs))))) === 1;
  }

  async release(service: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.lockKey(service), owner);
  }

  /** Polls until nobody holds the lock (or timeoutMs passes). */
  async waitUnlocked(service: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (signal?.aborted) return false;
      if ((await this.redis.exists(this.lockKey(service))) === 0) return true;
      await sleep(150);
    }
    return false;
  }

  async recordFailure(service: string, f: CaptureFailureRecord, ttlMs: number): Promise<void> {
    await this.redis.set(`${this.prefix}:capture-fail:${service}`, JSON.stringify(f), 'PX', Math.max(1000, Math.round(ttlMs)));
  }

  async clearFailure(service: string): Promise<void> {
    await this.redis.del(`${this.prefix}:capture-fail:${service}`);
  }

  async recentFailure(service: string): Promise<CaptureFailureRecord | null> {
    const v = await this.redis.get(`${this.prefix}:capture-fail:${service}`);
    return v ? (JSON.parse(v) as CaptureFailureRecord) : null;
  }
}
