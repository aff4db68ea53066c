// Prometheus metrics (prom-client). One Registry per leakbot instance so tests and several
// instances in one process never collide on the global registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  captures: Counter<'service' | 'outcome'>;
  captureDuration: Histogram<'service'>;
  captureFailures: Counter<'service' | 'code'>;
  capturesShared: Counter<'service'>;
  jobs: Counter<'kind' | 'outcome'>;
  jobDuration: Histogram<'kind'>;
  commands: Counter<'verb' | 'outcome'>;
  queueDepth: Gauge<'state'>;
  slackErrors: Counter<'method' | 'error'>;
  /** Requests to POST /slack/events answered without reaching Bolt, by reason (bad_signature,
   *  not_connected, replay, too_large): what Slack's users saw fail. */
  slackRefused: Counter<'reason'>;
  /** 1 once SLACK_BOT_TOKEN was checked with auth.test (Slack reachable), else 0 (set by the app). */
  slackConnected: Gauge;
  /** Errors that escaped every handler (logged; the process keeps serving). */
  uncaughtErrors: Counter<'kind'>;
  /** Called before each scrape (e.g. to read queue depth from Redis). */
  onCollect(fn: () => Promise<void>): void;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'leakbot_' });
  const collectors: Array<() => Promise<void>> = [];
  const queueDepth = new Gauge({
    name: 'leakbot_queue_depth',
    help: 'Jobs in the leakbot queue by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      await Promise.all(collectors.map((c) => c().catch(() => {})));
    },
  });
  return {
    registry,
    captures: new Counter({ name: 'leakbot_captures_total', help: 'Goroutine profile captures leakbot made, by outcome (ok, failed); requests answered from another capture are leakbot_captures_shared_total', labelNames: ['service', 'outcome'] as const, registers: [registry] }),
    captureDuration: new Histogram({
      name: 'leakbot_capture_duration_seconds',
      help: 'Time to fetch and parse a goroutine profile',
      labelNames: ['service'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    captureFailures: new Counter({ name: 'leakbot_capture_failures_total', help: 'Failed captures by error code', labelNames: ['service', 'code'] as const, registers: [registry] }),
    capturesShared: new Counter({ name: 'leakbot_captures_shared_total', help: 'Requests answered from a capture another request made (coalescing / min interval)', labelNames: ['service'] as const, registers: [registry] }),
    jobs: new Counter({ name: 'leakbot_jobs_total', help: 'Queue jobs processed by kind and outcome', labelNames: ['kind', 'outcome'] as const, registers: [registry] }),
    jobDuration: new Histogram({ name: 'leakbot_job_duration_seconds', help: 'Job processing time', labelNames: ['kind'] as const, buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120], registers: [registry] }),
    commands: new Counter({ name: 'leakbot_commands_total', help: 'Slash commands by verb and outcome', labelNames: ['verb', 'outcome'] as const, registers: [registry] }),
    queueDepth,
    slackErrors: new Counter({ name: 'leakbot_slack_errors_total', help: 'Slack Web API errors by method and error code', labelNames: ['method', 'error'] as const, registers: [registry] }),
    slackRefused: new Counter({ name: 'leakbot_slack_requests_refused_total', help: 'Requests to POST /slack/events refused before Bolt, by reason (bad_signature, not_connected, replay, too_large)', labelNames: ['reason'] as const, registers: [registry] }),
    slackConnected: new Gauge({ name: 'leakbot_slack_connected', help: '1 when the bot token has been checked with Slack (auth.test), 0 while Slack is unreachable and its requests are answered 503', registers: [registry] }),
    uncaughtErrors: new Counter({ name: 'leakbot_uncaught_errors_total', help: 'Exceptions and rejections no handler caught (logged, process kept serving)', labelNames: ['kind'] as const, registers: [registry] }),
    onCollect(fn) {
      collectors.push(fn);
    },
  };
}
