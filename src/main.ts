// Process entry points used by `leakbot start|web|worker` (src/cli.ts): read and check the
// environment, load the config, compose, and shut down gracefully on SIGTERM/SIGINT.
import { createLeakbot, type Leakbot } from './app.js';
import { ConfigError, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import type { LeakbotContext, LeakbotEnv } from './context.js';
import { createLogger, type Logger } from './log.js';
import { normalizeApiUrl } from './slack/poster.js';

export class StartupError extends Error {
  override name = 'StartupError';
}

type Role = LeakbotContext['role'];

/** Reads the environment; every missing or malformed variable is named in one error. */
export function readEnv(env: NodeJS.ProcessEnv, role: Role): LeakbotEnv {
  const problems: string[] = [];
  const need = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) problems.push(`${name} is not set`);
    return v ?? '';
  };
  const slackBotToken = need('SLACK_BOT_TOKEN');
  const slackAppToken = env.SLACK_APP_TOKEN?.trim() || undefined;
  // The signing secret verifies HTTP requests; Socket Mode and worker-only processes do without.
  const slackSigningSecret = role !== 'worker' && !slackAppToken ? need('SLACK_SIGNING_SECRET') : (env.SLACK_SIGNING_SECRET?.trim() ?? '');
  if (slackBotToken && !/^xox[bp]-/.test(slackBotToken)) problems.push('SLACK_BOT_TOKEN must be a bot token (xoxb-…)');
  if (slackAppToken && !slackAppToken.startsWith('xapp-')) problems.push('SLACK_APP_TOKEN must be an app-level token (xapp-…) for Socket Mode');
  const redisUrl = env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must look like redis://host:6379');
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be a port number, got ${JSON.stringify(env.PORT)}`);
  let slackApiUrl = 'https://slack.com/api/';
  if (env.SLACK_API_URL?.trim()) {
    try {
      slackApiUrl = normalizeApiUrl(new URL(env.SLACK_API_URL.trim()).href);
    } catch {
      problems.push('SLACK_API_URL must be a URL such as https://slack.com/api/');
    }
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
    ...(slackRetryHours ? { slackRetryMs: Math.round(slackRetryHours * 3600_000) } : {}),
    ...(slackRetryMaxDelayMs ? { slackRetryMaxDelayMs } : {}),
    ...(maxStalled !== undefined ? { maxStalledCount: maxStalled } : {}),
    ...(env.LEAKBOT_REDIS_PREFIX ? { prefix: env.LEAKBOT_REDIS_PREFIX } : {}),
  };
}

export function readConfig(env: NodeJS.ProcessEnv): Config {
  const path = env.LEAKBOT_CONFIG?.trim();
  if (!path) throw new StartupError('leakbot cannot start:\n  - LEAKBOT_CONFIG is not set (path to the YAML config listing your services)');
  try {
    return loadConfig(path, env);
  } catch (err) {
    if (err instanceof ConfigError) throw new StartupError(`leakbot cannot start: ${err.message}`);
    throw err;
  }
}

export interface Running {
  leakbot: Leakbot;
  port: number;
  stop(): Promise<void>;
}

/** Starts a process of the given role; on bad env/config prints the reason and exits 1. */
export async function run(role: Role, env: NodeJS.ProcessEnv = process.env, opts: { exitOnError?: boolean; signals?: boolean } = {}): Promise<Running> {
  const log = createLogger({ level: env.LOG_LEVEL ?? 'info' });
  let leakbot: Leakbot;
  let port: number;
  try {
    const cfg = readConfig(env);
    const e = readEnv(env, role);
    leakbot = await createLeakbot({ config: cfg, env: e, logger: log.child({ role }), role });
    // Every role serves /healthz and /metrics (the Docker HEALTHCHECK runs in web and worker).
    port = await leakbot.startWeb();
    if (role !== 'web') await leakbot.startWorker();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (opts.exitOnError ?? true) {
      process.stderr.write(`${msg}\n`);
      log.flush?.();
      process.exit(1);
    }
    throw err;
  }
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => (stopping ??= leakbot.stop());
  if (opts.signals ?? true) {
    // Nothing a client or a library throws may end an incident bot: every request path answers on
    // its own (src/web/server.ts), and whatever still escapes is logged (errors serialized without
    // req/res, headers redacted: src/log.ts) while the process keeps serving. A supervisor that
    // wants a restart can watch leakbot_uncaught_errors_total.
    const uncaught = leakbot.ctx.metrics.uncaughtErrors;
    process.on('unhandledRejection', (err) => {
      uncaught.inc({ kind: 'rejection' });
      log.error({ err }, 'unhandled promise rejection; still serving');
    });
    process.on('uncaughtException', (err) => {
      uncaught.inc({ kind: 'exception' });
      log.fatal({ err }, 'uncaught exception; still serving');
    });
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.once(sig, () => {
        log.info({ signal: sig }, 'signal received');
        stop().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  }
  return { leakbot, port, stop };
}

export const runAll = (env?: NodeJS.ProcessEnv): Promise<Running> => run('all', env);
export const runWeb = (env?: NodeJS.ProcessEnv): Promise<Running> => run('web', env);
export const runWorker = (env?: NodeJS.ProcessEnv): Promise<Running> => run('worker', env);

export type { Logger };
