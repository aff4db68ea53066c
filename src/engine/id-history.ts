// Where a pile's goroutine ids sit in its process's id history. Go hands goroutine ids out in creation
// order (runtime/proc.go newproc1; goidgen grows by 16 per P, _GoidCacheBatch), so the ids of a pile
// tell when its goroutines were started: together (a pool), spread with gaps (piled up over time), at
// two ends of the history (a set made at setup plus a few latecomers), or not lately (settled).
import type { PileShape, StackGroup } from './model.js';

/** Goroutine ids a P takes from the global counter at once (runtime/proc.go _GoidCacheBatch). */
const GOID_BATCH = 16;
/** Share of the process's id history a pile must span to have piled up over time. */
export const SPREAD_MIN = 0.25;

/** Where a group's ids sit in its process's id history; null without ids. */
export function shapeOf(g: Pick<StackGroup, 'ids'>, processMaxId: number | undefined): PileShape | null {
  const ids = g.ids;
  if (!ids || ids.length === 0 || !processMaxId) return null;
  const minId = ids[0]!;
  const maxId = ids[ids.length - 1]!;
  return { minId, maxId, processMaxId, spread: (maxId - minId) / processMaxId, density: ids.length / (maxId - minId + 1) };
}

/** Share of the process's id history that an empty stretch inside a pile must cover for the pile to
 *  read as two ends (twoEnds). */
const EMPTY_STRETCH = 0.4;

/** True when the pile's ids (ascending) sit at two ends of the process's history with nothing in
 *  between: no goroutine of the pile was started during one stretch covering EMPTY_STRETCH or more of
 *  the id history (processMaxId ids). A set started early on plus a few started lately (a library's
 *  per-object goroutines: 5 gossip nodes made at boot and one restarted since; two long-lived clients
 *  and the one a request holds now) spreads its ids that wide without piling up; goroutines a leak
 *  leaves behind call after call fill the history between. The ids after the empty stretch must span
 *  less than a quarter of the history (a few latecomers, not a pile growing since). Needs 3+ ids.
 *  Applied (evidence.ts) to library piles (patterns.ts isLibraryPile) and to piles resting in a wait
 *  pools idle in (a receive, a select, a sleep; not a Cond wait nobody signalled); measured on test/fixtures/dumps/realdeps. */
export function twoEnds(ids: readonly number[], processMaxId: number): boolean {
  if (ids.length < 3 || processMaxId <= 0) return false;
  const last = ids[ids.length - 1]!;
  // The late end is a few recent ones: a pile that began mid-life and spread from there is a pile-up
  // with one early goroutine beside it, not a set plus latecomers.
  for (let i = 1; i < ids.length; i++) if (ids[i]! - ids[i - 1]! >= EMPTY_STRETCH * processMaxId && last - ids[i]! < SPREAD_MIN * processMaxId) return true;
  return false;
}

/** Chance under which a pile still growing would have left the newest stretch of the history empty. */
const SETTLED_CHANCE = 0.01;

/** The newest share of the process's id history (processMaxId ids) that the pile's ids (ascending,
 *  3+) leave empty, when it is wide enough to say the pile stopped growing; null otherwise. n ids
 *  started evenly over the history leave the newest share g empty with chance (1 − g)^n, so the share
 *  must be 1 − SETTLED_CHANCE^(1/n) or more (37 % for 10 ids, 11 % for 40), and a quarter at least. A
 *  set of per-object goroutines made while the service warmed up (a cache per tenant, a node per
 *  peer) stops there; a leak still happening keeps adding among the newest ids. */
export function settledShare(ids: readonly number[], processMaxId: number): number | null {
  if (ids.length < 3 || processMaxId <= 0) return null;
  const empty = (processMaxId - ids[ids.length - 1]!) / processMaxId;
  return empty >= Math.max(SPREAD_MIN, 1 - SETTLED_CHANCE ** (1 / ids.length)) ? empty : null;
}

/** Ids (ascending) that were handed out together: consecutive but for the jumps Go's per-P id cache
 *  makes (runtime/proc.go newproc1: a P takes 16 ids at a time, so one jump per 16 ids at most, and a P
 *  may start with what is left of a batch it took long ago). Goroutines started one per request have a
 *  gap between almost every two ids; a pile started in several bursts (ten runs of a loop that starts
 *  1,000 goroutines and leaves 100) has blocks with wide gaps between them, where the other goroutines
 *  of each run went. A batch is ids 16k+1 … 16k+16 (goidgen grows by 16 from 0), so the cache jumps
 *  only after a multiple of 16, or after 16k+1 in a program linked with cgo (a service built natively
 *  with CGO_ENABLED=1, the default where a C compiler is found) or built for Windows: their runtime
 *  gives its extra M's goroutine one id after main's batch (mstartm0 → oneNewExtraM: goidgen.Add(1)).
 *  A jump anywhere else means the same P started other goroutines in between: the starter stopped (descheduled, or done with one call). One such stop per start is
 *  allowed, and one more per MID_BATCH_PER ids (a long loop is preempted now and then); more say the
 *  pile was started in several goes, even when a quiet process left only a few ids between them. */
export function bunched(ids: readonly number[]): boolean {
  if (ids.length < 3) return false;
  let gaps = 0;
  let wide = 0;
  // Jumps not at a batch end, for batches ending at 16k, and (cgo, Windows) at 16 then 16k+1.
  let mid0 = 0;
  let mid1 = 0;
  for (let i = 1; i < ids.length; i++) {
    const jump = ids[i]! - ids[i - 1]! - 1;
    if (jump > 0) gaps++;
    if (jump > WIDE_JUMP) wide++;
    if (jump > 0 && ids[i - 1]! % GOID_BATCH !== 0) mid0++;
    if (jump > 0 && ids[i - 1]! !== GOID_BATCH && ids[i - 1]! % GOID_BATCH !== 1) mid1++;
  }
  const midBatch = Math.min(mid0, mid1);
  const batches = Math.ceil(ids.length / GOID_BATCH);
  // Each jump skips at most about one other P's batch; piles started at different moments skip more.
  const span = ids[ids.length - 1]! - ids[0]! + 1;
  return gaps <= batches && span <= ids.length + (GOID_BATCH + 2) * batches && wide < BURSTS && midBatch <= 1 + Math.floor(ids.length / MID_BATCH_PER);
}
/** Ids (ascending) that come in runs of consecutive ids (allowing a skipped id or two), BATCH_MIN or
 *  more per run on average: goroutines a loop started a batch at a time, each back to back from its
 *  P's id cache (runtime/proc.go, 16 ids at a time). A finished call's leftovers come 1–3 at a time
 *  (GoKer's leaks on Go 1.19); an autoscaler's batches in a busy process, with request goroutines
 *  started in between, average 5.6–7 per run (eval/noise resize, test/fixtures/dumps/noise-fresh). */
export function inBatches(ids: readonly number[]): boolean {
  if (ids.length < BATCH_MIN) return false;
  let runs = 1;
  for (let i = 1; i < ids.length; i++) if (ids[i]! - ids[i - 1]! > 2) runs++;
  return ids.length >= BATCH_MIN * runs;
}
const BATCH_MIN = 5;
/** A jump wider than two other Ps' batches, and how many of them make a pile several bursts: a leftover
 *  batch and a busy moment while a pool starts account for one or two. */
const WIDE_JUMP = 2 * GOID_BATCH;
const BURSTS = 3;
/** Ids per extra mid-batch jump a single start may show: a pool of 2,000 started in one loop shows one. */
const MID_BATCH_PER = 1000;
