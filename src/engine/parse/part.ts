// A big debug=2 dump read in two parts at once: the CLI hands the part after a goroutine boundary to
// a second thread (a worker of its own), which reads it with a PartReader and sends back a DumpPart;
// the reader of the first part then takes those goroutines as if it had read their lines itself
// (TextIngest.adopt). Only a plain part is taken — goroutine blocks and blank lines, nothing a
// reader reports — so the result equals reading the whole dump in one pass; anything else is
// refused and the caller reads the part's bytes itself. Pure: bytes in, plain data out; the
// threads are the caller's.
import type { BlockKind, Frame, Goroutine } from '../model.js';
import type { FrameTable, FuncEntry, Key } from '../intern.js';
import { FrameTable as Table } from '../intern.js';
import { Debug2Parser, parseLocation } from './debug2.js';
import { LineSplitter } from './lines.js';

/** Goroutines of one part of a debug=2 dump, as numbers and small tables (a structured clone
 *  copies them cheaply; `rows` can be transferred). Made by PartReader, taken by TextIngest.adopt. */
export interface DumpPart {
  /** Bytes read. */
  bytes: number;
  /** Why the part cannot be taken (then only `bytes` is set), or null. */
  refused: string | null;
  /** The part showed the goroutine leak profile's writer (Debug2Report.leakProfile). */
  leakProfile: boolean;
  /** Each distinct frame's function name and location text (`/src/a.go:12`). */
  funcs: string[];
  locs: string[];
  /** Stacks as frame indexes, all in one list; stack k ends before stackEnds[k]. */
  stackFrames: Int32Array;
  stackEnds: Int32Array;
  /** Distinct (state, kind) pairs and label sets the goroutines refer to. */
  states: string[];
  kinds: BlockKind[];
  labels: Array<Record<string, string>>;
  /** ROW numbers per goroutine, in the order read (see Col). */
  rows: Float64Array;
}

/** The numbers of one goroutine in DumpPart.rows; -1 (NaN for values that may be negative) is "none". */
const enum Col {
  Id,
  Stack,
  Pair,
  WaitMinutes, // NaN: none
  Flags, // 1 locked to thread, 2 leaked, 4 frames elided
  Labels,
  CreatedBy, // frame index
  CreatorId, // NaN: none
  WaitObject,
  WaitTicket,
  CallArgs,
}
const ROW = 11;

/** Where a part may start in `b` at or after `from`: the index of a `goroutine N [` header at the
 *  start of a line that follows a blank line; -1 when there is none. */
export function partStart(b: Uint8Array, from = 0): number {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  for (let k = buf.indexOf(BOUNDARY, from); k >= 0; k = buf.indexOf(BOUNDARY, k + 1)) {
    const h = k + 2;
    const d = buf[h + 10];
    if (d !== undefined && d >= 48 && d <= 57) return h;
  }
  return -1;
}
const BOUNDARY = Buffer.from('\n\ngoroutine ', 'latin1');

/** Reads one part of a debug=2 dump that starts at a goroutine header (see partStart) to its end. */
export class PartReader {
  private readonly table = new Table();
  private readonly parser: Debug2Parser;
  private readonly splitter: LineSplitter;
  private bytes = 0;
  private newDump = false;
  private readonly frameIx = new Map<Frame, number>();
  private readonly funcs: string[] = [];
  private readonly locs: string[] = [];
  private readonly stackIx = new Map<readonly Frame[], number>();
  private stackFrames = new Int32Array(1024);
  private stackLen = 0;
  private readonly stackEnds: number[] = [];
  private readonly pairIx = new Map<string, Map<BlockKind, number>>();
  private readonly states: string[] = [];
  private readonly kinds: BlockKind[] = [];
  private readonly labelIx = new Map<Record<string, string>, number>();
  private readonly labels: Array<Record<string, string>> = [];
  private rows = new Float64Array(ROW * 1024);
  private n = 0;

  constructor() {
    this.parser = new Debug2Parser(this.table, (g) => this.add(g), () => (this.newDump = true));
    this.splitter = new LineSplitter(this.parser);
  }

  /** Reads the next bytes (not kept after the call). */
  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    this.splitter.push(chunk);
  }

  /** The part read, or why it cannot be taken. */
  finish(): DumpPart {
    this.splitter.end();
    const r = this.parser.end(this.splitter.endedMidLine, this.bytes);
    const t = this.table;
    const refused =
      this.newDump ? 'a goroutine id repeats: another dump starts'
      : r.truncated ? 'it ends mid-goroutine'
      : r.warnings.length > 0 ? r.warnings[0]!
      : this.parser.textOutside > 0 || r.crash ? 'text between goroutines'
      : t.restoredStars > 0 || t.hugeLines > 0 || this.splitter.overlong > 0 ? 'repaired lines'
      : this.n === 0 ? 'no goroutine'
      : null;
    if (refused !== null) return { bytes: this.bytes, refused, leakProfile: false, funcs: [], locs: [], stackFrames: new Int32Array(0), stackEnds: new Int32Array(0), states: [], kinds: [], labels: [], rows: new Float64Array(0) };
    return {
      bytes: this.bytes,
      refused: null,
      leakProfile: r.leakProfile,
      funcs: this.funcs,
      locs: this.locs,
      stackFrames: this.stackFrames.slice(0, this.stackLen),
      stackEnds: Int32Array.from(this.stackEnds),
      states: this.states,
      kinds: this.kinds,
      labels: this.labels,
      rows: this.rows.slice(0, this.n * ROW),
    };
  }

  private add(g: Goroutine): void {
    if (this.rows.length < (this.n + 1) * ROW) {
      const next = new Float64Array(this.rows.length * 2);
      next.set(this.rows);
      this.rows = next;
    }
    const o = this.n++ * ROW;
    const r = this.rows;
    r[o + Col.Id] = g.id!;
    r[o + Col.Stack] = this.stackOf(g.frames);
    r[o + Col.Pair] = this.pairOf(g.state, g.kind);
    r[o + Col.WaitMinutes] = g.waitMinutes ?? NaN;
    r[o + Col.Flags] = (g.lockedToThread ? 1 : 0) | (g.leaked ? 2 : 0) | (g.framesElided ? 4 : 0);
    let l = this.labelIx.get(g.labels);
    if (l === undefined) this.labelIx.set(g.labels, (l = this.labels.push(g.labels) - 1));
    r[o + Col.Labels] = l;
    r[o + Col.CreatedBy] = g.createdBy === null ? -1 : this.frameOf(g.createdBy);
    r[o + Col.CreatorId] = g.creatorId ?? NaN;
    r[o + Col.WaitObject] = g.waitObject ?? -1;
    r[o + Col.WaitTicket] = g.waitTicket ?? -1;
    r[o + Col.CallArgs] = g.callArgs ?? -1;
  }

  private frameOf(f: Frame): number {
    let i = this.frameIx.get(f);
    if (i === undefined) {
      i = this.funcs.push(f.func) - 1;
      this.locs.push(locationText(f));
      this.frameIx.set(f, i);
    }
    return i;
  }

  /** Stacks shared through the parser's trie are one array each; others are taken one by one. */
  private stackOf(frames: readonly Frame[]): number {
    let i = this.stackIx.get(frames);
    if (i !== undefined) return i;
    if (this.stackFrames.length < this.stackLen + frames.length) {
      const next = new Int32Array(Math.max(this.stackFrames.length * 2, this.stackLen + frames.length));
      next.set(this.stackFrames);
      this.stackFrames = next;
    }
    for (const f of frames) this.stackFrames[this.stackLen++] = this.frameOf(f);
    i = this.stackEnds.push(this.stackLen) - 1;
    this.stackIx.set(frames, i);
    return i;
  }

  private pairOf(state: string, kind: BlockKind): number {
    let byKind = this.pairIx.get(state);
    if (byKind === undefined) this.pairIx.set(state, (byKind = new Map()));
    let i = byKind.get(kind);
    if (i === undefined) {
      i = this.states.push(state) - 1;
      this.kinds.push(kind);
      byKind.set(kind, i);
    }
    return i;
  }
}

/** A frame's location as parseLocation reads it back to the same file and line: a cgo frame's
 *  empty location stays empty. (Text that was not printed this way — `a.go` without a line,
 *  leading zeros — reads back equal, as another Frame object: groups compare frames by content.) */
function locationText(f: Frame): string {
  return f.file === '' && f.line === 0 && f.lineText === undefined ? '' : `${f.file}:${f.lineText ?? f.line}`;
}

/** The goroutines of a part as the reader of the dump before it would have built them from the
 *  same lines: each frame looked up in `table` by its bytes, each stack walked down its trie (so
 *  shared stacks are the same frozen arrays), in the order read. `take` gets each one. */
export function unpackPart(part: DumpPart, table: FrameTable, take: (g: Goroutine) => void): void {
  const frames: Frame[] = [];
  const entries: Array<{ fn: FuncEntry; loc: Key | null }> = [];
  for (let i = 0; i < part.funcs.length; i++) {
    const name = Buffer.from(part.funcs[i]!, 'utf8');
    const loc = Buffer.from(part.locs[i]!, 'utf8');
    const fn = table.funcAt(name, 0, name.length);
    frames.push(table.frameAt(fn, loc, 0, loc.length, parseLocation));
    entries.push({ fn, loc: fn.lastLoc });
  }
  // A stack the trie holds is one frozen array; past the trie's limit every goroutine gets its own.
  const stacks: Array<{ frames: Frame[]; shared: boolean }> = [];
  let from = 0;
  for (let s = 0; s < part.stackEnds.length; s++) {
    const end = part.stackEnds[s]!;
    let node: ReturnType<FrameTable['child']> = table.root;
    let own: Frame[] | null = null;
    for (let k = from; k < end; k++) {
      const ix = part.stackFrames[k]!;
      const f = frames[ix]!;
      if (node !== null) {
        const next = table.child(node, f, entries[ix]!.fn, entries[ix]!.loc);
        if (next !== null) {
          node = next;
          continue;
        }
        own = table.framesOf(node).slice();
        node = null;
      }
      own!.push(f);
    }
    stacks.push(node !== null ? { frames: table.framesOf(node) as Frame[], shared: true } : { frames: own!, shared: false });
    from = end;
  }
  const r = part.rows;
  for (let o = 0; o < r.length; o += ROW) {
    const st = stacks[r[o + Col.Stack]!]!;
    const pair = r[o + Col.Pair]!;
    const flags = r[o + Col.Flags]!;
    const wait = r[o + Col.WaitMinutes]!;
    const createdBy = r[o + Col.CreatedBy]!;
    const creatorId = r[o + Col.CreatorId]!;
    const g: Goroutine = {
      id: r[o + Col.Id]!,
      count: 1,
      state: part.states[pair]!,
      stateInferred: false,
      kind: part.kinds[pair]!,
      waitMinutes: Number.isNaN(wait) ? null : wait,
      lockedToThread: (flags & 1) !== 0,
      leaked: (flags & 2) !== 0,
      labels: part.labels[r[o + Col.Labels]!]!,
      frames: st.shared ? st.frames : st.frames.slice(),
      framesElided: (flags & 4) !== 0,
      createdBy: createdBy < 0 ? null : frames[createdBy]!,
      creatorId: Number.isNaN(creatorId) ? null : creatorId,
    };
    if (r[o + Col.WaitObject]! >= 0) g.waitObject = r[o + Col.WaitObject]!;
    if (r[o + Col.WaitTicket]! >= 0) g.waitTicket = r[o + Col.WaitTicket]!;
    if (r[o + Col.CallArgs]! >= 0) g.callArgs = r[o + Col.CallArgs]!;
    take(g);
  }
}

/** The goroutine ids of a part, for the check that none was read before it. */
export function partIds(part: DumpPart): Float64Array {
  const ids = new Float64Array(part.rows.length / ROW);
  for (let i = 0; i < ids.length; i++) ids[i] = part.rows[i * ROW + Col.Id]!;
  return ids;
}
