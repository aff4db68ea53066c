// leakbot's Redis clients follow a Sentinel failover even when the sentinel they ask first answers
// slowly (a busy machine): real primary, replica and three sentinels. ioredis' failoverDetector ended
// a client for good when its +switch-master arrived while the client was still asking a sentinel
// during its reconnects ("Connection is closed.", status 'end', no retry) — src/store/redis.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/log.js';
import { createRedis, type Redis } from '../../src/store/redis.js';
import { startSentinelSet, type SentinelSet } from '../support/redis-ha.js';

/** A TCP proxy that holds every chunk from the client for `delayMs` before passing it on. */
async function slowProxy(port: number, delayMs: number): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (d) => setTimeout(() => upstream.write(d), delayMs).unref());
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('Redis Sentinel: clients survive a failover', { timeout: 180_000 }, () => {
  let ha: SentinelSet;
  let proxy: { port: number; close(): void };
  const clients: Redis[] = [];
  before(async () => {
    ha = await startSentinelSet();
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    proxy?.close();
    await ha?.close();
  });

  it('both connection kinds reach the promoted replica after the primary is SIGKILLed', async () => {
    // The first sentinel of the URL answers through a proxy that adds 1.5 s: every reconnect
    // spends that long resolving, the window the +switch-master message used to land in.
    const m = /^redis\+sentinel:\/\/127\.0\.0\.1:(\d+),(.*)$/.exec(ha.url);
    assert.ok(m, ha.url);
    proxy = await slowProxy(Number(m[1]), 1_500);
    const url = `redis+sentinel://127.0.0.1:${proxy.port},${m[2]}`;
    const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const ended: string[] = [];
    for (const role of ['command', 'worker', 'command', 'worker'] as const) {
      const c = createRedis(url, role, log);
      c.on('end', () => ended.push(role));
      clients.push(c);
    }
    await Promise.all(clients.map((c) => (c.status === 'ready' ? null : new Promise((r) => c.once('ready', r)))));
    const old = await ha.killPrimary();
    await ha.failedOver(old);
    for (const [i, c] of clients.entries()) {
      // Ready again, on the promoted replica (the old primary is dead): waits on the client's own
      // events, and 'end' means it gave up reconnecting.
      await new Promise<void>((resolve, reject) => {
        const check = async (): Promise<void> => {
          if (c.status === 'end') return reject(new Error(`client ${i} ended for good during the failover`));
          if (c.status === 'ready') {
            const ok = await c.set(`failover-check-${i}`, '1').then(() => c.info('replication')).then((info) => /role:master/.test(info)).catch(() => false);
            if (ok) return resolve();
          }
          c.once('ready', () => void check());
          c.once('end', () => void check());
        };
        void check();
      });
    }
    assert.deepEqual(ended, [], 'no client gave up');
  });
});
