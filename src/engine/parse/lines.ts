// Chunks of bytes → complete lines, without ever decoding or joining the whole input. Lines are
// handed out as byte ranges of the chunk they lie in (a line split across chunks is copied into
// a small carry buffer first); a reader decodes only what it keeps.
import type { PastePrefix } from './paste.js';

/** Receives each line as b[start, end): no '\n', no trailing '\r', paste prefix removed. The range
 *  is valid only during the call. */
export interface LineSink {
  line(b: Buffer, start: number, end: number): void;
  /** Optional fast path: read as many whole lines as it can from b at `start` (a line start) and
   *  return where it stopped (a line start, or b.length); each line taken must be read exactly as
   *  `line` would have read it. Offered only when no paste prefix is being removed. */
  run?(b: Buffer, start: number): number;
}

/** No goroutine dump has a line this long; beyond it the rest of the line is dropped so input
 *  without newlines cannot make us rescan an ever-growing tail. */
export const MAX_LINE = 1 << 20;

/** Splits pushed chunks into lines for a LineSink, removing the paste prefix when one was seen;
 *  `end()` delivers a last line without newline and sets `endedMidLine`. */
export class LineSplitter {
  private carry = Buffer.allocUnsafeSlow(4096);
  private carryLen = 0;
  private skipping = false;
  /** Lines cut at MAX_LINE. */
  overlong = 0;
  /** True when the input did not end with a newline: the last line may be cut short. */
  endedMidLine = false;

  /** The sink when it reads runs of lines itself (see LineSink.run), else null; null too while the
   *  first lines are held to look for a terminal's wrap. */
  private runner: LineSink | null;
  private readonly runs: boolean;
  /** The first lines, held until WRAP_PROBE_LINES are in (or the input ends): the wrap is judged on
   *  them, so any chunking of a stream gets the same answer. Null once judged. */
  private probe: Buffer[] | null = [];
  /** Columns a terminal cut every long line at (hard-wrapped paste), or null. */
  wrapWidth: number | null = null;
  /** Lines joined back to the line they were cut from. */
  rejoined = 0;
  private joined: Buffer[] = [];

  /** `runs`: offer the sink runs of lines (false only to test that path against line by line).
   *  `wraps`: look for a terminal's wrap (debug=2 text, whose lines' starts and ends it knows). */
  constructor(
    private readonly sink: LineSink,
    private readonly prefix: PastePrefix | null = null,
    runs = true,
    wraps = false,
  ) {
    this.runs = runs;
    this.runner = null;
    // Lines behind a paste prefix are not judged for a wrap: a terminal's continuation lines would
    // not carry the prefix, and the prefix hides where a line starts.
    if (!wraps || prefix !== null) {
      this.probe = null;
      if (runs && prefix === null && sink.run !== undefined) this.runner = sink;
    }
  }

  push(chunk: Uint8Array): void {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    let nl = b.indexOf(10, 0); // (an offset given: without one Node's indexOf deoptimises on its first call)
    if (this.carryLen > 0 || this.skipping) {
      if (nl < 0) {
        this.append(b, 0, b.length);
        return;
      }
      this.append(b, 0, nl);
      if (this.skipping) this.skipping = false;
      else this.emit(this.carry, 0, this.carryLen);
      this.carryLen = 0;
      start = nl + 1;
      if (this.runner !== null) start = this.runner.run!(b, start);
      nl = b.indexOf(10, start);
    }
    const runner = this.runner;
    while (nl >= 0) {
      this.emit(b, start, nl);
      start = nl + 1;
      if (runner !== null) start = runner.run!(b, start);
      nl = b.indexOf(10, start);
    }
    if (start < b.length) this.append(b, start, b.length);
  }

  private append(b: Buffer, start: number, end: number): void {
    if (this.skipping) return;
    const n = end - start;
    if (this.carryLen + n > MAX_LINE) {
      // Deliver the head once, then swallow the rest of this line.
      const take = MAX_LINE - this.carryLen;
      this.grow(MAX_LINE);
      b.copy(this.carry, this.carryLen, start, start + take);
      this.emit(this.carry, 0, MAX_LINE);
      this.overlong++;
      this.skipping = true;
      this.carryLen = 0;
      return;
    }
    this.grow(this.carryLen + n);
    b.copy(this.carry, this.carryLen, start, end);
    this.carryLen += n;
  }

  private grow(size: number): void {
    if (size <= this.carry.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(size, this.carry.length * 2));
    this.carry.copy(next, 0, 0, this.carryLen);
    this.carry = next;
  }

  private emit(b: Buffer, start: number, end: number): void {
    if (end > start && b[end - 1] === 13) end--; // CRLF from copy-pasted dumps
    if (end - start > MAX_LINE) {
      end = start + MAX_LINE;
      this.overlong++;
    }
    if (this.probe !== null) {
      this.probe.push(Buffer.from(b.subarray(start, end)));
      if (this.probe.length >= WRAP_PROBE_LINES) this.judgeWrap();
      return;
    }
    if (this.wrapWidth !== null) {
      // A line as wide as the terminal may go on in the next one: held until that one shows it.
      const wide = columns(b, start, end) === this.wrapWidth;
      if (this.joined.length > 0) {
        const last = this.joined[this.joined.length - 1]!;
        const goesOn = !endsComplete(last, 0, last.length) || !startsLine(b, start, end, wide);
        if (goesOn) this.rejoined++;
        else this.flushJoined();
      }
      if (wide) {
        this.joined.push(Buffer.from(b.subarray(start, end)));
        return;
      }
      if (this.joined.length > 0) {
        this.joined.push(b.subarray(start, end));
        this.flushJoined();
        return;
      }
    }
    this.deliver(b, start, end);
  }

  private flushJoined(): void {
    const whole = this.joined.length === 1 ? this.joined[0]! : Buffer.concat(this.joined);
    this.joined = [];
    this.deliver(whole, 0, whole.length);
  }

  private deliver(b: Buffer, start: number, end: number): void {
    if (this.prefix !== null) start = this.prefix.strip(b, start, end);
    this.sink.line(b, start, end);
  }

  /** Decides the wrap from the held lines, then reads them. */
  private judgeWrap(): void {
    const held = this.probe!;
    this.probe = null;
    this.wrapWidth = wrapWidthOf(held);
    if (this.wrapWidth === null && this.runs && this.prefix === null && this.sink.run !== undefined) this.runner = this.sink;
    for (const l of held) this.emit(l, 0, l.length);
  }

  end(): void {
    if (this.carryLen > 0 && !this.skipping) {
      this.endedMidLine = true;
      const n = this.carryLen;
      this.carryLen = 0;
      this.emit(this.carry, 0, n);
    }
    if (this.probe !== null) this.judgeWrap();
    if (this.joined.length > 0) this.flushJoined();
  }
}

/** A frame's whole file line without its indentation: a path with a `/`, then `.go:N` (or `.s:N`). */
const FILE_LINE = /^[^\s(]*\/[^\s(]*\.(?:go|s):\d+(?: \+0x[0-9a-f]+)?$/;

/** How many first lines the wrap is judged on. */
const WRAP_PROBE_LINES = 500;

/** Display columns of b[start, end): a tab moves to the next multiple of 8, as a terminal shows it. */
function columns(b: Uint8Array, start: number, end: number): number {
  let c = 0;
  for (let i = start; i < end; i++) {
    const x = b[i]!;
    if (x === 9) c = (c | 7) + 1;
    else if ((x & 0xc0) !== 0x80) c++; // UTF-8 continuation bytes add no column
  }
  return c;
}

/** Whether b[start, end) ends as a line of a dump can end: a call `)`, a header `:`, `]`, an elided
 *  `...`, a location (`:123`, `+0x1f`), a PC (`0x4a5b6c`), `in goroutine 7`. A line a terminal cut
 *  may end so by chance: the next line tells (startsLine). */
function endsComplete(b: Uint8Array, start: number, end: number): boolean {
  if (end === start) return true;
  const last = b[end - 1]!;
  if (last === 41 /* ) */ || last === 58 /* : */ || last === 93 /* ] */) return true;
  if (last === 46 /* . */) return end - start >= 3 && b[end - 2] === 46 && b[end - 3] === 46; // `elided...`, not `pkg.`
  // Go's `goroutine running on other thread; stack unavailable` (runtime/traceback.go).
  if (last === 101 /* e */ && end - start >= 11 && Buffer.from(b.subarray(end - 11, end)).toString('latin1') === 'unavailable') return true;
  let i = end - 1;
  while (i > start && ((b[i]! >= 48 && b[i]! <= 57) || (b[i]! >= 97 && b[i]! <= 102))) i--;
  if (i === end - 1) return false;
  if (b[i] === 58 /* : */ || b[i] === 32 /* ' ' */) return true; // `file.go:123`, `in goroutine 7`
  return b[i] === 120 /* x */ && i - 1 >= start && b[i - 1] === 48; // `+0x…`, a PC `0x…`
}

/** Whether b[start, end) can begin a line of a dump: blank, indented (a file line), a header, a
 *  `created by`, an elision, a `#` record line, or a call (a name, then `(`). A terminal's
 *  continuation starts mid-token: `15a44b0}, 0x1?)`, `rof.go:819 +0x6b`. */
function startsLine(b: Uint8Array, start: number, end: number, wide: boolean): boolean {
  // A tab begins a frame's file line: a terminal's cut never leaves one first (Go writes tabs only
  // there). Spaces are no sign either way (a file line whose tab became spaces, an indented paste,
  // or a cut before ` +0x1b`): what follows them is.
  if (b[start] === 9) return true;
  let i = start;
  while (i < end && (b[i] === 9 || b[i] === 32)) i++;
  if (i === end) return true;
  const c = b[i]!;
  if (c === 35 /* # */) return true;
  if (c === 46 /* . */) return end - i >= 3 && b[i + 1] === 46 && b[i + 2] === 46; // `...additional frames elided...`
  if (c === 47 /* / */ && i > start) return true; // an indented absolute path: a file line
  // A frame's file line (`/src/main.go:38 +0x1d`, or a -trimpath module path).
  if (FILE_LINE.test(Buffer.from(b.subarray(i, end)).toString('latin1'))) return true;
  const isName = (x: number) => (x >= 65 && x <= 90) || (x >= 97 && x <= 122) || x === 95;
  if (!isName(c)) return false;
  // A call: a name (path, package, receiver) up to its `(`; or a header, a `created by`, a crash.
  for (let k = i; k < end; k++) {
    const x = b[k]!;
    if (x === 40 /* ( */) return true; // (it may itself go on in the next line)
    if (x === 32) {
      const word = Buffer.from(b.subarray(i, k)).toString('latin1');
      return word === 'goroutine' || word === 'created' || word === 'panic:' || word === 'fatal';
    }
  }
  // A name with neither: a call cut before its `(` when the line is itself as wide as the wrap.
  return wide;
}

/**
 * The width a terminal (or `fold -w`) cut a pasted dump's long lines at: the widest of the lines
 * when at least 3 of them are that wide and cut (they end mid-token, or the line after them starts
 * mid-token), and they are most of the lines that wide. A dump as Go writes it has lines of every
 * length, each complete. Null otherwise.
 */
export function wrapWidthOf(lines: readonly Uint8Array[]): number | null {
  const widths = lines.map((l) => columns(l, 0, l.length));
  const w = Math.max(0, ...widths);
  if (w < 40 || w > 400) return null;
  let at = 0;
  let cut = 0;
  for (let k = 0; k < lines.length; k++) {
    if (widths[k] !== w) continue;
    at++;
    const l = lines[k]!;
    const next = lines[k + 1];
    if (!endsComplete(l, 0, l.length) || (next !== undefined && !startsLine(next, 0, next.length, widths[k + 1] === w))) cut++;
  }
  return cut >= 3 && cut * 2 >= at ? w : null;
}
