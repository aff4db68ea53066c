// Entry points from bytes to a Snapshot: detect gzip and format, stream lines through the right
// reader and group as we go, so neither the whole text nor one object per goroutine is kept.
// Text is scanned as bytes (see parse/lines.ts); a reader decodes only the names it keeps.
// Pure compute: callers hand us bytes (or an async stream of them); gunzip is node:zlib.
import { Readable } from 'node:stream';
import { constants as zc, createGunzip, gunzipSync } from 'node:zlib';
import type { DumpFormat, Goroutine, Snapshot } from './model.js';
import { SnapshotBuilder } from './group.js';
import { FrameTable } from './intern.js';
import { Debug1Parser } from './parse/debug1.js';
import { Debug2Parser, GO_DEBUG2_CAP } from './parse/debug2.js';
import { describe, detect, EXPECTED, isKind, MAX_PREAMBLE, type TextFormat, type TextKind } from './parse/detect.js';
import { unmark, unmarkStream } from './parse/encoding.js';
import { DumpFormatError } from './parse/errors.js';
import { LineSplitter } from './parse/lines.js';
import { PastePrefix } from './parse/paste.js';
import { parseProto } from './parse/proto.js';
import { TracesParser } from './parse/traces.js';
import type { ParseReport } from './parse/types.js';

export { DumpFormatError };

export interface IngestOptions {
  /** When the capturer took the dump (ms since epoch); the engine never reads a clock. */
  capturedAt?: number;
  /** Cap on (decompressed) input bytes; beyond it the dump is analysed as truncated. */
  maxBytes?: number;
  /** Size of the whole input in bytes when the caller knows it (a file's size): the warning of a
   *  dump cut at maxBytes says how much was left unread. */
  inputBytes?: number;
  /** What raises maxBytes, named in that warning (`--max-bytes`, the config key `maxBytes`). */
  maxBytesSetting?: string;
}

export const DEFAULT_MAX_BYTES = 256 << 20;

const FORMAT_NAMES: Record<TextFormat, string> = { debug1: 'debug=1', debug2: 'debug=2', traces: '`go tool pprof -traces`' };

/** Text formats: bytes → lines (paste prefix removed) → reader → builder. */
class TextIngest {
  readonly table = new FrameTable();
  private builder = new SnapshotBuilder();
  private readonly parser: Debug1Parser | Debug2Parser | TracesParser;
  private readonly splitter: LineSplitter;
  private readonly prefix: PastePrefix | null;
  private readonly format: TextFormat;
  private dumps = 1;
  /** Builders of the dumps before the last one, oldest first. */
  private readonly earlier: SnapshotBuilder[] = [];
  private firstRepeat = '';
  private held: Goroutine | null = null;
  bytes = 0;

  /** `notes`: warnings about the bytes before any reader saw them (a UTF-16 input decoded). */
  constructor(
    private readonly kind: TextKind,
    private readonly notes: readonly string[] = [],
  ) {
    this.format = kind.format;
    // The goroutine read last is held back one step: a repeated id shows a second dump only at its
    // own header, after the second dump's first goroutine (the one that wrote it) was read.
    const emit = (g: Goroutine): void => {
      if (this.held) this.builder.add(this.held);
      this.held = g;
    };
    const newDump = (line: number, id?: number): void => {
      if (this.dumps++ === 1) this.firstRepeat = id === undefined ? `a second profile header at line ${line}` : `goroutine ${id} appears again at line ${line}`;
      const writer = this.held && isDumpWriter(this.held) ? this.held : null;
      if (this.held && !writer) this.builder.add(this.held);
      this.held = writer;
      this.earlier.push(this.builder);
      this.builder = new SnapshotBuilder();
    };
    this.parser =
      kind.format === 'debug1' ? new Debug1Parser(this.table, emit, newDump)
      : kind.format === 'traces' ? new TracesParser(this.table, emit)
      : new Debug2Parser(this.table, emit, newDump);
    this.prefix = PastePrefix.from(kind.prefix);
    this.splitter = new LineSplitter(this.parser, this.prefix, true, kind.format === 'debug2');
  }

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    this.splitter.push(chunk);
  }

  /** Every dump in the input, oldest first; the last carries the warnings about the input. */
  /** `cut`: why the input ended early, if it did; `capped`: leakbot stopped reading at the cap. */
  finish(opts: IngestOptions, cut: string | null, capped = false): Snapshot[] {
    this.splitter.end();
    const p = this.parser;
    // Cut at the byte cap, the input did not end: leakbot stopped reading, so no reader blames the input.
    const stopped = cut !== null && capped;
    const report: ParseReport =
      p instanceof Debug2Parser ? p.end(this.splitter.endedMidLine, this.bytes, stopped)
      : p instanceof Debug1Parser ? p.end(this.splitter.endedMidLine, stopped)
      : p.end();
    if (this.held) this.builder.add(this.held);
    this.held = null;
    const warnings: string[] = [...this.notes];
    let truncated = report.truncated;
    if (this.dumps > 1) {
      warnings.push(`input holds ${this.dumps} dumps one after another (${this.firstRepeat}): \`leakbot diff\` on this input compares them, \`analyze\` reads the last one`);
    }
    if (this.prefix !== null && this.prefix.stripped > 0) {
      warnings.push(`removed ${this.prefix.describe()} from ${this.prefix.stripped} line(s) of the dump`);
    }
    if (this.splitter.rejoined > 0) {
      warnings.push(`joined ${this.splitter.rejoined} line(s) a terminal had cut at ${this.splitter.wrapWidth} columns back to the line they continue`);
    }
    warnings.push(...report.warnings);
    if (this.format === 'debug2' && this.bytes === GO_DEBUG2_CAP && !truncated) {
      truncated = true;
      warnings.push("dump is exactly 64 MiB, Go's debug=2 limit (truncated): goroutines beyond it are missing");
    }
    if (this.table.restoredStars > 0) {
      warnings.push(`restored the \`*\` of ${this.table.restoredStars} pointer-receiver method name(s) that Markdown had eaten from the paste (${this.table.firstRestored})`);
    }
    if (this.table.hugeLines > 0) warnings.push(`${this.table.hugeLines} frame(s) had a line number too long for a number: kept exactly, as text (lineText)`);
    if (this.splitter.overlong > 0) warnings.push(`${this.splitter.overlong} overlong line(s) cut`);
    if (cut !== null) {
      truncated = true;
      warnings.push(cut);
    }
    if (this.builder.goroutines === 0 && !report.headerSeen) {
      // Nothing read before the cap: the input may be fine, the cap is what to raise.
      if (stopped) throw new DumpFormatError(`${capRead(maxOf(opts), opts)} and no whole goroutine was in it (the text from line ${this.kind.line} on); raise ${settingOf(opts)}`);
      throw new DumpFormatError(
        `no goroutine could be read from the ${FORMAT_NAMES[this.format]} text that starts at line ${this.kind.line}` +
          (report.warnings.length > 0 ? ` (${report.warnings.join('; ')})` : '') + `: ${EXPECTED}`,
      );
    }
    const format: DumpFormat = this.format === 'traces' ? 'debug1' : this.format;
    const n = this.earlier.length + 1;
    const before = this.earlier.map((b, i) =>
      b.finish({ format, leakProfile: report.leakProfile, capturedAt: null, truncated: false, warnings: [`dump ${i + 1} of ${n} in one input`] }),
    );
    return [...before, snapshot(this.builder, format, report, truncated, warnings, opts)];
  }
}

/** The goroutine that wrote a debug=2 dump: Go prints the caller of runtime.Stack first, running
 *  (runtime/pprof/pprof.go writeGoroutineStacks; runtime/mprof.go Stack). In concatenated dumps it
 *  opens the next dump, though its id is new and only a later repeated id shows the boundary. */
function isDumpWriter(g: Goroutine): boolean {
  return g.state === 'running' && g.frames.some((f) => f.func === 'runtime.Stack' || f.func === 'runtime/pprof.writeGoroutineStacks');
}

function snapshot(
  b: SnapshotBuilder,
  format: DumpFormat,
  report: ParseReport,
  truncated: boolean,
  warnings: string[],
  opts: IngestOptions,
): Snapshot {
  return b.finish({ format, leakProfile: report.leakProfile, goleak: report.goleak ?? false, capturedAt: opts.capturedAt ?? null, truncated, warnings, crash: report.crash ?? null, ...(report.profileTime !== undefined ? { profileTime: report.profileTime } : {}) });
}

/** `gzipCut`: why the gzip stream around the profile ended early, if it did. */
function parseProtoBytes(bytes: Uint8Array, opts: IngestOptions, cut: string | null, gzipCut: string | null = null): Snapshot {
  const b = new SnapshotBuilder();
  let report: ParseReport;
  try {
    report = parseProto(bytes, new FrameTable(), b.add.bind(b));
  } catch (e) {
    if (gzipCut !== null && e instanceof DumpFormatError) {
      throw new DumpFormatError(
        `the .pb.gz is truncated: its gzip stream ends early (${gzipCut}), so the profile.proto inside is incomplete and cannot be read. ` +
          'Capture it again (or check the size limit that cut it); debug=2 text can be analysed even when cut',
      );
    }
    throw e;
  }
  const warnings = [...report.warnings];
  const why = cut ?? (gzipCut !== null ? `gzip stream ended early (${gzipCut}): analysed as far as it goes` : null);
  if (why !== null) warnings.push(why);
  return snapshot(b, 'proto', report, why !== null, warnings, opts);
}

/** The warning of an input cut at the byte cap: leakbot stopped reading, the input itself may be whole. */
function capMessage(max: number, opts: IngestOptions): string {
  const setting = settingOf(opts);
  return `${capRead(max, opts)}: leakbot stopped reading there and analysed the dump truncated at that point; raise ${setting} to read the rest`;
}

/** `read the first 256 MiB of 572.2 MiB (--max-bytes)`: how much of how much (when known). */
function capRead(max: number, opts: IngestOptions): string {
  const total = opts.inputBytes !== undefined && opts.inputBytes > max ? ` of ${sizeText(opts.inputBytes)}` : '';
  return `read the first ${sizeText(max)}${total} (${settingOf(opts)})`;
}

const settingOf = (opts: IngestOptions): string => opts.maxBytesSetting ?? 'the size limit';

/** `b` cut to at most `max` bytes, after its last complete line when it has one: a reader stopped at
 *  the cap sees whole lines, not half a function name. */
function cutAtLine(b: Uint8Array, max: number): Uint8Array {
  if (max <= 0) return b.subarray(0, 0); // (lastIndexOf would count a negative start from the end)
  const nl = b.lastIndexOf(10, max - 1);
  return b.subarray(0, nl >= 0 ? nl + 1 : max);
}

/** Bytes for people: `256 MiB`, `572.2 MiB`, `1000 bytes` (binary units, as Go's 64 MiB limit). */
export function sizeText(bytes: number): string {
  const fixed = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
  if (bytes >= 1 << 20) return `${fixed(bytes / (1 << 20))} MiB`;
  if (bytes >= 1 << 10) return `${fixed(bytes / (1 << 10))} KiB`;
  return `${bytes} bytes`;
}

/** `opts` without inputBytes, once the bytes read are no longer the input's (gunzipped, decoded). */
function unsized(opts: IngestOptions): IngestOptions {
  const { inputBytes: _size, ...rest } = opts;
  return rest;
}

function maxOf(opts: IngestOptions): number {
  const m = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  return Number.isFinite(m) && m > 0 ? m : DEFAULT_MAX_BYTES;
}

function refuse(head: Uint8Array, d: ReturnType<typeof detect>, gzipError: string | null = null): never {
  if (d !== null && typeof d === 'object' && 'refuse' in d) throw new DumpFormatError(d.refuse);
  if (gzipError !== null) throw new DumpFormatError(`gzip data is corrupt (${gzipError}): ${EXPECTED}`);
  throw new DumpFormatError(`${EXPECTED}; got ${describe(head.subarray(0, 64 * 1024))}`);
}

/** Gunzip in memory. A stream cut short yields what it holds, and says so in `cut`. */
function gunzipWhole(bytes: Uint8Array, max: number, setting: string | undefined): { out: Buffer; cut: string | null } {
  try {
    return { out: gunzipSync(bytes, { maxOutputLength: max }), cut: null };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new DumpFormatError(`decompressed dump exceeds the ${sizeText(max)} limit${setting === undefined ? '' : ` (${setting})`}`);
    try {
      // Z_SYNC_FLUSH: a cut gzip stream yields what it holds instead of failing.
      const out = gunzipSync(bytes, { maxOutputLength: max, finishFlush: zc.Z_SYNC_FLUSH });
      if (code === 'Z_BUF_ERROR') return { out, cut: (e as Error).message };
    } catch {
      // fall through: corrupt, not merely cut
    }
    throw new DumpFormatError(`gzip data is corrupt (${(e as Error).message}): ${EXPECTED}`);
  }
}

/** Parse a whole dump held in memory. Throws DumpFormatError on input that is no goroutine profile
 *  (the message quotes the raw line it saw and names what was expected). Of several dumps pasted
 *  one after another, the last (see parseDumps). */
export function parseDump(input: Uint8Array | string, opts: IngestOptions = {}): Snapshot {
  return parseDumps(input, opts).at(-1)!;
}

/** Every dump in an input that holds several one after another (a goroutine id repeats, or a
 *  second debug=1 header), oldest first; one element for an ordinary dump. Throws as parseDump. */
export function parseDumps(input: Uint8Array | string, opts: IngestOptions = {}): Snapshot[] {
  const max = maxOf(opts);
  const notes: string[] = [];
  // A byte-order mark is read as nothing (UTF-16 decoded), in front of the text or inside the gzip.
  const unmarked = (b: Uint8Array): Uint8Array => {
    const u = unmark(b);
    if (u.warning !== null) {
      notes.push(u.warning);
      opts = unsized(opts);
    }
    return u.bytes;
  };
  let bytes: Uint8Array = unmarked(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  let cut: string | null = null;
  let gzipCut: string | null = null;
  let format = detect(bytes.subarray(0, MAX_PREAMBLE), true);
  if (format === 'gzip') {
    const g = gunzipWhole(bytes, max, opts.maxBytesSetting);
    bytes = unmarked(g.out);
    opts = unsized(opts);
    gzipCut = g.cut;
    format = detect(bytes.subarray(0, MAX_PREAMBLE), true);
    if (format === 'gzip') throw new DumpFormatError(`gzip inside gzip: ${EXPECTED}`);
  }
  if (bytes.length > max) {
    bytes = format === 'proto' ? bytes.subarray(0, max) : cutAtLine(bytes, max);
    cut = capMessage(max, opts);
  }
  if (format === 'proto') return [parseProtoBytes(bytes, opts, cut, gzipCut)];
  if (!isKind(format)) refuse(bytes, format);
  const capped = cut !== null;
  if (gzipCut !== null && cut === null) cut = `gzip stream ended early (${gzipCut}): analysed as far as it goes`;
  const t = new TextIngest(format, notes);
  t.push(bytes);
  return t.finish(opts, cut, capped);
}

/** Stream a dump (any format, gzip or not) into a Snapshot. Text formats are parsed as the bytes
 *  arrive; proto is collected first (it is compact: one record per distinct stack). Of several
 *  dumps one after another, the last (see readSnapshots). Throws DumpFormatError as parseDump. */
export async function readSnapshot(
  source: AsyncIterable<Uint8Array> | Uint8Array | string,
  opts: IngestOptions = {},
): Promise<Snapshot> {
  return (await readSnapshots(source, opts)).at(-1)!;
}

/** Every dump of a streamed input, oldest first (see parseDumps). */
export async function readSnapshots(
  source: AsyncIterable<Uint8Array> | Uint8Array | string,
  opts: IngestOptions = {},
): Promise<Snapshot[]> {
  if (typeof source === 'string' || source instanceof Uint8Array) return parseDumps(source, opts);
  const max = maxOf(opts);
  let stream: AsyncIterable<Uint8Array> = source;
  let gzipped = false;
  let gzipError: string | null = null;
  const notes: string[] = [];
  for (;;) {
    const u = await unmarkStream(stream);
    if (u.warning !== null) {
      notes.push(u.warning);
      opts = unsized(opts);
    }
    const { format, head, rest } = await sniff(u.stream);
    if (format === 'gzip') {
      if (gzipped) throw new DumpFormatError(`gzip inside gzip: ${EXPECTED}`);
      gzipped = true;
      opts = unsized(opts);
      stream = gunzipStream(prepend(head, rest), (m) => (gzipError = m));
      continue;
    }
    if (format !== 'proto' && !isKind(format)) {
      if (format === 'more') refuse(head, null, gzipError);
      refuse(head, format, format === null ? gzipError : null);
    }
    if (format !== 'proto') {
      const text = new CappedText(format, opts, notes);
      for await (const chunk of prepend(head, rest)) if (!text.push(chunk)) break;
      return text.finish(gzipError);
    }
    let cut: string | null = null;
    let seen = 0;
    const parts: Uint8Array[] = [];
    for await (const chunk of prepend(head, rest)) {
      let c = chunk;
      if (seen + c.length > max) {
        c = c.subarray(0, max - seen);
        cut = capMessage(max, opts);
      }
      seen += c.length;
      parts.push(c);
      if (cut) break;
    }
    return [parseProtoBytes(Buffer.concat(parts), opts, cut, gzipError)];
  }
}

/** A text dump read up to the byte cap (IngestOptions.maxBytes). */
class CappedText {
  private readonly text: TextIngest;
  private readonly max: number;
  private seen = 0;
  private cut: string | null = null;

  constructor(kind: TextKind, private readonly opts: IngestOptions, notes: readonly string[] = []) {
    this.text = new TextIngest(kind, notes);
    this.max = maxOf(opts);
  }

  /** Reads a chunk (not kept after the call); false once the cap is reached: read no more. */
  push(chunk: Uint8Array): boolean {
    if (this.cut !== null) return false;
    let c = chunk;
    if (this.seen + c.length > this.max) {
      c = cutAtLine(c, this.max - this.seen);
      this.cut = capMessage(this.max, this.opts);
    }
    this.seen += c.length;
    this.text.push(c);
    return this.cut === null;
  }

  /** `gzipError`: why the gzip stream around the text ended early, if it did. */
  finish(gzipError: string | null = null): Snapshot[] {
    let cut = this.cut;
    if (gzipError && !cut) cut = `gzip stream ended early (${gzipError}): analysed as far as it goes`;
    return this.text.finish(this.opts, cut, this.cut !== null);
  }
}

/** A dump handed over synchronously chunk by chunk (see textFeed). */
export interface DumpFeed {
  /** Reads the next chunk; the bytes are not kept after the call, so the caller may reuse its
   *  buffer. False once IngestOptions.maxBytes is reached: push no more. */
  push(chunk: Uint8Array): boolean;
  /** Every dump in the input, oldest first, as readSnapshots gives them. Throws DumpFormatError
   *  when no goroutine could be read. */
  finish(): Snapshot[];
}

/** A synchronous reader for a text dump (debug=2, debug=1, `go tool pprof -traces`) whose first
 *  bytes are `head` (`complete`: the whole input), head already read; for a caller that reads a
 *  file itself into one reused buffer (no stream, no buffer per chunk). Null when head shows gzip,
 *  profile.proto or no dump, or is too short to tell: readSnapshots reads (or refuses) those. The
 *  result is readSnapshots' on the same bytes however they are cut. */
export function textFeed(head: Uint8Array, complete: boolean, opts: IngestOptions = {}): DumpFeed | null {
  const u = unmark(head);
  // A UTF-8 mark is read as nothing here too; UTF-16 is decoded by readSnapshots' stream.
  if (u.warning !== null) return null;
  head = u.bytes;
  if (head.length < 2) return null;
  // As sniff looks: a prefix first, the whole input once it has ended.
  let format = detect(head.subarray(0, MAX_PREAMBLE), false);
  if (format === 'more' && complete) format = detect(head, true);
  if (!isKind(format)) return null;
  const text = new CappedText(format, opts);
  text.push(head);
  return { push: (c) => text.push(c), finish: () => text.finish() };
}

/** Read just enough of a stream to tell its format; hands back the bytes read and the rest.
 *  Looks again only each time the prefix doubles, so tiny chunks cost O(n log n), not O(n²). */
async function sniff(
  stream: AsyncIterable<Uint8Array>,
): Promise<{ format: ReturnType<typeof detect>; head: Uint8Array; rest: AsyncIterator<Uint8Array> }> {
  const it = stream[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let len = 0;
  let nextLook = 2;
  for (;;) {
    const r = await it.next();
    if (r.done) {
      const head = Buffer.concat(parts);
      return { format: detect(head, true), head, rest: it };
    }
    const chunk = r.value;
    if (chunk.length === 0) continue;
    parts.push(chunk);
    len += chunk.length;
    if (len < nextLook) continue;
    const head = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    parts.length = 0;
    parts.push(head);
    const format = detect(head.subarray(0, MAX_PREAMBLE), false);
    if (format !== 'more') return { format, head, rest: it };
    nextLook = len * 2;
  }
}

async function* prepend(head: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (head.length > 0) yield head;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

/** Gunzip as a stream; a cut or corrupt stream ends the output and reports why instead of throwing. */
async function* gunzipStream(src: AsyncIterable<Uint8Array>, onError: (m: string) => void): AsyncGenerator<Uint8Array> {
  // Z_SYNC_FLUSH at the end: a cut stream yields all it holds instead of failing; whether it was
  // cut is told by the gzip trailer (RFC 1952: its last 4 bytes are the output size mod 2^32).
  const gz = createGunzip({ finishFlush: zc.Z_SYNC_FLUSH });
  const tail = Buffer.alloc(8);
  let inBytes = 0;
  async function* watch(): AsyncGenerator<Uint8Array> {
    for await (const c of src) {
      const n = Math.min(8, c.length);
      tail.copyWithin(0, n);
      tail.set(c.subarray(c.length - n), 8 - n);
      inBytes += c.length;
      yield c;
    }
  }
  const input = Readable.from(watch(), { objectMode: false });
  input.on('error', (e) => gz.destroy(e));
  input.pipe(gz);
  let outBytes = 0;
  try {
    for await (const out of gz) {
      outBytes += (out as Buffer).length;
      yield out as Buffer;
    }
    if (inBytes < 18 || tail.readUInt32LE(4) !== outBytes % 2 ** 32) onError('unexpected end of file');
  } catch (e) {
    // zlib errors (Z_DATA_ERROR on corruption) end the data; anything else came from the source
    // (a failed read) and is the caller's to handle.
    const code = String((e as { code?: unknown }).code ?? '');
    if (!code.startsWith('Z_')) throw e;
    onError((e as Error).message);
  } finally {
    input.destroy();
    gz.destroy();
  }
}
