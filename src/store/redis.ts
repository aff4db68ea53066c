// Redis connections. Two flavours:
// - 'command': used on the request path and for the store. Fails fast (no offline queue, short
//   command timeout) so a Redis outage turns into a clear reply within Slack's 3 s, never a hang.
// - 'worker': what BullMQ workers need (retry forever; maxRetriesPerRequest null).
// Both reconnect forever with a capped backoff, so everything recovers when Redis comes back.
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';

export type { Redis };

export function createRedis(url: string, role: 'command' | 'worker', log: Logger): Redis {
  const common: RedisOptions = {
    retryStrategy: (times) => Math.min(100 * times, 2000),
    connectionName: `leakbot-${role}`,
    lazyConnect: false,
  };
  const opts: RedisOptions =
    role === 'command'
      ? { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000, connectTimeout: 2000 }
      : { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null, connectTimeout: 5000 };
  const r = new Redis(url, opts);
  let down = false;
  r.on('error', (err: Error) => {
    if (!down) log.warn({ role, err: err.message }, 'redis connection error');
    down = true;
  });
  r.on('ready', () => {
    if (down) log.info({ role }, 'redis connection restored');
    down = false;
  });
  return r;
}

/** True when the error means "Redis unreachable" rather than a bug in our command. */
export function isRedisUnavailable(err: unknown): boolean {
  const m = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  return /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection is closed|enableOfflineQueue|Command timed out|MaxRetriesPerRequest|Stream isn't writeable|connect ETIMEDOUT|closed|Reached the max retries/i.test(m);
}

/** Resolves when the connection is ready (or rejects after timeoutMs). */
export function waitReady(r: Redis, timeoutMs: number): Promise<void> {
  if (r.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      r.off('ready', onReady);
      reject(new Error(`redis not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(t);
      resolve();
    };
    r.once('ready', onReady);
  });
}
