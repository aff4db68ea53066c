// REDIS_URL forms (no Redis client loaded here: startup checks and the doctor use it cheaply).
//   redis://[:password@]host:6379[/db]                 rediss:// for TLS
//   redis+sentinel://[:password@]host:26379,host:26380/mymaster[?sentinelPassword=…&db=N]
//   redis+cluster://[:password@]host:7000,host:7001
import type { ClusterNode } from 'ioredis';

/** What REDIS_URL names. Throws Error with a plain-words reason when it is malformed. */
export type RedisTarget =
  | { mode: 'single'; url: string }
  | { mode: 'sentinel'; sentinels: Array<{ host: string; port: number }>; name: string; password?: string; username?: string; sentinelPassword?: string; db?: number; tls: boolean }
  | { mode: 'cluster'; nodes: ClusterNode[]; password?: string; username?: string; tls: boolean };

function hosts(list: string, defaultPort: number): Array<{ host: string; port: number }> {
  return list.split(',').map((hp) => {
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(hp.trim());
    if (!m) throw new Error(`cannot read host "${hp}"`);
    return { host: m[1]!, port: m[2] ? Number(m[2]) : defaultPort };
  });
}

export function parseRedisUrl(url: string): RedisTarget {
  const m = /^(rediss?)\+(sentinel|cluster):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/.exec(url.trim());
  if (!m) {
    if (/^rediss?:\/\//.test(url)) return { mode: 'single', url };
    throw new Error('REDIS_URL must look like redis://host:6379, redis+sentinel://host:26379,host:26380/mymaster or redis+cluster://host:7000,host:7001');
  }
  const [, scheme, mode, user, pass, hostList, path, query] = m;
  const q = new URLSearchParams(query ?? '');
  const auth = { ...(user ? { username: decodeURIComponent(user) } : {}), ...(pass ? { password: decodeURIComponent(pass) } : {}) };
  const tls = scheme === 'rediss';
  if (mode === 'sentinel') {
    const name = decodeURIComponent(path ?? '');
    if (!name) throw new Error('REDIS_URL for Sentinel must end with the primary group name: redis+sentinel://host:26379,host:26380/mymaster');
    const db = q.get('db');
    return { mode, sentinels: hosts(hostList!, 26379), name, ...auth, ...(q.get('sentinelPassword') ? { sentinelPassword: q.get('sentinelPassword')! } : {}), ...(db ? { db: Number(db) } : {}), tls };
  }
  return { mode: 'cluster', nodes: hosts(hostList!, 6379), ...auth, tls };
}

/** The key prefix to use: in Cluster mode it must be a hash tag (`{leakbot}`), which BullMQ requires
 *  and which keeps every multi-key script on one slot. */
export function keyPrefix(redisUrl: string, prefix: string): string {
  if (!redisUrl.trim().startsWith('redis+cluster') && !redisUrl.trim().startsWith('rediss+cluster')) return prefix;
  return /\{[^}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
}

