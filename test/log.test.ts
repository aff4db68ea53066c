// The pino adapter handed to Bolt and the WebClient (src/log.ts slackLogger): secrets scrubbed, and
// the WebClient's per-attempt transport warnings kept out of warn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { scrubSecrets, slackLogger } from '../src/log.js';

function capture(): { log: pino.Logger; lines: () => Array<{ level: number; msg: string }> } {
  const out: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (out.push(String(chunk)), done()) });
  return { log: pino({ level: 'debug' }, sink), lines: () => out.map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

test("the WebClient's 'http request failed' per attempt is debug; its other warnings stay warn; tokens are scrubbed", async () => {
  const { log, lines } = capture();
  const sdk = slackLogger(log);
  // What @slack/web-api's WebClient.makeRequest logs for each failed attempt while Slack is unreachable.
  sdk.warn('http request failed', 'fetch failed');
  sdk.warn('http request failed', 'fetch failed');
  sdk.warn('The top-level `text` argument is missing in the request payload for a chat.postMessage call');
  sdk.error('token xoxb-1234-5678-abcdef refused');
  await new Promise((r) => setImmediate(r));
  const got = lines().map((l) => [l.level, l.msg]);
  assert.deepEqual(got, [
    [20, 'http request failed fetch failed'],
    [20, 'http request failed fetch failed'],
    [40, 'The top-level `text` argument is missing in the request payload for a chat.postMessage call'],
    [50, 'token xox?-[redacted] refused'],
  ]);
});

test('Bearer and Basic credentials are scrubbed from free text, the words after them in prose are not', () => {
  const secret = [
    'Authorization failed for Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
    'basic dXNlcjpwYXNz rejected', // base64 of user:pass: letters only, mixed case
    'header BEARER abcdefgh12',
    'Bearer sk_live_abcdefghijklmnop',
    'Authorization failed for Bearer supersecret', // letters only, lowercase, short
  ];
  for (const t of secret) assert.match(scrubSecrets(t), /(bearer|basic) \[redacted\]/i, t);
  for (const t of secret) assert.doesNotMatch(scrubSecrets(t), /eyJ|dXNl|abcdefgh12|sk_live|supersecret/, t);
  assert.equal(scrubSecrets('with Bearer q.w.e'), 'with Bearer [redacted]');
  const prose = ['a basic setup works', 'Bearer tokens go in the header', 'use basic authentication here.', 'send a bearer token.', 'WWW-Authenticate: Basic realm="pprof"'];
  for (const t of prose) assert.equal(scrubSecrets(t), t);
});
