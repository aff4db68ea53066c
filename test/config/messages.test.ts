// Config errors as the person starting leakbot reads them: after src/log.ts scrubSecrets (which
// main.ts applies to every start-up error), the message must still say what to fix.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js';
import { scrubSecrets } from '../../src/log.js';
import { repoRoot } from '../support/leakbot-cli.js';

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

/** The message parseConfig throws for `yaml`, as printed at start (scrubbed like every start-up error). */
function configMessage(yaml: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(yaml, env, 'leakbot.yml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return scrubSecrets(err.message);
  }
  assert.fail('the config was accepted');
}

test('a misspelt key names the key it was probably meant to be, at every level', () => {
  const svc = configMessage('services:\n  svc-a:\n    url: http://127.0.0.1:6060\n    timeoutSecond: 5\n    MaxBytes: 10\n');
  assert.match(svc, /services\.svc-a: unknown key "timeoutSecond" \(did you mean "timeoutSeconds"\?\)/);
  assert.match(svc, /services\.svc-a: unknown key "MaxBytes" \(did you mean "maxBytes"\?\)/);
  const nested = configMessage('services:\n  svc-a:\n    url: http://127.0.0.1:6060\n    fleet: { concurency: 2 }\nalerts: { recaptureAfter: 10 }\n');
  assert.match(nested, /services\.svc-a\.fleet: unknown key "concurency" \(did you mean "concurrency"\?\)/);
  assert.match(nested, /alerts: unknown key "recaptureAfter" \(did you mean "recaptureAfterSeconds"\?\)/);
  // Nothing close: the keys valid there are listed instead.
  const far = configMessage('services:\n  svc-a:\n    url: http://127.0.0.1:6060\nthreads: { colour: blue }\n');
  assert.match(far, /threads: unknown key "colour" \(known here: windowHours\)/);
});

test('a misspelt or missing services: says what the section looks like', () => {
  const typo = configMessage('servces:\n  svc-a:\n    url: http://127.0.0.1:6060\n');
  assert.match(typo, /\(root\): unknown key "servces" \(did you mean "services"\?\)/);
  assert.match(typo, /services: missing\. List the services leakbot may capture, each with its pprof address:\n\s+services:\n\s+svc-order:\n\s+url: http:\/\/10\.0\.3\.7:6060/);
  assert.doesNotMatch(typo, /expected record/);
  assert.match(configMessage(''), /services: missing\./);
  const list = configMessage('services:\n  - name: svc-a\n    url: http://127.0.0.1:6060\n');
  assert.match(list, /services: must map each service's name to its settings, not be a list/);
});

test('a number written with its unit says to write the number alone, and never echoes other text', () => {
  const unit = configMessage('services:\n  svc-a:\n    url: http://127.0.0.1:6060\n    timeoutSeconds: 5s\n');
  assert.match(unit, /services\.svc-a\.timeoutSeconds: must be a plain number, got "5s" \(the key's name gives the unit: write 5\)/);
  // A ${VAR} expanded into a number field may be a secret: the value is not shown.
  const secret = configMessage('services:\n  svc-a:\n    url: http://127.0.0.1:6060\n    maxBytes: "${PPROF_TOKEN}"\n', { PPROF_TOKEN: 'tok-9f8e7d6c5b4a' });
  assert.match(secret, /services\.svc-a\.maxBytes: must be a number, got text/);
  assert.doesNotMatch(secret, /tok-9f8e7d6c5b4a/);
});

test('a template override that names no file is refused with its key and where it was looked for', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-config-'));
  try {
    const path = join(dir, 'leakbot.yml');
    const yaml = (checklist: string) => `services:\n  svc-a:\n    url: http://127.0.0.1:6060\ntemplates: { checklist: ${checklist} }\n`;
    writeFileSync(path, yaml('./team/checklist.yml'));
    assert.throws(
      () => loadConfig(path, {}),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message === `${path}: templates.checklist: ./team/checklist.yml: no such file (looked for ${join(dir, 'team/checklist.yml')}: relative paths start at the config file's folder)`,
    );
    // The file in place (relative to the config's folder, not the working directory): accepted.
    mkdirSync(join(dir, 'team'));
    copyFileSync(join(repoRoot, 'templates/checklist.yml'), join(dir, 'team/checklist.yml'));
    assert.equal(loadConfig(path, {}).templates.checklist, './team/checklist.yml');
    writeFileSync(path, yaml(dir));
    assert.throws(() => loadConfig(path, {}), (e: Error) => e.message.endsWith(`templates.checklist: ${dir}: a directory, not a file`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a channel or person written by name is refused with where Slack shows the id; a single value where a list goes says to bracket it', () => {
  const msg = configMessage('defaultChannel: "#incidents"\nadmins: ["@alice", U0123ADMIN]\nservices:\n  svc-a:\n    url: http://127.0.0.1:6060\n    channel: incidents-orders\n    ignore: "^mycorp/pool\\\\.worker$"\n');
  assert.match(msg, /defaultChannel: a Slack channel id such as C0123ABCD, not the channel's name \(Slack shows the id at the bottom of the channel's About tab\)/);
  assert.match(msg, /services\.svc-a\.channel: a Slack channel id such as C0123ABCD, not the channel's name/);
  // A name never matches the ids Slack sends: nobody would be an admin and baselines refused to all.
  assert.match(msg, /admins\.0: a Slack member id such as U0123ABCD, not a name \(in Slack: the person's profile → ⋮ → Copy member ID\)/);
  assert.doesNotMatch(msg, /admins\.1/, 'a member id is accepted');
  assert.match(msg, /services\.svc-a\.ignore: must be a list: write the value in \[brackets\]/);
  // Ids as Slack writes them pass (Enterprise Grid members are W…).
  const ok = parseConfig('defaultChannel: C0INCIDENTS\nadmins: [U0123ADMIN, W0456ADMIN]\nservices:\n  svc-a:\n    url: http://127.0.0.1:6060\n    channel: G0PRIVATE\n', {});
  assert.deepEqual(ok.admins, ['U0123ADMIN', 'W0456ADMIN']);
});

test('a service name Slack cannot carry, a service with no settings and a number below its floor say what to write', () => {
  const badName = configMessage('services:\n  "svc a/b":\n    url: http://127.0.0.1:6060\n');
  assert.match(badName, /services\.svc a\/b: not a service name: use letters, digits, '\.', '_' or '-'/);
  assert.doesNotMatch(badName, /Invalid key in record/);
  const empty = configMessage('services:\n  svc-a:\n');
  assert.match(empty, /services\.svc-a: has no settings: give it where its pprof endpoint is, e\.g\.\n\s+url: http:\/\/10\.0\.3\.7:6060/);
  assert.doesNotMatch(empty, /received null/);
  const negative = configMessage('services:\n  svc-a:\n    url: http://127.0.0.1:6060\n    timeoutSeconds: -5\n    minIntervalSeconds: -1\n');
  assert.match(negative, /services\.svc-a\.timeoutSeconds: must be more than 0/);
  assert.match(negative, /services\.svc-a\.minIntervalSeconds: must be at least 0/);
  assert.doesNotMatch(negative, /Too small/);
});
