// Real signed Slack requests for tests: slash commands and block_actions interactions, signed
// like Slack does (x-slack-signature = v0=HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)),
// with switches for a wrong signature and a stale timestamp.
import { createHmac } from 'node:crypto';

export interface SignOptions {
  /** Sign with this secret instead (a wrong signature). */
  wrongSecret?: string;
  /** Timestamp this many seconds in the past (Slack/Bolt refuse > 5 minutes). */
  staleSeconds?: number;
  /** Send no signature headers at all. */
  unsigned?: boolean;
  /** Exact x-slack-request-timestamp to sign and send (e.g. '1e20'); overrides staleSeconds. */
  timestamp?: string;
}

export function slackSignature(secret: string, timestamp: number | string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export function signedHeaders(secret: string, body: string, opts: SignOptions = {}): Record<string, string> {
  const ts = opts.timestamp ?? String(Math.floor(Date.now() / 1000) - (opts.staleSeconds ?? 0));
  const h: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (!opts.unsigned) {
    h['x-slack-request-timestamp'] = String(ts);
    h['x-slack-signature'] = slackSignature(opts.wrongSecret ?? secret, ts, body);
  }
  return h;
}

export interface SlackHttpResult {
  status: number;
  text: string;
  /** Parsed JSON body when there is one (a command's ack: { text, response_type }). */
  json: Record<string, unknown> | null;
  ms: number;
}

function post(url: string, secret: string, body: string, opts: SignOptions): Promise<SlackHttpResult> {
  return postRaw(url, signedHeaders(secret, body, opts), body);
}

/** POSTs exactly these headers and body (a replay sends the same pair twice). */
export async function postRaw(url: string, headers: Record<string, string>, body: string): Promise<SlackHttpResult> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  const ms = performance.now() - started;
  let json: Record<string, unknown> | null = null;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    json = null;
  }
  return { status: res.status, text, json, ms };
}

export interface CommandInput {
  text: string;
  command?: string;
  user?: string;
  userName?: string;
  channel?: string;
  team?: string;
  responseUrl?: string;
}

/** POSTs a slash command to `eventsUrl` (…/slack/events). */
export function sendCommand(eventsUrl: string, secret: string, c: CommandInput, opts: SignOptions = {}): Promise<SlackHttpResult> {
  return post(eventsUrl, secret, commandBody(c), opts);
}

/** The form body Slack sends for a slash command. */
export function commandBody(c: CommandInput): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: c.team ?? 'T0STUB',
    team_domain: 'stub',
    channel_id: c.channel ?? 'C0INCIDENT',
    channel_name: 'incident',
    user_id: c.user ?? 'U0ALICE',
    user_name: c.userName ?? 'alice',
    command: c.command ?? '/leak',
    text: c.text,
    api_app_id: 'A0LEAKBOT',
    is_enterprise_install: 'false',
    response_url: c.responseUrl ?? 'https://hooks.slack.invalid/commands/none',
    trigger_id: `${Date.now()}.trigger`,
  }).toString();
}

export interface ActionInput {
  actionId: string;
  value: string;
  user?: string;
  channel?: string;
  /** ts of the message holding the button. */
  messageTs: string;
  /** Thread the message lives in (omit for a parent message). */
  threadTs?: string;
  responseUrl?: string;
  blockId?: string;
}

export function blockActionsPayload(a: ActionInput): Record<string, unknown> {
  const channel = a.channel ?? 'C0INCIDENT';
  return {
    type: 'block_actions',
    user: { id: a.user ?? 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0STUB' },
    api_app_id: 'A0LEAKBOT',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: a.messageTs, channel_id: channel, is_ephemeral: false, ...(a.threadTs ? { thread_ts: a.threadTs } : {}) },
    trigger_id: `${Date.now()}.trigger`,
    team: { id: 'T0STUB', domain: 'stub' },
    channel: { id: channel, name: 'incident' },
    message: { type: 'message', ts: a.messageTs, ...(a.threadTs ? { thread_ts: a.threadTs } : {}), text: '' },
    response_url: a.responseUrl ?? 'https://hooks.slack.invalid/actions/none',
    actions: [{ type: 'button', action_id: a.actionId, block_id: a.blockId ?? 'leak_actions', value: a.value, action_ts: `${Date.now() / 1000}` }],
  };
}

/** POSTs an Events API callback (JSON body, signed like Slack does) wrapping `event`. */
export function sendEvent(eventsUrl: string, secret: string, event: Record<string, unknown>, opts: SignOptions = {}): Promise<SlackHttpResult> {
  const body = JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: 'T0STUB',
    api_app_id: 'A0LEAKBOT',
    type: 'event_callback',
    event_id: `Ev${Date.now()}${Math.random().toString(36).slice(2, 8)}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { event_ts: `${Date.now() / 1000}`, ...event },
  });
  return postRaw(eventsUrl, { ...signedHeaders(secret, body, opts), 'content-type': 'application/json' }, body);
}

export interface ShortcutInput {
  callbackId: string;
  channel: string;
  user?: string;
  message: { ts: string; thread_ts?: string; text?: string; files?: Array<{ id: string }>; user?: string };
  responseUrl?: string;
}

/** The message_action payload Slack sends when someone runs a message shortcut. */
export function messageActionPayload(s: ShortcutInput): Record<string, unknown> {
  return {
    type: 'message_action',
    callback_id: s.callbackId,
    trigger_id: `${Date.now()}.trigger`,
    action_ts: `${Date.now() / 1000}`,
    team: { id: 'T0STUB', domain: 'stub' },
    user: { id: s.user ?? 'U0ALICE', name: 'alice', team_id: 'T0STUB' },
    channel: { id: s.channel, name: 'incident' },
    message_ts: s.message.ts,
    message: { type: 'message', user: s.message.user ?? 'U0ALICE', text: s.message.text ?? '', ...s.message },
    response_url: s.responseUrl ?? 'https://hooks.slack.invalid/actions/none',
    token: 'deprecated-verification-token',
  };
}

/** POSTs an interaction (payload=JSON) to `eventsUrl`. */
export function sendAction(eventsUrl: string, secret: string, a: ActionInput | Record<string, unknown>, opts: SignOptions = {}): Promise<SlackHttpResult> {
  const payload = 'actionId' in a ? blockActionsPayload(a as ActionInput) : a;
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return post(eventsUrl, secret, body, opts);
}
