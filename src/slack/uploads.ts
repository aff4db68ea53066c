// files.uploadV2's three steps done one by one, so that a file is shared once however often its job
// is retried: getUploadURLExternal → the bytes to the upload URL → completeUploadExternal (the share,
// which is the message people see). The file id is remembered before the share; a retry asks
// files.info whether Slack shared it. Steps: https://api.slack.com/messaging/files#uploading_files.
// Slack shares a completed upload asynchronously: files.info may show no share for a while after
// completeUploadExternal answered (slackapi/python-slack-sdk#1277, slackapi/node-slack-sdk#1865).
// So the share is marked (with its time) before it is sent, and a retry that finds the mark but no
// share yet waits (the job is parked) for up to UploadDeps.shareSettleMs before it concludes Slack
// never got the share and shares again.
import type { WebAPICallResult, WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';
import { scrubSecrets } from '../log.js';
import type { PostMemory, PostedRef } from '../store/posts.js';
import { SlackPostError } from './errors.js';

/** A file to share into a channel or thread. */
export interface UploadInput {
  channel: string;
  threadTs?: string;
  filename: string;
  title: string;
  content: string | Buffer;
  initialComment?: string;
}

/** What shareFileOnce needs from the Poster that calls it. */
export interface UploadDeps {
  /** With the SDK's retries (steps 1 and files.info are safe to repeat). */
  client: WebClient;
  /** Without automatic retries: the share must never be repeated blindly. */
  postClient: WebClient;
  memory: PostMemory;
  log: Logger;
  translate(method: string, err: unknown): SlackPostError;
  /** Extends the caller's posting lease; throws PostingLeaseLostError when it lapsed. */
  keepTurn(): Promise<void>;
  /** How long after a share whose outcome is unknown files.info may still not show it (ms). */
  shareSettleMs: number;
}

/** Default of UploadDeps.shareSettleMs: Slack processes a share within seconds; minutes is ample. */
export const SHARE_SETTLE_MS = 3 * 60_000;

/** Shares `f` under `key` (the caller holds the key's posting lease and found no stored ref).
 *  Throws SlackPostError (`share_pending`, unavailable: an earlier attempt's share may still be in
 *  Slack's hands, the job waits and asks again), ReplicaLagError (a Sentinel replica did not
 *  confirm the file id or the share marker), or PostingLeaseLostError (the lease lapsed before the
 *  share; nothing was shared). */
export async function shareFileOnce(d: UploadDeps, key: string, f: UploadInput): Promise<PostedRef> {
  const done = async (fileId: string): Promise<PostedRef> => {
    const ref: PostedRef = { channel: f.channel, ts: f.threadTs ?? '', fileId };
    await d.memory.set(key, ref);
    return ref;
  };
  const earlier = await d.memory.uploadMark(key);
  if (earlier && (await isShared(d, earlier, f))) {
    d.log.info({ key }, 'an earlier attempt already shared this file; not uploading it again');
    return done(earlier);
  }
  const sharedAt = earlier ? await d.memory.shareSince(key) : null;
  if (sharedAt !== null) {
    // The earlier attempt sent the share and never learnt the outcome: Slack may still be sharing it.
    const age = Date.now() - sharedAt;
    if (age < d.shareSettleMs) {
      d.log.info({ key, ageMs: age }, 'an earlier attempt sent this file\'s share and Slack does not show it yet; waiting before sharing it again');
      throw new SlackPostError('share_pending', 'Slack is still processing the file I shared; I will check again.', true, true, false);
    }
    d.log.warn({ key, ageMs: age }, 'an earlier attempt\'s share never showed in files.info; sharing the file again');
  }
  const bytes = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content;
  let fileId: string;
  try {
    const u = (await d.client.files.getUploadURLExternal({ filename: f.filename, length: bytes.length })) as WebAPICallResult & { file_id?: string; upload_url?: string };
    if (!u.file_id || !u.upload_url) throw new SlackPostError('invalid_response', 'Slack did not give me a place to upload the file.', true);
    fileId = u.file_id;
    await d.memory.markUpload(key, fileId);
    await sendFileBytes(d, u.upload_url, bytes);
    // The bytes may have taken longer than the lease (60 s timeout against 20 s): share only while it is ours.
    await d.keepTurn();
    await d.memory.markShare(key);
  } catch (err) {
    if (err instanceof Error && (err.name === 'ReplicaLagError' || err.name === 'PostingLeaseLostError')) throw err;
    throw d.translate('files.uploadV2', err);
  }
  try {
    await d.postClient.files.completeUploadExternal({
      files: [{ id: fileId, title: f.title }],
      channel_id: f.channel,
      ...(f.threadTs ? { thread_ts: f.threadTs } : {}),
      ...(f.initialComment ? { initial_comment: f.initialComment } : {}),
    } as never);
  } catch (err) {
    const e = d.translate('files.completeUploadExternal', err);
    // Certainly not shared (a refusal, connection refused): the retry need not wait for it.
    if (e.notSent) await d.memory.clearShare(key).catch(() => {});
    throw e;
  }
  return done(fileId);
}

/** True when files.info shows file `fileId` shared where `f` goes. Throws SlackPostError when
 *  Slack is unavailable (sharing again now could double it); other refusals count as not shared. */
async function isShared(d: UploadDeps, fileId: string, f: UploadInput): Promise<boolean> {
  try {
    const res = (await d.client.files.info({ file: fileId })) as WebAPICallResult & { file?: { shares?: Record<string, Record<string, Array<{ thread_ts?: string; ts?: string }>>> } };
    const shares = Object.values(res.file?.shares ?? {}).flatMap((byChannel) => byChannel[f.channel] ?? []);
    return shares.some((sh) => !f.threadTs || sh.thread_ts === f.threadTs || sh.ts === f.threadTs);
  } catch (err) {
    const e = d.translate('files.info', err);
    if (e.unavailable) throw e;
    return false;
  }
}

/** Step 2: the bytes, to the URL Slack handed out (Slack's file host, or the configured Web API host
 *  for a stand-in or proxy; nothing else is ever contacted). */
async function sendFileBytes(d: UploadDeps, uploadUrl: string, bytes: Buffer): Promise<void> {
  const url = new URL(uploadUrl);
  const apiHost = new URL(d.client.slackApiUrl).host;
  const slackHost = url.protocol === 'https:' && (url.host === 'slack.com' || url.host.endsWith('.slack.com'));
  if (!slackHost && url.host !== apiHost) throw new SlackPostError('invalid_upload_url', 'Slack handed out an upload address I do not trust.', false, false, true);
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${d.client.token ?? ''}`, 'content-type': 'application/octet-stream' },
    body: bytes,
    redirect: 'error',
    signal: AbortSignal.timeout(60_000),
  }).catch((err: Error) => {
    d.log.warn({ err: scrubSecrets(err.message) }, 'file upload to Slack failed');
    throw new SlackPostError('request_failed', 'Slack is not answering right now (request_failed); I will keep trying.', true, true, false);
  });
  if (res.status !== 200) throw new SlackPostError('http_error', `Slack refused the file upload (HTTP ${res.status}); I will retry.`, true, res.status >= 500, true);
  await res.arrayBuffer().catch(() => {});
}
