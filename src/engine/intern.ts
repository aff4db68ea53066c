// One shared copy of every function name, file name and frame seen in a dump: a 40,000-goroutine
// dump repeats the same few hundred frames, so parsers hand out the same Frame objects and the
// grouping step can key on identity instead of rebuilding strings.
import type { Frame } from './model.js';

export class FrameTable {
  private readonly strings = new Map<string, string>();
  /** func → location text → Frame. Two lookups, no concatenated key per frame. */
  private readonly frames = new Map<string, Map<string, Frame>>();

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
  frame(func: string, loc: string, parse: (loc: string) => { file: string; line: number }): Frame {
    let byLoc = this.frames.get(func);
    if (byLoc === undefined) {
      byLoc = new Map();
      this.frames.set(this.str(func), byLoc);
    }
    let f = byLoc.get(loc);
    if (f === undefined) {
      const { file, line } = parse(loc);
      f = { func: this.str(func), file: this.str(file), line };
      byLoc.set(flatCopy(loc), f);
    }
    return f;
  }

  /** A frame from already separated parts (proto, debug=1). */
  frameOf(func: string, file: string, line: number): Frame {
    return this.frame(func, `${file}:${line}`, () => ({ file, line }));
  }
}

/** V8 keeps substrings as views into their parent; a round trip through a template literal with
 *  a concatenation forces a flat copy so a retained name does not pin a whole input chunk. */
function flatCopy(s: string): string {
  return s.length === 0 ? '' : (' ' + s).slice(1);
}
