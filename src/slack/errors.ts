// Slack Web API errors in plain words: which ones the user must act on, which mean Slack is down or
// overloaded (worth waiting for), and which certainly left nothing posted. Codes: the "Errors" table
// of each method's page (e.g. https://api.slack.com/methods/chat.postMessage) and @slack/web-api's
// error codes (slack_webapi_request_error, _http_error, _rate_limited_error).

/** Errors that make a retry pointless (the user must act) carry retryable=false. */
export class SlackPostError extends Error {
  override name = 'SlackPostError';
  constructor(
    readonly code: string,
    readonly userMessage: string,
    readonly retryable: boolean,
    /** Slack unreachable or overloaded: worth waiting for (hours), not a reason to give up. */
    readonly unavailable = false,
    /** Slack certainly did not act on the call (refused it, or it never reached Slack). */
    readonly notSent = false,
  ) {
    super(`slack: ${code}`);
  }
}

/** True when err means "Slack is down or overloaded right now" (see SlackPostError.unavailable). */
export function isSlackUnavailable(err: unknown): boolean {
  return err instanceof SlackPostError && err.unavailable;
}

/** Codes that mean Slack is down or overloaded (or never answered): the job waits, not fails. */
export const UNAVAILABLE_CODES = new Set(['request_failed', 'ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'http_error']);
/** ok:false answers after which Slack may have acted anyway (chat.postMessage's docs: "It's possible
 *  some aspect of the operation succeeded before the error was raised"). */
export const OUTCOME_UNKNOWN = new Set(['fatal_error', 'internal_error', 'service_unavailable']);
/** Refusals of the message's blocks or size: the poster sends the plain text instead. Slack refuses
 *  blocks of ~13k characters in all with msg_blocks_too_long, below its documented limits
 *  (slackapi/bolt-js#2509), and does so on every try: it is no reason to retry. */
export const BLOCK_ERRORS = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'msg_blocks_too_long', 'too_many_blocks', 'invalid_attachments']);
/** Refusals a person must fix (invite, scope, token), by code → what to tell them; never retried. */
export const ACCESS_ERRORS: Record<string, string> = {
  not_in_channel: 'I am not a member of that channel. Invite me with `/invite @leakbot` and try again.',
  channel_not_found: 'I cannot see that channel. Invite me with `/invite @leakbot` (private channels need an invite) and try again.',
  is_archived: 'That channel is archived.',
  restricted_action: 'This workspace does not allow me to post in that channel.',
  restricted_action_read_only_channel: 'That channel is read-only for me (a workspace admin restricted who may post there).',
  restricted_action_thread_only_channel: 'That channel takes messages only inside threads, and I start each thread with a message of my own: use me in another channel.',
  restricted_action_non_threadable_channel: 'That channel does not allow threads, and I answer in threads: use me in another channel.',
  team_access_not_granted: 'This workspace has not granted me access to that channel (Slack Connect or Enterprise Grid): an admin must add the app to it.',
  missing_scope: 'The leakbot app is missing a Slack permission (scope); an admin must reinstall it from manifest.yml.',
  invalid_auth: 'leakbot’s Slack token is invalid; an admin must check SLACK_BOT_TOKEN.',
  not_authed: 'leakbot’s Slack token is missing; an admin must check SLACK_BOT_TOKEN.',
  account_inactive: 'leakbot’s Slack token was revoked; an admin must reinstall the app.',
  token_revoked: 'leakbot’s Slack token was revoked; an admin must reinstall the app.',
};

/** Refusals because the conversation leakbot answers in is gone (or closed to it), by code → words;
 *  never retried. Codes: chat.postMessage's and chat.update's error tables.
 *  thread_not_found: the thread's messages were deleted (by a person or a retention policy) while
 *  leakbot still meant to answer there (slackapi/bolt-js#2307). The caller forgets that thread. */
export const GONE_ERRORS: Record<string, string> = {
  thread_not_found: 'the thread I was answering in is gone (its messages were deleted in Slack).',
  // chat.update of a message deleted in Slack: it never comes back, so retrying cannot help.
  message_not_found: 'the message I was updating is gone (it was deleted in Slack).',
  // A thread an admin locked, or a message that cannot have replies: the thread cannot be answered
  // in again; forgotten, so the next verb starts a new one.
  restricted_action_thread_locked: 'the thread I was answering in is locked (by a workspace admin).',
  cannot_reply_to_message: 'the message I was answering under cannot have thread replies.',
};

/** channel_not_found / not_in_channel in a direct message (a D… id): a person's DM with someone
 *  else, or with themselves, where no app can be invited; ACCESS_ERRORS' "Invite me with /invite"
 *  cannot be done there. */
const DM_CLOSED =
  'I cannot post in this direct message: a DM between people (or with yourself) is closed to apps, and `/invite` does not work there. Use `/leak` in a channel I am in, or in a DM with me (Apps → leakbot).';

/**
 * The SlackPostError for an error the SDK threw (or a SlackPostError, returned as is). `code` is
 * Slack's error (ok:false), 'ratelimited', 'request_failed' (no answer), 'http_error', or the SDK's.
 * `channel`: where the call posted, to word a refusal in a direct message.
 */
export function slackPostError(err: unknown, channel?: string): SlackPostError {
  if (err instanceof SlackPostError) return err;
  const e = err as { code?: string; data?: { error?: string }; message?: string; statusCode?: number; original?: { code?: string } };
  const rateLimited = e.code === 'slack_webapi_rate_limited_error' || /rate limit was exceeded/i.test(e.message ?? '');
  const code =
    e.data?.error ??
    (rateLimited ? 'ratelimited' : e.code === 'slack_webapi_request_error' ? 'request_failed' : e.code === 'slack_webapi_http_error' ? 'http_error' : e.code) ??
    'unknown_error';
  // Certainly not acted on: Slack answered with a refusal, or the connection was never made.
  const notSent = (e.data?.error !== undefined && !OUTCOME_UNKNOWN.has(e.data.error)) || rateLimited || e.original?.code === 'ECONNREFUSED' || (e.statusCode !== undefined && e.statusCode < 500);
  const access = ACCESS_ERRORS[code];
  if (access && (code === 'channel_not_found' || code === 'not_in_channel') && channel?.startsWith('D')) return new SlackPostError(code, DM_CLOSED, false, false, notSent);
  if (access) return new SlackPostError(code, access, false, false, notSent);
  const gone = GONE_ERRORS[code];
  if (gone) return new SlackPostError(code, gone, false, false, notSent);
  if (BLOCK_ERRORS.has(code)) return new SlackPostError(code, 'Slack rejected the formatted message.', false, false, notSent);
  const unavailable = UNAVAILABLE_CODES.has(code) || (e.statusCode ?? 0) >= 500;
  return new SlackPostError(code, unavailable ? `Slack is not answering right now (${code}); I will keep trying.` : `Slack did not accept the message (${code}); I will retry.`, true, unavailable, notSent);
}
