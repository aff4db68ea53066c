// Custom HTTP routes next to Slack's /slack/events: health, metrics, and webhooks added by other
// modules (alerts: POST /webhooks/alertmanager). Handlers get the raw body (bytes, capped) and the
// headers, so a webhook can verify its own auth and parse its own format.
import type { IncomingHttpHeaders } from 'node:http';

export interface RouteRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** Per-request id, also on the request's log lines. */
  requestId: string;
}

export interface RouteResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Cap on the request body; larger bodies get 413 before the handler runs. Default 1 MiB. */
  maxBodyBytes?: number;
  handler(req: RouteRequest): Promise<RouteResponse>;
}

export class RouteRegistry {
  private readonly routes = new Map<string, Route>();

  add(route: Route): void {
    const k = `${route.method} ${route.path}`;
    if (this.routes.has(k)) throw new Error(`route ${k} registered twice`);
    this.routes.set(k, route);
  }

  find(method: string, path: string): Route | undefined {
    return this.routes.get(`${method} ${path}`);
  }

  hasPath(path: string): boolean {
    for (const r of this.routes.values()) if (r.path === path) return true;
    return false;
  }

  list(): Route[] {
    return [...this.routes.values()];
  }
}
