// A token Slack refuses ends `leakbot start` with SlackTokenRejectedError's message (the e2e
// slack-down-at-start test shows that path on the Slack stand-in); the message says what to do,
// for each error code auth.test and apps.connections.open document.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlackTokenRejectedError } from '../../src/slack/connect.js';

test('each refusal names the token, the method and what to do about it', () => {
  const bot = (code: string) => new SlackTokenRejectedError(code).message;
  const app = (code: string) => new SlackTokenRejectedError(code, 'SLACK_APP_TOKEN', 'apps.connections.open').message;
  assert.equal(bot('invalid_auth'), "Slack rejected SLACK_BOT_TOKEN (auth.test): invalid_auth: the token is mistyped or belongs to no installed app; copy the Bot User OAuth Token (xoxb-…) again from the app's OAuth & Permissions page");
  assert.match(bot('token_revoked'), /^Slack rejected SLACK_BOT_TOKEN \(auth\.test\): token_revoked: the token no longer works .*; reinstall the app to the workspace and copy the Bot User OAuth Token/);
  assert.match(bot('account_inactive'), /reinstall the app/);
  assert.match(app('invalid_auth'), /^Slack rejected SLACK_APP_TOKEN \(apps\.connections\.open\): invalid_auth: .*copy the app-level token \(xapp-…\) again from the app's Basic Information page/);
  assert.match(app('missing_scope'), /: missing_scope: the app-level token needs the connections:write scope$/);
  assert.match(app('not_allowed_token_type'), /this is not an app-level token/);
  // A code with no standard remedy is given as Slack said it, with nothing made up.
  assert.equal(bot('ratelimited'), 'Slack rejected SLACK_BOT_TOKEN (auth.test): ratelimited');
});
