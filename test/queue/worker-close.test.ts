// A worker closed while Redis is unreachable lets go of everything: its process exits by itself.
// (BullMQ's close() never finishes then — ioredis' disconnect() of a client waiting to reconnect
// never emits 'end' — and its lock-renewal timer kept such a process alive for good.)
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startRedis, type TestRedis } from '../support/redis.js';

const child = fileURLToPath(new URL('../fixtures/worker-close-child.ts', import.meta.url));

function message(p: ChildProcess, want: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (m !== want) return;
      p.off('exit', onExit);
      p.off('message', onMessage);
      resolve();
    };
    const onExit = (code: number | null) => reject(new Error(`the worker process exited (${code}) before '${want}'`));
    p.on('message', onMessage);
    p.once('exit', onExit);
  });
}

describe('worker close during a Redis outage', () => {
  let redis: TestRedis;
  let p: ChildProcess | undefined;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await redis?.close();
  });

  it('the worker process exits by itself once close() returned', { timeout: 90_000 }, async () => {
    p = spawn(process.execPath, ['--import', 'tsx', child], { env: { ...process.env, REDIS_URL: redis.url }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = once(p, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await message(p, 'ready');
    const down = message(p, 'redis-down');
    await redis.stop();
    await down;
    p.send('close');
    await message(p, 'closed');
    // Without the fix this never comes and the test times out.
    const [code, signal] = await exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
  });
});
