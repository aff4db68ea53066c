// pino redaction: tokens, signing secrets, Authorization headers and pprof credentials from the
// config never reach a log line, whatever object they are nested in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { HTTPReceiverDeferredRequestError } from '@slack/bolt';
import { createLogger, scrubSecrets, serializeError } from '../../src/log.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream };
}

describe('log redaction', () => {
  it('redacts secrets by path', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', destination: stream });
    log.info({ token: 'xoxb-1-secret', headers: { authorization: 'Bearer abc.def', 'x-slack-signature': 'v0=deadbeef' } }, 'request');
    log.info({ req: { headers: { authorization: 'Basic Zm9vOmJhcg==' } } }, 'nested');
    log.info({ config: { services: { 'svc-order': { url: 'http://x', headers: { Authorization: 'Bearer pprof-token' } } } } }, 'config');
    log.child({ requestId: 'r1' }).info({ env: { SLACK_BOT_TOKEN: 'xoxb-2-secret', SLACK_SIGNING_SECRET: 'sig' } }, 'env');
    const all = lines.join('');
    for (const secret of ['xoxb-1-secret', 'abc.def', 'deadbeef', 'Zm9vOmJhcg', 'pprof-token', 'xoxb-2-secret', '"sig"']) assert.ok(!all.includes(secret), `${secret} leaked: ${all}`);
    assert.match(all, /\[redacted\]/);
    assert.match(all, /"requestId":"r1"/);
  });

  it('scrubs tokens from free text (error messages)', () => {
    assert.equal(scrubSecrets('failed for xoxb-123-abc with Bearer q.w.e'), 'failed for xox?-[redacted] with Bearer [redacted]');
  });
});

describe('errors and headers in logs', () => {
  it('an error carrying the request (Bolt’s unhandled-request error) is logged without req/res or header values', async () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', destination: stream }).child({ component: 'http' });
    const secrets = { authorization: 'Bearer sk-live-4242', cookie: 'session=c00kie-secret', 'x-slack-signature': `v0=${'ab'.repeat(32)}` };
    const server = createServer((req, res) => {
      const err = new HTTPReceiverDeferredRequestError(`Unhandled HTTP request (${req.method}) made to ${req.url}`, req, res);
      log.fatal({ err }, 'uncaught exception; still serving');
      log.error({ error: err, req: { headers: req.headers } }, 'nested');
      log.warn({ a: { b: { headers: req.headers } } }, 'deep');
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      await (await fetch(`http://127.0.0.1:${port}/favicon.ico`, { headers: { ...secrets, 'x-leakbot-token': 'tok-123' } })).text();
    } finally {
      server.close();
    }
    const all = lines.join('');
    for (const s of ['sk-live-4242', 'c00kie-secret', 'abababab', 'tok-123']) assert.ok(!all.includes(s), `${s} leaked: ${all}`);
    const fatal = JSON.parse(lines[0]!) as { err: Record<string, unknown> };
    assert.match(String(fatal.err.message), /Unhandled HTTP request \(GET\) made to \/favicon\.ico/);
    assert.equal(fatal.err.req, undefined);
    assert.equal(fatal.err.res, undefined);
    assert.equal(fatal.err.type, 'HTTPReceiverDeferredRequestError');
  });

  it('serializeError keeps causes and primitive fields, scrubs tokens, drops objects', () => {
    const inner = Object.assign(new Error('auth failed for xoxb-9-zzz'), { code: 'E_AUTH', status: 401, token: 'xoxb-9-zzz', config: { headers: { Authorization: 'Bearer q' } } });
    const out = serializeError(new Error('outer', { cause: inner })) as Record<string, Record<string, unknown>>;
    assert.equal(out.cause!.code, 'E_AUTH');
    assert.equal(out.cause!.status, 401);
    assert.equal(out.cause!.token, '[redacted]');
    assert.equal(out.cause!.config, undefined);
    assert.ok(!JSON.stringify(out).includes('xoxb-9-zzz'));
  });
});
