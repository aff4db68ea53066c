// pino redaction: tokens, signing secrets, Authorization headers and pprof credentials from the
// config never reach a log line, whatever object they are nested in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, scrubSecrets } from '../../src/log.js';

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
