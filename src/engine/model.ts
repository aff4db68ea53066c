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
  /** Address of the lock or Cond the goroutine waits for, when debug=2 prints it exactly
   *  (`sync.(*Mutex).lockSlow(0xc0000140e8)`, `sync.runtime_notifyListWait(0xaa1090, 0xf2)`); absent otherwise. */
  waitObject?: number;
  /** A Cond waiter's ticket (`sync.runtime_notifyListWait(l, 0xf2)`): Cond.Wait draws them in order,
   *  Signal and Broadcast wake them in order (runtime/sema.go). Absent unless printed exactly. */
  waitTicket?: number;
  /** A 20-bit hash of the argument list debug=2 prints for the goroutine's innermost frame outside
   *  package runtime and sync's park hooks that prints a value Go does not mark uncertain
   *  (`main.pollHandler({0x7f…, 0xc000128000}, 0xc00012e000)`; an inlined frame's `(...)`, a frame
   *  whose every value ends in `?` and one with no arguments are passed over: intern.ts hashArgs). A goroutine parked
   *  in one call keeps its arguments; one that returned and parked again at the same line (a
   *  keep-alive connection's goroutine serving its next request) shows the next call's. Absent
   *  outside debug=2. */
  callArgs?: number;
  /** The same argument list's values one by one (intern.ts hashArgs, sameArgWords), beside callArgs:
   *  a goroutine that changed fewer than half of them is still in the same call. */
  argWords?: number;
  /** For a receive the aggregated formats name: `once` for a one-shot `<-ch` (runtime.chanrecv1),
   *  `loop` for `v, ok := <-ch` and `for range ch` (runtime.chanrecv2); absent when unknown (debug=2
   *  hides the runtime frames, debug=1 tells only when its PCs do: see parse/chanops.ts). */
  recv?: RecvForm;
}

/** Which receive wrapper a goroutine parked through (runtime/chan.go chanrecv1 / chanrecv2). */
export type RecvForm = 'once' | 'loop';

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
  /** When goroutines of this stack were started from more than one place: each creator frame and how
   *  many it started, most first (createdBy is the first). Absent when there is one. */
  createdBySites?: Array<{ frame: Frame; count: number }>;
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
  /** Those creator ids, ascending (absent with distinctCreators). */
  creatorIds?: number[];
  /** Of those creators, how many are still in the dump (a live creator: a pool's owner, a loop). */
  liveCreators?: number;
  /** Of those creators, how many are goroutines of this same group: a chain or tree of goroutines each
   *  waiting on the one it started, which unwinds when its tail does. */
  selfCreators?: number;
  /** Of the live creators, how many are still inside the function that started this group's
   *  goroutines (it is on their stack, or their stack is elided). A creator that has returned from it
   *  and runs on elsewhere left these goroutines behind, as a finished request leaves its orphans. */
  creatorsInCall?: number;
  /** Live creators whose stack runs code of the dependency module (modules.ts) that holds the
   *  function that started these goroutines: still using the library that started them on their
   *  behalf (reading the stream it opened, waiting on the subscription). 0 when a creator is not. */
  creatorsInModule?: number;
  /** Of its goroutines, how many were started by a goroutine now parked for good (`select {}` or a
   *  nil channel, as a service's main ends once it has started everything): a set made before that
   *  creator parked, to which it can add nothing. Absent when none. */
  byParkedCreators?: number;
  /** For a group whose frames are all library code (the standard library's or a dependency's) and
   *  whose creator is a library function too: the innermost frame of the service's own code on the
   *  stacks of the live goroutines that started it: the frame whose creators started the most of its
   *  goroutines, how many goroutines (of `count`) and creators that is (e.g. the loop that opened the
   *  gRPC streams these watch). Absent when no live creator shows one. */
  startedFrom?: { frame: Frame; goroutines: number; creators: number };
  /** Goroutines started by the very function they run (`created by F` under a stack whose entry is F):
   *  a chain or tree of goroutines, told without creator ids (Go ≤ 1.20). Absent when none. */
  selfStarted?: number;
  /** Goroutines whose lock address debug=2 printed, and how many distinct locks they wait for: a
   *  convoy is many waiters on one lock; N goroutines on N locks are each stuck on their own. */
  waitObjects?: { goroutines: number; distinct: number };
  /** Cond waiters' tickets (Goroutine.waitTicket): the lowest, how many goroutines printed one, and the
   *  Cond's address when they all wait on one (else null), or every Cond's address (ascending, at most
   *  256) when each waits on a Cond of its own. A lowest ticket of N on one Cond means N earlier waits
   *  on it drew lower tickets. */
  condTickets?: { min: number; goroutines: number; object: number | null; objects?: number[] };
  /** The receive form its goroutines parked through (see Goroutine.recv); absent when unknown. */
  recv?: RecvForm;
  /** Goroutine ids of the group, ascending (debug=2 only): identity across snapshots and the pile's
   *  place in the process's id history (Go hands ids out in creation order, runtime/proc.go newproc1). */
  ids?: number[];
  /** Per goroutine of `ids`, its id and call (Goroutine.callArgs) in one number, id × 2^21 + hash
   *  (2^20 + 0 without arguments), in the order read: the same id in the same call across snapshots is
   *  the same wait (debug=2 only). */
  calls?: number[];
  /** Per entry of `calls`, the goroutine's argWords (0 without arguments). */
  argWords?: number[];
}

/** What Go printed before the goroutines of a crash, fatal error, signal dump or test timeout: why the
 *  process stopped. Sources: runtime/panic.go (printpanics, dopanic_m, fatalthrow),
 *  runtime/signal_unix.go (sighandler), src/testing/testing.go ((*M).startAlarm). */
export interface Crash {
  /** `panic: …`, `fatal error: …`, a signal dump (`SIGQUIT: quit`), or `panic: test timed out after …`. */
  kind: 'panic' | 'fatal' | 'signal' | 'test-timeout';
  /** Go's words after `panic: ` / `fatal error: `, or the signal line itself (`SIGQUIT: quit`); ≤ 500 chars. */
  message: string;
  /** The signal: `SIGSEGV` of a `[signal SIGSEGV: …]` note, or the one that stopped the process; else null. */
  signal: string | null;
  /** The goroutine that panicked (Go prints it first, `[running]`); null for a deadlock or a signal dump. */
  goroutineId: number | null;
  /** Tests still running when `go test -timeout` fired (Go ≥ 1.20 lists them). */
  tests?: string[];
  /** Where the panicking goroutine stopped: its first frame outside the runtime. */
  at?: Frame;
}

export interface Snapshot {
  format: DumpFormat;
  /** The crash preamble, when the input was a crash, fatal error, signal or test-timeout output. */
  crash?: Crash;
  /** True when the input came from /debug/pprof/goroutineleak (its `(leaked)` marks are precise). */
  leakProfile: boolean;
  /** True when the input was go.uber.org/goleak's failure report (`found unexpected goroutines`): every
   *  goroutine in it outlived its test, a leak by goleak's definition. */
  goleak?: boolean;
  /** Milliseconds since epoch, when the capturer knows it; the engine never reads a clock. */
  capturedAt: number | null;
  /** When the input itself says it was taken, ms since epoch: profile.proto's time_nanos (Go stamps
   *  every profile it writes). Never used as capturedAt by the engine; a caller that has no capture
   *  time of its own (the CLI reading files) may adopt it. */
  profileTime?: number;
  total: number;
  groups: StackGroup[];
  /** Input ended mid-goroutine or hit Go's 64 MiB debug=2 cap: analysed as far as it goes. */
  truncated: boolean;
  warnings: string[];
  /** Highest goroutine id in the dump (debug=2): how many goroutines the process has started, roughly. */
  maxId?: number;
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
  | 'listener-never-closed'
  | 'event-loop-never-stopped'
  | 'tls-handshake-no-deadline'
  | 'http-call-no-timeout'
  | 'pool-exhausted'
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
  /** The blocking frame in the service's own code (outside the standard library and its dependencies;
   *  a dependency's frame when the goroutine runs nothing else: patterns.ts userSite). */
  site: Frame | null;
  /** The library frame (standard library or dependency) that explains the wait: the call the site
   *  made (e.g. grpc's RecvMsg), or net/http.(*persistConn).readLoop for an unclosed body. */
  stdSite: Frame | null;
  createdBy: Frame | null;
  /** StackGroup.createdBySites of the latest snapshot: every place this stack was started from, most
   *  first, when there is more than one. */
  createdBySites?: Array<{ frame: Frame; count: number }>;
  /** StackGroup.startedFrom: where in the service's code the live creators of a library-only pile
   *  are (the code that asked the library for them). */
  startedFrom?: { frame: Frame; goroutines: number; creators: number };
  /** A lock pile's likely holder in sight, parked on something else while it holds the lock
   *  (lock-holders.ts parkedHolder): where to look instead of the Lock the pile waits at. */
  heldBy?: ParkedHolder;
  /** Other findings blocked in the same function of the service (site.func) at other lines, in list
   *  order: one function that leaks at several operations (sends at lines 386, 395, 400) reads as one
   *  place to fix. `finding`: its 1-based position in the full, uncut list; `goroutines`: its count. */
  sameFunction?: Array<{ line: number; goroutines: number; finding: number }>;
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
  /** Optional only so adapters' hand-made Findings stay valid; the engine always sets the four below.
   *  The evidence table rows that applied (verdict.ts EVIDENCE), strongest first; `points` summed
   *  give the confidence. */
  evidence?: EvidenceItem[];
  /** Goroutine identity across the series (debug=2 ids), oldest → latest; null without ids. */
  identity?: Identity | null;
  /** Where the pile sits in the process's id history, from the latest snapshot; null without ids. */
  shape?: PileShape | null;
  /** Every call path merged into this finding, with the frame that tells it apart (length 1 when not merged). */
  paths?: CallPath[];
  /** Piles of the same library objects folded into this finding (companions.ts): more goroutines
   *  the objects it speaks for run (a client's workers beside its controller). Absent when none. */
  companions?: { func: string; state: string; count: number; confidence: Confidence }[];
}

/** A lock pile's likely holder, parked: goroutines inside the code that takes the lock (the function
 *  that called Lock, or another method of its type, not all the way to their entry function; `inside`:
 *  the innermost such frame) that waited on something else from there (`kind`, `state`) at `at` (their innermost frame of the service's
 *  code, else a dependency's) — a send under a lock whose receiver has gone, a reply awaited with the
 *  lock held, another lock taken in the wrong order. `goroutines`: how many such goroutines share that
 *  stack; `id`: one goroutine's id (debug=2), else null. */
export interface ParkedHolder {
  goroutines: number;
  id: number | null;
  kind: BlockKind;
  state: string;
  at: Frame;
  inside: Frame;
}

/** One applied row of the evidence table. */
export interface EvidenceItem {
  signal: SignalId;
  points: number;
  /** Why, in the user's words ("kept all 26 goroutines of the first snapshot and added 25"). */
  text: string;
}

export type SignalId =
  | 'leak-mark'
  | 'goleak'
  | 'kept-and-added'
  | 'kept-and-added-batch'
  | 'grew-every-step'
  | 'grew'
  | 'grew-wait'
  | 'kept-all'
  | 'in-flight'
  | 'moved-in'
  | 'consumer-busy'
  | 'plateau'
  | 'held-still'
  | 'flowing'
  | 'settled'
  | 'turned-over'
  | 'drained'
  | 'per-request'
  | 'per-connection'
  | 'recent'
  | 'young'
  | 'young-kept'
  | 'cond-signalled'
  | 'holder-busy'
  | 'holder-stuck'
  | 'no-holder'
  | 'outlived-call'
  | 'creator-returned'
  | 'one-live-creator'
  | 'parked-creator'
  | 'started-first'
  | 'in-library-call'
  | 'kept-most-and-added'
  | 'started-together'
  | 'accumulated'
  | 'accumulated-wait'
  | 'chain'
  | 'sleeping-tail'
  | 'parent-of-sleeper'
  | 'literal-returned'
  | 'one-shot-receive'
  | 'own-locks'
  | 'gc-reachable'
  | 'long-wait'
  | 'intrinsic'
  | 'never-wakes'
  | 'crowd'
  | 'crowd-idle'
  | 'request-scoped'
  | 'clients-gone';

/** Survivors (same id, same group in both), newcomers and departures between the first and the last
 *  snapshot, plus per step of the series. */
export interface Identity {
  survivors: number;
  newcomers: number;
  departures: number;
  /** Per step; `newestLeft`: every goroutine that left was younger (a higher id) than every one that
   *  stayed (calls in flight finishing beside a core that stays); `olderHalfLeft`: every one that left
   *  was in the older half of the pile at the step's start (ids at or below its median: waits that end
   *  in the order they began, like scheduled retries firing). */
  steps: { survivors: number; newcomers: number; departures: number; newestLeft?: boolean; olderHalfLeft?: boolean }[];
}

/** A pile's place in the id history: `spread` = (max id − min id) / the process's max id, `density` =
 *  goroutines / ids in that range. A pool started at once is dense; a leak accumulated over time spreads. */
export interface PileShape {
  minId: number;
  maxId: number;
  processMaxId: number;
  spread: number;
  density: number;
}

/** One call path of a merged finding. `distinct` is the outermost frame of the service's own code that
 *  no other path shares (the function to fix is often there), else the path's site. */
export interface CallPath {
  count: number;
  site: Frame | null;
  distinct: Frame | null;
  createdBy: Frame | null;
  confidence: Confidence;
}

export type HangReason = 'deadlock' | 'test-timeout' | 'lock-held' | 'read-lock-recursion';

/** A process (or test) that cannot proceed: not a leak, its own kind of finding. */
export interface Hang {
  reason: HangReason;
  /** One line: "all goroutines are asleep (deadlock)", "test timed out: TestX stuck". */
  title: string;
  /** The goroutine that cannot proceed: main, the test, or the lone lock waiter. */
  goroutineId: number | null;
  state: string;
  waitMinutes: number | null;
  /** The line of the service's code where it is stuck, and the standard-library call it waits in. */
  site: Frame | null;
  waitsOn: Frame | null;
  frames: Frame[];
  /** Other goroutines asleep with it (deadlock) or waiting on the same lock, or 0. */
  others: number;
  /** Deadlock: the other stacks asleep with it that run the service's code, locks first, at most 3:
   *  one goroutine of each (its id), how many share the stack, their state and the line they wait at.
   *  The cause is usually among them (the Lock main's goroutine waits behind, the send nobody takes). */
  asleepWith?: Array<{ goroutineId: number | null; count: number; state: string; site: Frame }>;
  /** For a lock: the goroutine that likely holds it (parked in a method of the same type), when one is seen;
   *  for a recursive read lock, the reader that holds it and asks again. */
  holder?: { goroutineId: number | null; state: string; site: Frame | null };
  /** A recursive read lock: the writer parked in Lock that makes every RLock wait. */
  writer?: { goroutineId: number | null; site: Frame | null };
  /** What Go printed when it stopped the process (`fatal error: all goroutines are asleep - deadlock!`). */
  crash?: Crash;
  advice: string;
}

export interface SnapshotSummary {
  goroutines: number;
  /** Why the process stopped, when the dump was a crash output (see Crash). */
  crash?: Crash;
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
  /** Groups that grew or shrank or piled up but matched an ignore pattern (--ignore, config `ignore`). */
  ignored?: number;
  /** Findings per confidence before `maxFindings` cut the list: verdicts and exit codes use these. */
  counts?: { high: number; medium: number; low: number; total: number };
  /** Hangs (deadlock, test timeout, a lone lock waiter for hours): never counted as leaks. */
  hangs?: Hang[];
  /** Notes on the series as a whole (dumps given out of order, ids that fit no single process). */
  notes?: string[];
  /** The snapshots were compared as dumps of different processes (AnalyzeOptions.separateProcesses,
   *  or detected): by goroutine counts per stack, without identity. */
  separateProcesses?: true;
}
