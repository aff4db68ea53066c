// Entry points from bytes to a Snapshot: detect gzip and format, stream lines through the right
// reader and group as we go, so neither the whole text nor one object per goroutine is kept.
// Pure compute: callers hand us bytes (or an async stream of them); gunzip is node:zlib.
import { Readable } from 'node:stream';
import { constants as zc, createGunzip, gunzipSync } from 'node:zlib';
import type { DumpFormat, Snapshot } from './model.js';
import { SnapshotBuilder } from './group.js';
import { FrameTable } from './intern.js';
import { Debug1Parser } from './parse/debug1.js';
import { Debug2Parser } from './parse/debug2.js';
import { describe, detect, detectText, EXPECTED, MAX_PREAMBLE } from './parse/detect.js';
import { DumpFormatError } from './parse/errors.js';
import { LineSplitter } from './parse/lines.js';
import { parseProto } from './parse/proto.js';
import type { ParseReport } from './parse/types.js';

export { DumpFormatError };

export interface IngestOptions {
  /** When the capturer took the dump (ms since epoch); the engine never reads a clock. */
  capturedAt?: number;
  /** Cap on (decompressed) input bytes; beyond it the dump is analysed as truncated. */
  maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = 256 << 20;
/** runtime/pprof.writeGoroutineStacks stops at exactly this many bytes. */
const GO_DEBUG2_CAP = 64 << 20;
/** Text is fed to the line splitter in slices this big, so no whole-dump string is ever built. */
const SLICE = 1 << 20;

/** Text formats: lines → reader → builder. */
class TextIngest {
  readonly table = new FrameTable();
  readonly builder = new SnapshotBuilder();
  private readonly parser: Debug1Parser | Debug2Parser;
  private readonly splitter: LineSplitter;
  bytes = 0;

  constructor(readonly format: 'debug1' | 'debug2') {
    const emit = this.builder.add.bind(this.builder);
    this.parser = format === 'debug1' ? new Debug1Parser(this.table, emit) : new Debug2Parser(this.table, emit);
    this.splitter = new LineSplitter(this.parser);
  }

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    for (let i = 0; i < chunk.length; i += SLICE) this.splitter.push(chunk.subarray(i, i + SLICE));
  }

  text(t: string): void {
    this.bytes += t.length;
    for (let i = 0; i < t.length; i += SLICE) this.splitter.text(t.slice(i, i + SLICE));
  }

  finish(opts: IngestOptions, cut: string | null): Snapshot {
    this.splitter.end();
    const report = this.parser.end(this.splitter.endedMidLine);
    const warnings = [...report.warnings];
    let truncated = report.truncated;
    if (this.format === 'debug2' && this.bytes === GO_DEBUG2_CAP && !truncated) {
      truncated = true;
      warnings.push("dump is exactly 64 MiB, Go's debug=2 limit: goroutines beyond it are missing");
    }
    if (this.splitter.overlong > 0) warnings.push(`${this.splitter.overlong} overlong line(s) cut`);
    if (cut !== null) {
      truncated = true;
      warnings.push(cut);
    }
    if (this.builder.goroutines === 0 && !report.headerSeen) {
      throw new DumpFormatError(`no goroutines found in ${this.format === 'debug1' ? 'debug=1' : 'debug=2'} text: ${EXPECTED}`);
    }
    return snapshot(this.builder, this.format, report, truncated, warnings, opts);
  }
}

function snapshot(
  b: SnapshotBuilder,
  format: DumpFormat,
  report: ParseReport,
  truncated: boolean,
  warnings: string[],
  opts: IngestOptions,
): Snapshot {
  return b.finish({ format, leakProfile: report.leakProfile, capturedAt: opts.capturedAt ?? null, truncated, warnings });
}

function parseProtoBytes(bytes: Uint8Array, opts: IngestOptions, cut: string | null): Snapshot {
  const b = new SnapshotBuilder();
  const report = parseProto(bytes, new FrameTable(), b.add.bind(b));
  const warnings = [...report.warnings];
  if (cut !== null) warnings.push(cut);
  return snapshot(b, 'proto', report, cut !== null, warnings, opts);
}

function capMessage(max: number): string {
  return `input exceeds the ${max}-byte limit: analysed up to it`;
}

function maxOf(opts: IngestOptions): number {
  const m = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  return Number.isFinite(m) && m > 0 ? m : DEFAULT_MAX_BYTES;
}

/** Parse a whole dump held in memory. Throws DumpFormatError on input that is no goroutine profile. */
export function parseDump(input: Uint8Array | string, opts: IngestOptions = {}): Snapshot {
  const max = maxOf(opts);
  if (typeof input === 'string') {
    const format = detectText(input.length > MAX_PREAMBLE ? input.slice(0, MAX_PREAMBLE) : input, true);
    if (format === null || format === 'more') throw new DumpFormatError(`${EXPECTED}; got ${describe(Buffer.from(input.slice(0, 4096)))}`);
    const t = new TextIngest(format);
    const cut = input.length > max ? capMessage(max) : null;
    t.text(cut ? input.slice(0, max) : input);
    return t.finish(opts, cut);
  }
  let bytes = input;
  let cut: string | null = null;
  let format = detect(bytes.subarray(0, MAX_PREAMBLE), true);
  if (format === 'gzip') {
    try {
      // Z_SYNC_FLUSH: a cut gzip stream yields what it holds instead of failing.
      bytes = gunzipSync(bytes, { maxOutputLength: max, finishFlush: zc.Z_SYNC_FLUSH });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw new DumpFormatError(`decompressed dump exceeds the ${max}-byte limit`);
      throw new DumpFormatError(`gzip data is corrupt (${(e as Error).message}): ${EXPECTED}`);
    }
    format = detect(bytes.subarray(0, MAX_PREAMBLE), true);
    if (format === 'gzip') throw new DumpFormatError(`gzip inside gzip: ${EXPECTED}`);
  }
  if (format === null || format === 'more') throw new DumpFormatError(`${EXPECTED}; got ${describe(bytes.subarray(0, 4096))}`);
  if (bytes.length > max) {
    bytes = bytes.subarray(0, max);
    cut = capMessage(max);
  }
  if (format === 'proto') return parseProtoBytes(bytes, opts, cut);
  const t = new TextIngest(format);
  t.push(bytes);
  return t.finish(opts, cut);
}

/** Stream a dump (any format, gzip or not) into a Snapshot. Text formats are parsed as the bytes
 *  arrive; proto is collected first (it is compact: one record per distinct stack). */
export async function readSnapshot(
  source: AsyncIterable<Uint8Array> | Uint8Array | string,
  opts: IngestOptions = {},
): Promise<Snapshot> {
  if (typeof source === 'string' || source instanceof Uint8Array) return parseDump(source, opts);
  const max = maxOf(opts);
  let stream: AsyncIterable<Uint8Array> = source;
  let gzipped = false;
  let gzipError: string | null = null;
  for (;;) {
    const { format, head, rest } = await sniff(stream);
    if (format === 'gzip') {
      if (gzipped) throw new DumpFormatError(`gzip inside gzip: ${EXPECTED}`);
      gzipped = true;
      stream = gunzipStream(prepend(head, rest), (m) => (gzipError = m));
      continue;
    }
    if (format === null || format === 'more') {
      if (gzipError) throw new DumpFormatError(`gzip data is corrupt (${gzipError}): ${EXPECTED}`);
      throw new DumpFormatError(`${EXPECTED}; got ${describe(head.subarray(0, 4096))}`);
    }
    let cut: string | null = null;
    let seen = 0;
    const parts: Uint8Array[] = [];
    const text = format === 'proto' ? null : new TextIngest(format);
    for await (const chunk of prepend(head, rest)) {
      let c = chunk;
      if (seen + c.length > max) {
        c = c.subarray(0, max - seen);
        cut = capMessage(max);
      }
      seen += c.length;
      if (text) text.push(c);
      else parts.push(c);
      if (cut) break;
    }
    if (gzipError && !cut) cut = `gzip stream ended early (${gzipError}): analysed as far as it goes`;
    if (text) return text.finish(opts, cut);
    return parseProtoBytes(Buffer.concat(parts), opts, cut);
  }
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
  const gz = createGunzip({ finishFlush: zc.Z_SYNC_FLUSH });
  const input = Readable.from(src, { objectMode: false });
  input.on('error', (e) => gz.destroy(e));
  input.pipe(gz);
  try {
    for await (const out of gz) yield out as Buffer;
  } catch (e) {
    // zlib errors (Z_BUF_ERROR on a cut stream, Z_DATA_ERROR on corruption) end the data; anything
    // else came from the source (a failed read) and is the caller's to handle.
    const code = String((e as { code?: unknown }).code ?? '');
    if (!code.startsWith('Z_')) throw e;
    onError((e as Error).message);
  } finally {
    input.destroy();
    gz.destroy();
  }
}
