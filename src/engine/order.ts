// Order of untimed snapshots, read from goroutine ids. Dumps given newest first make a growing leak
// look like a draining pile, and nothing else in a debug=2 dump says when it was taken.
//
// Why ids can tell: a goroutine gets its id when it is created (runtime/proc.go newproc1), in
// increasing order (per-P batches of 16 blur the order by a few ids) and never reused; a debug=2 dump
// lists every user goroutine. Between two dumps of one process, the goroutines only the earlier one
// holds exited, those only the later one holds were started in between: the newest of all of them
// belongs to the later dump.
import type { Snapshot } from './model.js';

/** Series order and, when the ids disagree with the order given, a note for the user. */
export interface SeriesOrder {
  series: Snapshot[];
  note: string | null;
}

/** Orders tried exhaustively up to this many snapshots (5! = 120); longer series try id order only. */
const MAX_PERMUTED = 5;

const idsOf = (s: Snapshot): Set<number> => new Set(s.groups.flatMap((g) => g.ids ?? []));

/** Whether `b` can have been taken after `a` in the same process: they share a goroutine, and the
 *  newest goroutine that only one of them holds (the highest such id) is in `b`, or there is none.
 *  Taken backwards, that goroutine is one that exited between the two, older than every goroutine the
 *  later dump added. */
function follows(a: Set<number>, b: Set<number>): boolean {
  let onlyA = 0;
  let onlyB = 0;
  for (const id of a) if (!b.has(id)) onlyA = Math.max(onlyA, id);
  for (const id of b) if (!a.has(id)) onlyB = Math.max(onlyB, id);
  return shares(a, b) && onlyA <= onlyB;
}

/** runtime/proc.go _GoidCacheBatch: each P takes goroutine ids 16 at a time, so a goroutine started
 *  later on a P still holding an older batch gets an id below one started earlier on another P. A
 *  few such newcomers (a drained surge's last ids above a later dump's first new ones) are normal;
 *  more than a batch's worth cannot come from cached ids. */
const GOID_BATCH = 16;

/** Whether the ids rule out `b` after `a`: more goroutines only `b` holds are older than the newest
 *  goroutine only `a` holds than Go's per-P id batches can explain. */
function ruledOut(a: Set<number>, b: Set<number>): boolean {
  return !shares(a, b) || lowNewcomers(a, b) > GOID_BATCH;
}

function shares(a: Set<number>, b: Set<number>): boolean {
  for (const id of b) if (a.has(id)) return true;
  return false;
}

/** Goroutines only `b` holds whose id is below the newest id only `a` holds. */
function lowNewcomers(a: Set<number>, b: Set<number>): number {
  let onlyA = 0;
  for (const id of a) if (!b.has(id)) onlyA = Math.max(onlyA, id);
  let n = 0;
  for (const id of b) if (!a.has(id) && id < onlyA) n++;
  return n;
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/**
 * Untimed debug=2 snapshots (`capturedAt` null), oldest first as given. Kept as given (no note) when
 * the ids fit it exactly, or strain it only as much as Go's per-P id batches explain and no single
 * other order fits them exactly (measured on the fixture programs: a quarter of pairs given in order
 * show such strain, e.g. a drained surge's last ids above a later dump's first new ones). Reordered,
 * with a note, when exactly one other order fits exactly, or when the ids rule the order given out
 * (then the order they strain least; on a tie, the order given reversed). A note and the order given
 * when ids fit no order or several. Input unchanged and no note when a snapshot has no ids, has a
 * capture time, or was truncated. With `givenInOrder` (the caller's own evidence of the order), kept
 * as given unless the ids rule it out. Pure; throws nothing. Source: runtime/proc.go newproc1 and
 * _GoidCacheBatch (goid allocation).
 */
export function orderUntimed(input: Snapshot[], opts: { givenInOrder?: boolean } = {}): SeriesOrder {
  const usable = input.length >= 2 && input.every((s) => s.capturedAt === null && s.format === 'debug2' && !s.truncated && (s.maxId ?? 0) > 0);
  if (!usable) return { series: input, note: null };
  const ids = new Map(input.map((s) => [s, idsOf(s)]));
  const pairs = (list: Snapshot[]) => list.slice(1).map((b, i) => [ids.get(list[i]!)!, ids.get(b)!] as const);
  const fits = (list: Snapshot[]) => pairs(list).every(([a, b]) => follows(a, b));
  const possible = (list: Snapshot[]) => pairs(list).every(([a, b]) => !ruledOut(a, b));
  if (fits(input) && possible(input)) return { series: input, note: null };
  const candidates = input.length <= MAX_PERMUTED ? permutations(input) : [[...input].sort((a, b) => a.maxId! - b.maxId!)];
  const position = (s: Snapshot) => input.indexOf(s) + 1;
  const asGiven = (c: Snapshot[]) => c.every((s, i) => s === input[i]);
  // Orders the ids do not rule out; of those, the ones they fit exactly.
  const others = candidates.filter((c) => !asGiven(c) && possible(c));
  const exact = others.filter(fits);
  let fitting: Snapshot[][];
  // The caller saw the order given elsewhere too (files saved in that order): a strain Go's per-P id
  // batches explain does not outweigh it. A surge that drained between two captures leaves the later
  // dump almost nothing new (its 2 new goroutines took ids a P had cached since before the surge,
  // below the surge's exited ones), and read backwards that drained surge fits exactly: a leak that
  // kept all and added 224 (realdeps5's errgroup batch, saved oldest first).
  if (opts.givenInOrder && possible(input)) return { series: input, note: null };
  if (possible(input)) {
    // The ids strain the order given a little (batches explain it): reorder only when exactly one
    // other order fits them exactly; otherwise the strain is noise and the order given stands.
    if (exact.length !== 1) return { series: input, note: null };
    fitting = exact;
  } else if (exact.length > 0) {
    fitting = exact;
  } else {
    // The order given is ruled out and no order fits exactly: take the one the ids strain least
    // (fewest newcomers older than a departure); on a tie, the order given reversed (newest first
    // is the usual slip).
    const strain = (c: Snapshot[]) => pairs(c).reduce((n, [a, b]) => n + lowNewcomers(a, b), 0);
    const least = Math.min(...others.map(strain));
    const best = others.filter((c) => strain(c) === least);
    const reversed = best.find((c) => c.every((s, i) => s === input[input.length - 1 - i]));
    fitting = best.length === 1 ? best : reversed ? [reversed] : best;
  }
  if (fitting.length === 1) {
    const series = fitting[0]!;
    return {
      series,
      note: `capture times unknown, and goroutine ids say the dumps were given out of order (as given, goroutines that exited between two dumps would be newer than the ones the later dump added): compared in the order ${series.map(position).join(', ')}; if they were oldest first, this order is wrong`,
    };
  }
  if (fitting.length === 0) {
    return {
      series: input,
      note: 'capture times unknown and goroutine ids fit no order of one process (a restart between the dumps, or dumps of different processes?): survivors and departures by id may mislead',
    };
  }
  return {
    series: input,
    note: `capture times unknown and goroutine ids say the dumps were not given oldest first, but fit several orders: compared as given; pass them oldest first`,
  };
}
