// What every module gets: config, logger, Redis-backed stores, the queue, Slack posting and the
// registries to extend leakbot with. Built once per process by createLeakbot (src/app.ts).
import type { ParentRegistry } from './flows/parents.js';
import type { AnalysisPool } from './analysis/pool.js';
import type { Config } from './config/schema.js';
import type { Timeline } from './incident/timeline.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { CaptureCoordinator } from './capture/coordinator.js';
import type { ProcessorRegistry } from './queue/processors.js';
import type { FinalFailureRegistry } from './queue/final-failure.js';
import type { JobQueue } from './queue/queue.js';
import type { ActionRegistry } from './slack/actions.js';
import type { Poster } from './slack/poster.js';
import type { CaptureGate } from './store/capture-gate.js';
import type { PendingRequests } from './store/pending.js';
import type { Redis } from './store/redis.js';
import type { SnapshotStore } from './store/snapshots.js';
import type { ThreadStore } from './store/threads.js';
import type { RouteRegistry } from './web/routes.js';
import type { CommandRegistry } from '../commands/index.js';

/** Process settings read from the environment (src/main.ts validates them). */
export interface LeakbotEnv {
  slackBotToken: string;
  slackSigningSecret: string;
  /** Socket Mode when set. */
  slackAppToken?: string;
  /** Web API base URL (tests point it at the Slack stand-in); always ends with '/'. */
  slackApiUrl: string;
  redisUrl: string;
  port: number;
  webhookToken?: string;
  /** Worker tuning (tests shorten the lock so a killed worker's job returns quickly). */
  workerConcurrency?: number;
  jobLockMs?: number;
  /** How long jobs wait for an unreachable Slack (LEAKBOT_SLACK_RETRY_HOURS, default 6 h), in ms. */
  slackRetryMs?: number;
  /** Longest pause between tries while Slack is unreachable (LEAKBOT_SLACK_RETRY_MAX_DELAY_MS, default 60 s). */
  slackRetryMaxDelayMs?: number;
  /** Directory of the held-jobs spool (LEAKBOT_SPOOL_DIR; default <tmpdir>/leakbot-spool). */
  spoolDir?: string;
  /** BullMQ maxStalledCount (LEAKBOT_MAX_STALLED, default 3): stalls before a job fails for good. */
  maxStalledCount?: number;
  /** Heap cap (MiB) of each worker thread decoding or analysing a profile (LEAKBOT_PARSE_MEMORY_MB). */
  parseMemoryMb?: number;
  /** Redis key prefix (default 'leakbot'); lets several test instances share one Redis. */
  prefix?: string;
}

export interface LeakbotContext {
  role: 'all' | 'web' | 'worker';
  config: Config;
  env: LeakbotEnv;
  log: Logger;
  metrics: Metrics;
  /** Fail-fast Redis connection (no offline queue): use it for reads/writes on any path. */
  redis: Redis;
  prefix: string;
  snapshots: SnapshotStore;
  threads: ThreadStore;
  timeline: Timeline;
  pending: PendingRequests;
  gate: CaptureGate;
  captures: CaptureCoordinator;
  /** Profile decoding and analysis in worker threads: never on the thread answering Slack. */
  analysis: AnalysisPool;
  jobs: JobQueue;
  poster: Poster;
  routes: RouteRegistry;
  processors: ProcessorRegistry;
  actions: ActionRegistry;
  /** Renderers of thread parents that modules draw (alert threads). */
  parents: ParentRegistry;
  /** What a job kind closes when its job fails for good (src/queue/final-failure.ts). */
  failures: FinalFailureRegistry;
  commands: CommandRegistry;
}

/** A feature plugged into leakbot (alerts, incident tools…). List it in src/modules.ts. */
export interface LeakbotModule {
  name: string;
  register(ctx: LeakbotContext): void | Promise<void>;
}
