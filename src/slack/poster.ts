// At-most-once posting for jobs (issue 12, item 6). Every message a job posts has a stable key (e.g.
// `job:<id>:parent`); the key → channel+ts memory lives in Redis, so a retried or restarted job
// updates its earlier message instead of posting another.
// - Placeholder first: a new key is posted as a short text-only message, its ts stored at once, and
//   only then is the real content (blocks, long text) put in with chat.update. Everything that can
//   fail late — blocks Slack rejects, a timeout on a big message, a crash — fails an idempotent update.
// - chat.postMessage itself is never retried blindly: it goes through a client without automatic
//   retries (the SDK's retry after a lost response would post twice). An intent marker is set
//   before it; when a retry finds the marker without a ts, the earlier attempt's outcome is unknown:
//   we look for our message by its metadata (needs the optional history scopes) before posting. The
//   marker is cleared when Slack certainly did not post (an API refusal, a 429, connection refused);
//   fatal_error / internal_error keep it (Slack may have posted). The lookup reads only messages since
//   the marker, page by page; when Slack fails the lookup itself the job waits instead of posting.
// - A per-key posting lease (intent → post → stored ts) makes two attempts of one job (a worker BullMQ
//   thought dead) take turns instead of both posting; it is extended just before the post or share, so
//   an attempt whose lookup or upload outlasted it does not post beside the one that took over.
// - Uploads remember the file id before the share and ask files.info on a retry (waiting while
//   Slack may still be sharing it); response_url pointers go out once per key and person (tell),
//   under the same lease, recorded after the POST: a crash before Slack took it is sent by the retry.
// Windows and their tests: test/e2e/crash-windows.test.ts, test/slack/poster.test.ts,
// test/store/posts-failover.test.ts (Sentinel), test/e2e/slack-errors.test.ts.
//
// Slack errors become SlackPostError with a plain-words userMessage; `unavailable` marks Slack being
// down or overloaded (network errors, 5xx, 429), which the worker waits out (src/queue/worker.ts)
// instead of failing the job.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebClient, type WebAPICallResult } from '@slack/web-api';
import type { Logger } from '../log.js';
import { scrubSecrets, slackLogger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { PostingLeaseLostError, type PostMemory, type PostedRef } from '../store/posts.js';
import { BLOCK_ERRORS, SlackPostError, slackPostError } from './errors.js';
import { SHARE_SETTLE_MS, shareFileOnce, type UploadInput } from './uploads.js';

export { isSlackUnavailable, SlackPostError } from './errors.js';
export type { UploadInput } from './uploads.js';

export interface OutMessage {
  channel: string;
  /** Reply in this thread. */
  threadTs?: string;
  text: string;
  blocks?: unknown[];
}

/** What a response_url POST carries (https://api.slack.com/interactivity/handling#message_responses). */
export interface ResponseBody {
  text: string;
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  blocks?: unknown[];
}


/** Placeholder text size: well inside chat.postMessage's limits, so the first post is never refused for size. */
const PLACEHOLDER_CHARS = 3900;

const METADATA_EVENT = 'leakbot_post';
/** The lookup for a lost post reads messages from this long before the attempt (clock skew). */
const LOOKUP_SKEW_MS = 5 * 60_000;
/** How long one attempt may hold a key between its intent and its stored ts (ms). Extended just
 *  before each chat.postMessage / file share (PostMemory.keepPosting), so it needs to outlast one
 *  call (15 s timeout) only: a slow lookup or upload that outlasted it goes on if nobody took the key
 *  meanwhile, else takes its turn again. */
const POSTING_LEASE_MS = 20_000;
/** ...and at most this many pages of 200 (a busy channel during an incident). */
const LOOKUP_PAGES = 10;

export function createSlackClient(token: string, apiUrl: string | undefined, log: Logger): WebClient {
  return new WebClient(token, {
    slackApiUrl: normalizeApiUrl(apiUrl),
    logger: slackLogger(log),
    // A few quick retries inside the job (429 waits for Retry-After); BullMQ retries the rest.
    retryConfig: { retries: 3, factor: 2, minTimeout: 300, maxTimeout: 5000, randomize: true },
    timeout: 15_000,
    allowAbsoluteUrls: false,
  });
}

export function normalizeApiUrl(url: string | undefined): string {
  const u = url && url.trim() !== '' ? url.trim() : 'https://slack.com/api/';
  return u.endsWith('/') ? u : `${u}/`;
}

export class Poster {
  /** Hosts a response_url may point at: Slack's hooks, plus the configured Web API host (so a
   *  Slack stand-in or an enterprise proxy works). Anything else is never fetched. */
  private readonly responseHosts: Set<string>;
  /** chat.postMessage only: no automatic retries (a retry after a lost response posts twice). */
  private readonly postClient: WebClient;

  constructor(
    readonly client: WebClient,
    private readonly memory: PostMemory,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
    /** Tuning; `shareSettleMs`: how long a retry waits for an earlier attempt's file share to show
     *  in files.info before sharing again (ms, default 3 min; see src/slack/uploads.ts). */
    private readonly opts: { shareSettleMs?: number } = {},
  ) {
    this.responseHosts = new Set(['hooks.slack.com', 'hooks.slack-gov.com', new URL(client.slackApiUrl).host]);
    this.postClient = new WebClient(client.token, {
      slackApiUrl: client.slackApiUrl,
      logger: slackLogger(log),
      retryConfig: { retries: 0 },
      timeout: 15_000,
      allowAbsoluteUrls: false,
    });
  }

  private allowedResponseUrl(u: string): boolean {
    try {
      const url = new URL(u);
      const apiHost = new URL(this.client.slackApiUrl).host;
      return this.responseHosts.has(url.host) && (url.protocol === 'https:' || url.host === apiHost);
    } catch {
      return false;
    }
  }

  /** Post once under `key`; on a later call with the same key, update that message instead.
   *  Throws SlackPostError (see `unavailable`, `retryable`). */
  async post(key: string, msg: OutMessage): Promise<PostedRef> {
    const turn = randomUUID();
    for (;;) {
      const known = (await this.memory.get(key)) ?? (await this.takeTurn(key, turn, () => this.memory.get(key)));
      if (known) {
        await this.update(known, msg);
        return known;
      }
      let out: { ref: PostedRef; text: string };
      try {
        out = await this.postOnce(key, msg, turn);
      } catch (err) {
        // Another attempt took the key over while we were slow: take turns again (its message, or a new lookup).
        if (err instanceof PostingLeaseLostError) continue;
        throw err;
      } finally {
        await this.memory.endPosting(key, turn).catch(() => {});
      }
      if (msg.blocks || out.text !== msg.text) await this.update(out.ref, msg);
      return out.ref;
    }
  }

  /**
   * Waits until no other attempt is between its intent and its stored ts for `key` (a job BullMQ
   * handed to a second worker while the first, only slow, still runs it), then holds that lease
   * itself under `turn`. Returns what the other attempt did meanwhile (`done`: the message it
   * posted, or that it told the requester; no lease taken), or null once the lease is ours. A dead
   * holder's lease lapses after POSTING_LEASE_MS. `doing` names the wait in the log.
   */
  private async takeTurn<T>(key: string, turn: string, done: () => Promise<T | null>, doing = 'posting this message'): Promise<T | null> {
    for (let logged = false; ; ) {
      if (await this.memory.startPosting(key, turn, POSTING_LEASE_MS)) {
        const known = await done();
        if (known !== null) await this.memory.endPosting(key, turn);
        return known;
      }
      if (!logged) this.log.info({ key }, `another attempt is ${doing}; waiting for it`);
      logged = true;
      await sleep(100);
      const known = await done();
      if (known !== null) return known;
    }
  }

  /** Holding the lease `turn`: mark the intent, look for an earlier attempt's message if one may
   *  exist, else post the placeholder; the ts is stored before returning. Throws
   *  PostingLeaseLostError when another attempt took the key over before the post (nothing was posted). */
  private async postOnce(key: string, msg: OutMessage, turn: string): Promise<{ ref: PostedRef; text: string }> {
    const hadIntent = !(await this.memory.markIntent(key));
    if (hadIntent) {
      let found: PostedRef | null;
      try {
        found = await this.findOwnMessage(key, msg, await this.memory.intentSince(key));
      } catch (err) {
        const e = this.translate(msg.threadTs ? 'conversations.replies' : 'conversations.history', err);
        // Slack down or overloaded: posting now could double the earlier attempt's message; wait.
        if (e.unavailable) throw e;
        found = null;
      }
      if (found) {
        await this.memory.set(key, found);
        // Not the text we hold now: the caller puts the current content in.
        return { ref: found, text: '' };
      }
      this.log.warn({ key }, 'an earlier attempt may have posted this message (no ts stored, not found in the channel or without history scopes); posting it');
    }
    const short = msg.text.length > PLACEHOLDER_CHARS ? `${msg.text.slice(0, PLACEHOLDER_CHARS - 1)}…` : msg.text;
    let ref: PostedRef;
    try {
      ref = await this.postPlaceholder(key, turn, { ...msg, text: short });
    } catch (err) {
      if (err instanceof PostingLeaseLostError) throw err;
      const e = this.translate('chat.postMessage', err, msg.channel);
      if (e.notSent) await this.memory.clearIntent(key).catch(() => {});
      throw e;
    }
    await this.memory.set(key, ref);
    return { ref, text: short };
  }

  /** The message posted under `key`, without posting: from memory, else — an earlier attempt marked
   *  its intent but never stored the ts (it died in between) — looked for in `where` by its metadata
   *  (and then remembered). Null when nothing was posted or it cannot be found; never throws. */
  async recover(key: string, where: { channel: string; threadTs?: string }): Promise<PostedRef | null> {
    try {
      const known = await this.memory.get(key);
      if (known) return known;
      const since = await this.memory.intentSince(key);
      if (since === null) return null;
      const found = await this.findOwnMessage(key, { ...where, text: '' }, since);
      if (found) await this.memory.set(key, found);
      return found;
    } catch (err) {
      this.log.warn({ key, err: scrubSecrets((err as Error).message ?? String(err)) }, 'could not look for an earlier attempt\'s message');
      return null;
    }
  }

  /** One chat.postMessage of text only (plus the key as metadata); a 429 is waited out and retried
   *  here (Slack did not post), anything else is thrown untranslated. Each try first extends the
   *  lease `turn` (PostingLeaseLostError when another attempt took it over). */
  private async postPlaceholder(key: string, turn: string, msg: OutMessage): Promise<PostedRef> {
    for (let attempt = 0; ; attempt++) {
      // The lookup before, or a Retry-After wait, may have outlasted the lease: post only while it is ours.
      await this.memory.keepPosting(key, turn, POSTING_LEASE_MS);
      try {
        const res = await this.postClient.chat.postMessage({
          channel: msg.channel,
          text: msg.text,
          ...(msg.threadTs ? { thread_ts: msg.threadTs } : {}),
          metadata: { event_type: METADATA_EVENT, event_payload: { key } },
          unfurl_links: false,
          unfurl_media: false,
        });
        const r = res as WebAPICallResult & { channel?: string; ts?: string };
        return { channel: String(r.channel ?? msg.channel), ts: String(r.ts) };
      } catch (err) {
        // The SDK has already slept for Retry-After before throwing.
        if (attempt < 3 && /rate limit was exceeded/i.test((err as Error).message ?? '')) continue;
        throw err;
      }
    }
  }

  /** Forgets the message posted under `key` (deleted in Slack: GONE_ERRORS); the next post(key)
   *  posts a new message. */
  async forget(key: string): Promise<void> {
    await this.memory.forget(key);
  }

  async update(ref: PostedRef, msg: Omit<OutMessage, 'channel' | 'threadTs'>): Promise<void> {
    await this.withFallback('chat.update', { ...msg, channel: ref.channel }, (m) =>
      this.client.chat.update({ channel: ref.channel, ts: ref.ts, text: m.text, ...(m.blocks ? { blocks: m.blocks as never } : { blocks: [] }) }),
    );
  }

  /**
   * Uploads a file into a channel or thread once per `key` (reports over Block Kit's limits, charts,
   * postmortem drafts): files.uploadV2's three steps done here, so the file id is remembered before
   * the share (files.completeUploadExternal, sent without automatic retries). A retry whose earlier
   * attempt got that far asks files.info whether Slack shared it, and shares again only if not (an
   * unshared upload stays invisible) — after waiting for Slack when that attempt sent the share and
   * files.info does not show it yet. Steps: https://api.slack.com/messaging/files#uploading_files.
   * Throws SlackPostError (unavailable `share_pending` while waiting), or ReplicaLagError (Sentinel
   * replica not confirming the file id).
   */
  async upload(key: string, f: UploadInput): Promise<PostedRef> {
    const turn = randomUUID();
    const keepTurn = () => this.memory.keepPosting(key, turn, POSTING_LEASE_MS);
    for (;;) {
      const known = (await this.memory.get(key)) ?? (await this.takeTurn(key, turn, () => this.memory.get(key)));
      if (known) return known;
      try {
        const deps = { client: this.client, postClient: this.postClient, memory: this.memory, log: this.log, translate: (m: string, e: unknown) => this.translate(m, e), keepTurn, shareSettleMs: this.opts.shareSettleMs ?? SHARE_SETTLE_MS };
        return await shareFileOnce(deps, key, f);
      } catch (err) {
        // Another attempt took the key over while the bytes went up: take turns again.
        if (err instanceof PostingLeaseLostError) continue;
        throw err;
      } finally {
        await this.memory.endPosting(key, turn).catch(() => {});
      }
    }
  }

  async ephemeral(channel: string, user: string, text: string): Promise<void> {
    try {
      await this.client.chat.postEphemeral({ channel, user, text });
    } catch (err) {
      throw this.translate('chat.postEphemeral', err);
    }
  }

  /** Answer through a slash command's / interaction's response_url (works even where the bot
   *  is not a channel member). Never throws: a failed courtesy message only gets logged. */
  async respond(responseUrl: string | undefined, body: ResponseBody): Promise<boolean> {
    return (await this.sendResponse(responseUrl, body)) === 'sent';
  }

  /**
   * Tells the person behind `responseUrl` once per `key` (e.g. "the findings are in the thread"):
   * a retried job does not repeat it. 'sent', 'already' (an earlier attempt did), or 'refused' (no
   * URL, not a Slack URL, or Slack refused it — expired: retrying cannot help). Like post(): two
   * attempts of one job take turns under the key's posting lease, and the outcome is recorded only
   * after the POST, so a worker that dies before it (or before Slack has it) leaves the retry to
   * send it — never lost. A response_url message has no id or metadata to look for, so a worker
   * dying between Slack taking the POST and the record makes the retry send it again (logged; the
   * one remaining double, seen by that person only). When Slack could not be reached (network, 5xx,
   * 429) SlackPostError (unavailable) is thrown, so the job waits for Slack and tells them then.
   * Message format: https://api.slack.com/interactivity/handling#message_responses.
   */
  async tell(key: string, responseUrl: string | undefined, body: ResponseBody): Promise<'sent' | 'already' | 'refused'> {
    if (!responseUrl) return 'refused';
    const mark = `${key}:told:${createHash('sha256').update(responseUrl).digest('hex').slice(0, 16)}`;
    const turn = randomUUID();
    const told = async () => ((await this.memory.isOnce(mark)) ? true : null);
    if ((await told()) || (await this.takeTurn(mark, turn, told, 'telling the requester'))) return 'already';
    try {
      if (!(await this.memory.markIntent(mark))) this.log.warn({ key }, 'an earlier attempt was telling the requester and never recorded it (it died); telling them again, which may repeat the line');
      const out = await this.sendResponse(responseUrl, body);
      if (out === 'unreachable') throw new SlackPostError('response_url_unreachable', 'Slack is not answering right now; I will keep trying.', true, true, true);
      // Sent, or refused for good (expired URL): either way no retry should send it again.
      await this.memory.markOnce(mark);
      await this.memory.clearIntent(mark).catch(() => {});
      return out === 'sent' ? 'sent' : 'refused';
    } finally {
      await this.memory.endPosting(mark, turn).catch(() => {});
    }
  }

  /** One POST to a response_url; never throws. 'unreachable': network error, 5xx or 429. */
  private async sendResponse(responseUrl: string | undefined, body: ResponseBody): Promise<'sent' | 'refused' | 'unreachable'> {
    if (!responseUrl) return 'refused';
    if (!this.allowedResponseUrl(responseUrl)) {
      this.log.warn({ host: safeHost(responseUrl) }, 'response_url is not a Slack hooks URL; not posting to it');
      return 'refused';
    }
    try {
      const res = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', ...body }),
        redirect: 'error',
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer().catch(() => {});
      if (res.ok) return 'sent';
      this.log.warn({ status: res.status }, 'response_url post refused');
      return res.status >= 500 || res.status === 429 ? 'unreachable' : 'refused';
    } catch (err) {
      this.log.warn({ err: scrubSecrets((err as Error).message) }, 'response_url post failed');
      return 'unreachable';
    }
  }

  /** Posts with blocks; when Slack rejects the blocks, posts the plain text instead. */
  private async withFallback(method: string, msg: OutMessage, call: (m: OutMessage) => Promise<WebAPICallResult>): Promise<WebAPICallResult> {
    try {
      return await call(msg);
    } catch (err) {
      const e = this.translate(method, err, msg.channel);
      if (msg.blocks && BLOCK_ERRORS.has(e.code)) {
        this.log.warn({ method, code: e.code }, 'slack rejected the blocks; sending plain text');
        try {
          return await call({ ...msg, blocks: undefined as never, text: blocksAsText(msg.text, msg.blocks, PLACEHOLDER_CHARS) });
        } catch (err2) {
          throw this.translate(method, err2, msg.channel);
        }
      }
      throw e;
    }
  }

  /** Looks for the message an earlier attempt posted under `key` (its metadata), among the messages
   *  posted since that attempt marked its intent (`since`, ms; a few minutes earlier for clock skew
   *  between us and Slack), page by page. Throws the SDK's error when Slack refuses or fails. */
  private async findOwnMessage(key: string, msg: OutMessage, since: number | null): Promise<PostedRef | null> {
    const oldest = since !== null ? ((since - LOOKUP_SKEW_MS) / 1000).toFixed(6) : undefined;
    let cursor: string | undefined;
    for (let page = 0; page < LOOKUP_PAGES; page++) {
      const args = { channel: msg.channel, limit: 200, include_all_metadata: true, ...(oldest ? { oldest } : {}), ...(cursor ? { cursor } : {}) };
      const res = msg.threadTs ? await this.client.conversations.replies({ ...args, ts: msg.threadTs }) : await this.client.conversations.history(args);
      const messages = (res.messages ?? []) as Array<{ ts?: string; metadata?: { event_type?: string; event_payload?: { key?: string } } }>;
      const hit = messages.find((m) => m.metadata?.event_type === METADATA_EVENT && m.metadata.event_payload?.key === key);
      if (hit?.ts) {
        this.log.info({ key }, 'found the message an earlier attempt posted; updating it');
        return { channel: msg.channel, ts: hit.ts };
      }
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) return null;
    }
    this.log.warn({ key, pages: LOOKUP_PAGES }, 'gave up looking for an earlier attempt\'s message: too many messages since');
    return null;
  }

  /** slackPostError(err), counted in leakbot_slack_errors_total and logged (secrets scrubbed). */
  translate(method: string, err: unknown, channel?: string): SlackPostError {
    if (err instanceof SlackPostError) return err;
    const e = slackPostError(err, channel);
    this.metrics?.slackErrors.inc({ method, error: e.code });
    this.log.warn({ method, code: e.code, err: scrubSecrets((err as Error)?.message ?? String(err)) }, 'slack api call failed');
    return e;
  }
}

/**
 * The plain-text stand-in for a message whose blocks Slack refused: its notification text, then the
 * text of each header, section (text and fields) and context block, one per line — the findings
 * the blocks held, readable as mrkdwn — clipped to `max` characters. Buttons and images are left
 * out (they are no text). Block shapes: https://api.slack.com/reference/block-kit/blocks.
 */
export function blocksAsText(text: string, blocks: unknown[], max: number): string {
  const texts = (v: unknown): string[] => {
    const o = v as { type?: string; text?: unknown; fields?: unknown[]; elements?: unknown[] } | null;
    if (!o || typeof o !== 'object' || o.type === 'actions' || o.type === 'image') return [];
    if (typeof o.text === 'string') return [o.text];
    return [...texts(o.text), ...(o.fields ?? []).flatMap(texts), ...(o.type === 'context' ? (o.elements ?? []).flatMap(texts) : [])];
  };
  const body = blocks.flatMap((b) => texts(b).join('\n')).filter((t) => t && t !== text);
  const all = [text, ...body].join('\n');
  return all.length <= max ? all : `${all.slice(0, max - 1)}…`;
}

function safeHost(u: string): string {
  try {
    return new URL(u).host;
  } catch {
    return '(invalid)';
  }
}
