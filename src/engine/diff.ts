// Two or more snapshots → one series per stack group. Groups match by exact key (same frames and
// lines); a group whose exact key is new falls back to its coarse key (no line numbers, closure suffixes
// folded), so a redeploy that shifted lines still lines up with the pile it was before. Both keys
// leave out the runtime frames a goroutine parks in (group.ts), so a debug=2 baseline also lines up
// with a debug=1 or proto capture.
import { callHash, callOf, idOfCall, NO_CALL } from './group.js';
import { sameArgWords } from './intern.js';
import type { Identity, Snapshot, StackGroup } from './model.js';

export interface GroupSeries {
  key: string;
  coarseKey: string;
  /** Count per snapshot, oldest first (0 where the group is absent). */
  counts: number[];
  /** The group as last seen (frames, state, created-by, wait and orphan figures). */
  group: StackGroup;
  /** Index of the snapshot `group` comes from. */
  lastSeen: number;
  before: number;
  after: number;
  delta: number;
  peak: number;
  isNew: boolean;
  vanished: boolean;
  /** Goroutines per minute between the first and the last snapshot; null without capture times. */
  growthPerMinute: number | null;
  /** Survivors, newcomers and departures by goroutine id; null unless every snapshot is debug=2. */
  identity: Identity | null;
  /** Ids of the last step's newcomers that the process started after the previous snapshot (not
   *  goroutines that only moved in from another stack), ascending; null without identity. */
  lastNewcomerIds: number[] | null;
  /** Ids of the pile at the snapshot before the latest, ascending; null without identity. */
  previousIds: number[] | null;
}

interface Building {
  key: string;
  coarseKey: string;
  counts: number[];
  group: StackGroup;
  lastSeen: number;
  /** Goroutine ids per snapshot (empty where absent); null once a snapshot without ids joins. */
  ids: number[][];
  /** The same goroutines' id and call (StackGroup.calls) per snapshot. */
  calls: number[][];
  /** Their argWords, beside calls (StackGroup.argWords). */
  words: number[][];
}

/** Lines the snapshots' stack groups up into series, oldest first. `identity` (default true): split
 *  each series into survivors, newcomers and departures by goroutine id where every snapshot is
 *  debug=2; false for dumps of different processes, whose ids say nothing about each other. Pure. */
export function matchSeries(snaps: readonly Snapshot[], opts: { identity?: boolean } = {}): GroupSeries[] {
  const n = snaps.length;
  const all: Building[] = [];
  const byKey = new Map<string, Building>();
  const byCoarse = new Map<string, Building[]>();
  // Ids are only read for identity (finish: two or more debug=2 snapshots of one process); copying
  // them for one snapshot would walk every goroutine once more for nothing.
  const collectIds = (opts.identity ?? true) && n >= 2;
  const attach = (s: Building, i: number, g: StackGroup) => {
    s.counts[i] = (s.counts[i] ?? 0) + g.count;
    if (collectIds && g.ids) for (let k = 0; k < g.ids.length; k++) s.ids[i]!.push(g.ids[k]!);
    if (collectIds && g.calls) {
      for (let k = 0; k < g.calls.length; k++) {
        s.calls[i]!.push(g.calls[k]!);
        s.words[i]!.push(g.argWords?.[k] ?? 0);
      }
    }
    if (s.lastSeen !== i || g.count > s.group.count) s.group = g;
    s.lastSeen = i;
    byKey.set(g.key, s);
  };

  snaps.forEach((snap, i) => {
    const unmatched: StackGroup[] = [];
    for (const g of snap.groups) {
      const s = byKey.get(g.key);
      if (s) attach(s, i, g);
      else unmatched.push(g);
    }
    for (const g of unmatched) {
      let best = free(byCoarse.get(g.coarseKey), i);
      if (!best) {
        best = {
          key: g.key,
          coarseKey: g.coarseKey,
          counts: new Array<number>(n).fill(0),
          group: g,
          lastSeen: i,
          ids: Array.from({ length: n }, () => []),
          calls: Array.from({ length: n }, () => []),
          words: Array.from({ length: n }, () => []),
        };
        all.push(best);
        listAt(byCoarse, g.coarseKey).push(best);
      }
      best.key = g.key;
      attach(best, i, g);
    }
  });

  return finish(all, snaps, opts.identity ?? true);
}

function listAt<K, V>(m: Map<K, V[]>, k: K): V[] {
  let l = m.get(k);
  if (!l) m.set(k, (l = []));
  return l;
}

/** The candidate seen most recently that has nothing at snapshot i yet. */
function free(candidates: Building[] | undefined, i: number): Building | undefined {
  let best: Building | undefined;
  for (const c of candidates ?? []) if (c.counts[i] === 0 && (!best || c.lastSeen > best.lastSeen)) best = c;
  return best;
}

function finish(all: Building[], snaps: readonly Snapshot[], identity: boolean): GroupSeries[] {
  const n = snaps.length;
  const first = snaps[0]?.capturedAt ?? null;
  const last = snaps[n - 1]?.capturedAt ?? null;
  const minutes = first !== null && last !== null && last > first ? (last - first) / 60_000 : null;
  // Ids mean identity only when every snapshot carries them (debug=2 of one process).
  const withIds = identity && n >= 2 && snaps.every((sn) => sn.format === 'debug2' && (sn.maxId ?? 0) > 0);
  // Every goroutine of the snapshot before the latest: a newcomer absent from all of it was started
  // since (ids are not comparable by size: each P hands out its own batch of 16).
  const previous = withIds ? new Set(snaps[n - 2]!.groups.flatMap((g) => g.ids ?? [])) : null;
  return all.map((s) => {
    const before = s.counts[0] ?? 0;
    const after = s.counts[n - 1] ?? 0;
    return {
      key: s.key,
      coarseKey: s.coarseKey,
      counts: s.counts,
      group: s.group,
      lastSeen: s.lastSeen,
      before,
      after,
      delta: after - before,
      peak: Math.max(...s.counts),
      isNew: before === 0,
      vanished: after === 0,
      growthPerMinute: minutes === null ? null : (after - before) / minutes,
      ...(withIds ? identityOf(s.ids, s.calls, s.words, previous!) : { identity: null, lastNewcomerIds: null, previousIds: null }),
    };
  });
}

/** Same id in the same series at two snapshots = the same goroutine, still parked there — in the same
 *  call, where both snapshots printed its arguments (StackGroup.calls): a goroutine that returned and
 *  parked again at the same line (a keep-alive connection serving its next long poll) is a departure
 *  and a newcomer that moved in, not a survivor. Fewer than half of the call's values changed is the
 *  same call (intern.ts sameArgWords: a parameter reassigned in a loop). */
function identityOf(ids: number[][], calls: number[][], words: number[][], previous: ReadonlySet<number>): { identity: Identity; lastNewcomerIds: number[]; previousIds: number[] } {
  const aligned = calls.every((c, i) => c.length === ids[i]!.length);
  const keys = aligned ? calls : ids.map((l) => l.map((id) => callOf(id, undefined)));
  const sets = keys.map((k, i) => callsById(k, aligned ? words[i]! : []));
  const steps: Identity['steps'] = [];
  let lastNew: number[] = [];
  for (let i = 1; i < keys.length; i++) {
    const prev = sets[i - 1]!;
    const mine = sets[i]!;
    const fresh = keys[i]!.filter((k) => !sameCall(prev, k, mine)).map(idOfCall);
    const survivors = keys[i]!.length - fresh.length;
    const departures = prev.size - survivors;
    const step: Identity['steps'][number] = { survivors, newcomers: fresh.length, departures };
    if (departures > 0 && survivors > 0) {
      let oldestLeft = Infinity;
      let newestLeft = 0;
      for (const k of keys[i - 1]!) {
        if (sameCall(mine, k, prev)) continue;
        oldestLeft = Math.min(oldestLeft, idOfCall(k));
        newestLeft = Math.max(newestLeft, idOfCall(k));
      }
      let newestStayed = 0;
      for (const k of keys[i]!) if (sameCall(prev, k, mine)) newestStayed = Math.max(newestStayed, idOfCall(k));
      if (oldestLeft > newestStayed) step.newestLeft = true;
      // Goroutine ids come in creation order: the older half of the pile is the lower half of its ids.
      const before = keys[i - 1]!.map(idOfCall).sort((a, b) => a - b);
      if (newestLeft <= before[(before.length - 1) >> 1]!) step.olderHalfLeft = true;
    }
    steps.push(step);
    if (i === keys.length - 1) lastNew = fresh.filter((id) => !previous.has(id)).sort((a, b) => a - b);
  }
  const first = sets[0]!;
  const last = keys[keys.length - 1]!;
  const survivors = last.filter((k) => sameCall(first, k, sets[sets.length - 1]!)).length;
  return {
    identity: { survivors, newcomers: last.length - survivors, departures: first.size - survivors, steps },
    lastNewcomerIds: lastNew,
    previousIds: [...(ids[ids.length - 2] ?? [])].sort((a, b) => a - b),
  };
}

/** A goroutine's call: its hash (StackGroup.calls) and its values one by one (argWords, 0 unknown). */
interface Call {
  hash: number;
  words: number;
}

/** StackGroup.calls entries (and their argWords, beside them when known) by goroutine id. */
function callsById(calls: readonly number[], words: readonly number[]): Map<number, Call> {
  const m = new Map<number, Call>();
  for (let k = 0; k < calls.length; k++) m.set(idOfCall(calls[k]!), { hash: callHash(calls[k]!), words: words[k] ?? 0 });
  return m;
}

/** Whether goroutine `call` (id and call hash; `now` holds its argWords) was at `prev` in the same
 *  call; a side that printed no arguments (NO_CALL) matches on the id alone. */
function sameCall(prev: ReadonlyMap<number, Call>, call: number, now: ReadonlyMap<number, Call>): boolean {
  const id = idOfCall(call);
  const was = prev.get(id);
  if (was === undefined) return false;
  const mine = callHash(call);
  if (was.hash === mine || was.hash === NO_CALL || mine === NO_CALL) return true;
  const words = now.get(id)?.words ?? 0;
  return was.words !== 0 && words !== 0 && sameArgWords(was.words, words);
}
