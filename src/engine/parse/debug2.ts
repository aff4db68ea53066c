// Reader for `/debug/pprof/goroutine?debug=2` text (Go 1.19–1.27) and for whole panic, fatal
// error and SIGQUIT outputs, which print goroutines the same way. Fed line by line; emits one
// Goroutine per block and forgets it.
//
//   goroutine 18 gp=0xc… m=3 mp=0xc… [chan receive (leaked), 37 minutes, locked to thread] {k: v}:
//   main.(*Pool[...]).worker.func1(0xc000010000, {0x1, 0x2}, ...)
//   	/src/pool.go:42 +0x1d fp=0x… sp=0x… pc=0x…
//   ...1 frames elided...
//   created by main.start in goroutine 7
//   	/src/main.go:12 +0x45
import type { Frame, Goroutine } from '../model.js';
import { classify } from '../classify.js';
import type { FrameTable } from '../intern.js';
import { readQuoted } from './quote.js';
import type { Emit, ParseReport } from './types.js';

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

/** Parse `goroutine N … [status, …] {labels}:`; null when the line is not a goroutine header. */
export function parseHeader(line: string): Debug2Header | null {
  if (!line.startsWith('goroutine ')) return null;
  let i = 10;
  let id = 0;
  const digits = i;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) break;
    id = id * 10 + (c - 48);
    i++;
  }
  if (i === digits || i - digits > 16) return null;
  const open = line.indexOf(' [', i);
  if (open < 0) return null;
  // Between the id and '[' only the crash form's ` gp=0x… m=… mp=0x…` may appear.
  if (open !== i && !line.startsWith(' gp=', i)) return null;
  const close = line.indexOf(']', open + 2);
  if (close < 0) return null;
  const parts = line.slice(open + 2, close).split(', ');
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
  let rest = line.slice(close + 1);
  let labels = NO_LABELS;
  if (rest.startsWith(' {')) {
    const parsed = parseHeaderLabels(rest, 1);
    if (parsed) {
      labels = parsed.labels;
      rest = rest.slice(parsed.end);
    }
  }
  if (rest !== ':') return null;
  return { id, state, leaked, waitMinutes, lockedToThread, bubble, labels };
}

/** Go 1.27 header labels: `{key: value, "quoted key": "quoted \"value\""}` (quotes only when needed). */
function parseHeaderLabels(s: string, start: number): { labels: Record<string, string>; end: number } | null {
  const labels: Record<string, string> = {};
  let i = start + 1;
  if (s[i] === '}') return { labels, end: i + 1 };
  for (;;) {
    const k = readToken(s, i, ':');
    if (!k || s[k.end] !== ':' || s[k.end + 1] !== ' ') return null;
    const v = readToken(s, k.end + 2, ',}');
    if (!v) return null;
    labels[k.value] = v.value;
    i = v.end;
    if (s[i] === '}') return { labels, end: i + 1 };
    if (s[i] !== ',' || s[i + 1] !== ' ') return null;
    i += 2;
  }
}

function readToken(s: string, i: number, stops: string): { value: string; end: number } | null {
  if (s[i] === '"') return readQuoted(s, i);
  let j = i;
  while (j < s.length && !stops.includes(s[j]!)) j++;
  if (j === i || j >= s.length) return null;
  return { value: s.slice(i, j), end: j };
}

/** `\t/path/file.go:123 +0x1d fp=… sp=… pc=…` → the location part (`/path/file.go:123`). */
function locationText(line: string): string {
  let end = line.indexOf(' +0x');
  if (end < 0) end = line.indexOf(' fp=');
  if (end < 0) end = line.length;
  return line.slice(1, end);
}

export function parseLocation(loc: string): { file: string; line: number } {
  const colon = loc.lastIndexOf(':');
  if (colon > 0) {
    const n = Number(loc.slice(colon + 1));
    if (Number.isInteger(n) && n >= 0) return { file: loc.slice(0, colon), line: n };
  }
  return { file: loc, line: 0 };
}

const enum At {
  Outside, // between goroutines, or in a preamble (panic message, register dump, `runtime stack:`)
  Frames, // expecting a function line (or created by / elision / blank)
  File, // expecting the tab-indented file line of the last function
  CreatorFile, // expecting the file line of `created by`
}

export class Debug2Parser {
  private at = At.Outside;
  private header: Debug2Header | null = null;
  private frames: Frame[] = [];
  private pendingFunc = '';
  private elided = false;
  private createdBy: Frame | null = null;
  private creatorFunc = '';
  private creatorId: number | null = null;
  private goroutines = 0;
  private leakProfile = false;
  private readonly warnings: string[] = [];
  /** Whether the latest line arrived inside a goroutine block (a cut last line ends one early). */
  private lastInBlock = false;

  constructor(
    private readonly table: FrameTable,
    private readonly emit: Emit,
  ) {}

  line(line: string): void {
    this.lastInBlock = this.at !== At.Outside;
    switch (this.at) {
      case At.Outside:
        if (line.startsWith('goroutine ')) this.start(line);
        return;
      case At.File:
        if (line.charCodeAt(0) === 9) {
          this.frames.push(this.table.frame(this.pendingFunc, locationText(line), parseLocation));
          this.at = At.Frames;
          return;
        }
        // A function line without its file line: keep the function, location unknown.
        this.frames.push(this.table.frameOf(this.pendingFunc, '', 0));
        this.at = At.Frames;
        return this.line(line);
      case At.CreatorFile:
        if (line.charCodeAt(0) === 9) {
          this.createdBy = this.table.frame(this.creatorFunc, locationText(line), parseLocation);
          this.at = At.Frames;
          return;
        }
        this.createdBy = this.table.frameOf(this.creatorFunc, '', 0);
        this.at = At.Frames;
        return this.line(line);
      case At.Frames:
        this.frameLine(line);
    }
  }

  private frameLine(line: string): void {
    if (line.length === 0) return this.finish();
    const c = line.charCodeAt(0);
    if (c === 46 /* . */ && line.startsWith('...') && line.endsWith('elided...')) {
      this.elided = true; // `...additional frames elided...` or `...N frames elided...`
      return;
    }
    if (c === 99 /* c */ && line.startsWith('created by ')) {
      const at = line.indexOf(' in goroutine ', 11);
      this.creatorFunc = at < 0 ? line.slice(11) : line.slice(11, at);
      if (at >= 0) {
        const n = Number(line.slice(at + 14));
        this.creatorId = Number.isSafeInteger(n) ? n : null;
      }
      this.at = At.CreatorFile;
      return;
    }
    if (c === 103 /* g */ && line.startsWith('goroutine ')) {
      // No blank line before the next header (hand-edited or spliced dumps).
      if (line.startsWith('goroutine running on other thread')) return;
      this.finish();
      return this.start(line);
    }
    const paren = line.lastIndexOf('(');
    if (paren > 0 && line.charCodeAt(line.length - 1) === 41 /* ) */ && c !== 9 && c !== 32) {
      this.pendingFunc = line.slice(0, paren);
      this.at = At.File;
      return;
    }
    // Not part of a goroutine block: the dump moved on (a crash's register dump, `exit status 2`).
    this.finish();
  }

  private start(line: string): void {
    const h = parseHeader(line);
    if (!h) return;
    this.header = h;
    this.at = At.Frames;
  }

  private finish(): void {
    const h = this.header;
    if (h) {
      if (this.at === At.File) this.frames.push(this.table.frameOf(this.pendingFunc, '', 0));
      if (this.at === At.CreatorFile) this.createdBy = this.table.frameOf(this.creatorFunc, '', 0);
      const frames = this.frames;
      const c = classify(h.state, frames);
      if (!this.leakProfile && isLeakProfileWriter(frames)) this.leakProfile = true;
      const g: Goroutine = {
        id: h.id,
        count: 1,
        state: c.state,
        stateInferred: false,
        kind: c.kind,
        waitMinutes: h.waitMinutes,
        lockedToThread: h.lockedToThread,
        leaked: h.leaked,
        labels: h.labels,
        frames,
        framesElided: this.elided,
        createdBy: this.createdBy,
        creatorId: this.creatorId,
      };
      this.goroutines++;
      this.emit(g);
    }
    this.header = null;
    this.frames = [];
    this.elided = false;
    this.createdBy = null;
    this.creatorId = null;
    this.at = At.Outside;
  }

  /** Call at end of input. `endedMidLine`: the last line had no newline (a cut dump). */
  end(endedMidLine: boolean): ParseReport {
    // A complete block ends with a file line; anything else at EOF means the dump was cut.
    const cut =
      (endedMidLine && this.lastInBlock) ||
      (this.header !== null && (this.at !== At.Frames || this.frames.length === 0));
    this.finish();
    if (cut) this.warnings.push('dump ends mid-goroutine (truncated, e.g. at Go\'s 64 MiB debug=2 limit): analysed as far as it goes');
    return { truncated: cut, warnings: this.warnings, leakProfile: this.leakProfile };
  }

  get count(): number {
    return this.goroutines;
  }
}

/** The goroutine writing a /debug/pprof/goroutineleak profile shows its writer in its stack. */
function isLeakProfileWriter(frames: readonly Frame[]): boolean {
  for (const f of frames) if (f.func === 'runtime/pprof.writeGoroutineLeak') return true;
  return false;
}
