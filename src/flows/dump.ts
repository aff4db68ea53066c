// Dumps handed to leakbot in Slack: a file dropped in a leakbot thread or a DM, or the "Analyze
// goroutine dump" message shortcut on a message holding a pasted dump or a file. The web side only
// acknowledges and enqueues a 'dump.analyze' job (Slack's 3 s); the worker fetches the file from
// Slack, reads it with the same decode limits and worker threads as a capture, and posts the
// findings into the thread the dump came from.
import type { LeakbotContext } from '../context.js';
import { otherProfileText, renderBlocks, type Analysis } from '../engine/index.js';
import type { JobInfo } from '../queue/processors.js';
import type { Requester } from '../queue/jobs.js';
import { downloadSlackFile, fileInfo, isClearlyNotADump, messageFileIds, SlackFileError, type SlackFile } from '../slack/files.js';
import type { DumpInput, SeriesResult } from '../analysis/series.js';
import { createSlackClient, SlackPostError } from '../slack/poster.js';
import { quoteOutside } from '../slack/text.js';

declare module '../queue/jobs.js' {
  interface JobPayloads {
    'dump.analyze': DumpJob;
  }
}

/** callback_id of the message shortcut (manifest.yml). */
export const DUMP_SHORTCUT_ID = 'analyze_goroutine_dump';

/** Files of one message read (the first ones; each is one dump, or several one after another). */
export const MAX_FILES_PER_MESSAGE = 3;

/** Same cap as a capture's default maxBytes (src/config/schema.ts): of one file, or of the files of
 *  one message together. */
export const DUMP_MAX_BYTES = 64 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 60_000;

export interface DumpJob {
  /** A Slack file id (file events, or a file on the message a shortcut ran on). */
  fileId?: string;
  /** The files of one message (two or more, in the message's order, at most MAX_FILES_PER_MESSAGE):
   *  read as one series and answered once. `messageTs` is that message's ts. */
  fileIds?: string[];
  /** Set with `fileId` by the message event that listed it as its message's only file: the job need
   *  not ask Slack which files came with it (conversations.replies). A file_shared event cannot tell. */
  alone?: true;
  /** Files of that message beyond MAX_FILES_PER_MESSAGE: not read, and the answer says so. */
  more?: number;
  /** A dump pasted in a message (shortcut, or a DM's text), as Slack delivers the text. */
  text?: string;
  /** ts of the DM whose text is the dump, or of the message holding `fileIds`: Slack's re-delivery
   *  of that message (and every file_shared event of its files) is the same job. */
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

/** The name a pasted dump goes by among the files of a message (headers, notes). */
const PASTED = 'pasted dump';
/** How a message names an input: a file by its (quoted) name, the paste as what it is. */
function inputName(name: string): string {
  return name === PASTED ? 'the pasted text' : quoteOutside(name, 120);
}

/** Text of a Slack message holding a pasted dump → the dump: Slack's links unwrapped to what was
 *  pasted (`<http://github.com/x/y|github.com/x/y>` → `github.com/x/y`, `<url>` → `url`), its
 *  &amp; &lt; &gt; decoded and ``` fences removed; when its code blocks hold the dump, only they
 *  are read (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function pastedDump(text: string): string {
  // Slack links whatever looks like a domain, inside code blocks too (a Go package path), and
  // sends a typed `<` as `&lt;`: a raw `<` in the text always opens its markup.
  const unlinked = text.replace(/<[^<>|]*\|([^<>]*)>/g, '$1').replace(/<([^<>|]*)>/g, '$1');
  // A note before the code block or a question after it ("thoughts?") is not part of the dump: a
  // line after the last goroutine was read as the rest of it, and a whole paste said to be cut off.
  const blocks = [...unlinked.matchAll(/```([\s\S]*?)```/g)].map((m) => m[1]!);
  return (blocks.some(holdsDumpText) ? blocks.join('\n') : unlinked)
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
  const ids = d.fileIds ?? (d.fileId ? [d.fileId] : []);
  const several = ids.length > 1;
  /** What is said about files left out (mrkdwn), in file order; `aside`: a file that is no dump,
   *  which a thread is not told about unless dumps were read with it (people share other files there). */
  const said: Array<{ text: string; aside?: true }> = [];
  if (d.more) said.push({ text: `:information_source: ${d.more} more file${d.more === 1 ? '' : 's'} of this message ${d.more === 1 ? 'was' : 'were'} not read: leakbot compares the first ${MAX_FILES_PER_MESSAGE} files of a message.`, aside: true });
  const files: SlackFile[] = [];
  for (const id of ids) {
    try {
      files.push(await fileInfo(client, id));
    } catch (err) {
      if (!(err instanceof SlackFileError)) throw err;
      // Of several files, say which one (Slack gave no name: its id).
      said.push({ text: `:x: ${several ? `file ${quoteOutside(id, 40)}: ` : ''}${quoteOutside(err.message)}` });
    }
  }
  const threadTs = d.threadTs ?? (files[0] ? shareThread(files[0], d.channel) : null);
  if (ids.length > 0 && files.length === 0) {
    if (!quiet) await answer(ctx, d, threadTs, said.map((x) => x.text).join('\n'), job.id);
    return;
  }
  if (!threadTs) return;
  if (d.passive && !isDirectMessage(d.channel) && !(await ctx.threads.get(d.channel, threadTs))) {
    job.log.debug({ channel: d.channel }, 'file outside a leakbot thread: ignored');
    return;
  }
  // A file announced alone (file_shared) that came with others in one message: the message's files
  // are read together, as one series, in one job whatever event announced them first.
  if (d.fileId && !d.fileIds && !d.alone && d.passive && (await handedOverWithOthers(ctx, client, d, files[0]!, threadTs, job))) return;
  const inputs: Array<DumpInput & { bytes: Buffer }> = [];
  /** A file was refused as no dump at all (not as unreadable): the answer says what to send. */
  let notADump = false;
  let readBytes = 0;
  const deadline = Date.now() + DOWNLOAD_TIMEOUT_MS;
  for (const file of files) {
    const name = quoteOutside(file.name, 120);
    if (isClearlyNotADump(file)) {
      notADump = true;
      said.push({ text: `:x: ${name} is not a goroutine dump (${quoteOutside(file.mimetype || file.filetype, 60)}).`, aside: true });
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await downloadSlackFile(file, {
        botToken: ctx.env.slackBotToken,
        apiUrl: ctx.env.slackApiUrl,
        maxBytes: DUMP_MAX_BYTES,
        readBefore: readBytes,
        timeoutMs: Math.max(1, deadline - Date.now()),
        ...(job.signal ? { signal: job.signal } : {}),
      });
    } catch (err) {
      if (err instanceof SlackFileError) {
        said.push({ text: `:x: ${quoteOutside(err.message)}` });
        continue;
      }
      // The files of one message share one download time cap (the cap one file had).
      if ((err as Error).name === 'TimeoutError' && several && !job.signal?.aborted) {
        said.push({ text: `:x: ${name} did not download within ${DOWNLOAD_TIMEOUT_MS / 1000} s (the files of one message share that time), so it was left out.` });
        continue;
      }
      throw err;
    }
    readBytes += bytes.length;
    inputs.push({ name: file.name, bytes });
  }
  if (ids.length === 0) inputs.push({ name: PASTED, bytes: Buffer.from(pastedDump(d.text ?? ''), 'utf8') });
  // Dropped without asking, a file or paste must look like a dump to get an answer (see mayBeGoroutineDump).
  for (const input of d.passive ? inputs.filter((i) => !mayBeGoroutineDump(i.bytes)) : []) {
    inputs.splice(inputs.indexOf(input), 1);
    notADump = true;
    said.push({ text: `:x: I could not read ${inputName(input.name)} as a goroutine dump: ${notADumpReason(input.bytes)}.`, aside: true });
  }
  const r =
    inputs.length > 0
      ? await ctx.analysis.analyzeDumps(inputs, { maxBytes: DUMP_MAX_BYTES, capturedAt: Date.now(), analyze: { ignore: ctx.config.ignore } })
      : { analysis: null, failed: [], read: [] };
  for (const f of r.failed) said.push({ text: `:x: I could not read ${inputName(f.name)} as a goroutine dump: ${quoteOutside(f.message, 600)}` });
  if (r.otherProcess?.length) said.push({ text: otherProcessLine(r.otherProcess) });
  if (!r.analysis) {
    const lines = said.filter((x) => !(quiet && x.aside)).map((x) => x.text);
    if (lines.length === 0) {
      job.log.debug({ channel: d.channel }, 'files in a leakbot thread that are no goroutine dumps: left alone');
      return;
    }
    // One file, or none of several, could be read: say why, and what to send (a DM's or a shortcut's
    // refusal of media or non-dump text; a parse error quotes the line it saw instead).
    const sendInstead = notADump && r.failed.length === 0 ? ` ${SEND_INSTEAD}` : '';
    return answer(ctx, d, threadTs, `${lines.join('\n')}${sendInstead}`, job.id);
  }
  await postFindings(ctx, d, threadTs, r.analysis, r.read, said.map((x) => x.text), job);
}

/** When the file of a file_shared event came with other files in one message (Slack sends one event
 *  per file): enqueues that message's files as one series job (the job id of the message, so every
 *  file's event and the message event land in the same job) and returns true. False when the file
 *  came alone, or the message cannot be read (then the file is read alone, as before). */
async function handedOverWithOthers(ctx: LeakbotContext, client: ReturnType<typeof createSlackClient>, d: DumpJob, file: SlackFile, threadTs: string, job: JobInfo<'dump.analyze'>): Promise<boolean> {
  const share = file.shares[d.channel]?.[0];
  if (!share) return false;
  let ids: string[] | null;
  try {
    ids = await messageFileIds(client, d.channel, share);
  } catch (err) {
    job.log.warn({ err: (err as Error).message }, 'could not read the message of a shared file; reading the file alone');
    return false;
  }
  if (!ids || ids.length < 2) return false;
  const { fileId: _alone, ...rest } = d;
  const more = ids.length - MAX_FILES_PER_MESSAGE;
  await enqueueDump(ctx, { ...rest, fileIds: ids.slice(0, MAX_FILES_PER_MESSAGE), messageTs: share.ts, threadTs, ...(more > 0 ? { more } : {}) });
  job.log.debug({ files: ids.length }, 'file shared with others in one message: read with them');
  return true;
}

/** Posts the findings of one dump, or of several compared as a series, into the dump's thread. */
async function postFindings(ctx: LeakbotContext, d: DumpJob, threadTs: string, analysis: Analysis, read: SeriesResult['read'], leftOut: string[], job: JobInfo<'dump.analyze'>): Promise<void> {
  const series = analysis.snapshots.length > 1;
  const names = read.map((f) => f.name).join(', ');
  const title = series ? `Goroutine dumps compared: ${names}` : `Goroutine dump: ${names}`;
  // "Take a second one and compare" would send people to hand over another dump on its own: say
  // how a comparison is made.
  const rendered = renderBlocks(analysis, { title, recapture: SINGLE_DUMP });
  const how = series ? seriesNote(analysis, read) : 'analysed on its own (no earlier snapshot to compare with).';
  const context = [`Dump${read.length > 1 || series ? 's' : ''} handed over by <@${d.requester.user}>; ${how}`, ...leftOut].join('\n');
  const blocks = [...rendered.blocks.slice(0, 49), { type: 'context', elements: [{ type: 'mrkdwn', text: context.slice(0, 3000) }] }];
  const text = leftOut.length ? `${rendered.text}\n${leftOut.join('\n')}` : rendered.text;
  await ctx.poster.post(`dump:${job.id}:findings`, { channel: d.channel, threadTs, text, blocks });
  if (rendered.overflowMarkdown) {
    await ctx.poster.upload(`dump:${job.id}:overflow`, {
      channel: d.channel,
      threadTs,
      filename: 'goroutine-dump-report.md',
      title: `Full goroutine report: ${names}`,
      content: rendered.overflowMarkdown,
      initialComment: 'The findings did not fit in one Slack message; here is the full report.',
    });
  }
  job.log.info({ snapshots: analysis.snapshots.length, goroutines: analysis.snapshots.at(-1)?.goroutines, findings: analysis.findings.length, files: read.length, leftOut: leftOut.length }, 'dump analysed and posted');
}

/** How a series was read, for the findings' context line (mrkdwn): which dumps, compared as
 *  `leakbot diff` compares them, and when they are not of one process, that the comparison fell
 *  back to goroutine counts per stack (the engine's separate-process detection, src/engine/rank.ts). */
export function seriesNote(a: Analysis, read: SeriesResult['read']): string {
  const files = read.map((f) => (f.dumps > 1 ? `${quoteOutside(f.name, 80)} (${f.dumps} dumps one after another)` : quoteOutside(f.name, 80))).join(', ');
  // The files are listed as handed over; the engine orders the dumps by their goroutine ids (a
  // warning says so when that is not the order given), so the list is not called oldest first.
  const base = `${a.snapshots.length} dumps compared oldest first, as \`leakbot diff\` compares them (handed over as ${files}).`;
  return a.separateProcesses
    ? `${base} They are not dumps of one process (a restart, or another replica): no goroutine is listed under the same id and stack with the same call arguments, so growth is read from goroutine counts per stack, not from goroutine ids.`
    : base;
}

/** Dumps left out of a comparison as another process's (SeriesResult.otherProcess), in one line. */
export function otherProcessLine(names: string[]): string {
  const one = names.length === 1;
  return `:information_source: ${names.map((n) => quoteOutside(n, 80)).join(', ')} ${one ? 'is' : 'are'} of another process than the dumps compared (a restart, or another replica: the goroutines listed under the same id and stack show other call arguments), so ${one ? 'it was' : 'they were'} left out: growth is measured within one process. Hand ${one ? 'it' : 'them'} over with other dumps of ${one ? 'its' : 'their'} own process to compare ${one ? 'it' : 'them'}.`;
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
  'one dump: growth is not measured. To compare, drop two dumps of this process taken a minute apart together in one message (or run `leakbot diff first.txt second.txt`), or let leakbot capture a registered service twice: `/leak snapshot <service>`';

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
  const jobId = d.fileIds?.length && d.messageTs
    ? `dump-msg-${d.channel}-${d.messageTs}${d.passive ? '' : `-asked-${d.requester.requestId ?? 'x'}`}`
    : d.fileId
    ? `dump-${d.fileId}-${d.channel}${d.passive ? '' : `-asked-${d.requester.requestId ?? 'x'}`}`
    : d.messageTs
      ? `dump-msg-${d.channel}-${d.messageTs}`
      : undefined;
  const r = await ctx.jobs.enqueue('dump.analyze', d, jobId ? { jobId } : {});
  return r.status;
}
