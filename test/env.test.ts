// Start-up problems as a first-time installer reads them (src/env.ts readEnv): each missing Slack
// value says where to find it, and the placeholder check still names the variable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFile } from 'node:child_process';
import { leakbotCommand, repoRoot } from './support/leakbot-cli.js';
import { readConfig, readEnv, StartupError } from '../src/env.js';
import { scrubSecrets } from '../src/log.js';

function problems(env: NodeJS.ProcessEnv, role: 'all' | 'worker' = 'all'): string {
  try {
    readEnv(env, role);
  } catch (err) {
    assert.ok(err instanceof StartupError);
    return scrubSecrets(err.message); // as main.ts prints it
  }
  return '';
}

test('missing Slack values say where they come from, and Socket Mode is offered for the secret', () => {
  const msg = problems({});
  assert.match(msg, /SLACK_BOT_TOKEN is not set \(the app's Bot User OAuth Token, xoxb-…: README "Install in Slack"\)/);
  assert.match(msg, /SLACK_SIGNING_SECRET is not set \(the app's Signing Secret, under App Credentials; or set SLACK_APP_TOKEN=xapp-… to use Socket Mode instead\)/);
  // Socket Mode and worker-only processes need no signing secret.
  assert.doesNotMatch(problems({ SLACK_APP_TOKEN: 'xapp-1-A0-1-abc' }), /SLACK_SIGNING_SECRET/);
  assert.doesNotMatch(problems({}, 'worker'), /SLACK_SIGNING_SECRET/);
  // Everything set: no problem at all.
  assert.equal(problems({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'f00d' }), '');
});

test("the README's placeholders are still named as such", () => {
  const msg = problems({ SLACK_BOT_TOKEN: '<xoxb-your-bot-token>', SLACK_SIGNING_SECRET: '<your-signing-secret>' });
  assert.match(msg, /SLACK_BOT_TOKEN holds the README's placeholder .*replace the placeholder/);
  assert.match(msg, /SLACK_SIGNING_SECRET holds the README's placeholder "<your-signing-secret>"/);
  assert.doesNotMatch(msg, /is not set/);
});

test('a missing LEAKBOT_CONFIG says where a first config comes from', () => {
  assert.throws(
    () => readConfig({}),
    (e: Error) => e instanceof StartupError && /LEAKBOT_CONFIG is not set \(path to the YAML config listing your services: copy examples\/leakbot\.yml out of the checkout, edit it, and point LEAKBOT_CONFIG at the copy\)$/.test(e.message),
  );
});

test('a LOG_LEVEL pino does not know stops the start with the levels it takes; any case of a known one is fine', async () => {
  // The process as `npm start` runs it: the logger exists before the start-up checks, and pino used
  // to end it with "default level:verbose must be included in custom levels".
  const [cmd, args] = leakbotCommand(['start']);
  const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(cmd, args, { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'verbose' }, timeout: 60_000 }, (err, _stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^leakbot cannot start:\n/);
  assert.match(run.stderr, /  - LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"/);
  assert.match(run.stderr, /  - SLACK_BOT_TOKEN is not set/, 'listed with the other problems');
  assert.doesNotMatch(run.stderr, /custom levels/);
  assert.doesNotMatch(problems({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'f00d', LOG_LEVEL: 'DEBUG' }), /LOG_LEVEL/);
});
