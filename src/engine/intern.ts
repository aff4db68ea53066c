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
  readonly bytes: Buffer;
  readonly locs: ByteTable<Frame>;
  /** The function on the next frame line the last time this one was seen. */
  next: FuncEntry | null;
  /** The location bytes and frame this function was last seen at. */
  lastLoc: Buffer | null;
  lastFrame: Frame | null;
}

export class FrameTable {
  private readonly strings = new Map<string, string>();
  /** func → location text → Frame. Two lookups, no concatenated key per frame. */
  private readonly frames = new Map<string, Map<string, Frame>>();
  private readonly funcs = new ByteTable<FuncEntry>();
  /** Frames whose line number was too long for a safe integer (kept as text). */
  hugeLines = 0;

  str(s: string): string {
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    // Copy out of the (possibly huge) chunk string the slice points into, so the chunk can be freed.
    const own = flatCopy(s);
    this.strings.set(own, own);
    return own;
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
      f = this.make(this.str(func), parse(loc));
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
    if (hint !== null && sameBytes(hint.bytes, b, start, end)) return hint;
    const h = hashBytes(b, start, end);
    let fn = this.funcs.get(h, b, start, end);
    if (fn === undefined) {
      const bytes = this.funcs.set(h, b, start, end, null as unknown as FuncEntry);
      fn = { name: this.str(b.toString('utf8', start, end)), bytes, locs: new ByteTable<Frame>(), next: null, lastLoc: null, lastFrame: null };
      this.funcs.replace(h, bytes, fn);
    }
    return fn;
  }

  /** The frame of `fn` at the location text in b[start, end) (`/path/file.go:12`). */
  frameAt(fn: FuncEntry, b: Buffer, start: number, end: number, parse: (loc: string) => ParsedLocation): Frame {
    if (fn.lastFrame !== null && sameBytes(fn.lastLoc!, b, start, end)) return fn.lastFrame;
    const h = hashBytes(b, start, end);
    let f = fn.locs.get(h, b, start, end);
    if (f === undefined) {
      f = this.make(fn.name, parse(b.toString('utf8', start, end)));
      fn.lastLoc = fn.locs.set(h, b, start, end, f);
    } else fn.lastLoc = fn.locs.keyOf(h, b, start, end);
    fn.lastFrame = f;
    return f;
  }

  private make(func: string, loc: ParsedLocation): Frame {
    const f: Frame = { func, file: this.str(loc.file), line: loc.line };
    if (loc.lineText !== undefined) {
      f.lineText = loc.lineText;
      this.hugeLines++;
    }
    return f;
  }
}

interface Slot<V> {
  key: Buffer;
  value: V;
  next: Slot<V> | null;
}

/** Byte-string keyed map: a hash of the key's length and last 32 bytes (names share long package
 *  and directory prefixes and differ at the end), then an exact comparison. */
export class ByteTable<V> {
  private readonly buckets = new Map<number, Slot<V>>();

  get(h: number, b: Buffer, start: number, end: number): V | undefined {
    for (let s: Slot<V> | null = this.buckets.get(h) ?? null; s !== null; s = s.next) {
      if (sameBytes(s.key, b, start, end)) return s.value;
    }
    return undefined;
  }

  /** Adds a key (copied out of b) and returns the copy. */
  set(h: number, b: Buffer, start: number, end: number, value: V): Buffer {
    const key = Buffer.allocUnsafeSlow(end - start);
    b.copy(key, 0, start, end);
    this.buckets.set(h, { key, value, next: this.buckets.get(h) ?? null });
    this.size++;
    return key;
  }

  /** Sets the value of the slot holding exactly this key object. */
  replace(h: number, key: Buffer, value: V): void {
    for (let s: Slot<V> | null = this.buckets.get(h) ?? null; s !== null; s = s.next) {
      if (s.key === key) {
        s.value = value;
        return;
      }
    }
  }

  /** The stored copy of a key present in the table. */
  keyOf(h: number, b: Buffer, start: number, end: number): Buffer | null {
    for (let s: Slot<V> | null = this.buckets.get(h) ?? null; s !== null; s = s.next) {
      if (sameBytes(s.key, b, start, end)) return s.key;
    }
    return null;
  }

  /** Keys held. */
  size = 0;
}

export function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = (end - start) | 0;
  for (let i = end - 32 > start ? end - 32 : start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h;
}

function sameBytes(key: Buffer, b: Uint8Array, start: number, end: number): boolean {
  const n = key.length;
  if (n !== end - start) return false;
  for (let i = n - 1; i >= 0; i--) if (key[i] !== b[start + i]) return false;
  return true;
}

/** V8 keeps substrings as views into their parent; a round trip through a template literal with
 *  a concatenation forces a flat copy so a retained name does not pin a whole input chunk. */
function flatCopy(s: string): string {
  return s.length === 0 ? '' : (' ' + s).slice(1);
}
