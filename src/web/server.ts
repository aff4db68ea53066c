// The one HTTP server of a leakbot process: our routes first, everything else to Bolt's
// HTTPReceiver listener (which verifies Slack signatures itself and answers 401 on bad/stale ones).
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { RouteRegistry, RouteResponse } from './routes.js';

const DEFAULT_MAX_BODY = 1024 * 1024;

export function createHttpServer(routes: RouteRegistry, fallback: RequestListener | null, log: Logger): Server {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routes.find(req.method ?? 'GET', url.pathname);
    if (!route) {
      if (fallback) return fallback(req, res);
      return send(res, { status: 404, body: { error: 'not found' } });
    }
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID();
    const rlog = log.child({ requestId, route: `${route.method} ${route.path}` });
    readBody(req, route.maxBodyBytes ?? DEFAULT_MAX_BODY)
      .then(async (rawBody) => {
        if (rawBody === null) return send(res, { status: 413, body: { error: 'request body too large' } });
        const out = await route.handler({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, rawBody, requestId });
        send(res, out, requestId);
      })
      .catch((err: unknown) => {
        rlog.error({ err }, 'route handler failed');
        send(res, { status: 500, body: { error: 'internal error' } }, requestId);
      });
  });
  // Slow-loris guard; Slack and Alertmanager send small bodies quickly.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  return server;
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        return;
      }
      if (!over) chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, out: RouteResponse, requestId?: string): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { ...(out.headers ?? {}) };
  if (requestId) headers['x-request-id'] = requestId;
  let body: string | Buffer = '';
  if (out.body === undefined) body = '';
  else if (typeof out.body === 'string' || Buffer.isBuffer(out.body)) body = out.body;
  else {
    body = JSON.stringify(out.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(out.status, headers);
  res.end(body);
}

export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 5000).unref();
  });
}
