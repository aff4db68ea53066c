// The Prometheus helper moves to another port when the one freePort() gave was taken before
// Prometheus bound it; a port the caller gave (already written into another config) is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startPrometheus } from './prometheus.js';

test('moves to another port when its port is taken before it binds', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  const targets = [{ address: '127.0.0.1:9' }];
  try {
    await assert.rejects(startPrometheus({ job: 'moved', targets, firstPort: port, tries: 1 }), /prometheus exited with .* before ready/);
    await assert.rejects(startPrometheus({ job: 'kept', targets, port }), /prometheus exited with .* before ready/, 'a port the caller gave is never swapped');
    const prom = await startPrometheus({ job: 'moved', targets, firstPort: port });
    try {
      assert.notEqual(new URL(prom.url).port, String(port));
      const res = await fetch(`${prom.url}/-/ready`);
      assert.equal(res.status, 200);
    } finally {
      await prom.close();
    }
  } finally {
    taken.close();
  }
});
