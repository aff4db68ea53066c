// Byte-order marks in front of a text dump. Editors and Windows tools write them: Notepad saves
// UTF-8 with EF BB BF, and Windows PowerShell 5's `>` (Out-File) writes UTF-16LE with FF FE. The
// readers work on UTF-8 bytes and anchor on a line's first byte, so a mark left in place hides the
// first goroutine's header; a UTF-16 dump is no UTF-8 at all. Marks per the Unicode Standard,
// section 23.8 (U+FEFF); WHATWG Encoding's BOM sniffing takes the same three.

/** The encodings a byte-order mark names. */
export type MarkedEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** The byte-order mark at the start of `b` and its length in bytes, or null (also when `b` is too
 *  short to tell: callers hand it at least 3 bytes, or the whole input). */
export function byteOrderMark(b: Uint8Array): { encoding: MarkedEncoding; length: number } | null {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return null;
}

/** The warning a UTF-16 input gets: it was decoded, which is a repair the user should know of. */
export function utf16Warning(encoding: MarkedEncoding): string {
  return `read as ${encoding === 'utf-16le' ? 'UTF-16LE' : 'UTF-16BE'} (the file starts with its byte-order mark, as Windows PowerShell's \`>\` writes): decoded to text before reading`;
}

/** Decodes UTF-16 chunk by chunk into UTF-8 bytes (a character split between chunks is kept for the
 *  next one); unpaired surrogates become U+FFFD, as TextDecoder does. */
export class Utf16ToUtf8 {
  private readonly decoder: InstanceType<typeof TextDecoder>;

  constructor(encoding: 'utf-16le' | 'utf-16be') {
    this.decoder = new TextDecoder(encoding, { ignoreBOM: true });
  }

  push(chunk: Uint8Array): Buffer {
    return Buffer.from(this.decoder.decode(chunk, { stream: true }), 'utf8');
  }

  end(): Buffer {
    return Buffer.from(this.decoder.decode(), 'utf8');
  }
}

/** `bytes` without a leading byte-order mark, UTF-16 decoded to UTF-8. `warning`: what the user is
 *  told (null for a UTF-8 mark: removing it changes no character of the dump). */
export function unmark(bytes: Uint8Array): { bytes: Uint8Array; warning: string | null } {
  const m = byteOrderMark(bytes);
  if (m === null) return { bytes, warning: null };
  const rest = bytes.subarray(m.length);
  if (m.encoding === 'utf-8') return { bytes: rest, warning: null };
  const d = new Utf16ToUtf8(m.encoding);
  return { bytes: Buffer.concat([d.push(rest), d.end()]), warning: utf16Warning(m.encoding) };
}

/** unmark for a stream: reads just enough to see a mark, and hands back the rest of the stream
 *  without it (UTF-16 decoded as it arrives). */
export async function unmarkStream(
  source: AsyncIterable<Uint8Array>,
): Promise<{ stream: AsyncIterable<Uint8Array>; warning: string | null }> {
  const it = source[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let len = 0;
  let done = false;
  while (len < 3) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    parts.push(r.value);
    len += r.value.length;
  }
  const head = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const m = byteOrderMark(head);
  const body = m === null ? head : head.subarray(m.length);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (body.length > 0) yield body;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  if (m === null || m.encoding === 'utf-8') return { stream: rest(), warning: null };
  const d = new Utf16ToUtf8(m.encoding);
  async function* decoded(): AsyncGenerator<Uint8Array> {
    for await (const c of rest()) {
      const out = d.push(c);
      if (out.length > 0) yield out;
    }
    const tail = d.end();
    if (tail.length > 0) yield tail;
  }
  return { stream: decoded(), warning: utf16Warning(m.encoding) };
}
