// The DNS server helper moves to another port when its own was taken between freePort() and dnsmasq's
// bind, on TCP (what freePort() checked) or on UDP (which dnsmasq binds too and freePort() never checked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { startDnsmasq } from './dnsmasq.js';

const hosts = { 'svc.fleet.test': ['127.0.0.5'] };

/** startDnsmasq with its first port `port`: one port alone fails, three move on and answer. */
async function movesFrom(port: number): Promise<void> {
  await assert.rejects(startDnsmasq({ hosts, port, tries: 1 }), /dnsmasq exited with .* before an answer/);
  const dns = await startDnsmasq({ hosts, port });
  try {
    assert.notEqual(dns.port, port);
    assert.equal(dns.server, `127.0.0.1:${dns.port}`);
    const r = new Resolver({ timeout: 1000, tries: 2 });
    r.setServers([dns.server]);
    assert.deepEqual(await r.resolve4('svc.fleet.test'), ['127.0.0.5']);
  } finally {
    await dns.close();
  }
}

test('moves to another port when its TCP port is taken before it binds', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  try {
    await movesFrom((taken.address() as { port: number }).port);
  } finally {
    taken.close();
  }
});

test('moves to another port when its UDP port is taken before it binds', async () => {
  const taken = createSocket('udp4');
  taken.bind(0, '127.0.0.1');
  await once(taken, 'listening');
  try {
    await movesFrom(taken.address().port);
  } finally {
    taken.close();
  }
});
