// Per-snapshot indexes the evidence rows consult once per group (the functions on any stack, the
// ids in order, entry functions' totals…): computed on first use and kept with the snapshot object.
import type { Snapshot } from './model.js';

/** `compute` memoised per Snapshot object (a WeakMap: the value goes when the snapshot does). A
 *  computed null or undefined is kept too. */
export function perSnapshot<T>(compute: (snap: Snapshot) => T): (snap: Snapshot) => T {
  const cache = new WeakMap<Snapshot, T>();
  return (snap) => {
    if (cache.has(snap)) return cache.get(snap) as T;
    const value = compute(snap);
    cache.set(snap, value);
    return value;
  };
}
