// Two or more snapshots → one series per stack group. Groups match by exact key (same frames and
// lines); a group whose exact key is new falls back to its coarse key (no line numbers, closure suffixes
// folded), so a redeploy that shifted lines still lines up with the pile it was before. Both keys
// leave out the runtime frames a goroutine parks in (group.ts), so a debug=2 baseline also lines up
// with a debug=1 or proto capture.
import type { Snapshot, StackGroup } from './model.js';

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
}

interface Building {
  key: string;
  coarseKey: string;
  counts: number[];
  group: StackGroup;
  lastSeen: number;
}

export function matchSeries(snaps: readonly Snapshot[]): GroupSeries[] {
  const n = snaps.length;
  const all: Building[] = [];
  const byKey = new Map<string, Building>();
  const byCoarse = new Map<string, Building[]>();
  const attach = (s: Building, i: number, g: StackGroup) => {
    s.counts[i] = (s.counts[i] ?? 0) + g.count;
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
        best = { key: g.key, coarseKey: g.coarseKey, counts: new Array<number>(n).fill(0), group: g, lastSeen: i };
        all.push(best);
        listAt(byCoarse, g.coarseKey).push(best);
      }
      best.key = g.key;
      attach(best, i, g);
    }
  });

  return finish(all, snaps);
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

function finish(all: Building[], snaps: readonly Snapshot[]): GroupSeries[] {
  const n = snaps.length;
  const first = snaps[0]?.capturedAt ?? null;
  const last = snaps[n - 1]?.capturedAt ?? null;
  const minutes = first !== null && last !== null && last > first ? (last - first) / 60_000 : null;
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
    };
  });
}
