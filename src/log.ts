// pino JSON logs. Secrets never reach a log line: tokens, signing secrets and credential headers
// (Authorization, Cookie, X-Slack-Signature, tokens) are redacted by path wherever they appear
// (request headers, config, job data, Slack client args), and errors are serialized without the
// request/response objects some libraries hang on them (Bolt's HTTPReceiverDeferredRequestError
// carries `req`/`res`, whose raw headers hold bearer tokens and cookies). Child loggers inherit both.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Header names whose values are credentials (lower case, as Node delivers them). */
export const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-slack-signature', 'x-api-key', 'x-auth-token', 'x-leakbot-token'];

const headerPaths = (): string[] => {
  const out: string[] = [];
  for (const h of [...SECRET_HEADERS, 'Authorization', 'Cookie']) {
    const k = /^[a-z]+$/i.test(h) ? `.${h}` : `["${h}"]`;
    for (const pre of ['headers', '*.headers', '*.*.headers', '*.*.*.headers']) out.push(`${pre}${k}`);
  }
  return out;
};

export const REDACT_PATHS = [
  'token',
  '*.token',
  '*.*.token',
  'botToken',
  'appToken',
  'signingSecret',
  '*.signingSecret',
  '*.botToken',
  '*.appToken',
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'headers.Authorization',
  ...headerPaths(),
  'appToken',
  '*.*.token',
  'webhookToken',
  '*.webhookToken',
  'slackBotToken',
  'slackAppToken',
  'slackSigningSecret',
  '*.slackBotToken',
  '*.slackAppToken',
  '*.slackSigningSecret',
  'env.SLACK_BOT_TOKEN',
  'env.SLACK_SIGNING_SECRET',
  'env.SLACK_APP_TOKEN',
  'env.LEAKBOT_WEBHOOK_TOKEN',
  // Service headers in the config carry pprof credentials (${VAR} already expanded).
  'config.services.*.headers',
  'services.*.headers',
  'target.headers',
  '*.target.headers',
];

export interface LoggerOptions {
  level?: string;
  name?: string;
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'leakbot',
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: [...new Set(REDACT_PATHS)], censor: '[redacted]' },
      serializers: { err: serializeError, error: serializeError },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}

/** Properties an error may carry that hold whole requests, responses or client configs. */
const ERROR_DROP = new Set(['req', 'res', 'request', 'response', 'headers', 'config', 'options', 'socket', 'agent', 'client']);

/**
 * pino serializer for errors: type, message, stack, code and other primitive own properties,
 * scrubbed of tokens; the cause chain (3 deep); Slack's `data.error`. Objects such as req/res are
 * never copied. Non-errors are logged as their scrubbed string form.
 */
export function serializeError(err: unknown, depth = 0): Record<string, unknown> | string {
  if (!(err instanceof Error)) return scrubSecrets(typeof err === 'string' ? err : safeJson(err)).slice(0, 2000);
  const type = err.constructor?.name && err.constructor.name !== 'Error' ? err.constructor.name : err.name || 'Error';
  const out: Record<string, unknown> = { type, message: scrubSecrets(err.message ?? '') };
  if (err.stack) out.stack = scrubSecrets(err.stack);
  for (const k of Object.keys(err)) {
    if (ERROR_DROP.has(k) || k === 'message' || k === 'stack' || k === 'cause') continue;
    const v = (err as unknown as Record<string, unknown>)[k];
    if (typeof v === 'string') out[k] = SECRET_KEY.test(k) ? '[redacted]' : scrubSecrets(v.slice(0, 2000));
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (k === 'data' && v && typeof v === 'object' && typeof (v as { error?: unknown }).error === 'string') out.slackError = (v as { error: string }).error;
  }
  if (err.cause !== undefined && depth < 3) out.cause = serializeError(err.cause, depth + 1);
  return out;
}

/** Strips anything that looks like a Slack token or a bearer credential from free text (error
 *  messages can quote request URLs or headers). */
export function scrubSecrets(text: string): string {
  return text
    .replace(/xox[abprse]-[A-Za-z0-9-]+/g, 'xox?-[redacted]')
    .replace(/xapp-[A-Za-z0-9-]+/g, 'xapp-[redacted]')
    .replace(/v0=[0-9a-f]{64}/g, 'v0=[redacted]')
    .replace(/\b(cookie|set-cookie|x-slack-signature|authorization)(["']?\s*[:=]\s*["']?)[^"'\r\n,;}]+/gi, '$1$2[redacted]')
    .replace(/\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]+)/gi, (all, scheme: string, space: string, word: string) => (isCredential(word) ? `${scheme}${space}[redacted]` : all));
}

/** Words that follow `Bearer`/`Basic` in prose ("a basic setup", "Bearer tokens go in the header",
 *  `Basic realm="…"`) rather than a credential. */
const PROSE_AFTER_SCHEME = new Set([
  'a', 'an', 'and', 'or', 'the', 'to', 'is', 'are', 'was', 'with', 'for', 'in', 'of', 'on', 'not', 'no',
  'auth', 'authentication', 'authorization', 'credential', 'credentials', 'token', 'tokens', 'header',
  'headers', 'scheme', 'setup', 'realm', 'access', 'http', 'https', 'login', 'password', 'passwords',
]);

/** Whether the word after `Bearer`/`Basic` is a credential (RFC 6750 b64token, RFC 7617 base64):
 *  anything but a known prose word, so a short lowercase token (`Bearer supersecret`) is redacted
 *  too; over-redacting a log line costs little, a token in it costs much. */
function isCredential(word: string): boolean {
  return !PROSE_AFTER_SCHEME.has(word.replace(/[=.,;:!?]+$/, '').toLowerCase());
}

/** Adapts pino to the @slack/logger interface Bolt and the WebClient expect. */
export function slackLogger(log: Logger): {
  debug(...m: unknown[]): void;
  info(...m: unknown[]): void;
  warn(...m: unknown[]): void;
  error(...m: unknown[]): void;
  setLevel(): void;
  getLevel(): never;
  setName(): void;
} {
  const fmt = (m: unknown[]) => scrubSecrets(m.map((x) => (typeof x === 'string' ? x : x instanceof Error ? x.message : safeJson(x))).join(' '));
  const child = log.child({ component: 'slack-sdk' });
  return {
    debug: (...m) => child.debug(fmt(m)),
    info: (...m) => child.info(fmt(m)),
    // The WebClient warns on every failed attempt of its own retries ('http request failed', 3–4 per
    // call while Slack is unreachable); the outcome is logged once by the caller, so attempts are debug.
    warn: (...m) => (m[0] === 'http request failed' ? child.debug(fmt(m)) : child.warn(fmt(m))),
    error: (...m) => child.error(fmt(m)),
    setLevel: () => {},
    getLevel: () => child.level as never,
    setName: () => {},
  };
}

const SECRET_KEY = /token|secret|password|signature|cookie|authorization/i;

/** JSON for free-text logs: request/response objects dropped, credential-named keys redacted. */
function safeJson(x: unknown): string {
  try {
    return (
      JSON.stringify(x, (k, v: unknown) => {
        if (k === '') return v;
        if (ERROR_DROP.has(k)) return undefined;
        if (SECRET_KEY.test(k) || SECRET_HEADERS.includes(k.toLowerCase())) return '[redacted]';
        return v;
      }) ?? String(x)
    );
  } catch {
    return String(x);
  }
}
