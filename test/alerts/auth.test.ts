import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createAuthCheck, webhookAuth } from '../../src/alerts/auth.js';

const TOKEN = 'f3a9c2d4e5b6a7980112233445566778';
const check = createAuthCheck(TOKEN);
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

test('bearer token and basic-auth password are accepted', () => {
  assert.deepEqual(check(`Bearer ${TOKEN}`), { ok: true, scheme: 'bearer' });
  assert.deepEqual(check(`bearer   ${TOKEN}  `), { ok: true, scheme: 'bearer' });
  assert.deepEqual(check(basic('alertmanager', TOKEN)), { ok: true, scheme: 'basic' });
  assert.deepEqual(check(basic('', TOKEN)), { ok: true, scheme: 'basic' });
});

test('anything else is refused with a reason that does not contain the secret', () => {
  const cases: [string | undefined, RegExp][] = [
    [undefined, /no Authorization header/],
    ['', /no Authorization header/],
    ['Bearer', /malformed/],
    [`Bearer ${TOKEN}x`, /wrong bearer token/],
    [`Bearer ${TOKEN.slice(0, -1)}`, /wrong bearer token/],
    [basic('u', 'nope'), /wrong basic-auth password/],
    [`Basic ${Buffer.from(TOKEN).toString('base64')}`, /malformed basic credentials/],
    [`Token ${TOKEN}`, /unsupported Authorization scheme "token"/],
  ];
  for (const [header, re] of cases) {
    const r = check(header);
    assert.equal(r.ok, false, String(header));
    const reason = (r as { reason: string }).reason;
    assert.match(reason, re);
    assert.ok(!reason.includes(TOKEN.slice(0, 8)), 'reason leaks the token');
  }
});

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

test('no token configured → webhook disabled, with a clear log line', () => {
  const { log, lines } = capture();
  assert.equal(webhookAuth(undefined, log), null);
  assert.equal(webhookAuth('   ', log), null);
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /LEAKBOT_WEBHOOK_TOKEN is not set.*disabled/);
});

test('a configured token works; a short one is accepted with a warning that does not print it', () => {
  const { log, lines } = capture();
  const ok = webhookAuth(TOKEN, log);
  assert.ok(ok && ok(`Bearer ${TOKEN}`).ok);
  assert.equal(lines.length, 0);
  const short = webhookAuth('abc123', log);
  assert.ok(short && short('Bearer abc123').ok);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /short/);
  assert.ok(!lines[0]!.includes('abc123'));
});
