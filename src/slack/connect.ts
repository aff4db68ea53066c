// The bot's first word with Slack: Bolt's App.init() checks SLACK_BOT_TOKEN with auth.test. A token
// Slack refuses is a configuration error and ends the start. Slack being unreachable is not: during
// an incident the process must come up anyway (Alertmanager's webhooks are queued, jobs wait for
// Slack in Redis), so it keeps trying in the background and answers Slack's own requests with 503
// until the token has been checked.
import type { Logger } from '../log.js';

/** Where the Slack side of a web process stands: `connecting` until auth.test has succeeded. */
export type SlackConnectionState = 'connecting' | 'ready' | 'stopped';

/** Slack answered and refused a token (`ok: false`, e.g. `invalid_auth`): SLACK_BOT_TOKEN at
 *  auth.test, or SLACK_APP_TOKEN at apps.connections.open (Socket Mode). */
export class SlackTokenRejectedError extends Error {
  constructor(
    readonly apiError: string,
    readonly token: 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN' = 'SLACK_BOT_TOKEN',
    method = 'auth.test',
  ) {
    super(`Slack rejected ${token} (${method}): ${apiError}${tokenRejectedHint(token, apiError)}`);
    this.name = 'SlackTokenRejectedError';
  }
}

/** What to do about a token Slack refused, as `: <advice>` (empty for an error code with no
 *  standard remedy). Codes: https://api.slack.com/methods/auth.test and
 *  https://api.slack.com/methods/apps.connections.open ("Errors"). */
export function tokenRejectedHint(token: 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN', apiError: string): string {
  const copy =
    token === 'SLACK_BOT_TOKEN'
      ? "copy the Bot User OAuth Token (xoxb-…) again from the app's OAuth & Permissions page"
      : "copy the app-level token (xapp-…) again from the app's Basic Information page, App-Level Tokens";
  switch (apiError) {
    case 'invalid_auth':
    case 'not_authed':
      return `: the token is mistyped or belongs to no installed app; ${copy}`;
    case 'token_revoked':
    case 'token_expired':
    case 'account_inactive':
      return `: the token no longer works (the app was uninstalled, or the token revoked or rotated); reinstall the app to the workspace and ${copy}`;
    case 'not_allowed_token_type':
      return token === 'SLACK_BOT_TOKEN' ? `: this is not a bot token; ${copy}` : `: this is not an app-level token; ${copy}`;
    case 'missing_scope':
      return token === 'SLACK_APP_TOKEN' ? ': the app-level token needs the connections:write scope' : '';
    default:
      return '';
  }
}

/** The platform error code of a Web API error (Slack answered `ok: false`), else undefined. */
export function apiErrorOf(err: unknown): string | undefined {
  const data = (err as { data?: { ok?: boolean; error?: unknown } }).data;
  return data && data.ok === false && typeof data.error === 'string' ? data.error : undefined;
}

export interface SlackConnectionOptions {
  /** Bolt's App.init() (auth.test) followed, in Socket Mode, by App.start(). Retried until it succeeds. */
  connect: () => Promise<void>;
  log: Logger;
  /** Where auth.test goes, for the log line (never the token). */
  apiUrl: string;
  /** First retry delay, ms (doubles up to maxDelayMs). Default 1000. */
  minDelayMs?: number;
  /** Longest retry delay, ms. Default 30000. */
  maxDelayMs?: number;
}

/**
 * Runs `connect` once; if Slack could not be reached, keeps retrying with exponential backoff
 * (minDelayMs → maxDelayMs) until it succeeds or stop() is called.
 *
 * `start()` resolves with the state after the first attempt ('ready' or 'connecting') and throws
 * SlackTokenRejectedError when Slack answered with an error code: Bolt's WebClient sets
 * `err.data.error` only for platform errors (an answer from Slack), never for network errors,
 * HTTP 5xx or rate limits (https://tools.slack.dev/node-slack-sdk/web-api#handle-errors).
 * A token refused on a later retry is logged as fatal-for-Slack and retrying stops.
 */
export class SlackConnection {
  private current: SlackConnectionState = 'connecting';
  private timer: NodeJS.Timeout | null = null;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly o: SlackConnectionOptions) {}

  get state(): SlackConnectionState {
    return this.current;
  }

  async start(): Promise<SlackConnectionState> {
    const err = await this.attempt();
    if (err === null) return this.current;
    const rejected = refusal(err);
    if (rejected) throw rejected;
    this.o.log.warn(
      { err: (err as Error).message, apiUrl: this.o.apiUrl },
      'cannot reach the Slack Web API to check SLACK_BOT_TOKEN (auth.test); serving webhooks and health, answering Slack with 503 and retrying in the background',
    );
    this.schedule(this.o.minDelayMs ?? 1000);
    return this.current;
  }

  /** Resolves once auth.test has succeeded (at once if it has). */
  whenReady(): Promise<void> {
    if (this.current === 'ready') return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.current !== 'ready') this.current = 'stopped';
  }

  /** One try: null on success, else the error. */
  private async attempt(): Promise<unknown> {
    try {
      await this.o.connect();
    } catch (err) {
      return err;
    }
    if (this.current === 'stopped') return null;
    this.current = 'ready';
    for (const w of this.waiters.splice(0)) w();
    return null;
  }

  private schedule(delayMs: number): void {
    if (this.current !== 'connecting') return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.attempt().then((err) => {
        if (err === null) {
          if (this.current === 'ready') this.o.log.info({ apiUrl: this.o.apiUrl }, 'Slack Web API reachable again: SLACK_BOT_TOKEN checked, Slack requests served');
          return;
        }
        const rejected = refusal(err);
        if (rejected) {
          this.o.log.fatal(`${rejected.message}; Slack requests stay refused until the token is fixed and the process restarted`);
          return;
        }
        this.o.log.debug({ err: (err as Error).message }, 'Slack Web API still unreachable');
        this.schedule(Math.min(delayMs * 2, this.o.maxDelayMs ?? 30_000));
      });
    }, delayMs);
    // A process waiting only for Slack may still exit when everything else has stopped.
    this.timer.unref();
  }
}

/** A token refusal (raised by connect, or an auth.test platform error), or null for anything else. */
function refusal(err: unknown): SlackTokenRejectedError | null {
  if (err instanceof SlackTokenRejectedError) return err;
  const code = apiErrorOf(err);
  return code ? new SlackTokenRejectedError(code) : null;
}
