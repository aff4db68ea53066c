// Which reader an input needs, from its first bytes: gzip (then look again), profile.proto,
// debug=1 text (`goroutine profile: total N`) or debug=2 text (a `goroutine N [` header, possibly
// after a panic or fatal-error preamble).
import { isDebug1Header } from './debug1.js';

export type Detected = 'gzip' | 'proto' | 'debug1' | 'debug2';

/** How much of a text input may precede the first goroutine header (a long panic message). */
export const MAX_PREAMBLE = 1 << 20;

export const EXPECTED =
  'expected a Go goroutine profile: debug=2 text ("goroutine 1 [running]:"), debug=1 text ' +
  '("goroutine profile: total N") or gzip-compressed profile.proto (debug=0)';

const DEBUG2_HEADER = /^goroutine \d+ (?:\[|gp=)/m;

/** How many bytes the text-or-binary verdict looks at. */
const SNIFF = 4096;

/** Decide from a prefix. `final`: the prefix is the whole input. 'more' asks for more bytes.
 *  A longer prefix never changes an answer already given, so a stream read in any chunking
 *  is classified the same as the whole input: text headers win wherever they appear; the
 *  binary verdict waits for SNIFF bytes. */
export function detect(prefix: Uint8Array, final: boolean): Detected | 'more' | null {
  if (prefix.length < 2) return final ? null : 'more';
  if (prefix[0] === 0x1f && prefix[1] === 0x8b) return 'gzip';
  const atEnd = final || prefix.length >= MAX_PREAMBLE;
  const text = detectText(new TextDecoder().decode(prefix.subarray(0, MAX_PREAMBLE)), atEnd);
  if (text === 'debug1' || text === 'debug2') return text;
  if (!atEnd && prefix.length < SNIFF) return 'more';
  if (!looksLikeText(prefix)) return looksLikeProto(prefix) ? 'proto' : null;
  return text;
}

export function detectText(text: string, final: boolean): 'debug1' | 'debug2' | 'more' | null {
  let start = 0;
  while (text.charCodeAt(start) === 10 || text.charCodeAt(start) === 13) start++;
  const nl = text.indexOf('\n', start);
  if (nl < 0 && !final) return 'more';
  const first = text.slice(start, nl < 0 ? text.length : nl).replace(/\r$/, '');
  if (isDebug1Header(first)) return 'debug1';
  if (DEBUG2_HEADER.test(text.length > MAX_PREAMBLE ? text.slice(0, MAX_PREAMBLE) : text)) return 'debug2';
  return final ? null : 'more';
}

/** Text has no NUL and few control bytes in its first SNIFF bytes. */
function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, SNIFF);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0) return false;
    if (c < 9 || (c > 13 && c < 32)) bad++;
  }
  return bad * 20 < n;
}

/** profile.proto starts with a length-delimited or varint field of Profile (fields 1–14). */
function looksLikeProto(b: Uint8Array): boolean {
  const tag = b[0]!;
  const field = tag >> 3;
  const wire = tag & 7;
  return field >= 1 && field <= 14 && (wire === 0 || wire === 2);
}

/** A short, safe description of what the input starts with, for error messages. */
export function describe(prefix: Uint8Array): string {
  if (prefix.length === 0) return 'empty input';
  if (looksLikeText(prefix)) {
    const line = new TextDecoder().decode(prefix.subarray(0, 200)).split('\n')[0]!.trim();
    const shown = line.length > 60 ? `${line.slice(0, 60)}…` : line;
    return `text starting ${JSON.stringify(shown)}`;
  }
  return `${prefix.length >= 4096 ? 'binary data' : `${prefix.length} bytes of binary data`} starting 0x${Buffer.from(prefix.subarray(0, 8)).toString('hex')}`;
}
