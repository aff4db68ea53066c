// A real redis-server per test file, on a free loopback port, so tests can stop and restart it
// (outage tests) without disturbing each other.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Redis } from 'ioredis';
import { DaemonExitedError, spawnDaemon, type Daemon } from './daemon.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Runs `start(port)` on a port from freePort(), and again on a new one (up to `tries` in all) when
 * the server exited before it was ready: freePort() closes its socket before the server binds, so
 * another process (a server started alongside, an outgoing connection's source port) can take the
 * port in between. Any other error is thrown at once.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, o: { tries?: number; first?: number } = {}): Promise<T> {
  const tries = o.tries ?? 3;
  for (let i = 1; ; i++) {
    try {
      return await start(i === 1 && o.first !== undefined ? o.first : await freePort());
    } catch (err) {
      if (!(err instanceof DaemonExitedError) || i >= tries) throw err;
    }
  }
}

/** True when the Redis server at `url` answers PING; rejects when it cannot be reached or does not
 *  answer within 2 s (one try: whatever holds the port may accept and stay silent). */
export async function pingRedis(url: string): Promise<boolean> {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000, commandTimeout: 2000 });
  c.on('error', () => {}); // refused while a server boots: expected by the pollers
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } finally {
    c.disconnect();
  }
}

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop), with the same data directory. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A private redis-server on a free loopback port, moving to another when its port was taken
 *  (onFreePort). `port`: try this one first and `tries`: how many ports in all (default 3), for
 *  the test that takes a port away. */
export async function startRedis(o: { port?: number; tries?: number } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-redis-'));
  let proc: Daemon | null = null;
  let port = 0;
  let url = '';

  async function start(): Promise<void> {
    const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
    const d = spawnDaemon(
      `${bin} :${port}`,
      bin,
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--daemonize', 'no', '--loglevel', 'warning'],
      { log: false },
    );
    proc = d;
    await d.started(`PONG on port ${port}`, () => pingRedis(url), { timeoutMs: 10_000, everyMs: 50 });
  }

  async function stop(): Promise<void> {
    const p = proc;
    proc = null;
    await p?.stop();
  }

  try {
    await onFreePort(
      async (p) => {
        port = p;
        url = `redis://127.0.0.1:${p}`;
        await start();
      },
      { ...(o.port !== undefined ? { first: o.port } : {}), ...(o.tries !== undefined ? { tries: o.tries } : {}) },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    port,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One private Redis and a connected client for a whole test file (before/after hooks registered
 *  here). Read `.server` and `.client` inside tests; `onReady` builds what the file's tests share. */
export function redisPerFile(onReady?: (client: Redis) => void): { readonly server: TestRedis; readonly client: Redis } {
  let server: TestRedis | undefined;
  let client: Redis | undefined;
  before(async () => {
    server = await startRedis();
    client = new Redis(server.url);
    onReady?.(client);
  });
  after(async () => {
    client?.disconnect();
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('redisPerFile: used outside a test');
      return server;
    },
    get client() {
      if (!client) throw new Error('redisPerFile: used outside a test');
      return client;
    },
  };
}
