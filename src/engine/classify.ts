// Wait reasons of every Go version and the runtime frames behind them → one BlockKind, so a
// Go 1.19 `semacquire`, a Go 1.26 `sync.Mutex.Lock` and a proto stack ending in
// sync.(*Mutex).lockSlow all land in the same category.
import type { BlockKind, Frame, RecvForm } from './model.js';

/** Wait reasons (runtime.waitReasonStrings, Go 1.19–1.27) and goroutine statuses with a fixed
 *  kind. `semacquire`, `IO wait`, `syscall` and `waiting` are refined from the frames. */
const STATE_KINDS: Record<string, BlockKind> = {
  'chan receive': 'chan-recv',
  'chan send': 'chan-send',
  'chan receive (nil chan)': 'nil-chan',
  'chan send (nil chan)': 'nil-chan',
  select: 'select',
  'select (no cases)': 'select-nocases',
  'sync.WaitGroup.Wait': 'waitgroup',
  'sync.Mutex.Lock': 'mutex',
  'sync.RWMutex.RLock': 'rwmutex',
  'sync.RWMutex.Lock': 'rwmutex',
  'sync.Cond.Wait': 'cond',
  sleep: 'sleep',
  running: 'running',
  runnable: 'runnable',
  preempted: 'runnable',
  'synctest.Run': 'sync-other',
  'synctest.Wait': 'sync-other',
  coroutine: 'sync-other',
};

const RUNTIME_STATES = new Set([
  'GC assist marking', 'GC assist wait', 'GC sweep wait', 'GC scavenge wait', 'GC worker (idle)',
  'GC worker (active)', 'GC mark termination', 'GC weak to strong wait', 'finalizer wait',
  'force gc (idle)', 'GOMAXPROCS updater (idle)', 'timer goroutine (idle)', 'trace reader (blocked)',
  'wait for GC cycle', 'dumping heap', 'garbage collection', 'garbage collection scan', 'panicwait',
  'debug call', 'stopping the world', 'flushing proc caches', 'trace goroutine status',
  'trace proc status', 'page trace flush', 'cleanup wait', 'idle', 'dead', 'copystack',
]);

/** States whose kind depends on the frames beneath them. */
const REFINED_STATES = new Set(['semacquire', 'IO wait', 'syscall', 'waiting']);

export interface Classification {
  kind: BlockKind;
  /** Go's own words for the wait (printed, or inferred from the frames). */
  state: string;
  /** Receive form, when the frames name the wrapper (proto lists runtime.chanrecv1/chanrecv2). */
  recv?: RecvForm;
}

/** Kind of a wait reason as Go printed it (`(durable)` and `(leaked)` suffixes ignored); null when
 *  the reason alone does not tell (see REFINED_STATES) or is unknown to us. */
export function kindOfState(state: string): BlockKind | null {
  const base = stripSuffixes(state);
  const k = STATE_KINDS[base];
  if (k !== undefined) return k;
  if (RUNTIME_STATES.has(base)) return 'runtime';
  return null;
}

function stripSuffixes(state: string): string {
  let s = state;
  for (;;) {
    if (s.endsWith(' (durable)')) s = s.slice(0, -10);
    else if (s.endsWith(' (leaked)')) s = s.slice(0, -9);
    else if (s.endsWith(' (scan)')) s = s.slice(0, -7);
    else return s;
  }
}

/** Frames a goroutine parks in, innermost first: the scheduler entry points themselves say nothing. */
const PARK_FRAMES = new Set([
  'runtime.gopark', 'runtime.goparkunlock', 'runtime.park_m', 'runtime.mcall', 'runtime.gosched_m',
]);

const PROFILE_WRITERS = new Set([
  'runtime/pprof.writeGoroutineStacks', 'runtime/pprof.writeRuntimeProfile', 'runtime/pprof.writeGoroutine',
  'runtime/pprof.writeGoroutineLeak', 'runtime/pprof.runtime_goroutineProfileWithLabels', 'runtime.Stack',
]);

/** Runtime-internal goroutines and the wait reason Go gives them. */
const RUNTIME_ROOTS: Record<string, string> = {
  'runtime.forcegchelper': 'force gc (idle)',
  'runtime.bgsweep': 'GC sweep wait',
  'runtime.bgscavenge': 'GC scavenge wait',
  'runtime.gcBgMarkWorker': 'GC worker (idle)',
  'runtime.runfinq': 'finalizer wait',
  'runtime.runCleanups': 'cleanup wait',
  'runtime.(*cleanupQueue).dequeue': 'cleanup wait',
  'runtime.timerproc': 'timer goroutine (idle)',
  'runtime.(*traceAdvancerState).start.func1': 'wait for GC cycle',
  'runtime.updateMaxProcsGoroutine': 'GOMAXPROCS updater (idle)',
  'runtime.unique_runtime_registerUniqueMapCleanup.func2': 'GC weak to strong wait',
};

/** Nil-channel parks sit at the top of chansend/chanrecv, a few lines below chansend1/chanrecv1;
 *  the ordinary park is 100+ lines further down in every Go version since 1.14. */
const NIL_CHAN_MAX_DISTANCE = 60;

/** Infer what a goroutine waits on from its frames (innermost first) when the format carries no
 *  wait reason (debug=1, proto). Null when the frames show no blocking call. */
export function inferFromFrames(frames: readonly Frame[]): Classification | null {
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!.func;
    if (PARK_FRAMES.has(f)) continue;
    switch (f) {
      case 'runtime.chansend':
      case 'runtime.chansend1':
        return nilChan(frames, i, 'runtime.chansend1')
          ? { kind: 'nil-chan', state: 'chan send (nil chan)' }
          : { kind: 'chan-send', state: 'chan send' };
      case 'runtime.chanrecv':
      case 'runtime.chanrecv1':
      case 'runtime.chanrecv2':
        return nilChan(frames, i, 'runtime.chanrecv1', 'runtime.chanrecv2')
          ? { kind: 'nil-chan', state: 'chan receive (nil chan)' }
          : { kind: 'chan-recv', state: 'chan receive', ...recvForm(frames, i) };
      case 'runtime.selectgo':
      case 'reflect.rselect':
        return { kind: 'select', state: 'select' };
      case 'runtime.block':
        return { kind: 'select-nocases', state: 'select (no cases)' };
      case 'time.Sleep':
      case 'runtime.timeSleep':
        return { kind: 'sleep', state: 'sleep' };
      case 'runtime.notifyListWait':
      case 'sync.runtime_notifyListWait':
      case 'sync.(*Cond).Wait':
        return { kind: 'cond', state: 'sync.Cond.Wait' };
      case 'runtime.netpollblock':
      case 'internal/poll.runtime_pollWait':
        return ioWait(frames, i);
    }
    if (f.startsWith('runtime.semacquire') || f.includes('runtime_Semacquire') || f === 'runtime.semrelease1') {
      return semaphore(frames, i);
    }
    if (f.startsWith('sync.(*') || f.startsWith('internal/sync.(*')) {
      const s = syncMethod(f);
      if (s) return s;
    }
    if (isSyscallFrame(f)) return syscallWait(frames, i);
    if (PROFILE_WRITERS.has(f)) return { kind: 'running', state: 'running' }; // the goroutine serving the dump
    if (f === 'runtime.goexit' || f.startsWith('runtime.') || f.startsWith('internal/runtime/')) continue;
    break; // first frame outside the runtime and no blocking call seen: not parked
  }
  for (const fr of frames) {
    const st = RUNTIME_ROOTS[fr.func];
    if (st !== undefined) return { kind: 'runtime', state: st };
  }
  return null;
}

/** The receive wrapper at or just outside frame i (chanrecv → chanrecv1/chanrecv2), when listed. */
function recvForm(frames: readonly Frame[], i: number): { recv?: RecvForm } {
  for (const f of frames.slice(i, i + 2)) {
    if (f.func === 'runtime.chanrecv1') return { recv: 'once' };
    if (f.func === 'runtime.chanrecv2') return { recv: 'loop' };
  }
  return {};
}

function nilChan(frames: readonly Frame[], i: number, ...outer: string[]): boolean {
  const inner = frames[i]!;
  if (outer.includes(inner.func)) return false;
  const caller = frames[i + 1];
  if (!caller || !outer.includes(caller.func) || inner.line === 0 || caller.line === 0) return false;
  const d = inner.line - caller.line;
  return d > 0 && d < NIL_CHAN_MAX_DISTANCE;
}

function ioWait(frames: readonly Frame[], from: number): Classification {
  for (let j = from; j < frames.length; j++) {
    const f = frames[j]!.func;
    if (f.startsWith('os.') || f.startsWith('internal/poll.(*FD).Pread')) return { kind: 'file-io', state: 'IO wait' };
    if (f.startsWith('net.') || f.startsWith('net/') || f.startsWith('crypto/tls.')) break;
  }
  return { kind: 'net-io', state: 'IO wait' };
}

function semaphore(frames: readonly Frame[], from: number): Classification {
  for (let j = from; j < frames.length; j++) {
    const f = frames[j]!.func;
    if (f === 'sync.runtime_SemacquireWaitGroup') return { kind: 'waitgroup', state: 'sync.WaitGroup.Wait' };
    if (f === 'sync.runtime_SemacquireRWMutexR') return { kind: 'rwmutex', state: 'sync.RWMutex.RLock' };
    if (f === 'sync.runtime_SemacquireRWMutex') return { kind: 'rwmutex', state: 'sync.RWMutex.Lock' };
    const s = syncMethod(f);
    if (s) return s;
    if (!f.startsWith('runtime.') && !f.startsWith('sync.') && !f.startsWith('internal/sync.')) break;
  }
  return { kind: 'semaphore', state: 'semacquire' };
}

function syncMethod(f: string): Classification | null {
  switch (f) {
    case 'sync.(*Mutex).Lock':
    case 'sync.(*Mutex).lockSlow':
    case 'internal/sync.(*Mutex).Lock':
    case 'internal/sync.(*Mutex).lockSlow':
      return { kind: 'mutex', state: 'sync.Mutex.Lock' };
    case 'sync.(*RWMutex).RLock':
      return { kind: 'rwmutex', state: 'sync.RWMutex.RLock' };
    case 'sync.(*RWMutex).Lock':
      return { kind: 'rwmutex', state: 'sync.RWMutex.Lock' };
    case 'sync.(*WaitGroup).Wait':
      return { kind: 'waitgroup', state: 'sync.WaitGroup.Wait' };
    case 'sync.(*Cond).Wait':
      return { kind: 'cond', state: 'sync.Cond.Wait' };
  }
  return null;
}

/** Functions that take a file lock by flock(2) (golang.org/x/sys/unix/zsyscall_linux.go, syscall's
 *  own): a goroutine parked in their syscall waits for another holder's LOCK_UN, as on a Mutex. */
const FLOCK_CALLS = new Set(['syscall.Flock', 'golang.org/x/sys/unix.Flock']);

/** Functions that wait on an event poller of the program's own (epoll_wait(2), kevent(2); syscall's
 *  and golang.org/x/sys/unix's wrappers, as used by nbio, gnet, evio): a goroutine parked there is a
 *  network event loop waiting for I/O, outside Go's netpoller, so it reads as an IO wait. */
const POLLER_CALLS = new Set([
  'syscall.EpollWait',
  'golang.org/x/sys/unix.EpollWait',
  'golang.org/x/sys/unix.EpollPwait',
  'syscall.Kevent',
  'golang.org/x/sys/unix.Kevent',
]);

/** What a goroutine in the syscall at frame i waits for, by its caller (or that one's, through a
 *  Syscall wrapper): a file lock's flock(2) is a lock wait, an event poller's wait is network I/O,
 *  anything else is a plain syscall. The state stays `syscall`, as Go prints it. */
function syscallWait(frames: readonly Frame[], i: number): Classification {
  for (let j = i + 1; j < Math.min(frames.length, i + 3); j++) {
    const f = frames[j]!.func;
    if (FLOCK_CALLS.has(f)) return { kind: 'mutex', state: 'file lock (flock)' };
    if (POLLER_CALLS.has(f)) return { kind: 'net-io', state: 'syscall' };
  }
  return { kind: 'syscall', state: 'syscall' };
}

/** Whether frames wait in an event poller's syscall of the program's own (epoll_wait, kevent:
 *  POLLER_CALLS), as nbio's, gnet's and evio's event loops do. */
export function isEventLoopWait(frames: readonly Frame[]): boolean {
  return frames.some((f) => POLLER_CALLS.has(f.func));
}

function isSyscallFrame(f: string): boolean {
  return (
    f.startsWith('syscall.Syscall') ||
    f.startsWith('syscall.RawSyscall') ||
    f.startsWith('syscall.syscall') ||
    f.startsWith('internal/runtime/syscall.') ||
    f.startsWith('golang.org/x/sys/unix.Syscall') ||
    f === 'runtime.entersyscall' ||
    f === 'runtime.entersyscallblock' ||
    f === 'os/signal.signal_recv' ||
    f === 'runtime.notetsleepg'
  );
}

/** Classify a goroutine. `printed` is the wait reason from a debug=2 header (null for debug=1 and
 *  proto). A printed reason always stays the state; frames only refine or supply the kind. */
export function classify(printed: string | null, frames: readonly Frame[]): Classification & { inferred: boolean } {
  if (printed !== null) {
    const base = stripSuffixes(printed);
    const k = kindOfState(base);
    if (k !== null && !REFINED_STATES.has(base)) return { kind: k, state: printed, inferred: false };
    const inf = inferFromFrames(frames);
    if (base === 'semacquire') {
      const kind = inf && isSyncKind(inf.kind) ? inf.kind : 'semaphore';
      return { kind, state: printed, inferred: false };
    }
    if (base === 'IO wait') {
      return { kind: inf?.kind === 'file-io' ? 'file-io' : 'net-io', state: printed, inferred: false };
    }
    // flock(2) without LOCK_NB sleeps in the kernel until the file's lock is free: a lock wait;
    // epoll_wait(2) of the program's own event loop waits for network I/O.
    if (base === 'syscall') {
      const kind = inf?.kind === 'mutex' || inf?.kind === 'net-io' ? inf.kind : 'syscall';
      return { kind, state: printed, inferred: false };
    }
    return { kind: inf?.kind ?? 'unknown', state: printed, inferred: false };
  }
  const inf = inferFromFrames(frames);
  if (inf) return { ...inf, inferred: true };
  return { kind: 'runnable', state: 'runnable', inferred: true };
}

function isSyncKind(k: BlockKind): boolean {
  return k === 'mutex' || k === 'rwmutex' || k === 'waitgroup' || k === 'cond' || k === 'semaphore';
}
