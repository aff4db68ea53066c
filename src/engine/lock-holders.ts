// Who may hold the lock a pile waits on. A Mutex/RWMutex pile is a convoy when the code that takes
// the lock is running, asleep or doing I/O elsewhere (its holder, moving); a lost unlock or a
// lock-order deadlock has no such goroutine in sight. Read from one snapshot's stacks.
import type { BlockKind, Frame, ParkedHolder, Snapshot, StackGroup } from './model.js';
import { packageOf, userSite } from './patterns.js';
import { perSnapshot } from './memo.js';

/** Waits that end by themselves: the network or a file answers or fails (deadlines), a sleep ends, a
 *  running goroutine moves on, and so does one the runtime holds for a moment ('runtime': GC assist
 *  wait/marking, copystack…, which a goroutine allocating while it holds a lock shows under memory
 *  pressure; the runtime's own goroutines in those states run no user code). */
export const MOVING = new Set<BlockKind>(['net-io', 'file-io', 'syscall', 'sleep', 'running', 'runnable', 'runtime']);
/** Frames of the lock implementation and the runtime below the code that took a lock. */
export const LOCK_IMPL = /^(runtime\.|sync\.|internal\/sync\.|sync\/)/;

/** The frame that called into the lock implementation (the function that called Lock); null when
 *  every frame is the runtime's or sync's. */
export function lockCaller(g: Pick<StackGroup, 'frames'>): Frame | null {
  return g.frames.find((f) => !LOCK_IMPL.test(f.func)) ?? null;
}

/** lockCaller's function name. */
export function callerOfLock(g: StackGroup): string | null {
  return lockCaller(g)?.func ?? null;
}

/** For a pile parked on a Mutex/RWMutex: how many goroutines elsewhere in the snapshot run the same
 *  locking code (the function that called Lock is on their stacks) and sit in a wait that ends by
 *  itself, when there are at least as many of them as locks waited on — each lock's holder is likely
 *  one of them, moving (a websocket hub's writer blocked in Write to a slow client while its heartbeat
 *  waits for the client's lock); else 0. A lock-order deadlock's holders wait on another lock, a lost
 *  unlock has no holder at all: neither counts. debug=2 prints the lock addresses; debug=1 and proto do
 *  not, so there every waiter may wait on a lock of its own and it takes as many moving goroutines as
 *  waiters. */
export function lockHolders(g: StackGroup, snap: Snapshot): number {
  if (g.kind !== 'mutex' && g.kind !== 'rwmutex') return 0;
  const caller = callerOfLock(g);
  if (caller === null) return 0;
  let n = 0;
  for (const h of snap.groups) if (h !== g && MOVING.has(h.kind) && h.frames.some((f) => f.func === caller && mayHoldIn(f, snap))) n += h.count;
  const locks = snap.format === 'debug2' ? (g.waitObjects?.distinct ?? 1) : g.count;
  return n >= locks ? n : 0;
}

/** The goroutines lockHolders counts in `snap`, each as `id@group key` (the same goroutine on the same
 *  stack), sorted; null when the dump has no ids or none is counted. */
export function lockHolderIds(g: StackGroup, snap: Snapshot): string[] | null {
  if (lockHolders(g, snap) === 0) return null;
  const caller = callerOfLock(g)!;
  const out: string[] = [];
  for (const h of snap.groups) {
    if (h === g || !MOVING.has(h.kind) || !h.frames.some((f) => f.func === caller && mayHoldIn(f, snap))) continue;
    if (!h.ids) return null;
    for (const id of h.ids) out.push(`${id}@${h.key}`);
  }
  return out.sort();
}

/** Whether a goroutine outside the pile runs its locking code (the function that called Lock, or another
 *  method of its type, which may take the same lock, is on its stack) in a wait that ends by itself: the
 *  lock's likely holder, moving. True when the locking code is unknown. A lock whose taker returned
 *  without unlocking has no holder at all, and a lock-order deadlock's holders are parked on another
 *  lock; a convoy's holder is inside that code, working, sleeping or doing I/O. */
export function movingInLockCode(g: StackGroup, snap: Snapshot): boolean {
  const caller = callerOfLock(g);
  if (caller === null) return true;
  const owner = methodOwner(caller);
  const moving = movingCode(snap);
  if (moving.funcs.has(caller)) return true;
  // Inside that very function but parked on a channel (an RPC reply awaited with the lock held): the
  // holder is in sight, waiting; "nobody can release it" would point at the Lock, not at that wait.
  if (snap.groups.some((h) => h !== g && CHANNEL_WAITS.has(h.kind) && h.frames.some((f) => f.func === caller && mayHoldIn(f, snap)))) return true;
  // A method's lock is usually its receiver's field; a plain function's is usually a package-level
  // variable, which any function of its package may hold (Get waits while refresh holds it over I/O).
  return owner !== null ? moving.owners.has(owner) : moving.packages.has(packageOf(caller));
}

/** Per function that called Lock in a snapshot, the first line where one of its goroutines waits to
 *  take a lock (that function's frame line in a Mutex/RWMutex pile). Memoised per snapshot. */
const firstLockLine = perSnapshot((snap) => {
  const lines = new Map<string, number>();
  for (const g of snap.groups) {
    if (g.kind !== 'mutex' && g.kind !== 'rwmutex') continue;
    const f = g.frames.find((fr) => !LOCK_IMPL.test(fr.func));
    if (f === undefined || f.line <= 0) continue;
    const was = lines.get(f.func);
    if (was === undefined || f.line < was) lines.set(f.func, f.line);
  }
  return lines;
});

/** Whether a goroutine whose stack holds frame `f` may hold a lock that f's function takes: false only
 *  when f stands before the first line where the snapshot's goroutines wait to take one in that
 *  function. Such a goroutine has not reached the Lock yet (GoKer's Grpc3017: timer callbacks
 *  runnable in the runtime.Gosched right above their Lock); calling it the holder would excuse a
 *  lock whose taker returned without unlocking. At or past that line, or with no line, it may hold it.
 *  A Lock earlier in the function that nobody waits on is not seen: a goroutine between the two may
 *  hold that one, which is why only the first known line counts. */
function mayHoldIn(f: Frame, snap: Snapshot): boolean {
  const first = firstLockLine(snap).get(f.func);
  return first === undefined || f.line <= 0 || f.line >= first;
}

/** The likely holder of the lock pile `g` waits on, when nothing moving is inside the locking code
 *  and goroutines of at most two stacks sit parked inside it (the one with more goroutines); null
 *  otherwise. A goroutine waiting to take a lock in that same code is a waiter, not a holder; one
 *  whose entry function is the locking code (a type's own loop, idle in its select) holds nothing
 *  there. Pure; one snapshot. */
export function parkedHolder(g: StackGroup, snap: Snapshot): ParkedHolder | null {
  if (g.kind !== 'mutex' && g.kind !== 'rwmutex') return null;
  const caller = callerOfLock(g);
  if (caller === null) return null;
  const owner = methodOwner(caller);
  const inCode = (func: string) => func === caller || (owner !== null && methodOwner(func) === owner);
  const found: ParkedHolder[] = [];
  for (const h of snap.groups) {
    if (h === g || h.kind === 'unknown') continue;
    const i = h.frames.findIndex((f) => inCode(f.func) && mayHoldIn(f, snap));
    if (i < 0) continue;
    if (MOVING.has(h.kind)) return null; // a moving holder: holder-busy's case, not this one
    // Its frames in that code run up to its entry: a type's own loop idle in its select holds nothing.
    let top = i;
    while (top + 1 < h.frames.length && inCode(h.frames[top + 1]!.func)) top++;
    if (top === h.frames.length - 1) continue;
    const taker = lockCaller(h);
    if ((h.kind === 'mutex' || h.kind === 'rwmutex') && (taker === null || inCode(taker.func))) continue;
    const at = userSite(h.frames.slice(0, i + 1));
    if (at === null) continue;
    found.push({ goroutines: h.count, id: h.exampleId, kind: h.kind, state: h.state, at, inside: h.frames[i]! });
  }
  if (found.length === 0 || found.length > 2) return null;
  return found.reduce((a, b) => (b.goroutines > a.goroutines ? b : a));
}

/** Waits on a channel: a lock's holder parked there may be woken by a reply. */
const CHANNEL_WAITS = new Set<BlockKind>(['chan-send', 'chan-recv', 'select']);

/** Functions on the stacks of goroutines that run, sleep or do I/O, the types of those that are
 *  methods and the packages of all of them. Memoised per snapshot (one pass, however many lock
 *  piles ask). */
const movingCode = perSnapshot((snap) => {
  const funcs = new Set<string>();
  const owners = new Set<string>();
  const packages = new Set<string>();
  for (const h of snap.groups) {
    if (!MOVING.has(h.kind)) continue;
    for (const f of h.frames) {
      if (funcs.has(f.func) || !mayHoldIn(f, snap)) continue;
      funcs.add(f.func);
      const o = methodOwner(f.func);
      if (o !== null) owners.add(o);
      // A package-level lock may be held by a method of its package as well as by a plain function.
      packages.add(packageOf(f.func));
    }
  }
  return { funcs, owners, packages };
});

/** `pkg.(*T)` for a method `pkg.(*T).M` or `pkg.T.M` (and the literals in it, `pkg.T.M.func1`); null
 *  for a plain function and its literals. Go's symbol names: the import path, then `.`-separated parts
 *  of which `(…)` and `[…]` (type arguments, printed `[...]`) are whole. */
export function methodOwner(func: string): string | null {
  const slash = func.lastIndexOf('/');
  const parts: string[] = [];
  let depth = 0;
  let from = slash + 1;
  for (let i = from; i < func.length; i++) {
    const c = func[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '.' && depth === 0) {
      parts.push(func.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(func.slice(from));
  while (parts.length > 2 && /^(func|gowrap)?\d+$/.test(parts[parts.length - 1]!)) parts.pop();
  // package, type, method: a plain function's literals were popped down to package and function.
  return parts.length === 3 ? func.slice(0, slash + 1) + parts[0] + '.' + parts[1] : null;
}
