// Config errors as the person starting leakbot reads them: after src/log.ts scrubSecrets (which
// main.ts applies to every start-up error), the message must still say what to fix.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js';
import { scrubSecrets } from '../../src/log.js';

test('a missing ${VAR} in a header names the variable, and the scrubbed message still does', () => {
  const yaml = 'services:\n  svc-a:\n    url: http://127.0.0.1:6060\n    headers: { Authorization: "Bearer ${ORDER_PPROF_TOKEN}" }\n';
  assert.throws(
    () => parseConfig(yaml, {}),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      const shown = scrubSecrets(e.message);
      assert.match(shown, /environment variable ORDER_PPROF_TOKEN is not set/);
      assert.match(shown, /services\.svc-a\.headers\.Authorization/);
      assert.doesNotMatch(shown, /\[redacted\]/);
      return true;
    },
  );
  // With the variable set, its value is used and never echoed in an error.
  const config = parseConfig(yaml, { ORDER_PPROF_TOKEN: 's3cret' });
  assert.equal(config.services['svc-a']!.headers['Authorization'], 'Bearer s3cret');
});

test('a url without its scheme says to add one', () => {
  for (const yaml of [
    'services:\n  svc-a:\n    url: 127.0.0.1:6060\n',
    'services:\n  svc-a:\n    targets: [127.0.0.1:6060]\n',
  ]) {
    assert.throws(() => parseConfig(yaml, {}), (e: Error) => /services\.svc-a\.(url|targets\.0): not an http\(s\) URL: write it with its scheme, e\.g\. http:\/\//.test(e.message));
  }
});

test('an unreadable LEAKBOT_CONFIG is said in words, not an errno code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-config-'));
  try {
    assert.throws(() => loadConfig(join(dir, 'missing.yml'), {}), (e: Error) => e instanceof ConfigError && /missing\.yml: no such file$/.test(e.message));
    assert.throws(() => loadConfig(dir, {}), (e: Error) => /: a directory, not a file$/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
