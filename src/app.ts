// Composition of a leakbot process. createLeakbot() builds the context (config, logger, Redis
// stores, queue, Slack poster, registries), lets every module register itself, and returns
// start/stop for the web side (Bolt + our HTTP routes) and the worker side (BullMQ).
//
// ── Extension points (for alerts, incident tools, …) ────────────────────────────────────────────
// • New /leak verb: a file in commands/ exporting `command: CommandModule` (commands/types.ts).
//   It is discovered automatically and listed by `/leak help`. Its handler runs inside Slack's
//   3 s: only Redis I/O; enqueue a job for anything slower. Optional `register(ctx)` runs at
//   startup in every process (web and worker) to add processors/actions/routes.
// • Feature module without a verb: export a `LeakbotModule` ({ name, register(ctx) }) and add it
//   to MODULES in src/modules.ts (one import + one entry).
// • Job kinds: augment `JobPayloads` in src/queue/jobs.ts by declaration merging from your own
//   file, then `ctx.processors.register('kind', async (job) => …)` in register(ctx). Enqueue with
//   `ctx.jobs.enqueue('kind', data, { jobId?, delayMs?, onUnavailable: 'hold' | 'throw' })`
//   → { status: 'queued' | 'held', jobId } (held = Redis down, kept in memory and flushed on
//   return; 'throw' raises QueueUnavailableError — answer 5xx so the sender retries).
//   Use a stable jobId to dedupe (BullMQ ignores an add whose id exists; ':' is replaced).
// • HTTP routes: `ctx.routes.add({ method: 'POST', path: '/webhooks/alertmanager',
//   maxBodyBytes, handler: async ({ headers, rawBody, requestId }) => ({ status, body }) })`.
//   Served by the web process next to POST /slack/events, GET /healthz, GET /metrics.
// • Buttons / checkboxes: `ctx.actions.register('action_id', async (inv, ctx) => …)`; Bolt has
//   already acked; return { text } to answer the clicking user ephemerally. The findings message
//   carries a "Draft postmortem" button, action_id `postmortem_draft`, value JSON
//   { s: service, ch: channel, ts: thread ts, c: current snapshot seq, r: reference seq | null }.
// • Slack output from jobs: `ctx.poster.post(key, { channel, threadTs?, text, blocks? })` is
//   idempotent per key (a retried job updates its message); `ctx.poster.upload(key, …)` wraps
//   files.uploadV2; `ctx.poster.respond(responseUrl, { text })` answers a user; Slack failures
//   throw SlackPostError { code, userMessage, retryable }.
// • Captures: `ctx.captures.obtain(service, { requestedBy, reason, maxAgeMs?, thread? })` honours
//   one-capture-per-service and minIntervalSeconds, stores the snapshot (ctx.snapshots) and
//   appends the timeline's 'snapshot' event → { ok, meta, shared } | { ok: false, code, message }.
// • Records: ctx.snapshots (history, baseline), ctx.threads (thread → service, snapshot seqs),
//   ctx.timeline (TimelineEvents per service), ctx.redis (fail-fast connection), ctx.prefix.
// ───────────────────────────────────────────────────────────────────────────────────────────────
import type { Server } from 'node:http';
import { AnalysisPool } from './analysis/pool.js';
import type { App } from '@slack/bolt';
import { loadCommands, type CommandRegistry } from '../commands/index.js';
import type { Config } from './config/schema.js';
import type { LeakbotContext, LeakbotEnv, LeakbotModule } from './context.js';
import { Timeline } from './incident/timeline.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { MODULES } from './modules.js';
import { CaptureCoordinator } from './capture/coordinator.js';
import { TargetResolver } from './capture/targets/index.js';
import { ProcessorRegistry } from './queue/processors.js';
import { JobQueue } from './queue/queue.js';
import { startWorker, type RunningWorker } from './queue/worker.js';
import { FinalFailureRegistry, watchFinalFailures } from './queue/final-failure.js';
import { ActionRegistry } from './slack/actions.js';
import { createBolt, SLACK_EVENTS_PATH } from './slack/bolt.js';
import { Poster, createSlackClient } from './slack/poster.js';
import { CaptureGate } from './store/capture-gate.js';
import { PendingRequests } from './store/pending.js';
import { PostMemory } from './store/posts.js';
import { createRedis, keyPrefix, parseRedisUrl, waitReady } from './store/redis.js';
import { SnapshotStore } from './store/snapshots.js';
import { ThreadStore } from './store/threads.js';
import { addHealthRoutes } from './web/health.js';
import { RouteRegistry } from './web/routes.js';
import { closeServer, createHttpServer, listen, type SlackRefusal } from './web/server.js';
import { ReplayGuard } from './web/slack-verify.js';
import { ParentRegistry } from './flows/parents.js';
import { closeAbandonedParent } from './flows/thread.js';
import { apiErrorOf, SlackConnection, SlackTokenRejectedError } from './slack/connect.js';

export interface CreateLeakbotOptions {
  config: Config;
  env: LeakbotEnv;
  logger: Logger;
  role?: LeakbotContext['role'];
  /** Feature modules; default src/modules.ts. */
  modules?: LeakbotModule[];
  /** Verb registry; default: every module in commands/. */
  commands?: CommandRegistry;
  metrics?: Metrics;
}

export interface Leakbot {
  ctx: LeakbotContext;
  /** HTTP server (+ Bolt in the web roles); resolves with the bound port (PORT 0 → random). */
  startWeb(opts?: { port?: number; host?: string }): Promise<number>;
  startWorker(): Promise<void>;
  /** Resolves once the store and queue connections to Redis are ready (rejects after timeoutMs):
   *  commands answered before that are held, which callers that need Redis (tests, doctor) avoid. */
  ready(timeoutMs?: number): Promise<void>;
  /** Graceful: stop HTTP, finish or return in-flight jobs, flush held jobs, close Redis. */
  stop(opts?: { graceMs?: number }): Promise<void>;
  readonly bolt: App | null;
}

export async function createLeakbot(opts: CreateLeakbotOptions): Promise<Leakbot> {
  const { config, env } = opts;
  const role = opts.role ?? 'all';
  const log = opts.logger;
  // Cluster: every key under one hash tag (`{leakbot}`), as BullMQ requires.
  const prefix = keyPrefix(env.redisUrl, env.prefix ?? 'leakbot');
  const metrics = opts.metrics ?? createMetrics();
  const commands = opts.commands ?? (await loadCommands());
  const redis = createRedis(env.redisUrl, 'command', log.child({ component: 'store' }));
  const snapshots = new SnapshotStore(redis, config.history, prefix);
  const gate = new CaptureGate(redis, prefix);
  const timeline = new Timeline(redis, prefix);
  const analysis = new AnalysisPool({ ...(env.parseMemoryMb ? { memoryMb: env.parseMemoryMb } : {}), log: log.child({ component: 'analysis' }) });
  // Sentinel: a post's marker must reach a replica before the post (src/store/posts.ts).
  const postMemory = new PostMemory(redis, prefix, parseRedisUrl(env.redisUrl).mode === 'sentinel');
  const ctx: LeakbotContext = {
    role,
    config,
    env,
    log,
    metrics,
    redis,
    prefix,
    snapshots,
    threads: new ThreadStore(redis, prefix),
    timeline,
    pending: new PendingRequests(redis, prefix),
    gate,
    captures: new CaptureCoordinator(
      config,
      snapshots,
      gate,
      timeline,
      log.child({ component: 'capture' }),
      metrics,
      (bytes, o) => analysis.decode(bytes, o, { storedForm: true }), // every capture is stored
      // LEAKBOT_DNS_SERVER overrides the config's dnsServer (e.g. a cluster DNS reachable from one host only).
      new TargetResolver(config.services, { ...((process.env.LEAKBOT_DNS_SERVER ?? config.dnsServer) ? { dnsServer: process.env.LEAKBOT_DNS_SERVER ?? config.dnsServer } : {}) }),
    ),
    analysis,
    jobs: new JobQueue(env.redisUrl, log, metrics, prefix, env.spoolDir),
    poster: new Poster(createSlackClient(env.slackBotToken, env.slackApiUrl, log), postMemory, log.child({ component: 'poster' }), metrics),
    routes: new RouteRegistry(),
    processors: new ProcessorRegistry(),
    actions: new ActionRegistry(),
    parents: new ParentRegistry(),
    failures: new FinalFailureRegistry(),
    commands,
  };
  try {
    addHealthRoutes(ctx.routes, { redis, metrics, role, extra: () => ({ heldJobs: ctx.jobs.heldCount(), ...(slack ? { slack: slack.state } : {}) }) });
    // Read at each scrape: 0 while Slack is unreachable and its requests are answered 503.
    metrics.onCollect(async () => {
      if (slack) metrics.slackConnected.set(slack.state === 'ready' ? 1 : 0);
    });
    for (const m of opts.modules ?? MODULES) await m.register(ctx);
    for (const c of ctx.commands.list()) await c.register?.(ctx);
  } catch (err) {
    // A module refusing to start (e.g. a broken template) must not leave connections behind.
    await ctx.jobs.close().catch(() => {});
    await analysis.close();
    redis.disconnect();
    throw err;
  }

  let server: Server | null = null;
  let worker: RunningWorker | null = null;
  let finalFailures: { close(): Promise<void> } | null = null;
  let bolt: ReturnType<typeof createBolt> | null = null;
  let slack: SlackConnection | null = null;

  return {
    ctx,
    get bolt() {
      return bolt?.app ?? null;
    },
    async startWeb(o = {}) {
      if (role !== 'worker') {
        const parts = (bolt = createBolt(ctx));
        // auth.test (App.init): a token Slack refuses fails here, at start; Slack unreachable does
        // not — the process serves webhooks and health and keeps trying (src/slack/connect.ts).
        slack = new SlackConnection({
          connect: async () => {
            await parts.app.init();
            if (parts.socket) {
              await parts.app.start().catch((err: unknown) => {
                const refused = apiErrorOf(err);
                throw refused ? new SlackTokenRejectedError(refused, 'SLACK_APP_TOKEN', 'apps.connections.open') : err;
              });
            }
          },
          log: log.child({ component: 'slack-connect' }),
          apiUrl: env.slackApiUrl,
          // The same ceiling as jobs waiting for Slack (LEAKBOT_SLACK_RETRY_MAX_DELAY_MS).
          ...(env.slackRetryMaxDelayMs ? { minDelayMs: Math.min(1000, env.slackRetryMaxDelayMs), maxDelayMs: env.slackRetryMaxDelayMs } : {}),
        });
        await slack.start();
      }
      const slackEndpoint = bolt?.http
        ? { listener: bolt.http.requestListener, ready: () => slack?.state === 'ready', signingSecret: env.slackSigningSecret, replay: new ReplayGuard(redis, prefix, log.child({ component: 'slack-verify' })), refused: (reason: SlackRefusal) => metrics.slackRefused.inc({ reason }) }
        : null;
      server = createHttpServer(ctx.routes, slackEndpoint, log.child({ component: 'http' }));
      const port = await listen(server, o.port ?? env.port, o.host);
      // Every path this process answers, Bolt's included (it is served through the fallback listener).
      const routes = [...(bolt?.http ? [`POST ${SLACK_EVENTS_PATH}`] : []), ...ctx.routes.list().map((r) => `${r.method} ${r.path}`)];
      log.info({ port, socketMode: !!bolt?.socket, routes }, 'http server listening');
      return port;
    },
    async startWorker() {
      worker = startWorker({
        redisUrl: env.redisUrl,
        processors: ctx.processors,
        log,
        metrics,
        prefix,
        ...(env.workerConcurrency ? { concurrency: env.workerConcurrency } : {}),
        ...(env.jobLockMs ? { lockDurationMs: env.jobLockMs } : {}),
        ...(env.maxStalledCount !== undefined ? { maxStalledCount: env.maxStalledCount } : {}),
        ...(env.slackRetryMs ? { slackRetryMs: env.slackRetryMs } : {}),
        ...(env.slackRetryMaxDelayMs ? { slackRetryMaxDelayMs: env.slackRetryMaxDelayMs } : {}),
      });
      // Jobs that fail for good (last attempt, or BullMQ's stalled-job limit) are told to the requester.
      finalFailures = watchFinalFailures({
        connection: createRedis(env.redisUrl, 'worker', log.child({ component: 'final-failures' })),
        queue: ctx.jobs.queue,
        redis,
        poster: ctx.poster,
        memory: postMemory,
        prefix,
        log: log.child({ component: 'final-failures' }),
        closeParent: (p) => closeAbandonedParent(ctx, p),
        handlers: ctx.failures,
        ...(env.jobLockMs ? { leaseMs: env.jobLockMs } : {}),
      });
      log.info({ kinds: ctx.processors.kinds() }, 'worker started');
    },
    async ready(timeoutMs = 30_000) {
      await Promise.all([waitReady(redis, timeoutMs), ctx.jobs.whenReady(timeoutMs)]);
    },
    async stop(o = {}) {
      log.info('shutting down');
      slack?.stop();
      if (server) await closeServer(server);
      if (bolt?.socket) await bolt.socket.stop().catch(() => {});
      if (worker) await worker.close(o.graceMs);
      await finalFailures?.close().catch(() => {});
      await ctx.jobs.close();
      await analysis.close();
      redis.disconnect();
      log.info('stopped');
    },
  };
}
