// Alert-triggered leak summaries (issue 4), plugged into leakbot as a module: the webhook route on
// the web side, the alert.* job processors on the worker side (both are registered in every process;
// each role only uses its half).
import { Counter } from 'prom-client';
import type { LeakbotContext, LeakbotModule } from '../context.js';
import { QueueUnavailableError } from '../queue/queue.js';
import { isRedisUnavailable } from '../store/redis.js';
import { webhookAuth } from './auth.js';
import { AlertLedger } from './dedupe.js';
import { closeFailedAction, closeFailedNotify, processCapture, processNotify, processRecapture, processResolve, redrawParent, type AlertDeps } from './jobs.js';
import { ChannelPacer, RedisSemaphore } from './limits.js';
import { webhookRoute } from './webhook.js';

export const alertsModule: LeakbotModule = {
  name: 'alerts',
  register(ctx: LeakbotContext) {
    const log = ctx.log.child({ component: 'alerts' });
    const ledger = new AlertLedger(ctx.redis, { prefix: ctx.prefix });
    const deps: AlertDeps = {
      ctx,
      ledger,
      // At most alerts.maxConcurrentCaptures alert-triggered captures at once across all workers; one
      // per service on top of that comes from the capture coordinator.
      slots: new RedisSemaphore(ctx.redis, `${ctx.prefix}:alerts:capture-slots`, () => ctx.config.alerts.maxConcurrentCaptures, 5 * 60_000),
      pacer: new ChannelPacer(ctx.redis, `${ctx.prefix}:alerts`),
    };

    if (ctx.role !== 'worker') {
      const notifications = new Counter({
        name: 'leakbot_alert_notifications_total',
        help: 'Alert webhook deliveries by outcome (queued, unauthorized, invalid, unavailable, disabled, error)',
        labelNames: ['outcome', 'source'] as const,
        registers: [ctx.metrics.registry],
      });
      ctx.routes.add(
        webhookRoute({
          auth: webhookAuth(ctx.env.webhookToken, log),
          log,
          isUnavailable: (err) => err instanceof QueueUnavailableError || isRedisUnavailable(err),
          onOutcome: (outcome, source) => notifications.inc({ outcome, source: source ?? 'unknown' }),
          // 'throw', not 'hold': holding in memory would answer 200 for a notification only this
          // process remembers; a 503 keeps it safe in Alertmanager, which retries.
          enqueue: (notification, meta) =>
            ctx.jobs.enqueue('alert.notify', { notification, receivedAt: meta.receivedAt, requester: { requestId: meta.requestId } }, { onUnavailable: 'throw' }),
        }),
      );
    }

    // A /leak verb's verdict in an alert thread (flows/thread.ts recordOutcome) redraws its parent.
    ctx.parents.register('alert', (rec) => redrawParent(deps, rec));
    ctx.processors.register('alert.notify', (job) => processNotify(deps, job));
    ctx.processors.register('alert.capture', (job) => processCapture(deps, job));
    ctx.processors.register('alert.recapture', (job) => processRecapture(deps, job));
    ctx.processors.register('alert.resolve', (job) => processResolve(deps, job));
    // A capture, recapture or resolve job that fails for good says so in its alert thread.
    for (const kind of ['alert.capture', 'alert.recapture', 'alert.resolve'] as const) ctx.failures.register(kind, (job) => closeFailedAction(deps, job));
    // A notification whose job fails for good is applied once more, then told to its channels.
    ctx.failures.register('alert.notify', (job) => closeFailedNotify(deps, job));
  },
};
