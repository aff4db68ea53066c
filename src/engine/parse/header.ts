// Goroutine header lines in every form Go and goleak print them (runtime/traceback.go
// goroutineheader, Go 1.19–1.27; go.uber.org/goleak v1.3 stack.String):
//   goroutine 18 [chan receive, 37 minutes, locked to thread]:
//   goroutine 18 gp=0xc… m=3 mp=0xc… [running]:                            (crash, GOTRACEBACK≥crash)
//   goroutine 7 [chan receive, 12 minutes labels:{"handler": "/api", "worker id": "0"}]:   (Go 1.26, GODEBUG=tracebacklabels=1)
//   goroutine 7 [chan receive] {handler: /api, "worker id": 0}:          (Go 1.27)
//   [Goroutine 19 in state chan receive, with main.leak.func1 on top of the stack:   (goleak)
import { readQuoted } from './quote.js';

/** A parsed header line, before frames. */
export interface Debug2Header {
  id: number;
  state: string;
  leaked: boolean;
  waitMinutes: number | null;
  lockedToThread: boolean;
  bubble: number | null;
  labels: Record<string, string>;
}

const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Parse a header (leading blanks already removed); null when the line is not one. */
export function parseHeader(line: string): Debug2Header | null {
  if (line.startsWith('goroutine ')) return goHeader(line);
  if (line.startsWith('[Goroutine ') || line.startsWith('Goroutine ')) return goleakHeader(line);
  return null;
}

function readId(line: string, i: number): { id: number; end: number } | null {
  let id = 0;
  const digits = i;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) break;
    id = id * 10 + (c - 48);
    i++;
  }
  if (i === digits || i - digits > 15) return null;
  return { id, end: i };
}

function goHeader(line: string): Debug2Header | null {
  const idr = readId(line, 10);
  if (!idr) return null;
  const i = idr.end;
  const open = line.indexOf(' [', i);
  if (open < 0) return null;
  // Between the id and '[' only the crash form's ` gp=0x… m=… mp=0x…` may appear.
  if (open !== i && !line.startsWith(' gp=', i)) return null;
  let close = line.indexOf(']', open + 2);
  if (close < 0) return null;
  let labels = NO_LABELS;
  let content: string;
  const inner = line.indexOf(' labels:{', open + 2);
  if (inner >= 0 && inner < close) {
    // Go 1.26: labels inside the bracket; a value may hold ']' so read them to find the real end.
    const parsed = readLabels(line, inner + 8);
    if (!parsed || line[parsed.end] !== ']') return null;
    labels = parsed.labels;
    content = line.slice(open + 2, inner);
    close = parsed.end;
  } else content = line.slice(open + 2, close);
  const h = bracket(idr.id, content, labels);
  if (!h) return null;
  let rest = line.slice(close + 1).trimEnd();
  if (rest.startsWith(' {')) {
    const parsed = readLabels(rest, 1);
    if (parsed) {
      h.labels = labels === NO_LABELS ? parsed.labels : { ...labels, ...parsed.labels };
      rest = rest.slice(parsed.end);
    }
  }
  return rest === ':' ? h : null;
}

function goleakHeader(line: string): Debug2Header | null {
  const at = line.indexOf('Goroutine ') + 10;
  const idr = readId(line, at);
  if (!idr || !line.startsWith(' in state ', idr.end)) return null;
  const tail = ' on top of the stack:';
  const body = line.trimEnd();
  if (!body.endsWith(tail)) return null;
  const withAt = body.lastIndexOf(', with ');
  if (withAt < idr.end + 10) return null;
  let content = body.slice(idr.end + 10, withAt);
  let labels = NO_LABELS;
  const inner = content.indexOf(' labels:{');
  if (inner >= 0) {
    const parsed = readLabels(content, inner + 8);
    if (parsed) labels = parsed.labels;
    content = content.slice(0, inner);
  }
  return bracket(idr.id, content, labels);
}

/** `chan receive (leaked), 37 minutes, locked to thread` → state and its qualifiers. */
function bracket(id: number, content: string, labels: Record<string, string>): Debug2Header | null {
  const parts = content.split(', ');
  let state = parts[0]!;
  let leaked = false;
  for (;;) {
    if (state.endsWith(' (leaked)')) {
      leaked = true;
      state = state.slice(0, -9);
    } else if (state.endsWith(' (scan)')) {
      state = state.slice(0, -7);
    } else break;
  }
  if (state.length === 0) return null;
  let waitMinutes: number | null = null;
  let lockedToThread = false;
  let bubble: number | null = null;
  for (let p = 1; p < parts.length; p++) {
    const part = parts[p]!;
    if (part === 'locked to thread') lockedToThread = true;
    else if (part.endsWith(' minutes')) {
      const n = Number(part.slice(0, -8));
      if (Number.isFinite(n) && n >= 0) waitMinutes = n;
    } else if (part.startsWith('synctest bubble ')) {
      const n = Number(part.slice(16));
      if (Number.isFinite(n)) bubble = n;
    }
  }
  return { id, state, leaked, waitMinutes, lockedToThread, bubble, labels };
}

/** Labels at s[start] === '{': Go 1.27's `{key: value, "quoted key": "v"}` (quotes only when
 *  needed) and Go 1.26's `{"key": "value"}`. Returns the index after '}'. */
export function readLabels(s: string, start: number): { labels: Record<string, string>; end: number } | null {
  if (s[start] !== '{') return null;
  const labels: Record<string, string> = {};
  let i = start + 1;
  if (s[i] === '}') return { labels, end: i + 1 };
  for (;;) {
    const k = readToken(s, i, ':');
    if (!k || s[k.end] !== ':') return null;
    let j = k.end + 1;
    while (s[j] === ' ') j++;
    const v = readToken(s, j, ',}');
    if (!v) return null;
    labels[k.value] = v.value;
    i = v.end;
    if (s[i] === '}') return { labels, end: i + 1 };
    if (s[i] !== ',') return null;
    i++;
    while (s[i] === ' ') i++;
  }
}

function readToken(s: string, i: number, stops: string): { value: string; end: number } | null {
  if (s[i] === '"') return readQuoted(s, i);
  let j = i;
  while (j < s.length && !stops.includes(s[j]!)) j++;
  if (j === i || j >= s.length) return null;
  return { value: s.slice(i, j), end: j };
}
