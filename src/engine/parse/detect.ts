// Which reader an input needs, from its first bytes: gzip (then look again), profile.proto, or a
// text format found at its first anchor line — wherever that line is (after a panic message, a
// CI log's preamble) and whatever a paste put in front of it (indentation, `> `, a timestamp):
//   debug=2    `goroutine 1 [running]:` (also the crash form `goroutine 1 gp=… m=… [running]:`,
//              and goleak's `[Goroutine 7 in state chan receive, with f on top of the stack:`)
//   debug=1    `goroutine profile: total N`, or a record line `3 @ 0x43a056 0x406dec …`
//   traces     `go tool pprof -traces`: records between `-----------+------…` separators
// Some texts are recognised only to be refused with a sentence that says what they are:
// `go tool pprof -top` tables, race-detector reports, and the debug=1 text of the other profiles
// (heap and allocs, block, mutex, threadcreate: runtime/pprof/pprof.go writeHeapInternal,
// printCountCycleProfile, printCountProfile).

export type TextFormat = 'debug1' | 'debug2' | 'traces';

/** A text format, the paste prefix seen in front of its first anchor line, and that line's number
 *  (1-based). */
export interface TextKind {
  format: TextFormat;
  prefix: string;
  line: number;
}

/** A text we know and cannot analyse: `message` says what it is and what to fetch instead. */
export interface Refusal {
  refuse: string;
}

export type Detected = 'gzip' | 'proto' | TextKind | Refusal;

/** How much of a text input may precede the first goroutine header: a long panic message, or a CI
 *  log whose build and test output comes before the dump. */
export const MAX_PREAMBLE = 8 << 20;

export const EXPECTED =
  'expected a Go goroutine profile: debug=2 text ("goroutine 1 [running]:"), debug=1 text ' +
  '("goroutine profile: total N") or gzip-compressed profile.proto (debug=0)';

/** How many bytes the text-or-binary verdict looks at. */
const SNIFF = 4096;

const DEBUG1_TOTAL = /goroutine(?:leak)? profile: total \d+\s*$/;
const DEBUG2_HEADER = /(?:^|[^\w.])goroutine \d+ (?:gp=\S+ (?:m=\S+ )?(?:mp=\S+ )?)?\[.*:\s*$/;
const GOLEAK_HEADER = /(?:^|[^\w.])\[?Goroutine \d+ in state .*, with .* on top of the stack:\s*$/;
const DEBUG1_RECORD = /(?:^|[^\w.#])\d+ @(?: 0x[0-9a-fA-F]+)+\s*$/;
const TRACES_SEPARATOR = /-{5,}\+-{5,}\s*$/;
const TOP_HEADER = /^\s*flat\s+flat%\s+sum%\s+cum\s+cum%/;
const PROFILE_TYPE = /^\s*Type:\s*(\S+)/;
const RACE = /WARNING: DATA RACE/;
/** First lines of the other profiles' debug=1 text (runtime/pprof/pprof.go): what each is, and its URL. */
const OTHER_TEXT: ReadonlyArray<{ re: RegExp; name: string; url: string }> = [
  { re: /^\s*heap profile: \d+: \d+ \[\d+: \d+\] @ heap\/\d+\s*$/, name: 'a heap profile', url: '/debug/pprof/heap or /debug/pprof/allocs' },
  { re: /^\s*--- contention:\s*$/, name: 'a block profile', url: '/debug/pprof/block' },
  { re: /^\s*--- mutex:\s*$/, name: 'a mutex profile', url: '/debug/pprof/mutex' },
  { re: /^\s*threadcreate profile: total \d+\s*$/, name: 'a threadcreate profile', url: '/debug/pprof/threadcreate' },
];

/** The profile other than goroutines whose debug=1 text `line` starts (`heap profile: …`,
 *  `--- mutex:`…): `name` ("a heap profile") and the `url` it is served at; null for any other line. */
export function otherProfileText(line: string): { name: string; url: string } | null {
  return OTHER_TEXT.find((o) => o.re.test(line)) ?? null;
}

/** The refusal of a profile that is not of goroutines, `what` naming it: it has no goroutine
 *  stacks, and which URL to fetch instead. */
export function notGoroutines(what: string): string {
  return `this is ${what}, not a goroutine profile: it holds no goroutine stacks, so no leak can be found in it. Fetch /debug/pprof/goroutine?debug=2 from the service instead`;
}

export function isKind(d: Detected | 'more' | null): d is TextKind {
  return typeof d === 'object' && d !== null && 'format' in d;
}

/** Decide from a prefix. `final`: the prefix is the whole input. 'more' asks for more bytes.
 *  A longer prefix never changes an answer already given, so a stream read in any chunking is
 *  classified the same as the whole input: only complete lines are judged (the last one too when
 *  `final`), the first anchor line wins, and the binary verdict waits for SNIFF bytes. */
export function detect(prefix: Uint8Array, final: boolean): Detected | 'more' | null {
  if (prefix.length < 2) return final ? null : 'more';
  if (prefix[0] === 0x1f && prefix[1] === 0x8b) return 'gzip';
  const atEnd = final || prefix.length >= MAX_PREAMBLE;
  const head = prefix.length > MAX_PREAMBLE ? prefix.subarray(0, MAX_PREAMBLE) : prefix;
  // Text anchors win wherever they appear (a dump may hold a stray binary byte); judged on complete
  // lines only until the end, so any chunking of a stream gets the same answer.
  const t = detectTextIn(head, atEnd);
  if (t !== 'more' && t !== null) return t;
  if (!atEnd && prefix.length < SNIFF) return 'more';
  if (!looksLikeText(head)) return looksLikeProto(prefix) ? 'proto' : null;
  return t;
}

/** detectText on the bytes of `head`, decoding a growing prefix (64 KiB, then ×8) so a dump whose
 *  anchor is near the top does not decode megabytes: an answer found on a prefix is the answer
 *  for any longer one (only complete lines are judged before the end). */
function detectTextIn(head: Uint8Array, final: boolean): ReturnType<typeof detectText> {
  const decoder = new TextDecoder();
  for (let n = 64 * 1024; n < head.length; n *= 8) {
    const t = detectText(decoder.decode(head.subarray(0, n)), false);
    if (t !== 'more' && t !== null) return t;
  }
  return detectText(decoder.decode(head), final);
}

/** The text format of `text` (see the file comment). Null when `final` and no anchor was found. */
export function detectText(text: string, final: boolean): TextKind | Refusal | 'more' | null {
  let type: string | null = null;
  let race = false;
  let start = 0;
  for (let n = 1; start < text.length; n++) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) {
      if (!final) return 'more';
      nl = text.length;
    }
    const line = text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl);
    start = nl + 1;
    let m: RegExpExecArray | null;
    if ((m = DEBUG1_TOTAL.exec(line))) return { format: 'debug1', prefix: line.slice(0, m.index), line: n };
    if ((m = DEBUG2_HEADER.exec(line))) return { format: 'debug2', prefix: line.slice(0, line.indexOf('goroutine ', m.index)), line: n };
    if ((m = GOLEAK_HEADER.exec(line))) return { format: 'debug2', prefix: line.slice(0, m.index + m[0].search(/\[?Goroutine/)), line: n };
    if ((m = DEBUG1_RECORD.exec(line))) return { format: 'debug1', prefix: line.slice(0, m.index + m[0].search(/\d/)), line: n };
    if ((m = TRACES_SEPARATOR.exec(line))) {
      if (type !== null && type !== 'goroutine' && type !== 'goroutineleak') {
        return { refuse: `this is \`go tool pprof -traces\` output of a ${type} profile, not of goroutines: fetch /debug/pprof/goroutine?debug=2 instead` };
      }
      return { format: 'traces', prefix: line.slice(0, m.index), line: n };
    }
    const other = otherProfileText(line);
    if (other) return { refuse: notGoroutines(`${other.name} (${other.url}) in its debug=1 text`) };
    if (TOP_HEADER.test(line)) {
      const what = type === null ? 'a profile' : type === 'goroutine' ? 'the goroutine profile' : `a ${type} profile (a CPU/heap summary)`;
      return {
        refuse:
          `this is a \`go tool pprof -top\` table of ${what}: counts per function without the stacks, so no leak site can be found in it. ` +
          'Fetch /debug/pprof/goroutine?debug=2 (or debug=1, or the raw profile) from the service, or run `go tool pprof -traces` on the profile, and give leakbot that',
      };
    }
    if (type === null && (m = PROFILE_TYPE.exec(line))) type = m[1]!;
    if (!race && RACE.test(line)) race = true;
  }
  if (!final) return 'more';
  if (race) {
    return {
      refuse:
        'this is a race-detector report (WARNING: DATA RACE): it shows two unsynchronised memory accesses, not blocked goroutines, ' +
        'so it says nothing about leaks — fix the race at the two stacks it prints; for leaks, give leakbot /debug/pprof/goroutine?debug=2',
    };
  }
  return null;
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

/** What the input starts with, for error messages: the first non-blank line quoted raw (not
 *  trimmed, so leading blanks and prefixes show), and the first line that mentions a goroutine
 *  when it is a different one. */
export function describe(prefix: Uint8Array): string {
  if (prefix.length === 0) return 'empty input';
  if (!looksLikeText(prefix)) {
    return `${prefix.length >= 4096 ? 'binary data' : `${prefix.length} bytes of binary data`} starting 0x${Buffer.from(prefix.subarray(0, 8)).toString('hex')}`;
  }
  const lines = new TextDecoder().decode(prefix.subarray(0, 64 * 1024)).split('\n');
  const quote = (s: string): string => JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s);
  const first = lines.findIndex((l) => l.trim().length > 0);
  if (first < 0) return 'only blank lines';
  let out = `text whose line ${first + 1} is ${quote(lines[first]!.replace(/\r$/, ''))}`;
  // A header whose id someone replaced (`goroutine NNNNN [chan send]:`, `goroutine <id> […]`): an
  // edited summary, not the dump; ask for Go's own text.
  const edited = lines.findIndex((l) => /^\s*goroutine [^\d\s[][^\s[]* \[[^\]]*\]:\s*$/.test(l));
  if (edited >= 0) {
    return `${out}, and line ${edited + 1} ${quote(lines[edited]!.replace(/\r$/, ''))} is a goroutine header whose id was replaced: this reads like an edited excerpt; paste the dump as Go printed it (numeric ids, every goroutine), e.g. the output of curl 'http://HOST/debug/pprof/goroutine?debug=2'`;
  }
  const g = lines.findIndex((l) => /goroutine/i.test(l));
  if (g >= 0 && g !== first) out += `, and line ${g + 1} ${quote(lines[g]!.replace(/\r$/, ''))} is no goroutine header like "goroutine 1 [running]:"`;
  else if (g === first) out += ', which is no goroutine header like "goroutine 1 [running]:"';
  if (g >= 0) out += wrappedHint(lines[g]!);
  return out;
}

/** A dump that is there but wrapped so no line starts with its header: say how to unwrap it. */
function wrappedHint(line: string): string {
  // A structured log's field or a quoted string: line breaks and tabs written as \n and \t.
  if (/goroutine \d+ \[[^\]]*\]:\\n/.test(line)) {
    return ": the dump is inside an escaped string (\\n for its line breaks, as a JSON log field holds it); unescape it first, e.g. jq -r '.stack' log.json | leakbot analyze -";
  }
  // Colour codes of a terminal or log viewer around the text.
  if (/\u001b\[[0-9;]*m/.test(line)) return ": the text carries terminal colour codes (ESC[…m); strip them first, e.g. sed 's/\\x1b\\[[0-9;]*m//g' dump.txt | leakbot analyze -";
  return '';
}
