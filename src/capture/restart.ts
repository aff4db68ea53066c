// Did a process restart between two captures of the same instance? Comparing two lives of a process
// makes a bogus diff (every pile "new", every goroutine a different one), so a restart starts the
// series over. Pure: the caller hands in what it knows about both captures.
import type { Snapshot } from '../engine/index.js';
import { otherProcess } from '../engine/process.js';

/** What one capture tells about the process's identity. */
export interface ProcessMarks {
  /** Highest goroutine id seen (debug=2 dumps carry ids; proto and debug=1 do not): null when unknown. */
  maxGoroutineId: number | null;
  total: number;
  /** Process start (ms since epoch) from Prometheus's process_start_time_seconds, when known. */
  startTime?: number;
  capturedAt: number;
}

export interface RestartVerdict {
  restarted: boolean;
  /** Why, in words for the thread ("goroutine ids started over (max 4,311 → 27)"). */
  reason: string;
}

/** A start time after the previous capture began is a new process. No slack: leakbot's clock and
 *  the exporter's are NTP-synced (milliseconds apart), while restarts seconds after a capture are
 *  exactly the ones to catch. */
const START_SLACK_MS = 0;
/** Without ids, a drop to under this fraction (and by at least FEW goroutines) is taken as a restart. */
const FAR_FEWER = 0.2;
const FEW = 200;
/** Ids come from per-P batches of 16 (runtime/proc.go, _GoidCacheBatch) and an idle process's
 *  highest live id can fall when a connection goroutine exits: only a drop to under half, by at
 *  least this much, is a reset. */
const ID_DROP = 64;

/** The highest goroutine id of a snapshot (its maxId, else the groups' ids or example ids), or null. Go
 *  hands out ids from a global, ever-increasing counter (runtime/proc.go, goidgen), so within one
 *  life the capture's own handler goroutine carries an id about as high as before, or higher. */
export function maxGoroutineId(s: Pick<Snapshot, 'groups' | 'maxId'>): number | null {
  // The dump's own highest id (debug=2) when known: one example id per group can be a pile's lowest
  // id, and then a transient high-id goroutine (a connection) leaving looked like ids starting over.
  if (typeof s.maxId === 'number') return s.maxId;
  let max: number | null = null;
  for (const g of s.groups) {
    const top = g.ids?.length ? g.ids[g.ids.length - 1]! : g.exampleId;
    if (top !== null && (max === null || top > max)) max = top;
  }
  return max;
}

/**
 * Decides whether `cur` comes from a new life of the process `prev` was captured from. Evidence, in
 * order: Prometheus's process start time after the previous capture; goroutine ids falling to under
 * half, by at least 64 (within a life they only wobble by a per-P batch); only when ids are unknown, a total that fell to under a fifth by at
 * least 200 (a drained pile keeps its ids, so with ids that alone is never a restart).
 */
export function detectRestart(prev: ProcessMarks, cur: ProcessMarks): RestartVerdict {
  const fmt = (n: number) => n.toLocaleString('en-US');
  // Only as positive evidence: Prometheus learns a new start time one scrape late, so an old one
  // proves nothing, and a change alone may be the previous capture's stale value catching up.
  if (cur.startTime !== undefined && cur.startTime > prev.capturedAt + START_SLACK_MS)
    return { restarted: true, reason: `the process started at ${new Date(cur.startTime).toISOString()}, after the previous capture (Prometheus process_start_time_seconds)` };
  if (prev.maxGoroutineId !== null && cur.maxGoroutineId !== null) {
    if (cur.maxGoroutineId * 2 < prev.maxGoroutineId && prev.maxGoroutineId - cur.maxGoroutineId >= ID_DROP)
      return { restarted: true, reason: `goroutine ids started over (highest id ${fmt(prev.maxGoroutineId)} → ${fmt(cur.maxGoroutineId)})` };
    return { restarted: false, reason: '' };
  }
  if (cur.total < prev.total * FAR_FEWER && prev.total - cur.total >= FEW)
    return { restarted: true, reason: `far fewer goroutines (${fmt(prev.total)} → ${fmt(cur.total)}) and no goroutine ids to tell otherwise` };
  return { restarted: false, reason: '' };
}

/**
 * Decides from the dumps themselves whether `cur` is a new life of the process `prev` was captured
 * from, when detectRestart's marks could not tell: a small process that restarts (a crash loop)
 * hands out nearly the same ids again, so its highest id falls by less than a per-P batch would
 * explain. The engine's separate-process test (src/engine/process.ts otherProcess) reads what a new
 * life shows: every goroutine listed under the same id and stack in both dumps prints other call
 * arguments (heap and stack addresses differ per process; a goroutine still parked in one call keeps
 * them). Debug=2 dumps only; false (no restart) when either has no ids or nothing to compare — on Go
 * before 1.26 two runs that start exactly alike may print the same arguments, and then it cannot tell.
 * Pure.
 */
export function restartFromDumps(prev: Snapshot, cur: Snapshot): RestartVerdict {
  if (!otherProcess(prev, cur)) return { restarted: false, reason: '' };
  const ids = prev.maxId !== undefined && cur.maxId !== undefined ? `; highest id ${prev.maxId.toLocaleString('en-US')} → ${cur.maxId.toLocaleString('en-US')}` : '';
  return { restarted: true, reason: `a new process: the goroutines listed under the same ids and stacks as before all show other call arguments${ids}` };
}
