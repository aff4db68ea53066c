// What a paste puts in front of every line of a dump: a Markdown/e-mail quote (`> `), a CI
// timestamp (`2026-03-01T10:00:00.1234567Z `), a log-shipper prefix (`pod-7d9f | `). It is learnt
// from the text before the first goroutine header and removed from each line that carries it.
// Indentation alone needs no prefix: the readers skip leading blanks themselves.

const DIGITS = -1;

export class PastePrefix {
  /** Lines the prefix was removed from. */
  stripped = 0;

  private constructor(
    /** The prefix as seen on the first header line, for messages. */
    readonly shown: string,
    /** Byte values to match in order; DIGITS matches a run of one or more ASCII digits. */
    private readonly tokens: readonly number[],
    /** Blanks the prefix ends with: removed too when present (a quoted blank line is only `>`). */
    private readonly blanks: number,
  ) {}

  /** The prefix pattern of `before` (the text in front of a header), or null when it is only
   *  blanks. Digit runs match any digits, so one timestamp shape fits every line. */
  static from(before: string): PastePrefix | null {
    const text = before.replace(/[ \t]+$/, '');
    if (text.length === 0 || /^[ \t]+$/.test(text)) return null;
    const bytes = Buffer.from(text, 'utf8');
    const tokens: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (c >= 48 && c <= 57) {
        while (i + 1 < bytes.length && bytes[i + 1]! >= 48 && bytes[i + 1]! <= 57) i++;
        tokens.push(DIGITS);
      } else tokens.push(c);
    }
    return new PastePrefix(before, tokens, before.length - text.length);
  }

  /** Index after the prefix in b[start, end), or `start` when the line does not carry it. */
  strip(b: Uint8Array, start: number, end: number): number {
    let i = start;
    const t = this.tokens;
    for (let k = 0; k < t.length; k++) {
      const want = t[k]!;
      if (want === DIGITS) {
        if (i >= end || b[i]! < 48 || b[i]! > 57) return start;
        while (i < end && b[i]! >= 48 && b[i]! <= 57) i++;
      } else {
        if (i >= end || b[i] !== want) return start;
        i++;
      }
    }
    for (let k = 0; k < this.blanks && i < end && (b[i] === 32 || b[i] === 9); k++) i++;
    this.stripped++;
    return i;
  }

  /** A name for the kind of prefix, for the warning the user sees. */
  describe(): string {
    const t = this.shown.trim();
    if (/^(?:>\s*)+$/.test(t)) return `the quote marks ${JSON.stringify(t)}`;
    if (/\d{1,4}[-/:]\d{2}/.test(t)) return `a timestamp prefix (${JSON.stringify(t)} on the first)`;
    return `the prefix ${JSON.stringify(t)}`;
  }
}
