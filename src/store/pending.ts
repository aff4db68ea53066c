// Coalescing of concurrent requests on the web side (Redis only, so it fits inside Slack's 3 s):
// the first `/leak snapshot svc` in a channel creates a job; requests arriving while that job is
// pending join it (their user and response_url are added to it) instead of starting another
// thread. The job claims the joiners atomically when it posts its answer.
import type { Redis } from 'ioredis';

// KEYS[1] pending key, KEYS[2] joiners list of the candidate job; ARGV: jobId, ttlMs, joiner JSON.
// Returns {jobId, joined}: joined=1 when an existing pending job was joined.
const JOIN_OR_CREATE = `
local cur = redis.call('get', KEYS[1])
if cur then
  redis.call('rpush', KEYS[3] .. cur, ARGV[3])
  redis.call('pexpire', KEYS[3] .. cur, ARGV[2])
  return {cur, 1}
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('rpush', KEYS[2], ARGV[3])
redis.call('pexpire', KEYS[2], ARGV[2])
return {ARGV[1], 0}`;

// KEYS[1] pending key, KEYS[2] joiners list; ARGV[1] jobId. Closes the window and returns joiners;
// idempotent (the list stays a day) so a retried job can claim again.
const CLAIM = `
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
redis.call('pexpire', KEYS[2], 86400000)
return redis.call('lrange', KEYS[2], 0, -1)`;

export interface Requester {
  user: string;
  responseUrl?: string;
  at: number;
}

type Scripted = Redis & {
  leakbotJoinOrCreate(k1: string, k2: string, k3: string, jobId: string, ttl: string, req: string): Promise<[string, number]>;
  leakbotClaim(k1: string, k2: string, jobId: string): Promise<string[]>;
};

export class PendingRequests {
  private readonly redis: Scripted;

  constructor(
    redis: Redis,
    private readonly prefix = 'leakbot',
  ) {
    // EVALSHA after the first call: the request path does not resend the script every time.
    if (!('leakbotJoinOrCreate' in redis)) {
      redis.defineCommand('leakbotJoinOrCreate', { numberOfKeys: 3, lua: JOIN_OR_CREATE });
      redis.defineCommand('leakbotClaim', { numberOfKeys: 2, lua: CLAIM });
    }
    this.redis = redis as Scripted;
  }

  private pendingKey(scope: string): string {
    return `${this.prefix}:pending:${scope}`;
  }

  private joinersPrefix(): string {
    return `${this.prefix}:joiners:`;
  }

  async joinOrCreate(scope: string, newJobId: string, req: Requester, ttlMs: number): Promise<{ jobId: string; joined: boolean }> {
    const res = await this.redis.leakbotJoinOrCreate(
      this.pendingKey(scope),
      this.joinersPrefix() + newJobId,
      this.joinersPrefix(),
      newJobId,
      String(Math.round(ttlMs)),
      JSON.stringify(req),
    );
    return { jobId: res[0], joined: Number(res[1]) === 1 };
  }

  /** Ends the joining window of a job and returns everyone who asked (first requester included). */
  async claim(scope: string, jobId: string): Promise<Requester[]> {
    const raw = await this.redis.leakbotClaim(this.pendingKey(scope), this.joinersPrefix() + jobId, jobId);
    return raw.map((r) => JSON.parse(r) as Requester);
  }

  /** Joiners so far, without closing the window (for "requested by @a, @b" updates). */
  async peek(jobId: string): Promise<Requester[]> {
    const raw = await this.redis.lrange(this.joinersPrefix() + jobId, 0, -1);
    return raw.map((r) => JSON.parse(r) as Requester);
  }

  /** Abandons a pending job (e.g. it could not be queued). */
  async cancel(scope: string, jobId: string): Promise<void> {
    await this.claim(scope, jobId);
  }
}
