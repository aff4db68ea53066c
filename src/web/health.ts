// GET /healthz (200 when Redis answers, else 503) and GET /metrics (Prometheus text).
import type { Metrics } from '../metrics.js';
import { waitReady, type Redis } from '../store/redis.js';
import type { RouteRegistry } from './routes.js';

export function addHealthRoutes(routes: RouteRegistry, deps: { redis: Redis; metrics: Metrics; role: string; extra?: () => Record<string, unknown> }): void {
  routes.add({
    method: 'GET',
    path: '/healthz',
    async handler() {
      let redis = 'ok';
      try {
        // A process that has just started (or is reconnecting) gets a moment to reach Redis, so a
        // health probe right after start does not report a Redis that is merely still connecting.
        await waitReady(deps.redis, 1500);
        const pong = await Promise.race([deps.redis.ping(), new Promise<string>((_r, rej) => setTimeout(() => rej(new Error('timeout')), 1000).unref())]);
        if (pong !== 'PONG') redis = `unexpected reply ${pong}`;
      } catch (err) {
        redis = `unreachable (${(err as Error).message.slice(0, 80)})`;
      }
      const ok = redis === 'ok';
      return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'degraded', role: deps.role, redis, ...(deps.extra?.() ?? {}) } };
    },
  });
  routes.add({
    method: 'GET',
    path: '/metrics',
    async handler() {
      const body = await deps.metrics.registry.metrics();
      return { status: 200, headers: { 'content-type': deps.metrics.registry.contentType }, body };
    },
  });
}
