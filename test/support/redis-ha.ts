// Real Redis high-availability setups on loopback for failover tests: a primary, a replica and three
// sentinels (Debian's redis-sentinel), or a 3-primary Redis Cluster (redis-server --cluster-enabled +
// redis-cli --cluster create). Every process gets a free port and a private directory, and is killed
// when the test process exits.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { spawnDaemon, type Daemon } from './daemon.js';
import { freePort, pingRedis } from './redis.js';

const run = promisify(execFile);
interface Proc extends Daemon {
  port: number;
}

function spawnRedis(bin: string, args: string[], port: number): Proc {
  return { ...spawnDaemon(`${bin} :${port}`, bin, args, { log: false }), port };
}

/** Polls until `fn` resolves truthy (each call bounded by the client's own timeouts). */
async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const ping = (port: number) => pingRedis(`redis://127.0.0.1:${port}`);

async function command(port: number, ...args: string[]): Promise<unknown> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => {});
  try {
    await c.connect();
    return await c.call(args[0]!, ...args.slice(1));
  } finally {
    c.disconnect();
  }
}

export interface SentinelSet {
  /** REDIS_URL for leakbot: redis+sentinel://…/mymaster */
  url: string;
  name: string;
  /** Port of the current primary, as the sentinels see it. */
  primaryPort(): Promise<number>;
  /** SIGKILLs the current primary; resolves with its port. */
  killPrimary(): Promise<number>;
  /** Port of the replica (the server that is not the current primary). */
  replicaPort(): Promise<number>;
  /** SIGSTOP / SIGCONT one server: a stopped replica stays attached but confirms nothing. */
  pause(port: number): void;
  resume(port: number): void;
  /** Resolves once the sentinels name a primary other than `oldPort` and it answers as master. */
  failedOver(oldPort: number, timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

export async function startSentinelSet(): Promise<SentinelSet> {
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-sentinel-'));
  const name = 'mymaster';
  const [p1, p2, s1, s2, s3] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const base = (port: number) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
  const servers = new Map<number, Proc>();
  servers.set(p1!, spawnRedis('redis-server', base(p1!), p1!));
  servers.set(p2!, spawnRedis('redis-server', [...base(p2!), '--replicaof', '127.0.0.1', String(p1)], p2!));
  await until('primary and replica up', async () => (await ping(p1!)) && (await ping(p2!)));
  await until('replica in sync', async () => /master_link_status:up/.test(String(await command(p2!, 'INFO', 'replication'))));
  const sentinels = [s1!, s2!, s3!].map((port) => {
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${p1} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    return spawnRedis(process.env.REDIS_SENTINEL_BIN ?? 'redis-sentinel', [conf], port);
  });
  await until('sentinels see the replica and each other', async () => {
    for (const s of sentinels) {
      const master = (await command(s.port, 'SENTINEL', 'MASTER', name)) as string[];
      const field = (k: string) => Number(master[master.indexOf(k) + 1]);
      if (field('num-slaves') < 1 || field('num-other-sentinels') < 2) return false;
    }
    return true;
  });
  const primaryPort = async () => Number(((await command(s1!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[])[1]);
  return {
    url: `redis+sentinel://${[s1, s2, s3].map((p) => `127.0.0.1:${p}`).join(',')}/${name}`,
    name,
    primaryPort,
    async replicaPort() {
      const primary = await primaryPort();
      return [...servers.keys()].find((p) => p !== primary)!;
    },
    pause(port) {
      servers.get(port)!.child.kill('SIGSTOP');
    },
    resume(port) {
      servers.get(port)!.child.kill('SIGCONT');
    },
    async killPrimary() {
      const port = await primaryPort();
      const p = servers.get(port)!;
      await p.kill();
      return port;
    },
    failedOver: (oldPort, timeoutMs = 60_000) =>
      until(
        'sentinel failover',
        async () => {
          const port = await primaryPort();
          if (port === oldPort) return null;
          return /role:master/.test(String(await command(port, 'INFO', 'replication'))) ? port : null;
        },
        timeoutMs,
      ),
    async close() {
      for (const p of [...sentinels, ...servers.values()]) await p.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestCluster {
  /** REDIS_URL for leakbot: redis+cluster://… */
  url: string;
  ports: number[];
  close(): Promise<void>;
}

/** Three primaries, no replicas: the smallest cluster redis-cli will create. */
export async function startCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-cluster-'));
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const procs = ports.map((port) =>
    spawnRedis(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'],
      port,
    ),
  );
  await until('cluster nodes up', async () => (await Promise.all(ports.map(ping))).every(Boolean));
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 60_000 });
  await until('cluster state ok', async () => {
    for (const p of ports) if (!/cluster_state:ok/.test(String(await command(p, 'CLUSTER', 'INFO')))) return false;
    return true;
  });
  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    ports,
    async close() {
      for (const p of procs) await p.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
