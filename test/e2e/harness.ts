// An in-process leakbot on real parts for end-to-end tests: a private redis-server, the Slack
// stand-in, a config file, and createLeakbot() serving on a random loopback port.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLeakbot, type Leakbot } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import type { LeakbotEnv } from '../../src/context.js';
import { createLogger } from '../../src/log.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startSlackStub, type SlackStub } from '../support/slack-stub.js';
import { sendCommand, sendAction, type ActionInput, type CommandInput, type SignOptions } from '../support/slack-request.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export interface Harness {
  redis: TestRedis;
  slack: SlackStub;
  bot: Leakbot;
  port: number;
  eventsUrl: string;
  baseUrl: string;
  configPath: string;
  env: Record<string, string>;
  command(c: CommandInput, opts?: SignOptions): ReturnType<typeof sendCommand>;
  action(a: ActionInput, opts?: SignOptions): ReturnType<typeof sendAction>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** YAML of the config (services etc.). */
  configYaml: string;
  role?: 'all' | 'web';
  workerConcurrency?: number;
  jobLockMs?: number;
  /** Reuse these instead of starting new ones. */
  redis?: TestRedis;
  slack?: SlackStub;
  logLevel?: string;
  /** LEAKBOT_WEBHOOK_TOKEN (enables POST /webhooks/alertmanager). */
  webhookToken?: string;
  /** Socket Mode (SLACK_APP_TOKEN) instead of the HTTP receiver. */
  socketMode?: boolean;
  /** Further process settings (e.g. slackRetryMaxDelayMs, redisUrl of a Sentinel set). */
  env?: Partial<LeakbotEnv>;
  /** Where the bot's JSON log lines go (with logLevel; default: stdout). */
  logDestination?: NodeJS.WritableStream;
}

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const redis = o.redis ?? (await startRedis());
  const slack = o.slack ?? (await startSlackStub());
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-e2e-'));
  const configPath = join(dir, 'leakbot.yml');
  writeFileSync(configPath, o.configYaml);
  const env: LeakbotEnv = {
    slackBotToken: slack.token,
    slackSigningSecret: SIGNING_SECRET,
    slackApiUrl: slack.apiUrl,
    redisUrl: redis.url,
    port: 0,
    ...(o.socketMode ? { slackAppToken: slack.appToken } : {}),
    ...(o.workerConcurrency ? { workerConcurrency: o.workerConcurrency } : {}),
    ...(o.jobLockMs ? { jobLockMs: o.jobLockMs } : {}),
    ...(o.webhookToken ? { webhookToken: o.webhookToken } : {}),
    ...o.env,
  };
  const logger = createLogger({ level: o.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent', ...(o.logDestination ? { destination: o.logDestination } : {}) });
  // On a failed start, release what this harness started so the test process can exit.
  const cleanup = async (bot?: Leakbot) => {
    await bot?.stop({ graceMs: 1000 }).catch(() => {});
    if (!o.slack) await slack.close();
    if (!o.redis) await redis.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let bot: Leakbot;
  try {
    bot = await createLeakbot({ config: parseConfig(o.configYaml, process.env, configPath), env, logger, role: o.role ?? 'all' });
  } catch (err) {
    await cleanup();
    throw err;
  }
  let port: number;
  try {
    port = await bot.startWeb({ port: 0, host: '127.0.0.1' });
    if ((o.role ?? 'all') === 'all') await bot.startWorker();
    // The fail-fast Redis connections have no offline queue: a test using them before they are up
    // gets "Stream isn't writeable" (a busy machine makes that window long). Wait for readiness.
    await bot.ready();
  } catch (err) {
    await cleanup(bot);
    throw err;
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  const eventsUrl = `${baseUrl}/slack/events`;
  return {
    redis,
    slack,
    bot,
    port,
    eventsUrl,
    baseUrl,
    configPath,
    env: {
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL: redis.url,
      LEAKBOT_CONFIG: configPath,
    },
    command: (c, opts) => sendCommand(eventsUrl, SIGNING_SECRET, { responseUrl: slack.responseUrl(), ...c }, opts),
    action: (a, opts) => sendAction(eventsUrl, SIGNING_SECRET, { responseUrl: slack.responseUrl(), ...a }, opts),
    async close() {
      await bot.stop({ graceMs: 5000 }).catch(() => {});
      if (!o.slack) await slack.close();
      if (!o.redis) await redis.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
