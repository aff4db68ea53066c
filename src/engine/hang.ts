// Hangs: a process or test that cannot proceed. Not a leak (nothing piles up), so its own kind of
// finding, read from the latest snapshot: the crash preamble Go printed (Snapshot.crash, parse/crash.ts)
// when the input has one, else the frames alone (a paste of the goroutines only):
// - deadlock: `fatal error: all goroutines are asleep - deadlock!` (runtime/proc.go checkdead); without
//   the preamble, what checkdead sees: no goroutine running, runnable, in a syscall, a network wait or a
//   sleep, and main parked. A dump with another preamble (a SIGQUIT, a panic) is no deadlock;
// - test timeout: `panic: test timed out after …` is raised by the alarm goroutine
//   testing.(*M).startAlarm.func1 (src/testing/testing.go); the stuck test is the tRunner goroutine
//   parked in the test's own code, else the one still sleeping, doing I/O or running in it;
// - a lock: a few goroutines parked on one for an hour or more, or — in a dump taken with SIGQUIT, which
//   someone sends to a process that looks stuck — parked on one while a goroutine inside a method of
//   the same type waits elsewhere (holding the lock across a wait), however short the wait so far;
// - a recursive read lock (debug=2): a reader inside a method that took an RWMutex's read lock asks for
//   it again while a writer waits in Lock. sync.RWMutex blocks new readers once a writer waits, so the
//   second RLock waits for the writer, which waits for the first (src/sync/rwmutex.go: "this prohibits
//   recursive read locking"), and every reader after it queues behind: no wait time needed.
import type { BlockKind, Crash, Frame, Hang, Snapshot, StackGroup } from './model.js';
import { isStdFrame, readGroup } from './patterns.js';

/** Minutes a lone lock waiter must have waited to be named. */
export const LOCK_HANG_MIN = 60;
/** From this many waiters on, a lock pile is judged as a possible leak, not as a hang. */
const MIN_LOCK_PILE = 5;

const AWAKE = new Set<BlockKind>(['running', 'runnable', 'syscall', 'net-io', 'file-io', 'sleep']);
const PARKED = new Set<BlockKind>([
  'chan-send', 'chan-recv', 'nil-chan', 'select', 'select-nocases', 'waitgroup', 'mutex', 'rwmutex', 'cond', 'semaphore', 'sync-other',
]);
const LOCKS = new Set<BlockKind>(['mutex', 'rwmutex', 'semaphore']);

const has = (g: StackGroup, re: RegExp) => g.frames.some((f) => re.test(f.func));
const ALARM = /^testing\.\(\*M\)\.startAlarm(\.func\d+)?$/;
const TRUNNER = /^testing\.tRunner$/;
const RUNNER = /^testing\.(\(\*T\)\.Run|runTests|\(\*M\)\.Run)$/;

/** Hangs in one snapshot, most severe first. Pure. */
export function findHangs(snap: Snapshot): Hang[] {
  const out: Hang[] = [];
  const groups = snap.groups;
  const crash = snap.crash ?? null;
  if (crash?.kind === 'test-timeout' || groups.some((g) => has(g, ALARM))) {
    // The test's own goroutine: tRunner runs the test function directly (the runner's goroutines sit
    // in testing.(*T).Run / runTests instead).
    const stuck = groups.filter((g) => has(g, TRUNNER) && PARKED.has(g.kind) && !has(g, RUNNER) && g.frames.some((f) => !isStdFrame(f)));
    for (const g of stuck.slice(0, 3)) out.push(hang(g, 'test-timeout', `test timed out: ${testName(g) ?? 'a test'} is stuck in ${waitName(g)}`, 0));
    if (stuck.length === 0) {
      const parked = groups.find((g) => has(g, TRUNNER) && PARKED.has(g.kind) && !has(g, RUNNER));
      if (parked) out.push(hang(parked, 'test-timeout', `test timed out: ${testName(parked) ?? 'a test'} is stuck in ${waitName(parked)}`, 0));
      // Not parked: the test sleeps, does I/O or computes past its deadline. Still the one to look at.
      const busy = parked ? undefined : groups.find((g) => has(g, TRUNNER) && !has(g, RUNNER) && g.frames.some((f) => !isStdFrame(f)));
      if (busy) {
        const h = hang(busy, 'test-timeout', `test timed out: ${testName(busy) ?? 'a test'} was still in ${waitName(busy)}, not blocked: it ran past the deadline`, 0);
        h.advice = SLOW_TEST_ADVICE;
        out.push(h);
      }
    }
  } else if (snap.format === 'debug2' && !snap.leakProfile && (crash ? saysDeadlock(crash) && mainOf(groups) !== undefined : isDeadlock(groups))) {
    const main = mainOf(groups)!;
    const others = groups.reduce((n, g) => n + (PARKED.has(g.kind) ? g.count : 0), 0) - 1;
    const h = hang(main, 'deadlock', `all goroutines are asleep (deadlock): main is stuck in ${waitName(main)}`, Math.max(0, others));
    const asleep = asleepWith(main, groups);
    if (asleep.length > 0) h.asleepWith = asleep;
    out.push(h);
  }
  out.push(...readLockRecursions(snap));
  const stopped = crash?.kind === 'signal';
  // Goroutines parked at one lock site, whatever called it, are one hang; main speaks for them when it is
  // one of them (it is the goroutine that cannot proceed), else the longest waiter.
  const main = mainOf(groups);
  const bySite = new Map<string, StackGroup[]>();
  for (const g of groups) {
    if (!LOCKS.has(g.kind) || readGroup(g).pattern !== 'lock-never-released') continue;
    const site = readGroup(g).site;
    const key = site ? `${site.func} ${site.file}:${site.line}` : g.key;
    bySite.set(key, [...(bySite.get(key) ?? []), g]);
  }
  for (const list of bySite.values()) {
    const count = list.reduce((n, g) => n + g.count, 0);
    // A few goroutines on one lock for an hour: a holder never let go. A crowd is a leak finding instead.
    if (count >= MIN_LOCK_PILE) continue;
    const wait = Math.max(...list.map((g) => g.waitMinutes?.max ?? 0));
    const g = list.find((x) => x === main) ?? list.find((x) => (x.waitMinutes?.max ?? 0) === wait)!;
    const long = wait >= LOCK_HANG_MIN;
    const holder = likelyHolder(g, groups);
    if (!long && !(stopped && holder)) continue;
    if (out.some((h) => h.goroutineId !== null && h.goroutineId === g.exampleId)) continue;
    const who = g === main ? (count === 1 ? 'main has' : `main and ${count - 1} other goroutine${count > 2 ? 's' : ''} have`) : count === 1 ? 'one goroutine has' : `${count} goroutines have`;
    const title = long
      ? `${who} waited ${wait} min in ${waitName(g)}`
      : `${who.replace(/ has$| have$/, '')} ${count === 1 ? 'was' : 'were'} waiting in ${waitName(g)} when the process was stopped with ${crash!.signal}`;
    const h = hang(g, 'lock-held', title, count - 1);
    h.waitMinutes = long ? wait : h.waitMinutes;
    if (holder) {
      h.holder = { goroutineId: holder.exampleId, state: holder.state, site: readGroup(holder).site };
      h.title += `; ${shortName(readGroup(holder).site?.func ?? '')} (goroutine ${holder.exampleId}, ${holder.state}) works on the same type and likely holds it`;
    }
    out.push(h);
  }
  if (crash) for (const h of out) h.crash = crash;
  return out;
}

const RLOCK = /^sync\.\(\*RWMutex\)\.RLock$/;
const WLOCK = /^sync\.\(\*RWMutex\)\.Lock$/;

/** The frame that called the RWMutex method matching `op` (its next frame out), and its index; null
 *  when the stack does not call it. */
function callerOf(g: StackGroup, op: RegExp): { frame: Frame; at: number } | null {
  const i = g.frames.findIndex((f) => op.test(f.func));
  const frame = i >= 0 ? g.frames[i + 1] : undefined;
  return frame ? { frame, at: i + 1 } : null;
}

/** Recursive read locks that a waiting writer turned into a deadlock (see the file comment): a group
 *  parked in RLock called from a method of type T whose stack, further out, holds a method F of T at a
 *  line past the one where other goroutines wait in F's own RLock (F took the read lock and is still
 *  inside: `defer mu.RUnlock()`), while a goroutine waits in Lock called from a method of T and no
 *  goroutine runs, sleeps or does I/O in a method of T (a reader still at work would make it a convoy).
 *  A reader parked in RLock while it holds a read lock means a writer waits on its lock, which can
 *  never be granted. debug=2 only (lines for every waiter). GoKer's Cockroach6181 is this bug. */
function readLockRecursions(snap: Snapshot): Hang[] {
  if (snap.format !== 'debug2') return [];
  const groups = snap.groups;
  const writers = groups.filter((g) => g.kind === 'rwmutex' && callerOf(g, WLOCK) !== null);
  if (writers.length === 0) return [];
  const readers = groups.filter((g) => g.kind === 'rwmutex' && callerOf(g, RLOCK) !== null);
  // Where each function takes the read lock itself: function → the lines of its RLock calls.
  const takes = new Map<string, number[]>();
  for (const g of readers) {
    const c = callerOf(g, RLOCK)!.frame;
    takes.set(c.func, [...(takes.get(c.func) ?? []), c.line]);
  }
  const out: Hang[] = [];
  for (const g of readers) {
    const { frame: inner, at } = callerOf(g, RLOCK)!;
    const type = receiverOf(inner.func);
    if (type === null) continue;
    // F further out, a method of the same type, stopped past a line where F takes the read lock.
    const outer = g.frames.slice(at + 1).find((f) => receiverOf(f.func) === type && (takes.get(f.func) ?? []).some((line) => line > 0 && f.line > line));
    const writer = outer && writers.map((w) => ({ g: w, frame: callerOf(w, WLOCK)!.frame })).find((w) => receiverOf(w.frame.func) === type);
    // A reader of the type still at work (running, asleep, in I/O) may be the one the writer waits
    // for, and outer may have unlocked before its call: a convoy that clears, not a deadlock.
    const moving = groups.some((o) => AWAKE.has(o.kind) && o.frames.some((f) => receiverOf(f.func) === type));
    if (!outer || !writer || moving) continue;
    const queued = readers.filter((r) => r !== g && receiverOf(callerOf(r, RLOCK)!.frame.func) === type).reduce((n, r) => n + r.count, 0);
    const h = hang(g, 'read-lock-recursion', `deadlock: ${shortName(outer.func)} holds a read lock of ${shortName(type)} and asks for it again in ${shortName(inner.func)}, while ${shortName(writer.frame.func)} waits in Lock: every RLock now waits (${queued} goroutine${queued === 1 ? '' : 's'})`, queued);
    h.holder = { goroutineId: g.exampleId, state: g.state, site: outer };
    h.writer = { goroutineId: writer.g.exampleId, site: writer.frame };
    out.push(h);
  }
  return out;
}

/** Most stacks named beside main in a deadlock (Hang.asleepWith). */
const MAX_ASLEEP_WITH = 3;

/** The other parked stacks of a deadlock that run the service's code: locks first (a goroutine parked on
 *  a Lock is the usual reason the rest cannot go on), then the bigger piles. */
function asleepWith(main: StackGroup, groups: StackGroup[]): NonNullable<Hang['asleepWith']> {
  return groups
    .filter((g) => g !== main && PARKED.has(g.kind) && readGroup(g).site !== null)
    .sort((a, b) => Number(LOCKS.has(b.kind)) - Number(LOCKS.has(a.kind)) || b.count - a.count)
    .slice(0, MAX_ASLEEP_WITH)
    .map((g) => ({ goroutineId: g.exampleId, count: g.count, state: g.state, site: readGroup(g).site! }));
}

/** The main goroutine's group: goroutine 1, else the one running main.main. */
function mainOf(groups: StackGroup[]): StackGroup | undefined {
  return groups.find((g) => g.exampleId === 1) ?? groups.find((g) => has(g, /^main\.main$/));
}

/** The runtime's own deadlock report (runtime/proc.go checkdead). */
const saysDeadlock = (c: Crash) => c.kind === 'fatal' && /^all goroutines are asleep/.test(c.message);

const shortName = (func: string) => func.slice(func.lastIndexOf('/') + 1);

/** `main.(*config)` for `main.(*config).get`: the receiver type of a method, null for a plain func. */
function receiverOf(func: string): string | null {
  const m = /^(.*\.\(\*?[^)]+\))\./.exec(func);
  return m ? m[1]! : null;
}

/** A goroutine parked elsewhere (not on a lock) inside a method of the same type as the waiters' site:
 *  the usual holder of a lock that is never released (a method that locks, then waits on a channel). */
function likelyHolder(waiters: StackGroup, groups: StackGroup[]): StackGroup | null {
  const site = readGroup(waiters).site;
  const type = site ? receiverOf(site.func) : null;
  if (!type) return null;
  for (const g of groups) {
    if (g === waiters || LOCKS.has(g.kind) || !PARKED.has(g.kind)) continue;
    if (g.frames.some((f) => f.func.startsWith(type + '.'))) return g;
  }
  return null;
}

/** What checkdead sees: nothing awake, main (goroutine 1) parked on a channel or sync primitive. */
function isDeadlock(groups: StackGroup[]): boolean {
  if (groups.length === 0 || groups.some((g) => AWAKE.has(g.kind))) return false;
  const main = groups.find((g) => g.exampleId === 1 || has(g, /^main\.main$/));
  if (main === undefined || !PARKED.has(main.kind)) return false;
  // A test binary's main waits in the testing package for its tests' goroutines: without one of them
  // in sight the paste is a part (a leak checker's list of goroutine 1), not every goroutine asleep.
  const waitsForTests = main.frames.find((f) => !f.func.startsWith('runtime.'))?.func.startsWith('testing.') ?? false;
  return !waitsForTests || groups.some((g) => g.frames.some((f) => TRUNNER.test(f.func)) && g !== main);
}

/** `sync.(*WaitGroup).Wait` when the frames show the call (Go 1.19 only says "semacquire"), else the state. */
function waitName(g: StackGroup): string {
  const std = readGroup(g).stdSite;
  return std ? std.func : g.state;
}

/** The test function: the frame just inside testing.tRunner. */
function testName(g: StackGroup): string | null {
  const i = g.frames.findIndex((f) => TRUNNER.test(f.func));
  const f = i > 0 ? g.frames[i - 1] : undefined;
  return f ? f.func.slice(f.func.lastIndexOf('/') + 1) : null;
}

const SLOW_TEST_ADVICE =
  'The test was not blocked: it slept, waited on I/O or computed when the deadline hit. Look at the line: a ' +
  'sleep or poll loop that waits for a condition that never comes needs a deadline of its own; a slow test ' +
  'needs a larger -timeout or a smaller input.';

const ADVICE: Record<Hang['reason'], string> = {
  deadlock:
    'Every goroutine waits for another: find who should have sent, closed, unlocked or called Done for the ' +
    'wait named here (an early return, a missing close, a lock taken twice or in the wrong order).',
  'test-timeout':
    'The test waits for something that never happens: usually a WaitGroup whose Done is skipped on some ' +
    'path, a channel nobody closes, or a lock held by a goroutine that is itself stuck. The goroutine named ' +
    'here is where the test waits; look at what it waits for.',
  'read-lock-recursion':
    'sync.RWMutex prohibits recursive read locking: once a writer waits in Lock, new RLock calls wait for it, ' +
    'including a second RLock by a goroutine that already holds a read lock, and the writer waits for that ' +
    'goroutine. Do not take the lock again inside: split the inner method into a variant that expects the ' +
    'lock held (resolveLocked), or take the lock once at the top. Restarting clears it until the next write.',
  'lock-held':
    'Goroutines wait on this lock and its holder has not released it: an early return between Lock and ' +
    'Unlock, or a lock held across a call that hangs (a channel wait, I/O). Find the goroutine inside the ' +
    'locked section (named here when one is seen); SIGQUIT or debug=2 lists it with its own stack.',
};

function hang(g: StackGroup, reason: Hang['reason'], title: string, others: number): Hang {
  const r = readGroup(g);
  return {
    reason,
    title,
    goroutineId: g.exampleId,
    state: g.state,
    waitMinutes: g.waitMinutes?.max ?? null,
    site: r.site,
    waitsOn: r.stdSite,
    frames: g.frames,
    others,
    advice: ADVICE[reason],
  };
}
