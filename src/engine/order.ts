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
  let shared = false;
  let onlyA = 0;
  let onlyB = 0;
  for (const id of b) {
    if (a.has(id)) shared = true;
    else onlyB = Math.max(onlyB, id);
  }
  for (const id of a) if (!b.has(id)) onlyA = Math.max(onlyA, id);
  return shared && onlyA <= onlyB;
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** Untimed debug=2 snapshots (`capturedAt` null), oldest first as given. When the ids show the order
 *  given cannot be the order they were taken in, and exactly one other order fits one process, that
 *  order is returned with a note saying so; when none fits, the order given with a note; otherwise the
 *  input unchanged and no note (also when a snapshot has no ids, has a capture time, or was truncated).
 *  Pure; throws nothing. Source: runtime/proc.go newproc1 (goid allocation). */
export function orderUntimed(input: Snapshot[]): SeriesOrder {
  const usable = input.length >= 2 && input.every((s) => s.capturedAt === null && s.format === 'debug2' && !s.truncated && (s.maxId ?? 0) > 0);
  if (!usable) return { series: input, note: null };
  const ids = new Map(input.map((s) => [s, idsOf(s)]));
  const fits = (list: Snapshot[]) => list.slice(1).every((b, i) => follows(ids.get(list[i]!)!, ids.get(b)!));
  if (fits(input)) return { series: input, note: null };
  const candidates = input.length <= MAX_PERMUTED ? permutations(input) : [[...input].sort((a, b) => a.maxId! - b.maxId!)];
  const fitting = candidates.filter(fits);
  const position = (s: Snapshot) => input.indexOf(s) + 1;
  if (fitting.length === 1) {
    const series = fitting[0]!;
    return {
      series,
      note: `capture times unknown, and goroutine ids say the dumps were given out of order (the newest goroutine found in only one of two dumps is in the earlier one): compared in the order ${series.map(position).join(', ')}; if they were oldest first, the newest goroutines exited between them and this order is wrong`,
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
