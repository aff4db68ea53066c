import type { BlockKind, RecvForm } from '../model.js';

// debug=1 hides the runtime frames a goroutine parks in, so a goroutine blocked on a channel shows
// only PCs there: gopark's, the park site inside runtime.chansend or runtime.chanrecv, and the return
// address in the wrapper the compiler called (chansend1, chanrecv1 for `<-ch`, chanrecv2 for `v, ok :=
// <-ch` and `for range ch`). No PC carries a name, but two facts about the code do:
// - chanrecv1 and chanrecv2 both call chanrecv, which parks at one site: one park site reached from two
//   neighbouring wrappers (tiny functions, a few dozen bytes apart) is chanrecv's, a receive;
// - runtime/chan.go defines chansend1, chansend, chanrecv1, chanrecv2, chanrecv in that order and the
//   linker lays a package's functions out in source order, so a park site a little below a receive
//   wrapper lies in chansend: a send (checked on Go 1.19 and 1.26 binaries against the proto profile of
//   the same moment, which names every runtime frame). Only pairs within CHAN_SPAN of each other are
//   compared, so a goroutine parked somewhere else in the runtime is never taken for either.
// What neither fact settles (a dump whose channel waits all use one wrapper) stays unknown. A nil
// channel parks at the top of chansend/chanrecv, before the ordinary park site: of two park sites seen
// for one direction, the lower is the nil-channel one. Of two neighbouring receive wrappers the lower is
// chanrecv1 (a one-shot `<-ch`), the higher chanrecv2 (`v, ok := <-ch`, `for range ch`): source order
// again; with one wrapper seen the form stays unknown.
// The same two PCs are the same runtime wait: a record whose pair another record's visible frames
// already explain takes that record's kind and is no channel operation.
// Only parked goroutines show a park site. One caught inside chanrecv while it is woken (Go 1.19 shows
// four hidden PCs then, its first not gopark's) would add a second "park site" beside the real one, and
// the real one, the lower, would read as the nil-channel park: parked ones share gopark's return
// address, the most common first PC, and only they are compared.

/** runtime/chan.go from chansend1 to chanrecv's park is ~5 KB of code on Go 1.19–1.26. */
const CHAN_SPAN = 16 << 10;
/** chanrecv1 and chanrecv2 are adjacent wrappers of a few dozen bytes each. */
const WRAPPER_GAP = 256;

/** The two hidden PCs that tell a channel operation: the park site and the wrapper's return address. */
export interface HiddenChanOp {
  park: number;
  wrapper: number;
  /** The first hidden PC (gopark's return address when parked); absent when unknown. */
  gopark?: number;
}

export type ChanOp = { kind: BlockKind; state: string; recv?: RecvForm };

/** Key of a PC pair in `known`. */
export const pairKey = (o: HiddenChanOp) => `${o.park}:${o.wrapper}`;

/** For each op of one dump, what it is, or null when the dump does not tell. `known`: kinds other
 *  records of the dump showed for a PC pair (pairKey). Pure; never throws. */
export function chanOps(all: readonly HiddenChanOp[], known: ReadonlyMap<string, ChanOp> = new Map()): Array<ChanOp | null> {
  const ops = all.filter((o) => !known.has(pairKey(o)));
  // Receive park sites: one park reached from two neighbouring wrappers.
  const wrappersOf = new Map<number, Set<number>>();
  for (const o of ops) (wrappersOf.get(o.park) ?? wrappersOf.set(o.park, new Set()).get(o.park)!).add(o.wrapper);
  const recvWrappers = new Set<number>();
  const form = new Map<number, RecvForm>();
  for (const ws of wrappersOf.values()) {
    const sorted = [...ws].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]! - sorted[i - 1]! <= WRAPPER_GAP) {
        recvWrappers.add(sorted[i]!).add(sorted[i - 1]!);
        form.set(sorted[i - 1]!, 'once').set(sorted[i]!, 'loop');
      }
    }
  }
  const wrappers = [...new Set(ops.map((o) => o.wrapper))];
  // A park a little below another op's wrapper lies in chansend; that wrapper is then a receive's.
  const above = (o: HiddenChanOp) => wrappers.filter((w) => w !== o.wrapper && w > o.park && w - o.park < CHAN_SPAN);
  for (const o of ops) for (const w of above(o)) recvWrappers.add(w);
  const dirOf = (o: HiddenChanOp): 'send' | 'recv' | null =>
    recvWrappers.has(o.wrapper) ? 'recv' : above(o).length > 0 ? 'send' : null;
  // The lowest of two or more park sites of one direction is the nil-channel park.
  const gopark = mostCommon(ops.map((o) => o.gopark));
  const parked = (o: HiddenChanOp) => o.gopark === gopark;
  const lowest = (d: 'send' | 'recv') => {
    const parks = new Set(ops.filter((o) => parked(o) && dirOf(o) === d).map((o) => o.park));
    return parks.size >= 2 ? Math.min(...parks) : null;
  };
  const nil = { send: lowest('send'), recv: lowest('recv') };
  return all.map((o) => {
    const k = known.get(pairKey(o));
    if (k) return k;
    const d = dirOf(o);
    if (d === null) return null;
    if (o.park === nil[d] && parked(o)) return { kind: 'nil-chan', state: d === 'send' ? 'chan send (nil chan)' : 'chan receive (nil chan)' };
    if (d === 'send') return { kind: 'chan-send', state: 'chan send' };
    const recv = form.get(o.wrapper);
    return { kind: 'chan-recv', state: 'chan receive', ...(recv ? { recv } : {}) };
  });
}

/** The value that occurs most often (the first of equals), undefined for none. */
export function mostCommon<T>(xs: readonly T[]): T | undefined {
  const n = new Map<T, number>();
  let best: T | undefined;
  for (const x of xs) {
    const c = (n.get(x) ?? 0) + 1;
    n.set(x, c);
    if (best === undefined || c > n.get(best)!) best = x;
  }
  return best;
}

/** runtime/select.go defines block() (what `select {}` compiles to) just before selectgo, and each parks
 *  at one site: two hidden park PCs behind gopark within this span are those two. */
const SELECT_SPAN = 16 << 10;

/** Of the park sites of a dump's records with two hidden PCs (gopark + selectgo or block), the one that
 *  is block's, or null: with two distinct sites within SELECT_SPAN the lower lies in block (source order,
 *  as for chansend/chanrecv above; checked on Go 1.19 and 1.26 against the proto of the same moment),
 *  a `select {}` nothing can ever wake. With one site seen it cannot be told. Pure. */
export function blockPark(parks: readonly number[]): number | null {
  const sites = [...new Set(parks)].sort((a, b) => a - b);
  if (sites.length !== 2 || sites[1]! - sites[0]! >= SELECT_SPAN) return null;
  return sites[0]!;
}
