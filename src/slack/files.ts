// Files people hand to leakbot in Slack (a dump dropped in a thread or a DM, or attached to a
// message they run the "Analyze goroutine dump" shortcut on). The file is looked up by its id with
// files.info and downloaded from its url_private(_download) with the bot token, and only when that
// URL is on Slack's own file host: a URL a user typed is never fetched.
// https://api.slack.com/methods/files.info · https://api.slack.com/types/file#auth
import type { WebClient } from '@slack/web-api';
import { request } from 'undici';
import { sizeText } from '../capture/errors.js';

/** What leakbot needs of a Slack file object (https://api.slack.com/types/file). */
export interface SlackFile {
  id: string;
  name: string;
  /** Bytes, as Slack reports them. */
  size: number;
  mimetype: string;
  filetype: string;
  /** Uploader's user id. */
  user: string;
  url: string | null;
  /** Where the file is shared: channel id → messages (ts, and thread_ts when shared into a thread). */
  shares: Record<string, Array<{ ts: string; threadTs?: string }>>;
}

export class SlackFileError extends Error {
  override name = 'SlackFileError';
  constructor(
    readonly code: 'not-found' | 'too-large' | 'not-slack-host' | 'download-failed' | 'not-text',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Hosts Slack serves files from for a Web API base URL: `files.<domain>` and the API host itself
 * (https://slack.com/api/ → files.slack.com, slack.com; a GovSlack or test API host likewise).
 */
export function slackFileHosts(apiUrl: string): Set<string> {
  const host = new URL(apiUrl).host.toLowerCase();
  const bare = host.replace(/^(api|www)\./, '');
  return new Set([host, bare, `files.${bare}`]);
}

/** True when `url` is a Slack file URL: same scheme as the API (https in production) and a Slack file host. */
export function isSlackFileUrl(url: string, apiUrl: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const api = new URL(apiUrl);
  if (u.protocol !== api.protocol || u.username || u.password) return false;
  return slackFileHosts(apiUrl).has(u.host.toLowerCase());
}

/** files.info → SlackFile. Throws SlackFileError('not-found') when Slack does not know the id. */
export async function fileInfo(client: WebClient, fileId: string): Promise<SlackFile> {
  let res: Awaited<ReturnType<WebClient['files']['info']>>;
  try {
    res = await client.files.info({ file: fileId });
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    if (code === 'file_not_found' || code === 'file_deleted') throw new SlackFileError('not-found', 'Slack no longer has this file.');
    throw err;
  }
  const f = res.file as Record<string, unknown> | undefined;
  if (!f) throw new SlackFileError('not-found', 'Slack returned no file for this id.');
  const shares: SlackFile['shares'] = {};
  const raw = (f.shares ?? {}) as Record<string, Record<string, Array<{ ts?: string; thread_ts?: string }>>>;
  for (const kind of ['public', 'private'] as const) {
    for (const [channel, list] of Object.entries(raw[kind] ?? {})) {
      shares[channel] = (list ?? []).filter((s) => typeof s.ts === 'string').map((s) => ({ ts: s.ts!, ...(s.thread_ts ? { threadTs: s.thread_ts } : {}) }));
    }
  }
  return {
    id: String(f.id ?? fileId),
    name: String(f.name ?? f.title ?? fileId),
    size: Number(f.size ?? 0),
    mimetype: String(f.mimetype ?? ''),
    filetype: String(f.filetype ?? ''),
    user: String(f.user ?? ''),
    url: typeof f.url_private_download === 'string' ? f.url_private_download : typeof f.url_private === 'string' ? f.url_private : null,
    shares,
  };
}

/**
 * Ids of the files the message `share` names carries, in the message's order: Slack announces each
 * file of a message in a file_shared event of its own, and channel messages are not delivered to
 * leakbot (manifest.yml subscribes to message.im only), so the message itself tells which files came
 * together. conversations.replies returns a thread's messages, and a top-level message as the parent
 * of its own thread (https://api.slack.com/methods/conversations.replies; channels:history,
 * groups:history or im:history). Null when the message is not found; Slack API errors are thrown.
 */
export async function messageFileIds(client: WebClient, channel: string, share: { ts: string; threadTs?: string }): Promise<string[] | null> {
  const res = await client.conversations.replies({ channel, ts: share.threadTs ?? share.ts, oldest: share.ts, latest: share.ts, inclusive: true, limit: 2 });
  const m = (res.messages ?? []).find((x) => x.ts === share.ts);
  return m ? (m.files ?? []).map((f) => f.id).filter((id): id is string => typeof id === 'string') : null;
}

/** Media and documents are never goroutine dumps: skipped without a reply. */
export function isClearlyNotADump(f: Pick<SlackFile, 'mimetype' | 'filetype'>): boolean {
  return /^(image|video|audio)\//.test(f.mimetype) || /^(pdf|docx?|xlsx?|pptx?|quip|canvas|spaces|post)$/.test(f.filetype) || f.mimetype === 'application/vnd.slack-docs';
}

export interface DownloadOptions {
  botToken: string;
  apiUrl: string;
  /** Cap on the bytes of this file, or of the files handed over together when `readBefore` is set. */
  maxBytes: number;
  /** Bytes of the files of the same message already read: they count against maxBytes. */
  readBefore?: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Downloads a Slack file's bytes with the bot token. Refuses a URL that is not on a Slack file host
 * (SlackFileError 'not-slack-host'), a file larger than maxBytes before or while reading
 * ('too-large'), redirects and non-200 answers ('download-failed').
 */
export async function downloadSlackFile(file: Pick<SlackFile, 'url' | 'size' | 'name'>, o: DownloadOptions): Promise<Buffer> {
  if (!file.url || !isSlackFileUrl(file.url, o.apiUrl)) throw new SlackFileError('not-slack-host', `${file.name} is not served by Slack's file host, so leakbot will not fetch it.`);
  const before = o.readBefore ?? 0;
  const room = o.maxBytes - before;
  if (file.size > room) throw new SlackFileError('too-large', tooLarge(file.name, file.size, o.maxBytes, before));
  const signals = [AbortSignal.timeout(o.timeoutMs), ...(o.signal ? [o.signal] : [])];
  const res = await request(file.url, { method: 'GET', headers: { authorization: `Bearer ${o.botToken}` }, signal: AbortSignal.any(signals) });
  if (res.statusCode !== 200) {
    res.body.on('error', () => {});
    res.body.destroy();
    throw new SlackFileError('download-failed', `Slack answered ${res.statusCode} when leakbot downloaded ${file.name}.`);
  }
  const type = String(res.headers['content-type'] ?? '');
  if (/^text\/html/i.test(type)) {
    // Slack answers a login page instead of the file when the token may not read it.
    res.body.on('error', () => {});
    res.body.destroy();
    throw new SlackFileError('download-failed', `Slack did not hand over ${file.name} (got a web page): is leakbot a member of this conversation, with the files:read scope?`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > room) {
      res.body.destroy();
      throw new SlackFileError('too-large', tooLarge(file.name, n, o.maxBytes, before));
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(name: string, bytes: number, max: number, before: number): string {
  const mib = (b: number) => `${Math.round((b / 1048576) * 10) / 10} MiB`;
  const size = `${name} is ${bytes + before > max ? '' : 'at least '}${mib(bytes)}`;
  if (before === 0) return `${size}; leakbot reads dumps up to ${mib(max)} (the same cap as a capture).`;
  return `${size}; with the ${sizeText(before)} of the files before it in the same message that is over the ${mib(max)} leakbot reads at once (the same cap as a capture), so it was left out.`;
}
