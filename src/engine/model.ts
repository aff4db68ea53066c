// The words the rest of leakbot speaks. Everything here is plain data (JSON-serialisable) so a
// Snapshot can be stored in Redis and a Finding can be rendered anywhere without the engine.

/** One stack frame, innermost first in every list. `func` is the fully qualified Go name
 *  (`main.(*Pool).worker.func1`), `file` the absolute path Go printed, `line` 0 when unknown. */
export interface Frame {
  func: string;
  file: string;
  line: number;
  /** The line number's digits when they exceed 2^53 (hand-edited or corrupt dumps); `line` is then
   *  0. Kept as text so it is never rounded. */
  lineText?: string;
}

/** Blocking kinds every format and Go version is mapped onto (see classify.ts). */
export type BlockKind =
  | 'chan-send'
  | 'chan-recv'
  | 'nil-chan'
  | 'select'
  | 'select-nocases'
  | 'waitgroup'
  | 'mutex'
  | 'rwmutex'
  | 'cond'
  | 'semaphore'
  | 'net-io'
  | 'file-io'
  | 'syscall'
  | 'sleep'
  | 'sync-other'
  | 'running'
  | 'runnable'
  | 'runtime'
  | 'unknown';

export type DumpFormat = 'debug2' | 'debug1' | 'proto';

/** One goroutine (debug=2) or one aggregated record (debug=1, proto) with `count` > 1. */
export interface Goroutine {
  id: number | null; // null for aggregated formats
  count: number;
  /** Wait reason as Go printed it (`chan receive`, `semacquire`), or inferred from frames when
   *  the format carries none (debug=1, proto). */
  state: string;
  stateInferred: boolean;
  kind: BlockKind;
  /** Minutes as printed in the header; null when absent (absent means unknown, not short). */
  waitMinutes: number | null;
  lockedToThread: boolean;
  /** Marked `(leaked)` by Go's GC-based goroutine leak profile: ground truth. */
  leaked: boolean;
  labels: Record<string, string>;
  frames: Frame[];
  framesElided: boolean;
  createdBy: Frame | null;
  /** `created by … in goroutine N` (Go ≥ 1.21); null on older Go or aggregated formats. */
  creatorId: number | null;
}

/** Goroutines sharing a stack signature. */
export interface StackGroup {
  /** Exact signature: kind/state + func+file:line of every frame. */
  key: string;
  /** Coarse signature: no line numbers, closure suffixes folded; survives a redeploy. */
  coarseKey: string;
  state: string;
  stateInferred: boolean;
  kind: BlockKind;
  count: number;
  frames: Frame[];
  framesElided: boolean;
  createdBy: Frame | null;
  waitMinutes: { min: number; max: number } | null;
  /** Label key → distinct values seen (capped). */
  labels: Record<string, string[]>;
  exampleId: number | null;
  /** Goroutines whose creator id is absent from the dump: they outlived what started them. */
  orphans: number;
  /** Goroutines marked `(leaked)` by the Go leak profile. */
  leaked: number;
  lockedToThread: number;
  /** Distinct creator goroutine ids (`created by … in goroutine N`) seen in the group; absent when the
   *  format has none. One creator for many goroutines is a pool; many gone creators is a per-request leak. */
  distinctCreators?: number;
}

export interface Snapshot {
  format: DumpFormat;
  /** True when the input came from /debug/pprof/goroutineleak (its `(leaked)` marks are precise). */
  leakProfile: boolean;
  /** Milliseconds since epoch, when the capturer knows it; the engine never reads a clock. */
  capturedAt: number | null;
  total: number;
  groups: StackGroup[];
  /** Input ended mid-goroutine or hit Go's 64 MiB debug=2 cap: analysed as far as it goes. */
  truncated: boolean;
  warnings: string[];
}

export type Confidence = 'high' | 'medium' | 'low';

export type PatternId =
  | 'chan-send-no-receiver'
  | 'chan-recv-never-closed'
  | 'select-no-cancel'
  | 'select-no-cases'
  | 'nil-chan'
  | 'waitgroup-never-done'
  | 'lock-never-released'
  | 'cond-never-signalled'
  | 'unclosed-http-body'
  | 'net-read-no-deadline'
  | 'sleep-loop'
  | 'blocked-other';

/** A suspected leak site. The JSON contract in issue 2 names the fields that must not be renamed:
 *  state, before, after, delta, frames, createdBy, pattern, advice, score, confidence. */
export interface Finding {
  state: string;
  kind: BlockKind;
  before: number;
  after: number;
  delta: number;
  /** Counts per snapshot, oldest first (length 1 in single-snapshot mode). */
  series: number[];
  growthPerMinute: number | null;
  frames: Frame[];
  /** The blocking frame in the service's own code. */
  site: Frame | null;
  /** The standard-library frame that explains the wait (e.g. net/http.(*persistConn).readLoop). */
  stdSite: Frame | null;
  createdBy: Frame | null;
  waitMinutes: { min: number; max: number } | null;
  orphans: number;
  leaked: number;
  labels: Record<string, string[]>;
  exampleId: number | null;
  pattern: PatternId;
  patternTitle: string;
  advice: string;
  /** Human-readable reasons the score is what it is ("grew 120 → 940", "blocked 37 min"). */
  signals: string[];
  score: number;
  confidence: Confidence;
  groupKey: string;
  coarseKey: string;
}

export interface SnapshotSummary {
  goroutines: number;
  groups: number;
  capturedAt: number | null;
  format: DumpFormat;
  leakProfile: boolean;
  truncated: boolean;
  warnings: string[];
}

/** What the engine hands to renderers and adapters. */
export interface Analysis {
  mode: 'single' | 'diff';
  snapshots: SnapshotSummary[];
  findings: Finding[];
  /** Groups that grew or shrank but were judged benign or noise, for "why not" questions. */
  suppressed: number;
}
