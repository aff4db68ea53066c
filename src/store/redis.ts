// Redis connections. Two flavours:
// - 'command': used on the request path and for the store. Fails fast (no offline queue, short
//   command timeout) so a Redis outage turns into a clear reply within Slack's 3 s, never a hang.
// - 'worker': what BullMQ workers need (retry forever; maxRetriesPerRequest null).
// Both reconnect forever with a capped backoff, so everything recovers when Redis comes back.
//
// REDIS_URL may name a single server, a Sentinel set or a Cluster (see parseRedisUrl):
//   redis://[:password@]host:6379[/db]                 rediss:// for TLS
//   redis+sentinel://[:password@]host:26379,host:26380/mymaster[?sentinelPassword=…&db=N]
//   redis+cluster://[:password@]host:7000,host:7001
// With Sentinel, ioredis asks the sentinels for the current primary on every (re)connect; a failover
// closes the connections to the old primary (it died, or Sentinel's CLIENT KILL when it is demoted),
// and a write that still reaches a demoted primary (READONLY) reconnects. No failoverDetector: when
// its +switch-master arrives while the client is already reconnecting (the primary died, the
// sentinels still name it), it ends the client for good — "Connection is closed." and no retry
// (ioredis' connect() rejects and sets status 'end'; redis/ioredis#1683 reports the same). With Cluster every key leakbot and BullMQ use carries the hash tag
// `{<prefix>}` (see keyPrefix), so each multi-key Lua script and MULTI runs on one slot.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';
import { parseRedisUrl } from './redis-url.js';

export { keyPrefix, parseRedisUrl, type RedisTarget } from './redis-url.js';

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
  const target = parseRedisUrl(url);
  let r: Redis;
  if (target.mode === 'single') r = new Redis(url, opts);
  else if (target.mode === 'sentinel') {
    const { mode: _m, tls, ...s } = target;
    r = new Redis({
      ...opts,
      ...s,
      sentinelRetryStrategy: (times) => Math.min(100 * times, 2000),
      reconnectOnError: (err) => (/^READONLY/.test(err.message) ? 2 : false),
      ...(tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    });
  } else {
    const { enableOfflineQueue, retryStrategy: _r, ...redisOptions } = opts;
    // A Cluster speaks the same commands as Redis for everything leakbot and BullMQ use.
    r = new Cluster(target.nodes, {
      enableOfflineQueue: enableOfflineQueue ?? true,
      clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
      redisOptions: { ...redisOptions, ...(target.password ? { password: target.password } : {}), ...(target.username ? { username: target.username } : {}), ...(target.tls ? { tls: {} } : {}) },
    }) as unknown as Redis;
  }
  let down = false;
  r.on('error', (err: Error) => {
    if (!down) log.warn({ connection: role, err: err.message }, 'redis connection error');
    down = true;
  });
  r.on('ready', () => {
    if (down) log.info({ connection: role }, 'redis connection restored');
    down = false;
  });
  return r;
}

/** True when the error means "Redis unreachable" rather than a bug in our command. */
export function isRedisUnavailable(err: unknown): boolean {
  const m = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  return /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection is closed|enableOfflineQueue|Command timed out|MaxRetriesPerRequest|Stream isn't writeable|connect ETIMEDOUT|closed|Reached the max retries/i.test(m);
}

/**
 * Sentinel deployments: true once a replica holds every write this connection made so far (Redis
 * `WAIT 1 timeoutMs`, https://redis.io/commands/wait/), or when no replica is attached (nothing to
 * wait for, e.g. the one left after a failover). False when a replica is attached but did not confirm
 * within timeoutMs: an asynchronous failover now could lose those writes. Never throws (an error
 * counts as not confirmed).
 */
export async function replicaAcked(conn: Redis, timeoutMs: number): Promise<boolean> {
  // Asked first: with no replica WAIT would block for the whole timeout on every write.
  const info = String(await conn.info('replication').catch(() => ''));
  if (/connected_slaves:0\b/.test(info)) return true;
  const acks = await conn.call('WAIT', '1', String(timeoutMs)).catch(() => 0);
  return Number(acks) >= 1;
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
