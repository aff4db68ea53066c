import type { Logger } from '../log.js';
import type { Route, RouteResponse } from '../web/routes.js';
import type { AuthCheck } from './auth.js';
import { parseAlertNotification, type AlertNotification } from './payload.js';

// POST /webhooks/alertmanager: authenticate, validate, queue, answer. Nothing else happens on the
// request path, so Alertmanager gets its answer in milliseconds. Status codes follow Alertmanager's
// retry rules: it retries 5xx and never 4xx, so
//   401/400/413 — the request itself is wrong; retrying would not help;
//   503 — the notification could not be stored (Redis down, webhook not configured): retry later;
//   200 — stored in the queue; from here on the worker owns it.

export const WEBHOOK_PATH = '/webhooks/alertmanager';
/** Alertmanager's max_alerts is usually a few hundred; a 200-alert group with long annotations is
 *  well under a megabyte. */
export const WEBHOOK_MAX_BYTES = 5 * 1024 * 1024;

export interface WebhookDeps {
  /** null: LEAKBOT_WEBHOOK_TOKEN is unset and the webhook refuses everything. */
  auth: AuthCheck | null;
  /** Stores the notification durably (throws when it cannot). */
  enqueue(n: AlertNotification, meta: { requestId: string; receivedAt: number }): Promise<{ jobId: string }>;
  /** Tells "could not store" (→ 503, retried) from a bug (→ 500). */
  isUnavailable(err: unknown): boolean;
  log: Logger;
  onOutcome?(outcome: 'queued' | 'unauthorized' | 'invalid' | 'unavailable' | 'disabled' | 'error', source?: string): void;
}

export function webhookRoute(deps: WebhookDeps): Route {
  return {
    method: 'POST',
    path: WEBHOOK_PATH,
    maxBodyBytes: WEBHOOK_MAX_BYTES,
    async handler(req): Promise<RouteResponse> {
      const log = deps.log.child({ requestId: req.requestId });
      if (!deps.auth) {
        deps.onOutcome?.('disabled');
        log.warn('alert webhook called but LEAKBOT_WEBHOOK_TOKEN is not set; refusing (503 so Alertmanager keeps the notification and retries)');
        return { status: 503, body: { error: 'alert webhook disabled: LEAKBOT_WEBHOOK_TOKEN is not configured on leakbot' } };
      }
      const authorization = req.headers.authorization;
      const auth = deps.auth(typeof authorization === 'string' ? authorization : undefined);
      if (!auth.ok) {
        deps.onOutcome?.('unauthorized');
        // The reason never contains the credentials, only what was wrong with them.
        log.warn({ reason: auth.reason, userAgent: String(req.headers['user-agent'] ?? '').slice(0, 80) }, 'alert webhook: unauthorized');
        return { status: 401, headers: { 'www-authenticate': 'Bearer realm="leakbot"' }, body: { error: 'unauthorized' } };
      }

      let body: unknown;
      try {
        body = JSON.parse(req.rawBody.toString('utf8'));
      } catch (err) {
        deps.onOutcome?.('invalid');
        const reason = `body is not JSON: ${(err as Error).message.slice(0, 200)}`;
        log.warn({ reason, bytes: req.rawBody.length }, 'alert webhook: bad request');
        return { status: 400, body: { error: reason } };
      }
      const parsed = parseAlertNotification(body);
      if (!parsed.ok) {
        deps.onOutcome?.('invalid');
        log.warn({ reason: parsed.reason }, 'alert webhook: bad request');
        return { status: 400, body: { error: parsed.reason } };
      }
      const n = parsed.notification;
      try {
        const { jobId } = await deps.enqueue(n, { requestId: req.requestId, receivedAt: Date.now() });
        deps.onOutcome?.('queued', n.source);
        log.info({ jobId, source: n.source, status: n.status, alerts: n.alerts.length, truncated: n.truncatedAlerts }, 'alert notification queued');
        return { status: 200, body: { status: 'queued', alerts: n.alerts.length } };
      } catch (err) {
        if (deps.isUnavailable(err)) {
          deps.onOutcome?.('unavailable', n.source);
          log.error({ err: (err as Error).message, alerts: n.alerts.length }, 'alert notification NOT queued (Redis unreachable); answering 503 so Alertmanager retries');
          return { status: 503, headers: { 'retry-after': '5' }, body: { error: 'queue unavailable; retry later' } };
        }
        deps.onOutcome?.('error', n.source);
        throw err;
      }
    },
  };
}
