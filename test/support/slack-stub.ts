// The Slack stand-in: a loopback HTTP server answering the Web API methods leakbot calls (the only
// stand-in our tests allow). It checks the bot token, keeps channels' messages (posts, updates,
// thread replies, metadata), records every call in order with parsed arguments, accepts
// files.uploadV2's three steps, serves files people shared (files.info + url_private_download,
// bot token only), hands out response_url endpoints and records what is POSTed to
// them, can inject failures (an error code or a 429 with Retry-After) for the next N calls, and can
// hold a call at a chosen point (before Slack acts on it, or after it acted but before it answers)
// until the test releases it — the event a crash test kills a worker on.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  /** The bearer token or body token presented. */
  token: string | null;
}

export interface StubMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
  /** Every text/blocks this message had, oldest first (post + updates). */
  versions: Array<{ text: string; blocks?: unknown[] }>;
  user: string;
  /** Files the message carries (a user's file share), as conversations.history/replies list them. */
  files?: Array<{ id: string; name: string }>;
}

export interface StubUpload {
  fileId: string;
  filename: string;
  title?: string;
  content: Buffer;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  completed: boolean;
  /** ts of the message that shared it (set on completion). */
  shareTs?: string;
  /** How many times files.completeUploadExternal shared it (a double share is a double message). */
  completions?: number;
}

/** A file someone shared in Slack (what files.info returns and the file host serves). */
export interface StubSharedFile {
  id: string;
  name: string;
  mimetype: string;
  filetype: string;
  user: string;
  content: Buffer;
  /** Overrides url_private_download (e.g. a URL outside Slack's file host). */
  url?: string;
  /** channel → shares (ts of the message, thread_ts when shared into a thread). */
  shares: Record<string, Array<{ ts: string; thread_ts?: string }>>;
}

export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

/** An injected failure. `{ error, applied: true }` acts on the call first, then answers the error
 *  (Slack's fatal_error / internal_error: "some aspect of the operation succeeded"). */
type Failure = { error: string; applied?: boolean } | { status: 429; retryAfter: number } | { status: number };

/** A call held by SlackStub.hold. */
export interface HeldCall {
  /** Resolves with the call once it arrived (for 'after': once Slack acted on it). */
  reached: Promise<SlackCall>;
  /** Lets it go: 'before' acts on it and answers, 'after' answers. A call whose client connection
   *  closed meanwhile is dropped unanswered, and a 'before' call is then never acted on (Slack
   *  never got it). */
  release(): void;
  /** Drops the connection unanswered (after 'after': Slack acted, the client never learns it). */
  drop(): void;
}

export interface SlackStub {
  /** Web API base URL for SLACK_API_URL (ends with '/'). */
  apiUrl: string;
  /** Root of the stub (response URLs, upload URLs live below it). */
  baseUrl: string;
  token: string;
  botUserId: string;
  calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  messages(channel?: string): StubMessage[];
  /** Top-level messages in a channel (no thread_ts or thread_ts === ts). */
  parents(channel: string): StubMessage[];
  replies(channel: string, threadTs: string): StubMessage[];
  uploads: StubUpload[];
  /** A fresh response_url; POSTs to it are recorded under its id. */
  responseUrl(): string;
  responsesTo(url: string): ResponseUrlPost[];
  responses: ResponseUrlPost[];
  /** Shares a file from a user into a channel (or a thread): the stand-in's files.info answers for
   *  it and its url_private_download serves `content` to the bot token only. Returns the file and
   *  the message that carries it (posted in the channel, by `user`). */
  shareFile(f: { name: string; content: string | Buffer; channel: string; user?: string; threadTs?: string; mimetype?: string; filetype?: string; url?: string }): { file: StubSharedFile; message: StubMessage };
  /** Shares several files in one message, as dropping them together does (the message lists them
   *  in `files`, in this order; each file's share names that message). */
  shareFiles(
    files: Array<{ name: string; content: string | Buffer; mimetype?: string; filetype?: string; url?: string }>,
    where: { channel: string; user?: string; threadTs?: string },
  ): { files: StubSharedFile[]; message: StubMessage };
  sharedFiles: StubSharedFile[];
  /** The bot's downloads of shared files: path and the token presented. */
  downloads: Array<{ fileId: string; token: string | null; status: number }>;
  /** The next n calls of `method` fail as given ('response_url': POSTs to response URLs, by status). */
  /** Returns a function that drops what is left of these n failures. */
  failNext(method: string, n: number, failure: Failure, only?: (args: Record<string, unknown>) => boolean): () => void;
  /** Channels where chat.postMessage answers not_in_channel. */
  notInChannel: Set<string>;
  /** Slack down: while on, every Web API and response_url request has its connection dropped
   *  unanswered (what a client sees when Slack is unreachable). Calls are still recorded. */
  outage(on: boolean): void;
  /** Answer chat.postMessage, then drop the connection before the reply is sent (Slack accepted
   *  the post, the client never learns its ts) for the next n calls. */
  loseNextPostReplies(n: number): void;
  /** While on, files.info shows the bot's completed uploads without their shares, as Slack does
   *  until it has processed a files.completeUploadExternal (the share is asynchronous:
   *  slackapi/python-slack-sdk#1277, slackapi/node-slack-sdk#1865). */
  lagShares(on: boolean): void;
  /** Holds the next call of `method` (whose arguments match `only`): 'before' Slack acts on it,
   *  or 'after' it acted (the message exists) but before the answer is sent. Token checks and
   *  injected failures come first. close() and reset() release what is still held. `method`
   *  'response_url' holds a POST to a response URL (arguments: { id, ...body }). */
  hold(method: string, when: 'before' | 'after', only?: (args: Record<string, unknown>) => boolean): HeldCall;
  /** Polls until fn returns a truthy value (or throws after timeoutMs with `what`). */
  waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** The scopes granted to the bot token (sent as x-oauth-scopes; manifest.yml's by default).
   *  Mutable; conversations.history/replies answer missing_scope without the channel type's
   *  history scope (C… channels:history, G… groups:history, D… im:history), like Slack. */
  scopes: string[];
  /** Socket Mode: the app-level token apps.connections.open accepts. */
  appToken: string;
  /** Socket Mode: resolves once a client completed the WebSocket handshake (hello sent). */
  socketConnected(timeoutMs?: number): Promise<void>;
  /** Socket Mode: delivers an envelope (e.g. type 'slash_commands' with a command payload) and
   *  resolves with the client's ack payload (for commands: the ephemeral reply). */
  sendEnvelope(type: string, payload: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Deletes a message and every reply in its thread, as a person deleting a whole thread or a
   *  retention policy does: posts into that thread then answer thread_not_found, updates of its
   *  messages message_not_found. */
  deleteThread(channel: string, ts: string): void;
  reset(): void;
  close(): Promise<void>;
}

/** The bot scopes manifest.yml asks for (what a workspace grants on install). */
export const MANIFEST_SCOPES = ['commands', 'chat:write', 'chat:write.public', 'files:write', 'canvases:write', 'users:read', 'files:read', 'im:history', 'channels:history', 'groups:history'];

export async function startSlackStub(opts: { token?: string } = {}): Promise<SlackStub> {
  const token = opts.token ?? 'xoxb-test-0000000000-stub';
  const appToken = 'xapp-1-test-stub';
  const sockets = new Set<Duplex>();
  const acks = new Map<string, (payload: Record<string, unknown>) => void>();
  const botUserId = 'U0LEAKBOT';
  const calls: SlackCall[] = [];
  const store = new Map<string, StubMessage[]>();
  const uploads: StubUpload[] = [];
  const sharedFiles: StubSharedFile[] = [];
  const downloads: Array<{ fileId: string; token: string | null; status: number }> = [];
  const responses: ResponseUrlPost[] = [];
  // Queued failures per method; `only` limits one to calls whose arguments match (a channel, a
  // thread), so concurrent posts elsewhere do not use it up.
  const failures = new Map<string, Array<{ failure: Failure; only?: (args: Record<string, unknown>) => boolean }>>();
  const notInChannel = new Set<string>();
  let down = false;
  let loseReplies = 0;
  let sharesLag = false;
  const grantedScopes = [...MANIFEST_SCOPES];
  // Slack's answer to reading a conversation without its type's history scope
  // (https://api.slack.com/methods/conversations.history: channels:history, groups:history, im:history).
  const missingHistoryScope = (channel: string): Record<string, unknown> | null => {
    const needed = channel.startsWith('G') ? 'groups:history' : channel.startsWith('D') ? 'im:history' : 'channels:history';
    return grantedScopes.includes(needed) ? null : { ok: false, error: 'missing_scope', needed, provided: grantedScopes.join(',') };
  };
  const holds: Array<{ method: string; when: 'before' | 'after'; only?: (args: Record<string, unknown>) => boolean; reach: (c: SlackCall) => void; released: Promise<'release' | 'drop'>; release: () => void }> = [];
  let tsCounter = 0;
  let idCounter = 0;
  let base = '';

  const nextTs = (): string => {
    tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, '0')}`;
  };
  const all = (): StubMessage[] => [...store.values()].flat();
  const find = (channel: string, ts: string): StubMessage | undefined => store.get(channel)?.find((m) => m.ts === ts);

  function api(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'apps.connections.open':
        return { ok: true, url: `${base.replace('http://', 'ws://')}/socket` };
      case 'auth.test':
        return { ok: true, url: 'https://stub.slack.test/', team: 'Stub', user: 'leakbot', team_id: 'T0STUB', user_id: botUserId, bot_id: 'B0LEAKBOT' };
      case 'chat.postMessage': {
        const channel = String(args.channel ?? '');
        if (!/^[CGD][A-Z0-9]+$/.test(channel)) return { ok: false, error: 'channel_not_found' };
        if (notInChannel.has(channel)) return { ok: false, error: 'not_in_channel' };
        if (!args.text && !args.blocks) return { ok: false, error: 'no_text' };
        if (Array.isArray(args.blocks) && args.blocks.length > 50) return { ok: false, error: 'invalid_blocks' };
        const threadTs = args.thread_ts ? String(args.thread_ts) : undefined;
        if (threadTs && !find(channel, threadTs)) return { ok: false, error: 'thread_not_found' };
        const m: StubMessage = {
          channel,
          ts: nextTs(),
          ...(threadTs ? { thread_ts: threadTs } : {}),
          text: String(args.text ?? ''),
          ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
          ...(args.metadata ? { metadata: args.metadata as StubMessage['metadata'] } : {}),
          versions: [],
          user: botUserId,
        };
        m.versions.push({ text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}) });
        if (!store.has(channel)) store.set(channel, []);
        store.get(channel)!.push(m);
        return { ok: true, channel, ts: m.ts, message: { text: m.text, ts: m.ts, user: botUserId } };
      }
      case 'chat.update': {
        const m = find(String(args.channel), String(args.ts));
        if (!m) return { ok: false, error: 'message_not_found' };
        if (Array.isArray(args.blocks) && args.blocks.length > 50) return { ok: false, error: 'invalid_blocks' };
        m.text = String(args.text ?? m.text);
        if (Array.isArray(args.blocks)) {
          if (args.blocks.length) m.blocks = args.blocks;
          else delete m.blocks;
        }
        m.versions.push({ text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}) });
        return { ok: true, channel: m.channel, ts: m.ts, text: m.text };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'chat.getPermalink': {
        const ch = String(args.channel);
        const ts = String(args.message_ts);
        if (!find(ch, ts)) return { ok: false, error: 'message_not_found' };
        return { ok: true, channel: ch, permalink: `https://stub.slack.test/archives/${ch}/p${ts.replace('.', '')}` };
      }
      case 'conversations.history': {
        const ch = String(args.channel);
        const refused = missingHistoryScope(ch);
        if (refused) return refused;
        // Newest first, like Slack.
        const list = (store.get(ch) ?? []).filter((m) => !m.thread_ts || m.thread_ts === m.ts).slice().reverse();
        return page(within(list, args), args);
      }
      case 'conversations.replies': {
        const ch = String(args.channel);
        const refused = missingHistoryScope(ch);
        if (refused) return refused;
        const ts = String(args.ts);
        const parent = find(ch, ts);
        if (!parent) return { ok: false, error: 'thread_not_found' };
        // Oldest first, the parent first, like Slack.
        return page(within([parent, ...(store.get(ch) ?? []).filter((m) => m.thread_ts === ts && m.ts !== ts)], args), args);
      }
      case 'users.info':
        return { ok: true, user: { id: String(args.user), name: String(args.user).toLowerCase(), real_name: `User ${String(args.user)}`, tz: 'UTC' } };
      case 'files.info': {
        const up = uploads.find((x) => x.fileId === String(args.file));
        if (up) {
          // A file the bot uploaded: shared once its upload was completed into a channel.
          const share = up.completed && up.channel && !sharesLag ? { [up.channel]: [{ ts: up.shareTs ?? '', ...(up.threadTs ? { thread_ts: up.threadTs } : {}) }] } : null;
          return { ok: true, file: { id: up.fileId, name: up.filename, title: up.title ?? up.filename, size: up.content.length, user: botUserId, shares: share ? (up.channel!.startsWith('C') ? { public: share } : { private: share }) : {} } };
        }
        const f = sharedFiles.find((x) => x.id === String(args.file));
        if (!f) return { ok: false, error: 'file_not_found' };
        const priv = Object.fromEntries(Object.entries(f.shares).filter(([c]) => !c.startsWith('C')));
        const pub = Object.fromEntries(Object.entries(f.shares).filter(([c]) => c.startsWith('C')));
        return {
          ok: true,
          file: {
            id: f.id, name: f.name, title: f.name, mimetype: f.mimetype, filetype: f.filetype, size: f.content.length, user: f.user,
            url_private: f.url ?? `${base}/files-pri/T0STUB-${f.id}/${encodeURIComponent(f.name)}`,
            url_private_download: f.url ?? `${base}/files-pri/T0STUB-${f.id}/download/${encodeURIComponent(f.name)}`,
            shares: { ...(Object.keys(pub).length ? { public: pub } : {}), ...(Object.keys(priv).length ? { private: priv } : {}) },
          },
        };
      }
      case 'files.getUploadURLExternal': {
        if (!args.filename || !args.length) return { ok: false, error: 'invalid_arguments' };
        idCounter += 1;
        const fileId = `F${String(idCounter).padStart(8, '0')}`;
        uploads.push({ fileId, filename: String(args.filename), content: Buffer.alloc(0), completed: false });
        return { ok: true, upload_url: `${base}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = (args.files ?? []) as Array<{ id: string; title?: string }>;
        const out = [];
        for (const f of files) {
          const u = uploads.find((x) => x.fileId === f.id);
          if (!u) return { ok: false, error: 'file_not_found' };
          u.completed = true;
          u.completions = (u.completions ?? 0) + 1;
          if (f.title) u.title = f.title;
          if (args.channel_id) u.channel = String(args.channel_id);
          if (args.thread_ts) u.threadTs = String(args.thread_ts);
          if (args.initial_comment) u.initialComment = String(args.initial_comment);
          u.shareTs ??= nextTs();
          out.push({ id: u.fileId, name: u.filename, title: u.title ?? u.filename, size: u.content.length });
        }
        return { ok: true, files: out };
      }
      case 'canvases.create':
        idCounter += 1;
        return { ok: true, canvas_id: `F0CANVAS${idCounter}` };
      case 'conversations.canvases.create':
        idCounter += 1;
        return { ok: true, canvas_id: `F0CANVAS${idCounter}` };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /** Slack returns a message's metadata only to callers that ask with include_all_metadata. */
  function view(m: StubMessage, withMetadata: boolean): Record<string, unknown> {
    return { type: 'message', user: m.user, ts: m.ts, text: m.text, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}), ...(m.files ? { files: m.files } : {}), ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}) };
  }

  /** conversations.history/replies' `oldest`/`latest` (exclusive unless `inclusive`). */
  function within(list: StubMessage[], args: Record<string, unknown>): StubMessage[] {
    const inclusive = args.inclusive === true || args.inclusive === 'true';
    const oldest = args.oldest !== undefined ? Number(args.oldest) : -Infinity;
    const latest = args.latest !== undefined ? Number(args.latest) : Infinity;
    return list.filter((m) => {
      const t = Number(m.ts);
      return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
    });
  }

  /** Cursor paging (`limit`, `cursor` → response_metadata.next_cursor), as Slack's list methods do. */
  function page(list: StubMessage[], args: Record<string, unknown>): Record<string, unknown> {
    const limit = Math.max(1, Math.min(1000, Number(args.limit ?? 100)));
    const from = args.cursor ? Number(Buffer.from(String(args.cursor), 'base64').toString('utf8').replace('next_ts:', '')) : 0;
    const slice = list.slice(from, from + limit);
    const more = from + limit < list.length;
    const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
    return { ok: true, messages: slice.map((m) => view(m, withMetadata)), has_more: more, response_metadata: { next_cursor: more ? Buffer.from(`next_ts:${from + limit}`).toString('base64') : '' } };
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const raw = await readAll(req);
      if (down && (url.pathname.startsWith('/api/') || url.pathname.startsWith('/response/'))) {
        calls.push({ method: `outage:${url.pathname}`, args: {}, at: Date.now(), token: null });
        req.socket.destroy();
        return;
      }
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        // Like Slack, every Web API answer names the token's scopes.
        const scopeHeader = url.pathname.startsWith('/api/') ? { 'x-oauth-scopes': grantedScopes.join(',') } : {};
        res.writeHead(status, { 'content-type': 'application/json', ...scopeHeader, ...headers });
        res.end(JSON.stringify(body));
      };
      if (url.pathname.startsWith('/response/')) {
        const id = url.pathname.slice('/response/'.length);
        // failNext('response_url', n, { status }) refuses the next response_url POSTs unrecorded.
        const refusal = failures.get('response_url')?.shift()?.failure;
        if (refusal && 'status' in refusal) return reply(refusal.status, { ok: false });
        const body = safeJson(raw.toString('utf8')) as Record<string, unknown>;
        // hold('response_url', …) sees { id, ...body }; 'before': the POST is not recorded until released.
        const args = { id, ...body };
        const held = holds.findIndex((x) => x.method === 'response_url' && (!x.only || x.only(args)));
        const hold = held >= 0 ? holds.splice(held, 1)[0] : undefined;
        const call: SlackCall = { method: 'response_url', args, at: Date.now(), token: null };
        if (hold?.when === 'before') {
          hold.reach(call);
          if ((await hold.released) === 'drop' || req.socket.destroyed) return void req.socket.destroy();
        }
        responses.push({ id, body, at: Date.now() });
        if (hold?.when === 'after') {
          hold.reach(call);
          if ((await hold.released) === 'drop' || req.socket.destroyed) return void req.socket.destroy();
        }
        return reply(200, { ok: true });
      }
      if (url.pathname.startsWith('/upload/')) {
        const fileId = url.pathname.slice('/upload/'.length);
        const u = uploads.find((x) => x.fileId === fileId);
        if (!u) return reply(404, { ok: false });
        if (bearer(req) !== token) return reply(401, { ok: false, error: 'invalid_auth' });
        const form = await new Request('http://stub/', { method: 'POST', headers: req.headers as Record<string, string>, body: raw }).formData().catch(() => null);
        const f = form?.get('file') ?? form?.get('body') ?? form?.get('filename');
        u.content = f && typeof f !== 'string' ? Buffer.from(await f.arrayBuffer()) : Buffer.from(typeof f === 'string' ? f : raw);
        calls.push({ method: 'upload', args: { fileId, bytes: u.content.length }, at: Date.now(), token: bearer(req) });
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end(`OK - ${u.content.length}`);
      }
      const dl = /^\/files-pri\/T0STUB-([A-Z0-9]+)\//.exec(url.pathname);
      if (dl) {
        const f = sharedFiles.find((x) => x.id === dl[1]);
        const presented = bearer(req);
        // Like Slack: without the bot token the file host answers a login page, not the file.
        const status = f ? 200 : 404;
        downloads.push({ fileId: dl[1]!, token: presented, status });
        if (!f) return reply(404, { ok: false });
        if (presented !== token) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end('<!DOCTYPE html><html><body>Sign in to Slack</body></html>');
        }
        res.writeHead(200, { 'content-type': f.mimetype, 'content-length': String(f.content.length) });
        return res.end(f.content);
      }
      if (!url.pathname.startsWith('/api/')) return reply(404, { ok: false, error: 'not_found' });
      const method = url.pathname.slice('/api/'.length);
      const args = parseArgs(req, raw);
      const presented = bearer(req) ?? (typeof args.token === 'string' ? args.token : null);
      delete args.token;
      calls.push({ method, args, at: Date.now(), token: presented });
      const queue = failures.get(method) ?? [];
      const at = queue.findIndex((f) => !f.only || f.only(args));
      const failure: Failure | undefined = at >= 0 ? queue.splice(at, 1)[0]!.failure : undefined;
      if (failure) {
        if ('error' in failure) {
          if (failure.applied && presented === token) api(method, args);
          return reply(200, { ok: false, error: failure.error });
        }
        if (failure.status === 429) return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String('retryAfter' in failure ? failure.retryAfter : 1) });
        return reply(failure.status, { ok: false, error: 'http_error' });
      }
      const expected = method === 'apps.connections.open' ? appToken : token;
      if (presented !== expected) return reply(200, { ok: false, error: presented ? 'invalid_auth' : 'not_authed' });
      const held = holds.findIndex((x) => x.method === method && (!x.only || x.only(args)));
      const hold = held >= 0 ? holds.splice(held, 1)[0] : undefined;
      if (hold?.when === 'before') {
        hold.reach(calls[calls.length - 1]!);
        if ((await hold.released) === 'drop' || req.socket.destroyed) return void req.socket.destroy();
      }
      const out = api(method, args);
      if (hold?.when === 'after') {
        hold.reach(calls[calls.length - 1]!);
        if ((await hold.released) === 'drop' || req.socket.destroyed) return void req.socket.destroy();
      }
      if (method === 'chat.postMessage' && out.ok && loseReplies > 0) {
        loseReplies--;
        req.socket.destroy();
        return;
      }
      return reply(200, out);
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  // Minimal WebSocket server (RFC 6455: handshake, masked client text frames, ping/pong, close)
  // for Socket Mode, so no extra dependency is needed.
  server.on('upgrade', (req, socket) => {
    const key = req.headers['sec-websocket-key'];
    if (!key || !req.url?.startsWith('/socket')) return socket.destroy();
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const f = readFrame(buf);
        if (!f) break;
        buf = buf.subarray(f.consumed);
        if (f.opcode === 0x8) {
          socket.end(frame(0x8, Buffer.alloc(0)));
          sockets.delete(socket);
          return;
        }
        if (f.opcode === 0x9) socket.write(frame(0xa, f.payload));
        if (f.opcode === 0x1) {
          const msg = safeJson(f.payload.toString('utf8')) as { envelope_id?: string; payload?: Record<string, unknown> };
          if (msg.envelope_id) acks.get(msg.envelope_id)?.(msg.payload ?? {});
        }
      }
    });
    socket.write(frame(0x1, Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'stub' } }))));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  const stub: SlackStub = {
    apiUrl: `${base}/api/`,
    baseUrl: base,
    token,
    botUserId,
    calls,
    callsTo: (m) => calls.filter((c) => c.method === m),
    messages: (channel) => (channel ? (store.get(channel) ?? []) : all()),
    deleteThread(channel, ts) {
      const list = store.get(channel);
      if (list) store.set(channel, list.filter((m) => m.ts !== ts && m.thread_ts !== ts));
    },
    parents: (channel) => (store.get(channel) ?? []).filter((m) => !m.thread_ts || m.thread_ts === m.ts),
    replies: (channel, threadTs) => (store.get(channel) ?? []).filter((m) => m.thread_ts === threadTs && m.ts !== threadTs),
    uploads,
    responseUrl() {
      idCounter += 1;
      return `${base}/response/R${idCounter}`;
    },
    responsesTo: (u) => responses.filter((r) => u.endsWith(`/response/${r.id}`)),
    responses,
    sharedFiles,
    downloads,
    shareFile(f) {
      const { files, message } = stub.shareFiles([f], f);
      // One file alone: its message lists no files, as before (conversations.replies then tells nothing).
      delete message.files;
      return { file: files[0]!, message };
    },
    shareFiles(list, where) {
      const user = where.user ?? 'U0ALICE';
      const ts = nextTs();
      const message: StubMessage = { channel: where.channel, ts, ...(where.threadTs ? { thread_ts: where.threadTs } : {}), text: '', versions: [{ text: '' }], user };
      if (!store.has(where.channel)) store.set(where.channel, []);
      store.get(where.channel)!.push(message);
      const files = list.map((f): StubSharedFile => {
        idCounter += 1;
        return {
          id: `F0SHARED${idCounter}`, name: f.name, user, mimetype: f.mimetype ?? 'text/plain', filetype: f.filetype ?? 'text',
          content: Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content), ...(f.url ? { url: f.url } : {}),
          shares: { [where.channel]: [{ ts, ...(where.threadTs ? { thread_ts: where.threadTs } : {}) }] },
        };
      });
      sharedFiles.push(...files);
      message.files = files.map((f) => ({ id: f.id, name: f.name }));
      return { files, message };
    },
    failNext(method, n, failure, only) {
      const q = failures.get(method) ?? [];
      const mine = Array.from({ length: n }, () => ({ failure, ...(only ? { only } : {}) }));
      q.push(...mine);
      failures.set(method, q);
      return () => {
        const left = failures.get(method) ?? [];
        failures.set(method, left.filter((f) => !mine.includes(f)));
      };
    },
    notInChannel,
    outage(on) {
      down = on;
    },
    loseNextPostReplies(n) {
      loseReplies = n;
    },
    lagShares(on) {
      sharesLag = on;
    },
    hold(method, when, only) {
      let reach!: (c: SlackCall) => void;
      const reached = new Promise<SlackCall>((r) => (reach = r));
      let settle!: (how: 'release' | 'drop') => void;
      const released = new Promise<'release' | 'drop'>((r) => (settle = r));
      const release = () => settle('release');
      holds.push({ method, when, ...(only ? { only } : {}), reach, released, release });
      return { reached, release, drop: () => settle('drop') };
    },
    async waitFor(what, fn, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = fn();
        if (v) return v;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(50);
      }
    },
    appToken,
    scopes: grantedScopes,
    async socketConnected(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (sockets.size === 0) {
        if (Date.now() > deadline) throw new Error('no Socket Mode client connected');
        await sleep(25);
      }
    },
    sendEnvelope(type, payload, timeoutMs = 10_000) {
      const sock = [...sockets][0];
      if (!sock) return Promise.reject(new Error('no Socket Mode client connected'));
      const envelope_id = randomUUID();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          acks.delete(envelope_id);
          reject(new Error(`no ack for ${type} envelope within ${timeoutMs} ms`));
        }, timeoutMs);
        acks.set(envelope_id, (p) => {
          clearTimeout(t);
          acks.delete(envelope_id);
          resolve(p);
        });
        sock.write(frame(0x1, Buffer.from(JSON.stringify({ envelope_id, type, payload, accepts_response_payload: true, retry_attempt: 0, retry_reason: '' }))));
      });
    },
    reset() {
      calls.length = 0;
      store.clear();
      uploads.length = 0;
      sharedFiles.length = 0;
      downloads.length = 0;
      responses.length = 0;
      failures.clear();
      notInChannel.clear();
      down = false;
      loseReplies = 0;
      sharesLag = false;
      for (const x of holds.splice(0)) x.release();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const x of holds.splice(0)) x.release();
        for (const sock of sockets) sock.destroy();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  return stub;
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]) : Buffer.concat([Buffer.from([0x80 | opcode, 127]), u64(len)]);
  return Buffer.concat([head, payload]);
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

function readFrame(buf: Buffer): { opcode: number; payload: Buffer; consumed: number } | null {
  if (buf.length < 2) return null;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let len = buf[1]! & 0x7f;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    off = 10;
  }
  const maskLen = masked ? 4 : 0;
  if (buf.length < off + maskLen + len) return null;
  const payload = Buffer.from(buf.subarray(off + maskLen, off + maskLen + len));
  if (masked) {
    const mask = buf.subarray(off, off + 4);
    for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  }
  return { opcode, payload, consumed: off + maskLen + len };
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : null;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return { raw: s };
  }
}

/** Web API arguments arrive form-encoded (nested values as JSON strings) or as JSON. */
function parseArgs(req: IncomingMessage, raw: Buffer): Record<string, unknown> {
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return (safeJson(raw.toString('utf8')) as Record<string, unknown>) ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) {
    out[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return out;
}
