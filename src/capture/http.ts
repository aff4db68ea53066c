// One GET of a fixed pprof path on a registered service, with undici: explicit connect, headers and
// body timeouts, one overall deadline, no redirects, and a size cap enforced while the body streams
// (the response is never buffered past maxBytes).
import { Agent, request } from 'undici';
import { CaptureError, explain, type UrlSource } from './errors.js';
import { shownQuery } from './pprof-url.js';

/** Everything one capture needs to know about where it fetches and within which limits. */
export interface FetchContext {
  name: string;
  /** Origin + path prefix where /debug/pprof/ lives, no trailing slash, no credentials. */
  base: string;
  /** The configured URL's own query, sent with every profile request (pprofQueryOf); may hold a
   *  credential, so messages show it through shownQuery. */
  query?: string;
  headers: Record<string, string>;
  maxBytes: number;
  timeoutMs: number;
  /** What raises the timeout, for a timeout's message (CaptureTarget.timeoutSetting). */
  timeoutSetting: string;
  /** What raises maxBytes (CaptureTarget.sizeSetting); undefined: the config's keys. */
  sizeSetting: string | undefined;
  /** Where the URL came from (CaptureTarget.urlSource), for what a message asks to check. */
  urlSource?: UrlSource;
  /** Date.now() by which the service must have answered (our own decoding in between does not
   *  count: src/capture/budget.ts). */
  readonly deadline: number;
  /** Aborts on the caller's signal or once the service has had timeoutMs. */
  signal: AbortSignal;
  /** The caller's own signal: tells "cancelled" from "timed out". */
  userSignal: AbortSignal | undefined;
}

// One agent per connect timeout: connect timeouts are an agent setting in undici.
const agents = new Map<number, Agent>();
function agentFor(connectMs: number): Agent {
  let a = agents.get(connectMs);
  if (!a) {
    a = new Agent({ connect: { timeout: connectMs }, keepAliveTimeout: 4_000, allowH2: false });
    agents.set(connectMs, a);
  }
  return a;
}

/** A streaming, size-capped response body that keeps what it read (the raw dump we store). */
export class CappedBody implements AsyncIterable<Uint8Array> {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  private readonly it: AsyncIterator<Buffer>;
  private readonly pending: Buffer[] = [];
  private done = false;

  constructor(
    private readonly body: NodeJS.ReadableStream & { destroy(err?: Error): void },
    private readonly ctx: FetchContext,
    readonly url: string,
    readonly contentType: string,
  ) {
    this.it = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  private async pull(): Promise<Buffer | null> {
    if (this.done) return null;
    let r: IteratorResult<Buffer>;
    try {
      r = await this.it.next();
    } catch (err) {
      this.done = true;
      throw translate(err, this.ctx, this.url);
    }
    if (r.done) {
      this.done = true;
      return null;
    }
    const chunk = r.value;
    this.bytes += chunk.length;
    if (this.bytes > this.ctx.maxBytes) {
      this.close();
      throw explain.tooLarge(this.ctx.name, this.url, this.ctx.maxBytes, this.ctx.sizeSetting);
    }
    this.chunks.push(chunk);
    return chunk;
  }

  /** The body's first line (up to 4 KiB), read ahead without consuming it for the iterator. */
  async firstLine(): Promise<string> {
    let seen = Buffer.concat(this.pending);
    while (seen.indexOf(0x0a) < 0 && seen.length < 4096) {
      const c = await this.pull();
      if (!c) break;
      this.pending.push(c);
      seen = Buffer.concat([seen, c]);
    }
    const nl = seen.indexOf(0x0a);
    return seen.subarray(0, nl < 0 ? Math.min(seen.length, 4096) : nl).toString('utf8');
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    while (this.pending.length) yield this.pending.shift()!;
    for (let c = await this.pull(); c; c = await this.pull()) yield c;
  }

  /** What was read so far. */
  raw(): Buffer {
    return Buffer.concat(this.chunks, Math.min(this.bytes, this.ctx.maxBytes));
  }

  /** Stop reading and release the connection. */
  close(): void {
    this.done = true;
    discard(this.body);
  }
}

export interface ProfileRequest {
  /** pprof profile name: `goroutine` or `goroutineleak`. */
  profile: 'goroutine' | 'goroutineleak';
  debug: 0 | 1 | 2;
}

/** The profile's URL: leakbot's debug= first, then the configured query (`query`, without a debug= of
 *  its own: pprofQueryOf). */
export function profileUrl(base: string, req: ProfileRequest, query = ''): string {
  return `${base}/debug/pprof/${req.profile}?debug=${req.debug}${query ? `&${query}` : ''}`;
}

/** GETs a profile. Resolves with the open body on 200; `null` on 404 when `missingOk`; otherwise
 *  throws a CaptureError that says what the service did (naming the URL with the query's values
 *  hidden: `shown`). */
export async function openProfile(ctx: FetchContext, req: ProfileRequest, missingOk = false): Promise<CappedBody | null> {
  const target = profileUrl(ctx.base, req, ctx.query);
  const url = ctx.query ? profileUrl(ctx.base, req, shownQuery(ctx.query)) : target;
  const remaining = Math.max(1, ctx.deadline - Date.now());
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(target, {
      method: 'GET',
      headers: { 'user-agent': 'leakbot', accept: '*/*', ...ctx.headers },
      signal: ctx.signal,
      dispatcher: agentFor(Math.min(10_000, remaining)),
      headersTimeout: remaining,
      bodyTimeout: remaining,
    });
  } catch (err) {
    throw translate(err, ctx, url);
  }
  const status = res.statusCode;
  const contentType = String(res.headers['content-type'] ?? '');
  if (status !== 200) {
    discard(res.body);
    if (status >= 300 && status < 400) throw explain.redirect(ctx.name, url, status, ctx.urlSource);
    if (status === 404 && missingOk) return null;
    if (status === 404) throw explain.noPprof(ctx.name, url, 404, ctx.urlSource);
    throw explain.status(ctx.name, url, status);
  }
  const body = new CappedBody(res.body, ctx, url, contentType);
  if (/^text\/html/i.test(contentType)) {
    body.close();
    throw explain.noPprof(ctx.name, url, undefined, ctx.urlSource);
  }
  return body;
}

/** Drops a response body we will not read. undici reports the destroy as an 'error' event, which
 *  nobody else listens to any more. */
function discard(body: NodeJS.ReadableStream & { destroy(err?: Error): void }): void {
  body.on('error', () => {});
  body.destroy();
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed by the service',
  UND_ERR_CLOSED: 'connection closed',
  // OpenSSL's answer to a plain-HTTP reply to its ClientHello: an https:// URL for an http port.
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed: the port speaks plain HTTP, so its URL starts with http://',
};

function codeOf(err: unknown): string {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string') return e.code;
  }
  return '';
}

/** Maps undici and socket failures to CaptureErrors. Never copies the raw error text into the user
 *  message: it can carry request details. */
export function translate(err: unknown, ctx: FetchContext, url: string): CaptureError {
  if (err instanceof CaptureError) return err;
  const seconds = ctx.timeoutMs / 1000; // worded by durationText
  if (ctx.userSignal?.aborted) return withCause(explain.aborted(ctx.name), err);
  if (ctx.signal.aborted) return withCause(explain.timeout(ctx.name, url, seconds, ctx.timeoutSetting), err);
  const code = codeOf(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return withCause(explain.connectTimeout(ctx.name, url, Math.min(10, seconds)), err);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT')
    return withCause(explain.timeout(ctx.name, url, seconds, ctx.timeoutSetting), err);
  if (code === 'UND_ERR_INVALID_ARG')
    return withCause(new CaptureError('unreachable', `The request to ${ctx.name} could not be built: check ${ctx.urlSource === 'typed' ? 'the URL and headers given' : 'its registered URL and headers'}.`, { brief: 'request could not be built' }), err);
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code.startsWith('HPE_'))
    return withCause(explain.notGoroutineProfile(ctx.name, url, 'the service sent a malformed HTTP response.'), err);
  return withCause(explain.unreachable(ctx.name, url, UNREACHABLE[code] ?? 'network error'), err);
}

function withCause(e: CaptureError, cause: unknown): CaptureError {
  return new CaptureError(e.code, e.userMessage, { ...(e.status === undefined ? {} : { status: e.status }), cause, brief: e.brief });
}
