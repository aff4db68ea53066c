// Dumps handed to leakbot in Slack: a file dropped in a leakbot thread or a DM, or the "Analyze
// goroutine dump" message shortcut on a message holding a pasted dump or a file. The web side only
// acknowledges and enqueues a 'dump.analyze' job (Slack's 3 s); the worker fetches the file from
// Slack, reads it with the same decode limits and worker threads as a capture, and posts the
// findings into the thread the dump came from.
import type { LeakbotContext } from '../context.js';
import { DumpFormatError, otherProfileText, renderBlocks, type Analysis } from '../engine/index.js';
import type { JobInfo } from '../queue/processors.js';
import type { Requester } from '../queue/jobs.js';
import { ProfileLimitError } from '../capture/limits.js';
import { downloadSlackFile, fileInfo, isClearlyNotADump, SlackFileError, type SlackFile } from '../slack/files.js';
import { createSlackClient, SlackPostError } from '../slack/poster.js';
import { quoteOutside } from '../slack/text.js';

declare module '../queue/jobs.js' {
  interface JobPayloads {
    'dump.analyze': DumpJob;
  }
}

/** callback_id of the message shortcut (manifest.yml). */
export const DUMP_SHORTCUT_ID = 'analyze_goroutine_dump';

/** Same cap as a capture's default maxBytes (src/config/schema.ts). */
export const DUMP_MAX_BYTES = 64 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 60_000;

export interface DumpJob {
  /** A Slack file id (file events, or a file on the message a shortcut ran on). */
  fileId?: string;
  /** A dump pasted in a message (shortcut, or a DM's text), as Slack delivers the text. */
  text?: string;
  /** ts of the DM whose text is the dump: Slack's re-delivery of that message is the same job. */
  messageTs?: string;
  channel: string;
  /** The thread to answer in; for a file event it is found from the file's shares. */
  threadTs?: string;
  requester: Requester;
  /** File events: act only in a leakbot thread or a DM; in a thread stay silent about non-dumps (by
   *  type, and files that never mention a goroutine: people share other files there), in a DM say
   *  once why the file is no dump and what to send. The shortcut is an explicit request: always answered. */
  passive: boolean;
}

/** Where a file shared in `channel` lives: the thread of its share there (or the share message). */
export function shareThread(file: Pick<SlackFile, 'shares'>, channel: string): string | null {
  const s = file.shares[channel]?.[0];
  return s ? (s.threadTs ?? s.ts) : null;
}

/** Whether a message's text shows a goroutine dump's marks (a stack header, a `.go:N` frame
 *  line, a `created by` line): the text is worth reading as a pasted dump. */
export function holdsDumpText(text: string): boolean {
  return /goroutine|\.go:\d+|created by/.test(text);
}

/** A direct message with the bot (Slack ids: D… for DMs). */
export const isDirectMessage = (channel: string): boolean => channel.startsWith('D');

/** Text of a Slack message holding a pasted dump → the dump: Slack's links unwrapped to what was
 *  pasted (`<http://github.com/x/y|github.com/x/y>` → `github.com/x/y`, `<url>` → `url`), its
 *  &amp; &lt; &gt; decoded and ``` fences removed
 *  (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function pastedDump(text: string): string {
  return text
    // Slack links whatever looks like a domain, inside code blocks too (a Go package path), and
    // sends a typed `<` as `&lt;`: a raw `<` in the text always opens its markup.
    .replace(/<[^<>|]*\|([^<>]*)>/g, '$1')
    .replace(/<([^<>|]*)>/g, '$1')
    .replace(/^\s*```\s*$/gm, '')
    .replace(/^```|```$/gm, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export async function processDump(ctx: LeakbotContext, job: JobInfo<'dump.analyze'>): Promise<void> {
  try {
    await analyseDump(ctx, job);
  } catch (err) {
    // Slack refused the post (e.g. leakbot is not in that channel): tell whoever asked, don't retry.
    if (err instanceof SlackPostError && !err.retryable && !err.unavailable) {
      await ctx.poster.respond(job.data.requester.responseUrl, { text: `I could not post the findings of that dump: ${err.userMessage}`, response_type: 'ephemeral' });
      return;
    }
    throw err;
  }
}

async function analyseDump(ctx: LeakbotContext, job: JobInfo<'dump.analyze'>): Promise<void> {
  const d = job.data;
  const client = createSlackClient(ctx.env.slackBotToken, ctx.env.slackApiUrl, job.log);
  // A file dropped in a DM with the bot is handed to it: it always gets an answer.
  const quiet = d.passive && !isDirectMessage(d.channel);
  let file: SlackFile | null = null;
  let threadTs = d.threadTs ?? null;
  if (d.fileId) {
    try {
      file = await fileInfo(client, d.fileId);
    } catch (err) {
      if (err instanceof SlackFileError && quiet) return;
      if (err instanceof SlackFileError) return answer(ctx, d, threadTs, `:x: ${quoteOutside(err.message)}`, job.id);
      throw err;
    }
    threadTs ??= shareThread(file, d.channel);
    if (isClearlyNotADump(file)) {
      if (!quiet) await answer(ctx, d, threadTs, `:x: ${quoteOutside(file.name, 120)} is not a goroutine dump (${quoteOutside(file.mimetype || file.filetype, 60)}). ${SEND_INSTEAD}`, job.id);
      return;
    }
  }
  if (!threadTs) return;
  if (d.passive && !isDirectMessage(d.channel) && !(await ctx.threads.get(d.channel, threadTs))) {
    job.log.debug({ channel: d.channel }, 'file outside a leakbot thread: ignored');
    return;
  }
  const name = file ? file.name : 'pasted dump';
  let bytes: Buffer;
  try {
    bytes = file
      ? await downloadSlackFile(file, { botToken: ctx.env.slackBotToken, apiUrl: ctx.env.slackApiUrl, maxBytes: DUMP_MAX_BYTES, timeoutMs: DOWNLOAD_TIMEOUT_MS, signal: job.signal })
      : Buffer.from(pastedDump(d.text ?? ''), 'utf8');
  } catch (err) {
    if (err instanceof SlackFileError) return answer(ctx, d, threadTs, `:x: ${quoteOutside(err.message)}`, job.id);
    throw err;
  }
  if (d.passive && !mayBeGoroutineDump(bytes)) {
    if (quiet) {
      job.log.debug({ channel: d.channel }, 'file in a leakbot thread that is no goroutine dump: left alone');
      return;
    }
    return answer(ctx, d, threadTs, `:x: I could not read ${quoteOutside(name, 120)} as a goroutine dump: ${notADumpReason(bytes)}. ${SEND_INSTEAD}`, job.id);
  }
  let analysis: Analysis;
  try {
    analysis = await ctx.analysis.analyzeProfile(bytes, { capturedAt: Date.now(), maxBytes: DUMP_MAX_BYTES }, { ignore: ctx.config.ignore });
  } catch (err) {
    if (err instanceof DumpFormatError || err instanceof ProfileLimitError) {
      return answer(ctx, d, threadTs, `:x: I could not read ${quoteOutside(name, 120)} as a goroutine dump: ${quoteOutside((err as Error).message, 600)}`, job.id);
    }
    throw err;
  }
  // "Take a second one and compare" would send people to hand over another dump, which is read on
  // its own too: say where a comparison is made.
  const rendered = renderBlocks(analysis, { title: `Goroutine dump: ${name}`, recapture: SINGLE_DUMP });
  const blocks = [...rendered.blocks.slice(0, 49), { type: 'context', elements: [{ type: 'mrkdwn', text: `Dump handed over by <@${d.requester.user}>; analysed on its own (no earlier snapshot to compare with).` }] }];
  await ctx.poster.post(`dump:${job.id}:findings`, { channel: d.channel, threadTs, text: rendered.text, blocks });
  if (rendered.overflowMarkdown) {
    await ctx.poster.upload(`dump:${job.id}:overflow`, {
      channel: d.channel,
      threadTs,
      filename: 'goroutine-dump-report.md',
      title: `Full goroutine report: ${name}`,
      content: rendered.overflowMarkdown,
      initialComment: 'The findings did not fit in one Slack message; here is the full report.',
    });
  }
  job.log.info({ goroutines: analysis.snapshots[0]?.goroutines, findings: analysis.findings.length, bytes: bytes.length }, 'dump analysed and posted');
}

/** Whether a file dropped without asking (passive) may be a dump worth an answer: compressed, or
 *  text or profile.proto that says "goroutine" somewhere (every dump shape does: stack headers, the
 *  debug=1 total line, the proto's sample type, `go tool pprof -top`'s "Type: goroutine"). Someone's
 *  notes or an app log in an incident thread is not addressed to leakbot: no ":x: could not read". */
export function mayBeGoroutineDump(bytes: Buffer): boolean {
  return (bytes[0] === 0x1f && bytes[1] === 0x8b) || bytes.includes('goroutine');
}

/** The single-snapshot line of a dump handed over in Slack (plain text; the renderer escapes it). */
export const SINGLE_DUMP =
  'one dump: growth is not measured, and each dump handed over is read on its own. Compare two dumps of this process taken a minute apart with `leakbot diff first.txt second.txt`, or let leakbot capture a registered service twice: `/leak snapshot <service>`';

/** What to hand leakbot instead of a file it could not read (mrkdwn). */
export const SEND_INSTEAD =
  'Send the text of `/debug/pprof/goroutine?debug=2` (e.g. `curl -s http://&lt;pod&gt;:&lt;port&gt;/debug/pprof/goroutine?debug=2 &gt; goroutines.txt`) or a crash/SIGQUIT log as a file, or run `/leak snapshot &lt;service&gt;` and I capture it myself.';

/**
 * Why bytes that mayBeGoroutineDump refused are no goroutine dump, in a few words: empty, binary,
 * another pprof profile (the debug=1 first lines the engine's detection names, otherProfileText;
 * `go tool pprof -top`'s `Type:` line),
 * or text that never mentions a goroutine.
 */
export function notADumpReason(bytes: Buffer): string {
  const head = bytes.subarray(0, 4096);
  if (head.toString('latin1').trim() === '') return 'the file is empty';
  const text = head.toString('latin1');
  const other = text.split('\n').map(otherProfileText).find((o) => o !== null);
  if (other) return `it is ${other.name}, not a goroutine profile`;
  const top = /^Type: (\S+)/m.exec(text);
  if (top) return `it is a ${quoteOutside(`${top[1]} (\`go tool pprof -top\` output)`, 60)} profile, not a goroutine profile`;
  let odd = 0;
  for (const b of head) if (b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)) odd++;
  if (odd > 0) return 'it is binary data, not text';
  return 'it is text that never mentions a goroutine (notes or a log?)';
}

/** Says something in the dump's thread, or to the requester when there is no thread. */
async function answer(ctx: LeakbotContext, d: DumpJob, threadTs: string | null, text: string, jobId: string): Promise<void> {
  if (threadTs) await ctx.poster.post(`dump:${jobId}:error`, { channel: d.channel, threadTs, text });
  else await ctx.poster.respond(d.requester.responseUrl, { text, response_type: 'ephemeral' });
}

/** Enqueues a dump for analysis; the same file in the same conversation is analysed once
 *  (file_shared and the message event both announce it), and so is the same DM's text. A shortcut on the file is a request of
 *  its own (keyed by its request id): the file dropped earlier and left alone, or analysed, must not
 *  swallow it. Redis I/O only: safe inside Slack's 3 s. */
export async function enqueueDump(ctx: LeakbotContext, d: DumpJob): Promise<'queued' | 'held'> {
  const jobId = d.fileId
    ? `dump-${d.fileId}-${d.channel}${d.passive ? '' : `-asked-${d.requester.requestId ?? 'x'}`}`
    : d.messageTs
      ? `dump-msg-${d.channel}-${d.messageTs}`
      : undefined;
  const r = await ctx.jobs.enqueue('dump.analyze', d, jobId ? { jobId } : {});
  return r.status;
}
