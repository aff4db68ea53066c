// Chunks of bytes → complete lines, without ever joining the whole input. Each chunk is decoded
// once (streaming UTF-8; StringDecoder keeps a character split across chunks) and cut at '\n';
// the unfinished tail is carried to the next chunk.
import { StringDecoder } from 'node:string_decoder';

export interface LineSink {
  line(s: string): void;
}

/** No goroutine dump has a line this long; beyond it the rest of the line is dropped so input
 *  without newlines cannot make us rescan an ever-growing tail. */
export const MAX_LINE = 1 << 20;

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  private skipping = false;
  /** Lines cut at MAX_LINE. */
  overlong = 0;
  /** True when the input did not end with a newline: the last line may be cut short. */
  endedMidLine = false;

  constructor(private readonly sink: LineSink) {}

  push(chunk: Uint8Array): void {
    this.text(this.decoder.write(chunk as Buffer));
  }

  /** Feed already decoded text. */
  text(t: string): void {
    let s = this.carry.length > 0 ? this.carry + t : t;
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      if (nl < 0) break;
      let end = nl;
      if (end > start && s.charCodeAt(end - 1) === 13) end--; // CRLF from copy-pasted dumps
      if (this.skipping) this.skipping = false;
      else this.sink.line(s.slice(start, end));
      start = nl + 1;
    }
    this.carry = start < s.length ? s.slice(start) : '';
    if (this.carry.length > MAX_LINE) {
      // Deliver the head once, then swallow the rest of this line.
      if (!this.skipping) this.sink.line(this.carry.slice(0, MAX_LINE));
      this.overlong++;
      this.skipping = true;
      this.carry = '';
    }
    s = '';
  }

  end(): void {
    const rest = this.decoder.end();
    if (rest.length > 0) this.text(rest);
    if (this.carry.length > 0 && !this.skipping) {
      this.endedMidLine = true;
      const last = this.carry;
      this.carry = '';
      this.sink.line(last.endsWith('\r') ? last.slice(0, -1) : last);
    }
  }
}
