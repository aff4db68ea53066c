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

  /** The sink when it reads runs of lines itself (see LineSink.run), else null. */
  private readonly runner: LineSink | null;

  /** `runs`: offer the sink runs of lines (false only to test that path against line by line). */
  constructor(
    private readonly sink: LineSink,
    private readonly prefix: PastePrefix | null = null,
    runs = true,
  ) {
    this.runner = runs && prefix === null && sink.run !== undefined ? sink : null;
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
    if (this.prefix !== null) start = this.prefix.strip(b, start, end);
    this.sink.line(b, start, end);
  }

  end(): void {
    if (this.carryLen > 0 && !this.skipping) {
      this.endedMidLine = true;
      const n = this.carryLen;
      this.carryLen = 0;
      this.emit(this.carry, 0, n);
    }
  }
}
