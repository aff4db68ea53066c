// The environment and config a leakbot process starts from, read and checked before anything
// connects: `leakbot start|web|worker` (src/main.ts) and `leakbot doctor` (src/doctor.ts) share it.
// Kept free of Bolt, BullMQ and Redis imports so the doctor and the CLI load it cheaply.
import { ConfigError, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import type { LeakbotContext, LeakbotEnv } from './context.js';
import { parseRedisUrl } from './store/redis-url.js';

/** A reason the process cannot start, worded for the person starting it (printed as is, exit 1). */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Which side of the bot a process runs: web and worker together ('all'), or one of them. */
export type Role = LeakbotContext['role'];

/** pino's levels, the values LOG_LEVEL may take (any case). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** LOG_LEVEL lower-cased when it is one of LOG_LEVELS, else `info` (readEnv reports the bad value:
 *  the logger exists before the start-up checks, and pino would throw "default level:verbose must
 *  be included in custom levels" instead). */
export function logLevelOf(env: NodeJS.ProcessEnv): (typeof LOG_LEVELS)[number] {
  const v = env.LOG_LEVEL?.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(v ?? '') ? (v as (typeof LOG_LEVELS)[number]) : 'info';
}

/** Variables whose value the README shows as a placeholder; a pasted placeholder is named. */
const SECRET_VARS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'LEAKBOT_WEBHOOK_TOKEN'] as const;

/**
 * Whether a value is a documentation placeholder rather than a real one: the `<…>` shape, or an
 * ellipsis (`xoxb-…`, `xoxb-...`) that no Slack token or secret contains.
 */
export function isPlaceholder(value: string): boolean {
  return /^<.*>$/s.test(value) || value.includes('…') || value.includes('...');
}

/**
 * Reads the environment for a process of `role`; every missing, placeholder or malformed variable
 * is named in one StartupError (thrown). Shapes: tokens `xoxb-`/`xapp-`, REDIS_URL `redis://` (or `redis+sentinel://`, `redis+cluster://`),
 * PORT 0–65535, SLACK_API_URL a URL (normalised to end with '/').
 */
export function readEnv(env: NodeJS.ProcessEnv, role: Role): LeakbotEnv {
  const problems: string[] = [];
  const placeholder = new Set<string>();
  for (const name of SECRET_VARS) {
    const v = env[name]?.trim();
    if (!v || !isPlaceholder(v)) continue;
    placeholder.add(name);
    // Start-up errors are scrubbed of token-shaped text before they are printed (main.ts), which turned
    // the README's "<xoxb-your-bot-token>" into "<xox?-[redacted]>": quote a token placeholder by its prefix.
    const shown = v.replace(/\b(xox[a-z]|xapp)-[^>\s]*/g, '$1-…');
    problems.push(`${name} holds the README's placeholder ${JSON.stringify(shown.length > 40 ? `${shown.slice(0, 40)}…` : shown)}: replace the placeholder with your own value`);
  }
  // `where` says where a first-time installer finds the value (README "Install in Slack").
  const need = (name: string, where: string): string => {
    const v = env[name]?.trim();
    if (!v) problems.push(`${name} is not set (${where})`);
    return v ?? '';
  };
  const slackBotToken = need('SLACK_BOT_TOKEN', "the app's Bot User OAuth Token, xoxb-…: README \"Install in Slack\"");
  const slackAppToken = env.SLACK_APP_TOKEN?.trim() || undefined;
  // The signing secret verifies HTTP requests; Socket Mode and worker-only processes do without.
  const slackSigningSecret =
    role !== 'worker' && !slackAppToken
      ? need('SLACK_SIGNING_SECRET', "the app's Signing Secret, under App Credentials; or set SLACK_APP_TOKEN=xapp-… to use Socket Mode instead")
      : (env.SLACK_SIGNING_SECRET?.trim() ?? '');
  if (slackBotToken && !placeholder.has('SLACK_BOT_TOKEN') && !/^xox[bp]-/.test(slackBotToken)) problems.push('SLACK_BOT_TOKEN must be a bot token (xoxb-…)');
  if (slackAppToken && !placeholder.has('SLACK_APP_TOKEN') && !slackAppToken.startsWith('xapp-')) problems.push('SLACK_APP_TOKEN must be an app-level token (xapp-…) for Socket Mode');
  const redisUrl = env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
  try {
    parseRedisUrl(redisUrl); // redis://, redis+sentinel://…/name or redis+cluster://…
  } catch (err) {
    problems.push((err as Error).message);
  }
  const level = env.LOG_LEVEL?.trim();
  if (level && logLevelOf(env) !== level.toLowerCase()) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level.slice(0, 20))}`);
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be a port number, got ${JSON.stringify(env.PORT)}`);
  let slackApiUrl = 'https://slack.com/api/';
  try {
    slackApiUrl = slackApiUrlOf(env);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) problems.push(`${name} must be a positive integer`);
    return n;
  };
  const workerConcurrency = int('LEAKBOT_WORKER_CONCURRENCY');
  const jobLockMs = int('LEAKBOT_JOB_LOCK_MS');
  const parseMemoryMb = int('LEAKBOT_PARSE_MEMORY_MB');
  const slackRetryMaxDelayMs = int('LEAKBOT_SLACK_RETRY_MAX_DELAY_MS');
  const slackRetryHours = env.LEAKBOT_SLACK_RETRY_HOURS?.trim() ? Number(env.LEAKBOT_SLACK_RETRY_HOURS) : undefined;
  if (slackRetryHours !== undefined && !(slackRetryHours > 0)) problems.push('LEAKBOT_SLACK_RETRY_HOURS must be a positive number of hours');
  const maxStalled = env.LEAKBOT_MAX_STALLED?.trim() ? Number(env.LEAKBOT_MAX_STALLED) : undefined;
  if (maxStalled !== undefined && !(Number.isInteger(maxStalled) && maxStalled >= 0)) problems.push('LEAKBOT_MAX_STALLED must be a non-negative integer');
  if (problems.length) throw new StartupError(`leakbot cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return {
    slackBotToken,
    slackSigningSecret,
    ...(slackAppToken ? { slackAppToken } : {}),
    slackApiUrl,
    redisUrl,
    port,
    ...(env.LEAKBOT_WEBHOOK_TOKEN ? { webhookToken: env.LEAKBOT_WEBHOOK_TOKEN } : {}),
    ...(workerConcurrency ? { workerConcurrency } : {}),
    ...(jobLockMs ? { jobLockMs } : {}),
    ...(parseMemoryMb ? { parseMemoryMb } : {}),
    ...(env.LEAKBOT_SPOOL_DIR?.trim() ? { spoolDir: env.LEAKBOT_SPOOL_DIR.trim() } : {}),
    ...(slackRetryHours ? { slackRetryMs: Math.round(slackRetryHours * 3600_000) } : {}),
    ...(slackRetryMaxDelayMs ? { slackRetryMaxDelayMs } : {}),
    ...(maxStalled !== undefined ? { maxStalledCount: maxStalled } : {}),
    ...(env.LEAKBOT_REDIS_PREFIX ? { prefix: env.LEAKBOT_REDIS_PREFIX } : {}),
  };
}

/** SLACK_API_URL normalised to end with '/' (default https://slack.com/api/). Throws Error with a
 *  sentence when it is no URL. */
export function slackApiUrlOf(env: NodeJS.ProcessEnv): string {
  const raw = env.SLACK_API_URL?.trim();
  if (!raw) return 'https://slack.com/api/';
  let href: string;
  try {
    href = new URL(raw).href;
  } catch {
    throw new Error('SLACK_API_URL must be a URL such as https://slack.com/api/');
  }
  return href.endsWith('/') ? href : `${href}/`;
}

/** Loads and validates the YAML at LEAKBOT_CONFIG; throws StartupError naming the file and bad keys. */
export function readConfig(env: NodeJS.ProcessEnv): Config {
  const path = env.LEAKBOT_CONFIG?.trim();
  if (!path) throw new StartupError('leakbot cannot start:\n  - LEAKBOT_CONFIG is not set (path to the YAML config listing your services: copy examples/leakbot.yml out of the checkout, edit it, and point LEAKBOT_CONFIG at the copy)');
  if (isPlaceholder(path)) throw new StartupError(`leakbot cannot start:\n  - LEAKBOT_CONFIG holds a placeholder (${path}): replace the placeholder with the path of your config file`);
  try {
    return loadConfig(path, env);
  } catch (err) {
    if (err instanceof ConfigError) throw new StartupError(`leakbot cannot start: ${err.message}`);
    throw err;
  }
}

/**
 * The environment and the config together, so one start names every problem at once (a pasted
 * placeholder token and a missing config file in the same message). Throws StartupError.
 */
export function readStartup(env: NodeJS.ProcessEnv, role: Role): { config: Config; env: LeakbotEnv } {
  const problems: string[] = [];
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof StartupError)) throw err;
      const body = err.message.replace(/^leakbot cannot start:\n?/, '');
      problems.push(body.startsWith('  - ') ? body : `  - ${body.trim()}`);
      return undefined;
    }
  };
  const e = attempt(() => readEnv(env, role));
  const config = attempt(() => readConfig(env));
  if (!e || !config) throw new StartupError(`leakbot cannot start:\n${problems.join('\n')}`);
  return { config, env: e };
}
