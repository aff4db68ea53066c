// pino JSON logs. Secrets never reach a log line: tokens, signing secrets and Authorization headers
// are redacted by path wherever they appear (request headers, config, job data, Slack client args).
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

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
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  'headers["x-slack-signature"]',
  '*.headers["x-slack-signature"]',
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
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}

/** Strips anything that looks like a Slack token or a bearer credential from free text (error
 *  messages can quote request URLs or headers). */
export function scrubSecrets(text: string): string {
  return text
    .replace(/xox[abprse]-[A-Za-z0-9-]+/g, 'xox?-[redacted]')
    .replace(/xapp-[A-Za-z0-9-]+/g, 'xapp-[redacted]')
    .replace(/(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]');
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
    warn: (...m) => child.warn(fmt(m)),
    error: (...m) => child.error(fmt(m)),
    setLevel: () => {},
    getLevel: () => child.level as never,
    setName: () => {},
  };
}

function safeJson(x: unknown): string {
  try {
    return JSON.stringify(x);
  } catch {
    return String(x);
  }
}
