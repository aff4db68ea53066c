import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

// Storm brakes shared by every worker through Redis (a per-process limit would multiply with the
// number of workers): a counting semaphore for alert-triggered captures, and a per-channel pacer so
// a storm never posts faster than Slack's ~1 message per second per channel.

// KEYS[1] zset of holders (score = acquired at); ARGV: limit, lease ms, holder id. Expired leases (a
// worker that died holding one) are dropped first. Uses the server clock so workers' clocks may differ.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('zcard', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('zadd', KEYS[1], now, ARGV[3])
  redis.call('pexpire', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0`;

export class RedisSemaphore {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly limit: () => number,
    /** A holder that has not released after this long is presumed dead. */
    private readonly leaseMs = 120_000,
  ) {}

  /** Runs fn while holding one of `limit` slots; waits (polling) for a slot, at most waitMs. */
  async run<T>(fn: () => Promise<T>, opts: { waitMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    const id = randomBytes(8).toString('hex');
    const deadline = Date.now() + (opts.waitMs ?? 10 * 60_000);
    let delay = 50;
    while ((await this.redis.eval(ACQUIRE, 1, this.key, String(this.limit()), String(this.leaseMs), id)) !== 1) {
      if (opts.signal?.aborted) throw new Error('shutting down while waiting for a capture slot');
      if (Date.now() > deadline) throw new Error('timed out waiting for a capture slot');
      await sleep(delay);
      delay = Math.min(delay * 2, 500);
    }
    try {
      return await fn();
    } finally {
      await this.redis.zrem(this.key, id).catch(() => undefined);
    }
  }

  async inUse(): Promise<number> {
    return this.redis.zcard(this.key);
  }
}

// Token bucket per channel. KEYS[1] hash {tokens, at}; ARGV: capacity, refill per ms.
// Takes a token if there is one (returns 0), else returns the ms until one is due, having reserved it
// (tokens may go negative), so concurrent callers line up instead of all waking at once.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local s = redis.call('hmget', KEYS[1], 'tokens', 'at')
local tokens = tonumber(s[1]) or cap
local at = tonumber(s[2]) or now
tokens = math.min(cap, tokens + (now - at) * rate)
tokens = tokens - 1
redis.call('hset', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('pexpire', KEYS[1], math.ceil((cap - tokens) / rate) + 1000)
if tokens >= 0 then return 0 end
return math.ceil(-tokens / rate)`;

export class ChannelPacer {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Messages per second, sustained. */
    private readonly perSecond = 1,
    /** Short bursts Slack tolerates (a parent and its first reply go out together). */
    private readonly burst = 3,
  ) {}

  /** Waits until this channel may take one more message. */
  async wait(channel: string, signal?: AbortSignal): Promise<number> {
    const ms = Number(await this.redis.eval(TAKE, 1, `${this.prefix}:pace:${channel}`, String(this.burst), String(this.perSecond / 1000)));
    if (ms > 0) await sleep(ms, undefined, signal ? { signal } : undefined);
    return ms;
  }
}
