// One shared copy of every function name, file name and frame seen in a dump: a 40,000-goroutine
// dump repeats the same few hundred frames, so parsers hand out the same Frame objects and the
// grouping step can key on identity instead of rebuilding strings. The text readers look frames
// up by their raw bytes (no string is built for a frame already seen); proto and debug=1 use the
// string form.
import type { Frame } from './model.js';

/** A location text split into file and line. `lineText` holds the digits when they do not fit a
 *  safe integer (then `line` is 0): never rounded. */
export interface ParsedLocation {
  file: string;
  line: number;
  lineText?: string;
}

/** A function seen in a text dump, with the frames it was seen at (keyed by location bytes), and
 *  what came after it last time: stacks repeat, so the next lookups are usually one comparison. */
export interface FuncEntry {
  readonly name: string;
  readonly key: Key;
  readonly locs: ByteTable<Frame>;
  /** The function on the next frame line the last time this one was seen. */
  next: FuncEntry | null;
  /** The location bytes and frame this function was last seen at. */
  lastLoc: Key | null;
  lastFrame: Frame | null;
  /** A method of a sync primitive whose receiver (first argument) names the object a goroutine is
   *  parked on: `sync.(*Mutex).lockSlow(0xc0000140e8)` (see isWaitObjectFunc). */
  readonly waitObject: boolean;
  /** In package runtime, or sync's hooks into it (parksArgs): its arguments describe the park, not the
   *  call the goroutine is in (see Goroutine.callArgs). */
  readonly runtime: boolean;
}

/** Functions whose arguments describe the park rather than the call: package runtime's, and sync's
 *  linknamed hooks into it (runtime/sema.go), whose arguments are a wait's ticket or queueing flags
 *  that change each time a goroutine is woken and waits again (`sync.runtime_notifyListWait(0xc0001,
 *  0x5)`: a subscription's delivery loop woken by each message waits on the same Cond with the next
 *  ticket, in the same call). */
const parksArgs = (name: string) => name.startsWith('runtime.') || name.startsWith('sync.runtime_') || name.startsWith('internal/sync.runtime_');

/** Frames whose first argument is the address of the lock a goroutine waits for (Go prints it when it
 *  is exact; a value ending in `?` may be stale and is not used). Mutex.lockSlow: RWMutex's read
 *  lock is inlined (`RLock(...)`) and its semaphore argument is printed with `?`. And a Cond's wait,
 *  `sync.runtime_notifyListWait(l, ticket)` (runtime/sema.go): the Cond's notify list, and the ticket
 *  the goroutine drew (NOTIFY_LIST_WAIT). */
export const isWaitObjectFunc = (name: string) => name === 'sync.(*Mutex).lockSlow' || name === 'internal/sync.(*Mutex).lockSlow' || name === NOTIFY_LIST_WAIT;
/** A Cond waiter's park frame, whose second argument is its ticket: Cond.Wait draws tickets in order
 *  (runtime/sema.go notifyListAdd) and Signal/Broadcast wake them in order (notifyListNotifyOne/All). */
export const NOTIFY_LIST_WAIT = 'sync.runtime_notifyListWait';

/** A byte string held by a table: `len` bytes at `off` in a KeyArena slab, read through `view`
 *  (the whole slab's) four bytes at a time. */
export interface Key {
  readonly view: DataView;
  readonly off: number;
  readonly len: number;
}

/** Where table keys are copied: slabs shared by every key of a FrameTable, so a dump of many
 *  distinct functions makes a few large buffers, not one ArrayBuffer (and one GC-tracked external
 *  allocation) per name and location. */
export class KeyArena {
  private slab = new DataView(new ArrayBuffer(0));
  private used = 0;

  copy(b: Uint8Array, start: number, end: number): Key {
    const len = end - start;
    if (this.used + len > this.slab.byteLength) {
      // Slabs double from 4 KiB to 256 KiB; a longer key gets a slab of its own.
      const size = Math.max(len, Math.min(Math.max(4096, this.slab.byteLength * 2), 256 * 1024));
      this.slab = new DataView(new ArrayBuffer(size));
      this.used = 0;
    }
    const off = this.used;
    new Uint8Array(this.slab.buffer, off, len).set(b.subarray(start, end));
    this.used += len;
    return { view: this.slab, off, len };
  }
}

/** A node of the stack trie: the frames read so far in a goroutine, top first. Goroutines with the
 *  same stack end at the same node and share one frozen frames array, so grouping can key on that
 *  array's identity. */
export interface StackNode {
  readonly frame: Frame | null;
  readonly parent: StackNode | null;
  readonly depth: number;
  /** Children, looked through in order while few (a stack rarely branches more than a handful of
   *  ways at one frame); then also kept in `kidMap`. */
  kids: StackNode[] | null;
  kidMap: Map<Frame, StackNode> | null;
  frames: readonly Frame[] | null;
  /** For text readers: the function and location bytes the frame was read from, so the next
   *  goroutine down the same path is matched against the kids' bytes without a hash lookup. */
  readonly fn: FuncEntry | null;
  readonly loc: Key | null;
  /** Lengths (-1 without bytes) and last four bytes (see tailOf) of fn's name and of loc: most
   *  kids that do not match are told apart by these numbers alone. */
  readonly nameLen: number;
  readonly nameTail: number;
  readonly locLen: number;
  readonly locTail: number;
  /** For the debug=2 reader: the whole file line its frame was last read from after the tab
   *  (`/src/a.go:12 +0x1d`), kept once it ended in nothing to trim, and whether it carries the
   *  ` +0x…` offset: the next goroutine down this path usually has that very line, which is then
   *  matched in one comparison, without looking for its end. */
  line: Key | null;
  lineOffset: boolean;
}

/** The last four bytes of v[start, end) as a number (0 when shorter): a quick first comparison. */
export function tailOf(v: DataView, start: number, end: number): number {
  return end - start >= 4 ? v.getInt32(end - 4, true) : 0;
}

/** Trie nodes kept per table: a dump of tens of thousands of distinct deep stacks stops sharing
 *  there (its goroutines get their own arrays) instead of growing the trie without bound. */
const MAX_STACK_NODES = 1 << 17;
const FEW_KIDS = 8;

export class FrameTable {
  /** A runtime frame in a .c or .goc file was read: the dump is of Go ≤ 1.4, whose runtime was C. */
  cRuntime = false;
  /** `maxStackNodes`: trie size beyond which stacks are no longer shared (tests make it small). */
  constructor(private readonly maxStackNodes = MAX_STACK_NODES) {}

  /** The empty stack. */
  readonly root: StackNode = { frame: null, parent: null, depth: 0, kids: null, kidMap: null, frames: Object.freeze([]), fn: null, loc: null, nameLen: -1, nameTail: 0, locLen: -1, locTail: 0, line: null, lineOffset: false };
  private stackNodes = 0;

  private readonly strings = new Map<string, string>();
  /** func → location text → Frame. Two lookups, no concatenated key per frame. */
  private readonly frames = new Map<string, Map<string, Frame>>();
  private readonly arena = new KeyArena();
  private readonly funcs = new ByteTable<FuncEntry>(this.arena);
  /** Frames whose line number was too long for a safe integer (kept as text). */
  hugeLines = 0;
  /** Function names whose pointer receiver's `*` had been eaten (see restoreStar), and the first. */
  restoredStars = 0;
  firstRestored = '';
  private viewed: Uint8Array | null = null;
  private view: DataView = new DataView(new ArrayBuffer(0));

  /** A DataView of the chunk being read, made once per chunk. */
  viewOf(b: Uint8Array): DataView {
    if (b !== this.viewed) {
      this.viewed = b;
      this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    return this.view;
  }

  str(s: string): string {
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    // Copy out of the (possibly huge) chunk string the slice points into, so the chunk can be freed.
    const own = flatCopy(s);
    this.strings.set(own, own);
    return own;
  }

  /** A function name as read, its eaten `*` restored (counted). */
  private name(func: string): string {
    return this.str(this.restored(func));
  }

  /** `func` with an eaten `*` restored (see restoreStar), counted. */
  private restored(func: string): string {
    const fixed = restoreStar(func);
    if (fixed !== func) {
      if (this.restoredStars++ === 0) this.firstRestored = `${func} → ${fixed}`;
    }
    return fixed;
  }

  /** The frame for `func` at a location text (`/path/file.go:12`); `parse` turns that text into
   *  file and line only the first time it is seen. */
  frame(func: string, loc: string, parse: (loc: string) => ParsedLocation): Frame {
    let byLoc = this.frames.get(func);
    if (byLoc === undefined) {
      byLoc = new Map();
      this.frames.set(this.str(func), byLoc);
    }
    let f = byLoc.get(loc);
    if (f === undefined) {
      f = this.make(this.name(func), parse(loc));
      byLoc.set(flatCopy(loc), f);
    }
    return f;
  }

  /** A frame from already separated parts (proto, debug=1). */
  frameOf(func: string, file: string, line: number): Frame {
    return this.frame(func, `${file}:${line}`, () => ({ file, line }));
  }

  /** The function whose name is the UTF-8 bytes b[start, end); `hint` is checked first. */
  funcAt(b: Buffer, start: number, end: number, hint: FuncEntry | null = null): FuncEntry {
    const v = this.viewOf(b);
    if (hint !== null && sameBytes(hint.key, v, start, end)) return hint;
    const h = hashBytes(v, start, end);
    let fn = this.funcs.get(h, v, start, end);
    if (fn === undefined) {
      const key = this.funcs.set(h, b, start, end, null as unknown as FuncEntry);
      // A fresh flat string, held once per distinct name bytes: no interning needed.
      const name = this.restored(b.toString('utf8', start, end));
      fn = { name, key, locs: new ByteTable<Frame>(this.arena), next: null, lastLoc: null, lastFrame: null, waitObject: isWaitObjectFunc(name), runtime: parksArgs(name) };
      this.funcs.replace(h, key, fn);
    }
    return fn;
  }

  /** The frame of `fn` at the location text in b[start, end) (`/path/file.go:12`). */
  frameAt(fn: FuncEntry, b: Buffer, start: number, end: number, parse: (loc: string) => ParsedLocation): Frame {
    const v = this.viewOf(b);
    if (fn.lastFrame !== null && sameBytes(fn.lastLoc!, v, start, end)) return fn.lastFrame;
    const h = hashBytes(v, start, end);
    let f = fn.locs.get(h, v, start, end);
    if (f === undefined) {
      f = this.make(fn.name, parse(b.toString('utf8', start, end)));
      fn.lastLoc = fn.locs.set(h, b, start, end, f);
    } else fn.lastLoc = fn.locs.keyOf(h, v, start, end);
    fn.lastFrame = f;
    return f;
  }

  /** The node for `node`'s stack with `f` below it; null once the trie is full (see MAX_STACK_NODES).
   *  `fn` and `loc`: the bytes `f` was read from, kept on a new node (see StackNode). */
  child(node: StackNode, f: Frame, fn: FuncEntry | null = null, loc: Key | null = null): StackNode | null {
    const kids = node.kids;
    if (kids !== null) {
      for (let k = 0; k < kids.length; k++) if (kids[k]!.frame === f) return kids[k]!;
      if (node.kidMap !== null) {
        const hit = node.kidMap.get(f);
        if (hit !== undefined) return hit;
      }
    }
    if (this.stackNodes >= this.maxStackNodes) return null;
    this.stackNodes++;
    const named = fn !== null && loc !== null;
    const c: StackNode = {
      frame: f, parent: node, depth: node.depth + 1, kids: null, kidMap: null, frames: null, fn, loc,
      nameLen: named ? fn.key.len : -1,
      nameTail: named ? tailOf(fn.key.view, fn.key.off, fn.key.off + fn.key.len) : 0,
      locLen: named ? loc.len : -1,
      locTail: named ? tailOf(loc.view, loc.off, loc.off + loc.len) : 0,
      line: null,
      lineOffset: false,
    };
    if (kids === null) node.kids = [c];
    else if (kids.length < FEW_KIDS) kids.push(c);
    else (node.kidMap ??= new Map()).set(f, c);
    return c;
  }

  /** A copy of b[start, end) in the table's key slabs (kept as long as the table). */
  keep(b: Uint8Array, start: number, end: number): Key {
    return this.arena.copy(b, start, end);
  }

  /** The frames of a node's stack, top first: one frozen array per node, made on first use. */
  framesOf(node: StackNode): readonly Frame[] {
    if (node.frames !== null) return node.frames;
    const a = new Array<Frame>(node.depth);
    for (let n: StackNode = node; n.frame !== null; n = n.parent!) a[n.depth - 1] = n.frame;
    node.frames = Object.freeze(a);
    return node.frames;
  }

  private make(func: string, loc: ParsedLocation): Frame {
    const f: Frame = { func, file: this.str(loc.file), line: loc.line };
    if (!this.cRuntime && (f.file.endsWith('.c') || f.file.endsWith('.goc')) && func.startsWith('runtime.')) this.cRuntime = true;
    if (loc.lineText !== undefined) {
      f.lineText = loc.lineText;
      this.hugeLines++;
    }
    return f;
  }
}

/** Go prints parentheses in a function name only around a pointer receiver: `main.(*T).run`,
 *  `main.(*Pool[...]).get` (a value receiver reads `main.T.run`; runtime/traceback.go funcNamePiecesForPrint
 *  keeps the name as the linker wrote it). Markdown takes a `*…*` pair for emphasis and drops both,
 *  so a pasted `main.(T).run` lost its `*`; this puts it back. */
export function restoreStar(func: string): string {
  return func.includes('.(') ? func.replace(EATEN_STAR, '.(*$1).') : func;
}
const EATEN_STAR = /\.\((?!\*)([^()\s]+)\)\./g;

interface Slot<V> {
  key: Key;
  value: V;
  next: Slot<V> | null;
}

/** Byte-string keyed map: a hash of the key's length and last 32 bytes (names share long package
 *  and directory prefixes and differ at the end), then an exact comparison. The first key is held
 *  without a Map: most functions are seen at one location only. */
export class ByteTable<V> {
  private one: Slot<V> | null = null;
  private oneHash = 0;
  private buckets: Map<number, Slot<V>> | null = null;

  constructor(private readonly arena: KeyArena = new KeyArena()) {}

  private first(h: number): Slot<V> | null {
    if (this.one !== null && this.oneHash === h) return this.one;
    return this.buckets === null ? null : (this.buckets.get(h) ?? null);
  }

  get(h: number, v: DataView, start: number, end: number): V | undefined {
    for (let s = this.first(h); s !== null; s = s.next) {
      if (sameBytes(s.key, v, start, end)) return s.value;
    }
    return undefined;
  }

  /** Adds a key (copied out of b) and returns the copy. */
  set(h: number, b: Buffer, start: number, end: number, value: V): Key {
    const key = this.arena.copy(b, start, end);
    if (this.one === null) {
      this.one = { key, value, next: null };
      this.oneHash = h;
    } else if (this.oneHash === h) {
      this.one = { key, value, next: this.one };
    } else {
      this.buckets ??= new Map();
      this.buckets.set(h, { key, value, next: this.buckets.get(h) ?? null });
    }
    this.size++;
    return key;
  }

  /** Sets the value of the slot holding exactly this key object. */
  replace(h: number, key: Key, value: V): void {
    for (let s = this.first(h); s !== null; s = s.next) {
      if (s.key === key) {
        s.value = value;
        return;
      }
    }
  }

  /** The stored copy of a key present in the table. */
  keyOf(h: number, v: DataView, start: number, end: number): Key | null {
    for (let s = this.first(h); s !== null; s = s.next) {
      if (sameBytes(s.key, v, start, end)) return s.key;
    }
    return null;
  }

  /** Keys held. */
  size = 0;
}

/** Hash of a byte range's length and last 32 bytes, read four at a time. */
export function hashBytes(v: DataView, start: number, end: number): number {
  let h = (end - start) | 0;
  let i = end - 32 > start ? end - 32 : start;
  for (; i + 4 <= end; i += 4) h = Math.imul(h ^ v.getInt32(i, true), 0x01000193);
  for (; i < end; i++) h = Math.imul(h ^ v.getUint8(i), 0x01000193);
  return h;
}

/** A 20-bit hash of every byte of b[start, end) (a frame's argument list, Goroutine.callArgs); -1 when
 *  every value is one Go marks `?` (or `...`, or there is none: `()`) and for `(...)`. Go marks a register argument read from a spill slot
 *  that may be stale (runtime/traceback.go printArgs), so a frame that prints nothing else can print
 *  different values in one call (`sync.(*Cond).Wait(0xc00045a850?)` then `(0xc00037a770?)`: a
 *  subscription's loop waiting on its own Cond); `(...)` is what Go prints for an inlined frame. Neither
 *  says anything of the call, so the next frame out is asked instead. A frame with one certain value
 *  keeps its uncertain ones, which are right far more often than not (`Client.Get(0xc…, {0xc…?, 0x34?})`
 *  tells two requests apart by its URL's). Its values one by one go to lastArgWords, for identity
 *  (sameArgWords). */
export function hashArgs(b: Uint8Array, start: number, end: number): number {
  argWordsOfLast = 0;
  if (end - start === 5 && b[start + 1] === 46 && b[start + 2] === 46 && b[start + 3] === 46) return -1;
  let h = 0x811c9dc5 | 0;
  let certain = false;
  // Each value's own hash too (argWords): values end where a certain one may (`,` `)` `}` after a
  // byte of the value); separators, blanks and braces are no part of one.
  let w = 0x811c9dc5 | 0;
  let inValue = false;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    h = Math.imul(h ^ c, 0x01000193);
    if (c === 44 || c === 41 || c === 125) {
      // A value ends at ',' ')' '}'; it is certain unless its last byte is '?'.
      // `...` (more values than Go prints) and an empty `()` or `{}` are no value either.
      const p = b[i - 1];
      if (i > start && p !== 63 && p !== 125 && p !== 40 && p !== 123 && p !== 46) certain = true;
      if (inValue) {
        const k = n < WORD_SLOTS ? n : WORD_SLOTS - 1;
        wordSlots[k] = n < WORD_SLOTS ? w : Math.imul(wordSlots[k]! ^ w, 0x01000193);
        n++;
        inValue = false;
        w = 0x811c9dc5 | 0;
      }
    } else if (c !== 32 && c !== 40 && c !== 123) {
      w = Math.imul(w ^ c, 0x01000193);
      inValue = true;
    }
  }
  if (!certain) return -1;
  argWordsOfLast = packWords(n);
  return (h ^ (h >>> 20)) & 0xfffff;
}

/** Values of an argument list told apart one by one (argWords); later ones share the last slot. */
const WORD_SLOTS = 7;
const WORD_BITS = 27;
const wordSlots = new Int32Array(WORD_SLOTS);
let argWordsOfLast = 0;

/** Its first WORD_SLOTS values' hashes, WORD_BITS / slots bits each, above the number of slots in
 *  the low 3 bits: below 2^30, so V8 keeps it a small integer. */
function packWords(n: number): number {
  const slots = n < WORD_SLOTS ? n : WORD_SLOTS;
  if (slots === 0) return 0;
  const bits = Math.floor(WORD_BITS / slots);
  const mask = (1 << bits) - 1;
  let sig = 0;
  for (let k = 0; k < slots; k++) {
    const v = wordSlots[k]!;
    sig = sig * (mask + 1) + ((v ^ (v >>> 16)) & mask);
  }
  return sig * 8 + slots;
}

/** The values of the argument list the last hashArgs call read, one by one (Goroutine.argWords): 0
 *  when it returned -1. */
export const lastArgWords = (): number => argWordsOfLast;

/** Whether two argument lists of one frame (argWords of the same function at the same line) are the
 *  same call: fewer than half of their values differ. A function that reassigns a parameter as it loops
 *  prints the parameter's current value (vault's `LifetimeWatcher.doRenewWithOptions` renews a lease
 *  in one long call and one of its eight words changes), where a new call (a keep-alive connection's
 *  goroutine serving its next request: `pollHandler(w, r)`) prints new objects for most of them. The
 *  first WORD_SLOTS − 1 values are compared one by one, the rest as one. */
export function sameArgWords(a: number, b: number): boolean {
  if (a === b) return true;
  const slots = a & 7;
  if (slots === 0 || slots !== (b & 7)) return false;
  const bits = Math.floor(WORD_BITS / slots);
  const mask = (1 << bits) - 1;
  let x = Math.floor(a / 8);
  let y = Math.floor(b / 8);
  let differ = 0;
  for (let k = 0; k < slots; k++) {
    if ((x & mask) !== (y & mask)) differ++;
    x = Math.floor(x / (mask + 1));
    y = Math.floor(y / (mask + 1));
  }
  return differ * 2 < slots;
}

/** Exact comparison of a key with v[start, end), four bytes at a time from the end (names share
 *  long prefixes). */
export function sameBytes(key: Key, v: DataView, start: number, end: number): boolean {
  const n = key.len;
  if (n !== end - start) return false;
  const kv = key.view;
  const off = key.off;
  let i = n - 4;
  for (; i >= 0; i -= 4) if (kv.getInt32(off + i, true) !== v.getInt32(start + i, true)) return false;
  for (i += 3; i >= 0; i--) if (kv.getUint8(off + i) !== v.getUint8(start + i)) return false;
  return true;
}

/** V8 keeps substrings as views into their parent; a round trip through a template literal with
 *  a concatenation forces a flat copy so a retained name does not pin a whole input chunk. */
function flatCopy(s: string): string {
  return s.length === 0 ? '' : (' ' + s).slice(1);
}
