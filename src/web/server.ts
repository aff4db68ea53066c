// The one HTTP server of a leakbot process. Every request ends here with an answer: our routes
// (health, metrics, webhooks), POST /slack/events (verified by us, then handed to Bolt's
// HTTPReceiver listener), 405 for a known path with another method, 404 for the rest. Nothing a
// client sends may throw out of this listener: Bolt throws on paths it does not serve, which used
// to end the process, so it only ever sees POST /slack/events.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { RouteRegistry, RouteResponse } from './routes.js';
import { refusalHint, verifySlackSignature, type ReplayGuard } from './slack-verify.js';

const DEFAULT_MAX_BODY = 1024 * 1024;
/** Slack's own payloads are small; a message shortcut carries at most a 40,000-char message. */
export const SLACK_MAX_BODY = 1024 * 1024;
export const SLACK_EVENTS_PATH = '/slack/events';

/** The Slack side of the server (HTTP mode only): Bolt's listener and what it needs to verify. */
export interface SlackEndpoint {
  listener: RequestListener;
  /** False while the bot token has not been checked (Slack unreachable at start): answer 503. */
  ready?: () => boolean;
  signingSecret: string;
  replay: ReplayGuard;
  /** Counts a request refused before Bolt (leakbot_slack_requests_refused_total). */
  refused?: (reason: SlackRefusal) => void;
}

/** Why a request to POST /slack/events was answered without reaching Bolt. */
export type SlackRefusal = 'bad_signature' | 'not_connected' | 'replay' | 'too_large';

export function createHttpServer(routes: RouteRegistry, slack: SlackEndpoint | null, log: Logger): Server {
  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      log.error({ err, method: req.method, path: safePath(req.url) }, 'request handling failed');
      send(res, { status: 500, body: { error: 'internal error' } });
    }
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID();
    if (slack && url.pathname === SLACK_EVENTS_PATH && method === 'POST') return void handleSlack(req, res, slack, requestId);
    // HEAD is GET without a body (RFC 9110 §9.3.2) wherever GET exists.
    const route = routes.find(method === 'HEAD' ? 'GET' : method, url.pathname);
    if (!route) {
      const allowed = allowedMethods(url.pathname);
      if (allowed.length === 0) return drain(req, res, { status: 404, body: { error: 'not found' } }, requestId);
      return drain(req, res, { status: 405, headers: { allow: allowed.join(', ') }, body: { error: 'method not allowed' } }, requestId);
    }
    const rlog = log.child({ requestId, route: `${route.method} ${route.path}` });
    readBody(req, route.maxBodyBytes ?? DEFAULT_MAX_BODY)
      .then(async (rawBody) => {
        if (rawBody === null) return send(res, { status: 413, body: { error: 'request body too large' } }, requestId);
        const out = await route.handler({ method: route.method, path: url.pathname, query: url.searchParams, headers: req.headers, rawBody, requestId });
        send(res, out, requestId, method === 'HEAD');
      })
      .catch((err: unknown) => {
        rlog.error({ err }, 'route handler failed');
        send(res, { status: 500, body: { error: 'internal error' } }, requestId);
      });
  }

  function allowedMethods(path: string): string[] {
    const out = new Set<string>();
    for (const r of routes.list()) if (r.path === path) out.add(r.method);
    if (slack && path === SLACK_EVENTS_PATH) out.add('POST');
    if (out.has('GET')) out.add('HEAD');
    return [...out].sort();
  }

  async function handleSlack(req: IncomingMessage, res: ServerResponse, s: SlackEndpoint, requestId: string): Promise<void> {
    const slog = log.child({ requestId, route: `POST ${SLACK_EVENTS_PATH}` });
    try {
      const rawBody = await readBody(req, SLACK_MAX_BODY);
      if (rawBody === null) {
        s.refused?.('too_large');
        return send(res, { status: 413, body: { error: 'request body too large' } }, requestId);
      }
      const now = Date.now();
      if (!isSslCheck(req, rawBody)) {
        const v = verifySlackSignature(req.headers, rawBody, s.signingSecret, now);
        if (!v.ok) {
          const hint = refusalHint(v.reason);
          slog.warn({ reason: v.reason, ...(hint ? { hint } : {}) }, `slack request refused: ${v.reason}`);
          s.refused?.('bad_signature');
          return send(res, { status: 401, body: { error: 'invalid request signature' } }, requestId);
        }
        // Before the replay guard: Slack's retry of this request must not be refused as a replay.
        if (s.ready && !s.ready()) {
          slog.warn('slack request refused: SLACK_BOT_TOKEN not checked yet (Slack Web API unreachable since start)');
          s.refused?.('not_connected');
          return send(res, { status: 503, headers: { 'retry-after': '5' }, body: { error: 'not connected to Slack yet' } }, requestId);
        }
        if (!(await s.replay.firstSeen(v.timestamp, v.signature, now))) {
          slog.warn('slack request refused: replay of an already accepted request');
          s.refused?.('replay');
          return send(res, { status: 409, body: { error: 'replayed request' } }, requestId);
        }
      }
      // Bolt reads `rawBody` when present (BufferedIncomingMessage) instead of the consumed stream.
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = rawBody;
      req.headers['x-request-id'] = requestId;
      s.listener(req, res);
    } catch (err) {
      slog.error({ err }, 'slack request handling failed');
      send(res, { status: 500, body: { error: 'internal error' } }, requestId);
    }
  }

  // Slow-loris guard; Slack and Alertmanager send small bodies quickly.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  // Errors after listen (EMFILE, a bad socket) are logged; they must not become uncaught.
  server.on('error', (err) => log.error({ err }, 'http server error'));
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    log.debug({ code: err.code }, 'malformed HTTP request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

/** Slack's ssl_check pings are unsigned by design; Bolt answers them (and strips anything else). */
function isSslCheck(req: IncomingMessage, rawBody: Buffer): boolean {
  return req.headers['content-type'] === 'application/x-www-form-urlencoded' && new URLSearchParams(rawBody.toString('utf8')).get('ssl_check') === '1';
}

function safePath(url: string | undefined): string {
  return (url ?? '/').split('?')[0]!.slice(0, 200);
}

/** Answers without reading a body the route would not use: consume it (capped) so keep-alive works. */
function drain(req: IncomingMessage, res: ServerResponse, out: RouteResponse, requestId: string): void {
  const head = (req.method ?? '').toUpperCase() === 'HEAD';
  readBody(req, DEFAULT_MAX_BODY).then(
    () => send(res, out, requestId, head),
    () => send(res, out, requestId, head),
  );
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

function send(res: ServerResponse, out: RouteResponse, requestId?: string, headOnly = false): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...(out.headers ?? {}) };
  if (requestId) headers['x-request-id'] = requestId;
  let body: string | Buffer = '';
  if (out.body === undefined) body = '';
  else if (typeof out.body === 'string' || Buffer.isBuffer(out.body)) body = out.body;
  else {
    body = JSON.stringify(out.body);
    headers['content-type'] ??= 'application/json';
  }
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(out.status, headers);
  res.end(headOnly ? undefined : body);
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
