// Reader for `/debug/pprof/goroutine?debug=2` text (Go 1.19–1.27), whole panic, fatal error,
// test-timeout and SIGQUIT outputs, and goleak reports — they print goroutines the same way:
//
//   goroutine 18 gp=0xc… m=3 mp=0xc… [chan receive (leaked), 37 minutes, locked to thread] {k: v}:
//   main.(*Pool[...]).worker.func1(0xc000010000, {0x1, 0x2}, ...)
//   	/src/pool.go:42 +0x1d fp=0x… sp=0x… pc=0x…
//   ...1 frames elided...
//   created by main.start in goroutine 7
//   	/src/main.go:12 +0x45
//
// Lines are read by content, not by indentation, so a paste whose tabs became spaces (or whose
// every line was indented) reads the same as the original; every such repair is counted and
// reported. Works on bytes: a frame already seen costs a hash and a comparison, no string.
// Fed line by line; emits one Goroutine per block and forgets it.
import type { BlockKind, Frame, Goroutine } from '../model.js';
import { classify } from '../classify.js';
import { ByteTable, NOTIFY_LIST_WAIT, hashArgs, hashBytes, lastArgWords, sameBytes, tailOf, type FrameTable, type FuncEntry, type Key, type ParsedLocation, type StackNode } from '../intern.js';
import { CrashPreamble } from './crash.js';
import { parseHeader, type Debug2Header } from './header.js';
import { IdSet } from './ids.js';
import type { LineSink } from './lines.js';
import type { Emit, ParseReport } from './types.js';

export { parseHeader, type Debug2Header };

const enum At {
  Outside, // between goroutines, or in a preamble (panic message, register dump, `runtime stack:`)
  Frames, // expecting a function line (or created by / elision / blank)
  File, // expecting the file line of the last function
  CreatorFile, // expecting the file line of `created by`
}

const ascii = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const GOROUTINE = ascii('goroutine ');
const OTHER_THREAD = ascii('goroutine running on other thread');
const GOLEAK_OPEN = ascii('[Goroutine ');
const GOLEAK = ascii('Goroutine ');
const CREATED_BY = ascii('created by ');
const SEGMENT_BOUNDARY = ascii('----- stack segment boundary -----');
const IN_GOROUTINE = ascii(' in goroutine ');
const RACE = ascii('WARNING: DATA RACE');

function startsWith(b: Uint8Array, i: number, e: number, lit: Uint8Array): boolean {
  if (e - i < lit.length) return false;
  for (let k = 0; k < lit.length; k++) if (b[i + k] !== lit[k]) return false;
  return true;
}

/** `/path/file.go:123` → file and line. A line number too long for a safe integer is kept as text. */
export function parseLocation(loc: string): ParsedLocation {
  const colon = loc.lastIndexOf(':');
  if (colon > 0 && colon < loc.length - 1) {
    const digits = loc.slice(colon + 1);
    if (/^\d+$/.test(digits)) {
      const file = loc.slice(0, colon);
      if (digits.length <= 15) return { file, line: Number(digits) };
      return { file, line: 0, lineText: digits.replace(/^0+(?=\d)/, '') };
    }
  }
  return { file: loc, line: 0 };
}

interface Classified {
  header: Debug2Header;
  c: { kind: BlockKind; state: string };
  next: Classified | undefined;
}

/** Summary the reader leaves for its caller besides the goroutines. */
export interface Debug2Report extends ParseReport {
  /** Goroutines read (this dump). */
  goroutines: number;
}

/** Reads debug=2-shaped text line by line (see the file comment) and emits one Goroutine per block
 *  through `emit`; `end()` says whether the input was cut and lists every repair made. Never throws
 *  on bad input: what cannot be read is counted and reported as a warning. */
export class Debug2Parser implements LineSink {
  private at = At.Outside;
  /** The current goroutine's header (shared by every goroutine of that shape) and its id. */
  private header: Debug2Header | null = null;
  private headerId = 0;
  /** Id of a goleak caption just read (`[Goroutine N in state …`), -1 otherwise. */
  private caption = -1;
  /** Header shapes (the text after the id) already parsed. */
  private readonly headers = new ByteTable<Debug2Header>();
  /** The previous frame's function in this goroutine, and the first function of the last one: the
   *  next function line is predicted from them (see FuncEntry.next). */
  private prevFn: FuncEntry | null = null;
  private firstFn: FuncEntry | null = null;
  /** The goroutine's frames so far: a node of the table's stack trie, or (once the trie is full)
   *  an array of its own. */
  private node: StackNode | null;
  private frames: Frame[] | null = null;
  private pending: FuncEntry | null = null;
  /** A line with no argument list after a frame: a C function, `non-Go function`, a hand-shortened
   *  frame — or text after the dump. It is a frame only if a file line follows. */
  private loose: Buffer | null = null;
  private elided = false;
  private createdBy: Frame | null = null;
  private creator: FuncEntry | null = null;
  /** The creator of the last goroutine that had one: most goroutines of a pile share it. */
  private lastCreator: FuncEntry | null = null;
  private creatorId: number | null = null;
  /** Address of the lock this goroutine waits for (Goroutine.waitObject), from its innermost frame that prints one. */
  private waitObject = -1;
  /** A Cond waiter's ticket (Goroutine.waitTicket), beside its waitObject. */
  private waitTicket = -1;
  /** Hash of the arguments of the innermost non-runtime frame that prints them (Goroutine.callArgs);
   *  -1 until one does (an inlined frame prints `(...)`, runtime/traceback.go). */
  private callArgs = -1;
  /** Its values one by one (Goroutine.argWords). */
  private argWords = 0;
  private unavailable = false;
  private tabRepaired = false;
  private lastOffset = true;
  private lineNo = 0;
  /** Whether the latest line was read inside a goroutine block, and whether it left no goroutine
   *  half-read (then a missing final newline is no cut). */
  private lastInBlock = false;
  private rawEmpty = false;
  private lastComplete = false;
  /** Line number of the latest line that began like a header but did not parse (a cut one?). */
  private partialHeaderLine = -1;
  private goroutines = 0;
  private leakProfile = false;
  /** Set when a block ended at an unexpected line: frame-like lines after it are reported. */
  private interrupted = false;
  /** Frame file lines read before the first goroutine header: the input starts mid-goroutine. */
  private leadingFrames = 0;
  private firstLeading = 0;
  private seenHeader = false;
  private readonly ids = new IdSet();
  private readonly classified = new Map<readonly Frame[], Classified>();
  /** Why the process stopped, from the lines before the goroutines (crash.ts); a preamble read after
   *  them goes to `nextCrash`: it belongs to a dump that follows, if one does. */
  private crash = new CrashPreamble();
  private nextCrash: CrashPreamble | null = null;
  private readonly n = {
    tabs: 0, indented: 0, headerOnly: 0, unavailable: 0, noFile: 0, strays: 0, races: 0, goleak: 0, badHeaders: 0, repeated: 0, rejoined: 0,
  };
  private firstRejoined = 0;
  /** The goroutine being read was printed before in the same crash output: read, not counted. */
  private repeat = false;
  private firstRepeat = '';
  private firstStray = '';
  private firstBadHeader = '';

  /** `onNewDump(line, id)`: a goroutine id came again, so a second dump starts at this line. */
  constructor(
    private readonly table: FrameTable,
    private readonly emit: Emit,
    private readonly onNewDump: (line: number, id: number) => void = () => {},
  ) {
    this.node = table.root;
  }

  line(b: Buffer, s: number, e: number): void {
    this.lineNo++;
    this.rawEmpty = e === s;
    let i = s;
    let tab = false;
    for (; i < e; i++) {
      const c = b[i];
      if (c === 9) tab = true;
      else if (c !== 32) break;
    }
    while (e > i && (b[e - 1] === 32 || b[e - 1] === 9 || b[e - 1] === 13)) e--; // trailing blanks a paste may add
    this.lastInBlock = this.at !== At.Outside;
    this.lastComplete = this.at === At.Outside;
    switch (this.at) {
      case At.Outside:
        return this.outside(b, s, i, e);
      case At.Frames:
        return this.frameLine(b, s, i, e);
      case At.File:
        return this.fileLine(b, s, i, e, tab);
      case At.CreatorFile:
        return this.creatorFileLine(b, s, i, e, tab);
    }
  }

  /** The lines of a goroutine block as Go prints them — its header, function lines at column 0
   *  ending in their argument list, each file line after one tab, `created by` and its file line,
   *  the blank line after — read in a tight loop without the per-line dispatch of `line`. Stops,
   *  leaving the line to `line`, at anything else (elision, a repaired indent, a preamble, a line
   *  cut by the chunk end). Each line taken updates the state
   *  exactly as `line` would (test/engine/parse/runs.test.ts compares both on mangled dumps). */
  run(b: Buffer, p: number): number {
    const len = b.length;
    for (;;) {
      if (p >= len) return p;
      if (this.at === At.Frames) {
        const c = b[p]!;
        if (c === 10) {
          // The blank line that ends a goroutine.
          this.lineNo++;
          this.rawEmpty = this.lastInBlock = this.lastComplete = true;
          this.finish();
          p++;
          continue;
        }
        if (c === 9 || c === 32 || c === 13 || c === 46 /* . */) return p;
        const nl = b.indexOf(10, p);
        if (nl < 0 || nl - p > MAX_RUN_LINE) return p;
        let e = nl;
        while (e > p && (b[e - 1] === 32 || b[e - 1] === 9 || b[e - 1] === 13)) e--;
        if (c === 99 && startsWith(b, p, e, CREATED_BY)) {
          this.lineNo++;
          this.rawEmpty = this.lastComplete = false;
          this.lastInBlock = true;
          this.createdByLine(b, p, e);
          p = nl + 1;
          continue;
        }
        if (b[e - 1] !== 41 /* ) */) return p;
        if ((c === 103 && startsWith(b, p, e, GOROUTINE)) || (c === 91 && startsWith(b, p, e, GOLEAK_OPEN)) || (c === 71 && startsWith(b, p, e, GOLEAK))) return p;
        let paren = e - 1;
        while (paren > p && b[paren] !== 40 /* ( */) paren--;
        if (paren <= p) return p;
        // Its file line, read here too, so the pair is matched against the trie at once.
        const i = nl + 1;
        if (i + 1 < len && b[i] === 9 && b[i + 1] !== 9 && b[i + 1] !== 32) {
          // Most often it is the line this path's kid was last read from (StackNode.line).
          const known = this.knownLine(b, p, paren, i + 1);
          if (known !== null) {
            this.takePair(known, b, paren, e, known.lineOffset);
            p = i + 2 + known.line!.len;
            continue;
          }
          const nl2 = b.indexOf(10, i + 1);
          if (nl2 >= 0 && nl2 - i <= MAX_RUN_LINE) {
            let e2 = nl2;
            while (e2 > i + 1 && (b[e2 - 1] === 32 || b[e2 - 1] === 9 || b[e2 - 1] === 13)) e2--;
            const le = locationEnd(b, i + 1, e2);
            const kid = le < 0 ? null : this.kidAt(b, p, paren, i + 1, le);
            if (kid !== null) {
              const offset = hasOffset(b, le, e2);
              if (kid.line === null && e2 === nl2) {
                kid.line = this.table.keep(b, i + 1, nl2);
                kid.lineOffset = offset;
              }
              this.takePair(kid, b, paren, e, offset);
              p = nl2 + 1;
              continue;
            }
          }
        }
        const fn = this.table.funcAt(b, p, paren, this.prevFn === null ? this.firstFn : this.prevFn.next);
        if (fn.waitObject && this.waitObject < 0) this.noteWaitObject(fn, b, paren, e);
        if (this.callArgs < 0 && !fn.runtime) this.takeArgs(b, paren, e);
        this.stepFunc(fn);
        this.at = At.File;
        this.lineNo++;
        this.rawEmpty = false;
        this.lastInBlock = true;
        this.lastComplete = false;
        p = nl + 1;
      } else if ((this.at === At.File && this.loose === null) || this.at === At.CreatorFile) {
        // (Every read stays inside b: one past its end deoptimises this loop, costing a recompile.)
        if (b[p] !== 9 || p + 1 >= len) return p;
        const i = p + 1;
        const c = b[i];
        if (c === 9 || c === 32) return p;
        const nl = b.indexOf(10, i);
        if (nl < 0 || nl - p > MAX_RUN_LINE) return p;
        let e = nl;
        while (e > i && (b[e - 1] === 32 || b[e - 1] === 9 || b[e - 1] === 13)) e--;
        const le = locationEnd(b, i, e);
        if (le < 0) return p;
        if (this.at === At.File) this.pushFrame(this.table.frameAt(this.pending!, b, i, le, parseLocation), this.pending);
        else this.createdBy = this.table.frameAt(this.creator!, b, i, le, parseLocation);
        this.lastOffset = this.lastComplete = hasOffset(b, le, e);
        this.at = At.Frames;
        this.lineNo++;
        this.rawEmpty = false;
        this.lastInBlock = true;
        p = nl + 1;
      } else if (this.at === At.Outside && b[p] === 103 /* g */) {
        // Outside a goroutine: its header, at column 0.
        const nl = b.indexOf(10, p);
        if (nl < 0 || nl - p > MAX_RUN_LINE) return p;
        let e = nl;
        while (e > p && (b[e - 1] === 32 || b[e - 1] === 9 || b[e - 1] === 13)) e--;
        if (!startsWith(b, p, e, GOROUTINE)) return p;
        this.lineNo++;
        this.rawEmpty = this.lastInBlock = false;
        this.lastComplete = true;
        this.start(b, p, p, e);
        p = nl + 1;
      } else return p;
    }
  }

  /** The goroutine's call: the argument list b[paren, e) of its innermost frame that prints one. */
  private takeArgs(b: Buffer, paren: number, e: number): void {
    this.callArgs = hashArgs(b, paren, e);
    this.argWords = lastArgWords();
  }

  /** Takes a function line and its file line matched to trie node `kid` (the function line's
   *  argument list at b[paren, e); `offset`: its file line carries ` +0x…`). */
  private takePair(kid: StackNode, b: Buffer, paren: number, e: number, offset: boolean): void {
    const fn = kid.fn!;
    if (fn.waitObject && this.waitObject < 0) this.noteWaitObject(fn, b, paren, e);
    if (this.callArgs < 0 && !fn.runtime) this.takeArgs(b, paren, e);
    this.stepFunc(fn);
    this.node = kid;
    this.lastOffset = this.lastComplete = offset;
    this.lineNo += 2;
    this.rawEmpty = false;
    this.lastInBlock = true;
  }

  /** The kid of the current trie node whose last file line (StackNode.line) is the one at b[i…],
   *  ended by a newline, and whose function is b[p, paren); else null. */
  private knownLine(b: Buffer, p: number, paren: number, i: number): StackNode | null {
    const kids = this.node?.kids;
    if (kids == null) return null;
    const v = this.table.viewOf(b);
    const nameLen = paren - p;
    for (let k = 0; k < kids.length; k++) {
      const kid: StackNode = kids[k]!;
      const line: Key | null = kid.line;
      if (line === null || kid.nameLen !== nameLen) continue;
      const end = i + line.len;
      if (end < b.length && b[end] === 10 && sameBytes(line, v, i, end) && sameBytes(kid.fn!.key, v, p, paren)) return kid;
    }
    return null;
  }

  /** The kid of the current trie node read from function name b[p, paren) at location b[i, le),
   *  or null when this frame was not seen at this point of a stack before. */
  private kidAt(b: Buffer, p: number, paren: number, i: number, le: number): StackNode | null {
    const kids = this.node?.kids;
    if (kids == null) return null;
    const v = this.table.viewOf(b);
    const nameLen = paren - p;
    const locLen = le - i;
    const nameTail = tailOf(v, p, paren);
    const locTail = tailOf(v, i, le);
    for (let k = 0; k < kids.length; k++) {
      const kid = kids[k]!;
      if (kid.locTail === locTail && kid.nameTail === nameTail && kid.locLen === locLen && kid.nameLen === nameLen && sameBytes(kid.loc!, v, i, le) && sameBytes(kid.fn!.key, v, p, paren)) return kid;
    }
    return null;
  }

  /** The object a waitObject frame names (its first argument), and a Cond waiter's ticket. */
  private noteWaitObject(fn: FuncEntry, b: Buffer, paren: number, e: number): void {
    this.waitObject = firstArgAddress(b, paren, e);
    if (this.waitObject >= 0 && fn.name === NOTIFY_LIST_WAIT) this.waitTicket = secondArg(b, paren, e);
  }

  /** The function of the frame line just read (see FuncEntry.next for the hints kept). */
  private stepFunc(fn: FuncEntry): void {
    if (this.prevFn === null) this.firstFn = fn;
    else this.prevFn.next = fn;
    this.prevFn = this.pending = fn;
  }

  private outside(b: Buffer, s: number, i: number, e: number): void {
    if (i === e) {
      this.interrupted = false;
      this.crash.blank();
      this.nextCrash?.blank();
      return;
    }
    const c = b[i];
    if ((c === 103 /* g */ && startsWith(b, i, e, GOROUTINE)) || (c === 91 /* [ */ && startsWith(b, i, e, GOLEAK_OPEN)) || (c === 71 /* G */ && startsWith(b, i, e, GOLEAK))) {
      this.start(b, s, i, e);
      return;
    }
    if (c === 87 /* W */ && startsWith(b, i, e, RACE)) {
      this.n.races++;
      return;
    }
    // Crash preambles start with `panic:`, `fatal error:`, `SIG…:` or `[signal`; a test timeout's list follows.
    if (c === 112 /* p */ || c === 102 /* f */ || c === 83 /* S */ || c === 91 /* [ */ || this.crash.crash !== null) {
      const into = this.crash.crash === null || this.crash.pending ? this.crash : (this.nextCrash ??= new CrashPreamble());
      if (into.line(b.toString('utf8', i, e))) return;
    }
    if (c === 103 && startsWith(GOROUTINE, 0, GOROUTINE.length, b.subarray(i, Math.min(e, i + GOROUTINE.length)))) {
      this.partialHeaderLine = this.lineNo; // `gorout`: the start of a header, cut short
      return;
    }
    // A frame's file line before any header: the paste lost its start, and the goroutines there.
    if (!this.seenHeader && locationEnd(b, i, e) >= 0 && isGoFileLine(b, i, e)) {
      if (this.leadingFrames++ === 0) this.firstLeading = this.lineNo;
      return;
    }
    if (this.interrupted && (b[e - 1] === 41 /* ) */ || locationEnd(b, i, e) >= 0)) {
      if (this.n.strays++ === 0) this.firstStray = `line ${this.lineNo}: ${JSON.stringify(b.toString('utf8', s, Math.min(e, s + 120)))}`;
    }
  }

  private start(b: Buffer, s: number, i: number, e: number): void {
    const h = this.headerAt(b, i, e);
    if (!h) {
      this.partialHeaderLine = this.lineNo;
      if (b[i] === 103 && i + 10 < e && !startsWith(b, i, e, OTHER_THREAD) && b[i + 10]! >= 48 && b[i + 10]! <= 57) {
        if (this.n.badHeaders++ === 0) this.firstBadHeader = `line ${this.lineNo}: ${JSON.stringify(b.toString('utf8', s, Math.min(e, s + 160)))}`;
      }
      return;
    }
    this.seenHeader = true;
    const id = this.headerId;
    const captioned = this.caption === id && this.header === null;
    this.caption = b[i] !== 103 ? id : -1;
    this.repeat = false;
    if (this.ids.has(id) && this.table.cRuntime && this.crash.crash !== null && !this.crash.pending && this.nextCrash === null) {
      // One crash output prints each goroutine once, but the C runtime of Go ≤ 1.4 could print a
      // goroutine tied to the crashing thread twice: no second preamble came, so it is the same dump.
      // (A newer Go's repeated id starts a second dump, as when a crash and a capture are pasted together.)
      this.repeat = true;
      if (this.n.repeated++ === 0) this.firstRepeat = `goroutine ${id} at line ${this.lineNo}`;
    } else if (this.ids.has(id)) {
      this.onNewDump(this.lineNo, id);
      this.ids.clear();
      // A preamble read after the earlier dump's goroutines belongs to this one; one read before them does not.
      if (!this.crash.pending) this.crash = this.nextCrash ?? new CrashPreamble();
      this.nextCrash = null;
    }
    this.crash.header(id, h.state);
    this.ids.add(id);
    if (b[i] !== 103 || captioned) this.n.goleak++;
    else if (i > s) this.n.indented++;
    this.header = h;
    this.prevFn = null;
    this.at = At.Frames;
    this.interrupted = false;
  }

  /** Headers repeat but for the id (`goroutine 123 [chan receive]:`): the part after the id is
   *  parsed once and shared (its labels object too; nothing downstream writes to it). */
  private headerAt(b: Buffer, i: number, e: number): Debug2Header | null {
    let d = i + GOROUTINE.length;
    let id = 0;
    if (b[i] === 103) {
      for (; d < e && b[d]! >= 48 && b[d]! <= 57; d++) id = id * 10 + (b[d]! - 48);
    }
    const digits = d - i - GOROUTINE.length;
    if (digits < 1 || digits > 15) {
      const h = parseHeader(b.toString('utf8', i, e));
      if (h !== null) this.headerId = h.id;
      return h;
    }
    const v = this.table.viewOf(b);
    const hash = hashBytes(v, d, e);
    let tpl = this.headers.get(hash, v, d, e);
    if (tpl === undefined) {
      const h = parseHeader(b.toString('utf8', i, e));
      if (h !== null) this.headerId = h.id;
      if (h === null || this.headers.size >= MAX_HEADER_SHAPES) return h;
      tpl = h;
      this.headers.set(hash, b, d, e, tpl);
    }
    this.headerId = id;
    return tpl;
  }

  private frameLine(b: Buffer, s: number, i: number, e: number): void {
    if (i === e) {
      this.lastComplete = this.rawEmpty; // a lone tab at the very end may be a file line cut short
      return this.finish();
    }
    const c = b[i];
    if (c === 103 /* g */ && startsWith(b, i, e, GOROUTINE)) {
      if (startsWith(b, i, e, OTHER_THREAD)) {
        this.unavailable = true;
        this.lastComplete = true;
        return;
      }
      // goleak before v1.2 printed its `[Goroutine N in state …` line as a caption over Go's own
      // header of the same goroutine: the caption is no goroutine of its own.
      if (this.caption >= 0 && this.frameCount() === 0 && this.createdBy === null && headerIdAt(b, i + GOROUTINE.length, e) === this.caption) {
        this.ids.delete(this.caption);
        this.n.goleak--;
        this.header = null;
      } else this.finish();
      return this.start(b, s, i, e);
    }
    if ((c === 91 && startsWith(b, i, e, GOLEAK_OPEN)) || (c === 71 && startsWith(b, i, e, GOLEAK))) {
      this.finish();
      return this.start(b, s, i, e);
    }
    if (c === 46 /* . */ && e - i >= 12 && b[i + 1] === 46 && b[i + 2] === 46 && b[e - 1] === 46 && b[e - 9] === 101 /* e of elided */) {
      this.elided = true; // `...additional frames elided...` or `...N frames elided...`
      return;
    }
    if (c === 99 /* c */ && startsWith(b, i, e, CREATED_BY)) return this.createdByLine(b, i, e);
    // Go ≤ 1.2's segmented stacks: the traceback goes on in the next segment.
    if (c === 45 /* - */ && startsWith(b, i, e, SEGMENT_BOUNDARY)) return;
    if (b[e - 1] === 41 /* ) */) {
      let paren = e - 1;
      while (paren > i && b[paren] !== 40 /* ( */) paren--;
      if (paren > i) {
        const fn = this.table.funcAt(b, i, paren, this.prevFn === null ? this.firstFn : this.prevFn.next);
        if (fn.waitObject && this.waitObject < 0) this.noteWaitObject(fn, b, paren, e);
        if (this.callArgs < 0 && !fn.runtime) this.takeArgs(b, paren, e);
        this.stepFunc(fn);
        this.at = At.File;
        return;
      }
    }
    this.loose = Buffer.from(b.subarray(i, e));
    this.lastComplete = !cutFrameLine(this.loose); // `exit status 2` after the last goroutine
    this.at = At.File;
  }

  /** `created by main.start in goroutine 7` (Go ≥ 1.21) or `created by main.start`. */
  private createdByLine(b: Buffer, i: number, e: number): void {
    let end = e;
    let d = e;
    while (d > i && b[d - 1]! >= 48 && b[d - 1]! <= 57) d--;
    if (d < e && e - d <= 15 && d - i > IN_GOROUTINE.length + 11 && startsWith(b, d - IN_GOROUTINE.length, e, IN_GOROUTINE)) {
      end = d - IN_GOROUTINE.length;
      let id = 0;
      for (let k = d; k < e; k++) id = id * 10 + (b[k]! - 48);
      this.creatorId = id;
    }
    this.creator = this.lastCreator = this.table.funcAt(b, i + 11, end, this.lastCreator);
    this.at = At.CreatorFile;
  }

  private fileLine(b: Buffer, s: number, i: number, e: number, tab: boolean): void {
    const le = locationEnd(b, i, e);
    // A call line whose argument list a terminal, a log shipper or a web page wrapped onto the next
    // line (`pkg.(*T).Write(0x1076ca80, 0x106ef00` then `0, 0x1000, 0x0)`): one frame, read as one.
    if (le < 0 && this.loose !== null && b[e - 1] === 41 /* ) */ && openArgs(this.loose)) {
      const joined = Buffer.concat([this.loose, b.subarray(i, e)]);
      this.loose = null;
      this.at = At.Frames;
      if (this.n.rejoined++ === 0) this.firstRejoined = this.lineNo;
      return this.frameLine(joined, 0, 0, joined.length);
    }
    if (le >= 0) {
      let fn = this.pending!;
      if (this.loose !== null) {
        fn = this.table.funcAt(this.loose, 0, this.loose.length);
        this.loose = null;
      }
      this.pushFrame(this.table.frameAt(fn, b, i, le, parseLocation), fn);
      if (!tab) this.tabRepaired = true;
      this.lastOffset = this.lastComplete = hasOffset(b, le, e);
      this.at = At.Frames;
      return;
    }
    if (this.loose !== null) {
      // The line without an argument list was no frame: the block ended before it.
      this.loose = null;
      this.at = At.Frames;
      this.interrupted = true;
      this.finish();
      this.lastComplete = true;
      return this.outside(b, s, i, e);
    }
    // A function line without its file line: keep the function, location unknown.
    this.pushFrame(this.table.frameOf(this.pending!.name, '', 0), null);
    this.n.noFile++;
    this.at = At.Frames;
    this.frameLine(b, s, i, e);
  }

  private creatorFileLine(b: Buffer, s: number, i: number, e: number, tab: boolean): void {
    const le = locationEnd(b, i, e);
    if (le >= 0) {
      this.createdBy = this.table.frameAt(this.creator!, b, i, le, parseLocation);
      if (!tab) this.tabRepaired = true;
      this.lastOffset = this.lastComplete = hasOffset(b, le, e);
      this.at = At.Frames;
      return;
    }
    this.createdBy = this.table.frameOf(this.creator!.name, '', 0);
    this.n.noFile++;
    this.at = At.Frames;
    this.frameLine(b, s, i, e);
  }

  /** Adds a frame below the current stack. `fn`: the function it was read as, its location bytes
   *  being fn.lastLoc (frameAt left them there); null for a frame made without them. */
  private pushFrame(f: Frame, fn: FuncEntry | null): void {
    // Every frame a goroutine has went through here once (goroutines after it share the trie node).
    if (f.func === LEAK_WRITER) this.leakProfile = true;
    if (this.node !== null) {
      const next = this.table.child(this.node, f, fn, fn === null ? null : fn.lastLoc);
      if (next !== null) {
        this.node = next;
        return;
      }
      this.frames = this.table.framesOf(this.node).slice();
      this.node = null;
    }
    this.frames!.push(f);
  }

  /** The goroutine's frames so far (shared and frozen when read through the stack trie). */
  private stack(): readonly Frame[] {
    return this.node !== null ? this.table.framesOf(this.node) : this.frames!;
  }

  private frameCount(): number {
    return this.node !== null ? this.node.depth : this.frames!.length;
  }

  /** classify() of a header shape and a trie-shared stack, computed once per pair: a pile repeats both. */
  private classifyShared(h: Debug2Header, frames: readonly Frame[]): { kind: BlockKind; state: string } {
    const m = this.classified.get(frames);
    let n = 0;
    for (let x = m; x !== undefined; x = x.next, n++) if (x.header === h) return x.c;
    const c = classify(h.state, frames);
    // Header shapes are shared up to MAX_HEADER_SHAPES; a stack seen with many shapes stops here.
    if (n < 8) this.classified.set(frames, { header: h, c, next: m });
    return c;
  }

  private finish(): void {
    const h = this.header;
    if (h) {
      if (this.at === At.File && this.loose === null) {
        this.pushFrame(this.table.frameOf(this.pending!.name, '', 0), null);
        this.n.noFile++;
      }
      if (this.at === At.CreatorFile) {
        this.createdBy = this.table.frameOf(this.creator!.name, '', 0);
        this.n.noFile++;
      }
      // Shared between goroutines with the same stack: frozen, never written downstream.
      const frames = this.stack() as Frame[];
      if (frames.length === 0) {
        if (this.unavailable) this.n.unavailable++;
        else this.n.headerOnly++;
      }
      if (this.tabRepaired) this.n.tabs++;
      const c = this.node !== null ? this.classifyShared(h, frames) : classify(h.state, frames);
      const g: Goroutine = {
        id: this.headerId,
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
      if (this.waitObject >= 0) g.waitObject = this.waitObject;
      if (this.waitTicket >= 0) g.waitTicket = this.waitTicket;
      if (this.callArgs >= 0) {
        g.callArgs = this.callArgs;
        g.argWords = this.argWords;
      }
      if (!this.repeat) {
        this.goroutines++;
        if (this.crash.crash?.goroutineId === this.headerId) this.crash.stack(frames);
        this.emit(g);
      }
    }
    this.header = null;
    this.node = this.table.root;
    this.frames = null;
    this.pending = null;
    this.loose = null;
    this.elided = false;
    this.createdBy = null;
    this.creator = null;
    this.creatorId = null;
    this.waitObject = -1;
    this.waitTicket = -1;
    this.callArgs = -1;
    this.argWords = 0;
    this.unavailable = false;
    this.tabRepaired = false;
    this.lastOffset = true;
    this.at = At.Outside;
  }

  /** Call at end of input. `endedMidLine`: the last line had no newline. `bytes`: input size, so a
   *  cut near Go's 64 MiB debug=2 limit can be told from a cut paste. `stopped`: the caller stopped
   *  reading (a byte cap) and says so itself: a cut is still reported as truncated, without a
   *  warning that blames the input. */
  end(endedMidLine: boolean, bytes: number, stopped = false): Debug2Report {
    const h = this.header;
    // A goroutine is complete once it has a frame whose file line carries its +0x offset (an
    // inlined frame's file line has none and is never last); a missing final newline alone is no cut.
    const cutHeader = endedMidLine && this.partialHeaderLine === this.lineNo;
    const cut =
      cutHeader ||
      (endedMidLine && this.lastInBlock && !this.lastComplete) ||
      (h !== null &&
      ((this.at === At.File && (this.loose === null || (endedMidLine && cutFrameLine(this.loose)))) ||
        this.at === At.CreatorFile ||
        (this.at === At.Frames && this.frameCount() === 0 && !this.unavailable) ||
        (this.at === At.Frames && !this.lastOffset) ||
        (this.at === At.Frames && this.createdBy === null && (this.unavailable ? this.headerId !== 1 : !isStackBottom(this.stack())))));
    const cutId = h === null ? undefined : this.headerId;
    const cutLine = this.lineNo;
    if (cut && this.frameCount() === 0) this.unavailable = true; // said by the cut warning, not as header-only
    const { unavailable, noFile } = this.n;
    this.finish();
    if (cut) this.n.unavailable = unavailable;
    // The caller's warning says the last goroutine was cut short: its missing file line is no repair.
    if (cut && stopped) this.n.noFile = noFile;
    const w: string[] = [];
    if (cut && !stopped) {
      const near = bytes >= GO_DEBUG2_CAP - (1 << 20) && bytes <= GO_DEBUG2_CAP;
      w.push(
        near
          ? `dump ends mid-goroutine (goroutine ${cutId}, line ${cutLine}) at ${(bytes / (1 << 20)).toFixed(1)} MiB, Go's 64 MiB debug=2 limit (truncated): goroutines beyond it are missing`
          : cutHeader
            ? `input ends in a goroutine header (line ${cutLine}): it was cut off (truncated); analysed as far as it goes`
            : `input ends mid-goroutine (${cutId === undefined ? '' : `goroutine ${cutId}, `}line ${cutLine}): it was cut off (truncated), so the last goroutine is incomplete; analysed as far as it goes`,
      );
    }
    // Its start cut off: the goroutines before the cut, creators among them, are not in sight.
    const cutStart = this.leadingFrames > 0 && this.goroutines > 0;
    if (cutStart) {
      w.unshift(
        `input starts mid-goroutine (${this.leadingFrames} frame line(s) before the first goroutine header, from line ${this.firstLeading}): its start was cut off (truncated), so goroutines before it are missing; analysed as far as it goes`,
      );
    }
    const n = this.n;
    if (n.indented > 0) w.push(`read ${n.indented} goroutine(s) from an indented paste`);
    if (n.tabs > 0) w.push(`read ${n.tabs} goroutine(s) whose tabs had become spaces (or were removed)`);
    if (n.goleak > 0) w.push(`read goleak's report of ${n.goleak} unexpected goroutine(s) (go.uber.org/goleak)`);
    if (n.headerOnly > 0) w.push(`${n.headerOnly} goroutine(s) had a header but no stack: counted by state, with no frames to group on`);
    if (n.unavailable > 0) w.push(`${n.unavailable} goroutine(s) were running on another thread when the dump was taken (stack unavailable): counted by state and creator only`);
    if (n.noFile > 0) w.push(`${n.noFile} frame(s) had no file:line line after them: kept with the location unknown`);
    if (n.strays > 0) w.push(`skipped ${n.strays} frame-like line(s) that followed an unexpected line inside a goroutine (first at ${this.firstStray})`);
    if (n.badHeaders > 0) w.push(`skipped ${n.badHeaders} line(s) that start like a goroutine header but are not one — expected "goroutine N [state]:" (first at ${this.firstBadHeader})`);
    if (n.rejoined > 0) w.push(`joined ${n.rejoined} call line(s) whose argument list had been wrapped onto the next line (first at line ${this.firstRejoined})`);
    if (n.repeated > 0) w.push(`${n.repeated} goroutine(s) were printed twice in one crash output (first: ${this.firstRepeat}), as the C runtime of Go ≤ 1.4 could for the goroutine of the crashing thread: counted once`);
    if (n.races > 0) w.push(`skipped ${n.races} race-detector report(s) (WARNING: DATA RACE) found in the input: they show memory races, not blocked goroutines`);
    const crash = this.crash.crash;
    return { truncated: cut || cutStart, warnings: w, leakProfile: this.leakProfile, goleak: n.goleak > 0, goroutines: this.goroutines, ...(crash ? { crash } : {}) };
  }

  get count(): number {
    return this.goroutines;
  }
}

/** Lines longer than this are left to `line` (which cuts at MAX_LINE). */
const MAX_RUN_LINE = 1 << 16;

/** Distinct header shapes kept (wait minutes and labels vary); beyond, headers are parsed each time. */
const MAX_HEADER_SHAPES = 4096;

/** runtime/pprof.writeGoroutineStacks stops at exactly this many bytes. */
export const GO_DEBUG2_CAP = 64 << 20;

/** Whether b[i, e) names a Go source file's line (`….go:123`, `….s:45` for assembly): a frame's file
 *  line, not any text ending in `:digits` (an address, a port). */
function isGoFileLine(b: Uint8Array, i: number, e: number): boolean {
  for (let k = i; k + 3 < e; k++) {
    if (b[k] !== 46 /* . */) continue;
    if (b[k + 1] === 103 /* g */ && b[k + 2] === 111 /* o */ && b[k + 3] === 58 /* : */) return true;
    if (b[k + 1] === 115 /* s */ && b[k + 2] === 58 /* : */) return true;
  }
  return false;
}

/** End of the `path:line` part of a file line in b[i, e), or -1 when the line is none. Accepts Go's
 *  trailing ` +0x1d`, ` fp=… sp=… pc=…` and a cgo frame's lone `pc=0x…` (then the location is
 *  empty). Scans from the end, so a path with spaces is fine and the path is never walked. */
export function locationEnd(b: Uint8Array, i: number, e: number): number {
  let le = e;
  for (;;) {
    let d = le;
    while (d > i && b[d - 1]! >= 48 && b[d - 1]! <= 57) d--;
    if (d < le && d > i + 1 && b[d - 1] === 58 /* : */) return le;
    // Not `:digits` at the end: strip one suffix token (`+0x…`, `fp=`, `sp=`, `pc=`) and look again.
    let sp = le - 1;
    while (sp >= i && b[sp] !== 32) sp--;
    const t = sp + 1;
    if (le === t) return -1;
    if (!isSuffixToken(b, t, le)) return -1;
    const a = b[t];
    if (sp < i) return a === 112 && b[t + 1] === 99 ? i : -1; // a lone `pc=0x…`: no file known
    le = sp;
    while (le > i && b[le - 1] === 32) le--;
  }
}

/** `+0x1d`, `fp=0x…`, `sp=0x…`, `pc=0x…` after a location — or the start of one, cut short. */
function isSuffixToken(b: Uint8Array, t: number, le: number): boolean {
  const a = b[t];
  if (a === 43 /* + */) return true;
  const n = le - t;
  const c1 = n > 1 ? b[t + 1] : -1;
  const c2 = n > 2 ? b[t + 2] : -1;
  if (a === 102 || a === 115) return (c1 === -1 || c1 === 112) && (c2 === -1 || c2 === 61); // fp= sp=
  if (a === 112) return (c1 === -1 || c1 === 99) && (c2 === -1 || c2 === 61); // pc=
  return false;
}

/** Frames a goroutine without `created by` ends in: the main goroutine and the runtime's own. A
 *  stack that ends elsewhere at the end of the input was cut. */
function isStackBottom(frames: readonly Frame[]): boolean {
  const last = frames[frames.length - 1];
  return last === undefined || BOTTOM.has(last.func);
}
const BOTTOM = new Set(['main.main', 'runtime.main', 'runtime.goexit', 'runtime.mstart', 'runtime.rt0_go', 'runtime.goexit0']);

/** A last line without newline and argument list is a function line cut short when it has no blank
 *  (names have none) or an argument list opens before its first blank, unless it starts upper case;
 *  else it is trailing text. */
function cutFrameLine(line: Buffer): boolean {
  if (line.length < CREATED_BY.length && startsWith(CREATED_BY, 0, CREATED_BY.length, line)) return true; // `created b`
  if (line[0]! >= 65 && line[0]! <= 90) return false; // FAIL, PASS, WARNING…: Go package paths are lower case
  const sp = line.indexOf(32);
  if (sp < 0) return true;
  const paren = line.indexOf(40);
  return paren >= 0 && paren < sp;
}

/** The hex value of a frame line's second argument (`f(0xaa1090, 0xf2)` → 0xf2), -1 unless printed
 *  exactly (no `?`). */
function secondArg(b: Buffer, paren: number, e: number): number {
  let i = b.indexOf(44 /* , */, paren + 1);
  if (i < 0 || i >= e) return -1;
  while (b[i + 1] === 32) i++;
  return firstArgAddress(b, i, e);
}

/** The first argument of a function line, `(0xc0000140e8, …)` at b[paren, e), as a number; -1 when it
 *  is not an exact hex value (`...` for an inlined frame, a trailing `?` for a possibly stale one).
 *  Addresses fit in 48 bits, so a double holds them exactly. */
function firstArgAddress(b: Buffer, paren: number, e: number): number {
  let i = paren + 1;
  if (i + 2 >= e || b[i] !== 48 || b[i + 1] !== 120) return -1;
  i += 2;
  let v = 0;
  let digits = 0;
  for (; i < e; i++) {
    const c = b[i]!;
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) break;
    v = v * 16 + d;
    digits++;
  }
  return digits > 0 && digits <= 12 && (b[i] === 44 /* , */ || b[i] === 41) /* ) */ ? v : -1;
}

/** Whether the file line carries the ` +0x…` offset after its location (inlined frames do not). */
function hasOffset(b: Uint8Array, le: number, e: number): boolean {
  return e - le >= 5 && b[le] === 32 && b[le + 1] === 43 && b[le + 2] === 48 && b[le + 3] === 120 && isHex(b[le + 4]!);
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** The goroutine writing a /debug/pprof/goroutineleak profile shows this frame in its stack. */
const LEAK_WRITER = 'runtime/pprof.writeGoroutineLeak';

/** A call line cut inside its argument list: its last `(` has no `)` after it. */
function openArgs(line: Buffer): boolean {
  const open = line.lastIndexOf(40 /* ( */);
  return open > 0 && line.indexOf(41 /* ) */, open) < 0;
}

/** The goroutine id in b[from, e) (the digits after `goroutine `), or -1. */
function headerIdAt(b: Buffer, from: number, e: number): number {
  let id = 0;
  let d = from;
  for (; d < e && d - from < 15 && b[d]! >= 48 && b[d]! <= 57; d++) id = id * 10 + (b[d]! - 48);
  return d > from ? id : -1;
}
