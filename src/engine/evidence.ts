// The signals one group series shows, as rows of the evidence table (verdict.ts): goroutine identity
// across snapshots (debug=2 ids), growth of the count, the pile's shape in the latest snapshot
// (creators, where its ids sit in the process's id history), waits, Go's leak mark.
//
// Why ids: Go hands goroutine ids out in creation order (runtime/proc.go newproc1, goidgen in batches
// of 16 per P), so the same id in the same stack at two snapshots is the same goroutine still parked,
// and a pile whose ids are bunched was started at once (a pool), one whose ids spread with gaps piled
// up over time.
import type { GroupSeries } from './diff.js';
import type { BlockKind, EvidenceItem, Identity, PatternId, PileShape, Snapshot, StackGroup } from './model.js';
import { entryFrame, isLibraryFrame, isLibraryPile, isRequestScoped, isRoundTripWait, packageOf, type Reading } from './patterns.js';
import { dependencyModule } from './modules.js';
import { item } from './verdict.js';
import { aggregatedItems, entryOf, onSomeStack } from './aggregated.js';
import { perSnapshot } from './memo.js';
import { formatCount } from './count.js';
import { handlersWithoutClients } from './clients.js';
import { BESIDE_IDS, besideConnections, boundToConnections, HELPERS_PER_CONNECTION, helpersOfOpenConnections } from './connections.js';
import { callerOfLock, lockHolderIds, lockHolders, LOCK_IMPL, methodOwner, MOVING, movingInLockCode, parkedHolder } from './lock-holders.js';
import { bunched, inBatches, settledShare, shapeOf, SPREAD_MIN, twoEnds } from './id-history.js';

/** A wait this long (minutes, as Go printed it) is not a request in flight. */
export const LONG_WAIT_MIN = 10;
/** Uber's LeakProf flags this many goroutines parked on one operation in one profile. */
export const CROWD = 1000;
/** Orphans only mean "per-request" when they came from more than one creator (one creator = a pool). */
const MIN_ORPHAN_CREATORS = 2;
/** Share of a pile allowed to leave between snapshots while it still counts as kept (a goroutine
 *  that woke and parked again at the same line keeps its id, so a leak loses none). */
const KEPT_SHARE = 0.1;
/** A pile that fell this much from its peak is draining. */
const DRAIN_SHARE = 0.3;

/** Waits a healthy pool idles in (workers waiting for a job, a connection, a tick). A crowd started
 *  together on a lock, a send or a WaitGroup is not a pool at rest, so the pool rows skip those. */
const POOL_WAITS = new Set<BlockKind>(['chan-recv', 'select', 'cond', 'net-io', 'sleep', 'unknown', 'semaphore', 'sync-other']);

/** Waits Go guarantees never end: a nil channel is never ready, `select {}` has no case
 *  (runtime/chan.go, runtime/select.go block forever). */
const NEVER_WAKES = new Set<BlockKind>(['nil-chan', 'select-nocases']);

/** Patterns healthy code does not pile up in. */
export const INTRINSIC = new Set<PatternId>([
  'chan-send-no-receiver',
  'nil-chan',
  'select-no-cases',
  'unclosed-http-body',
  'waitgroup-never-done',
  'cond-never-signalled',
]);

export interface SeriesContext {
  n: number;
  /** Growth of the count (no ids) below this is not growth. */
  minDelta: number;
  /** Newcomers (ids) in the last step below this are not growth: 2 unless the user set --min-delta. */
  minNewcomers: number;
  series: Snapshot[];
  /** Entry functions (outermost frame) of the chains in the latest snapshot: piles half of whose
   *  creators are in the pile itself (see chainEntries). */
  chainEntries?: ReadonlySet<string>;
  /** The snapshots are of different processes (a restart between them): a count that fell says the
   *  earlier process's goroutines died with it, not that this one's pile drains. */
  separate?: boolean;
}

export interface Evidence {
  items: EvidenceItem[];
  shape: PileShape | null;
  leaked: number;
  perRequest: boolean;
  poolShaped: boolean;
  requestScoped: boolean;
}

/** A daemon the built-in list calls one per process (benign.ts: a tracer's batch loop, a logger's
 *  flusher) found many times over, started for the service's code (StackGroup.startedFrom) at moments
 *  spread over the process's history: 3+ of them, ids over a quarter or more of it, neither started
 *  together nor a set at two ends of it. Then the service makes them again and again (a provider or a
 *  logger per job), which is the leak the list would hide. */
export function multipliedDaemon(g: StackGroup, processMaxId: number | undefined): boolean {
  const shape = shapeOf(g, processMaxId);
  if (!g.startedFrom || !g.ids || g.count < 3 || shape === null || shape.spread < SPREAD_MIN) return false;
  return !bunched(g.ids) && !twoEnds(g.ids, shape.processMaxId);
}

/** Whether the goroutines rest in the loop that calls their work (a worker's idle wait) rather than in
 *  a wait inside work they were given: the waiting function (runtime's and sync's frames skipped) is
 *  the one they were started to run, or, when that is a wrapper (`go func() { p.worker() }()`), in
 *  the snapshot `before` a goroutine with the same entry had the waiting function on its stack below
 *  a frame of the service's own code (`worker()` calling `process()` then, waiting for the next job
 *  now). A task stuck in a wait of its own (a pool's task blocked on a reply) has no such frame above
 *  it when busy: its function calls only the library's and the runtime's code (a sleep). */
function restsInItsLoop(g: StackGroup, before: Snapshot | undefined): boolean {
  if (g.framesElided) return false;
  const top = g.frames.find((f) => !LOCK_IMPL.test(f.func));
  const entry = entryFrame(g.frames);
  if (!top || !entry) return false;
  if (top === entry) return true;
  return (
    before !== undefined &&
    before.groups.some((h) => h.key !== g.key && entryFrame(h.frames)?.func === entry.func && h.frames.some((f, i) => f.func === top.func && h.frames.slice(0, i).some((x) => !isLibraryFrame(x))))
  );
}

/** Half or more of a pile's (3+) creators are in the pile itself: a chain or tree of goroutines each
 *  waiting on the one it started. Without creator ids (Go ≤ 1.20), half or more of them started by the
 *  function they run themselves says the same. */
const isChain = (g: StackGroup) =>
  g.distinctCreators !== undefined
    ? g.distinctCreators >= 3 && (g.selfCreators ?? 0) * 2 >= g.distinctCreators
    : g.count >= 3 && (g.selfStarted ?? 0) * 2 >= g.count;

/** Entry functions of the chains in a snapshot: a pile started by one of them (and not a chain itself)
 *  is that chain's tail. */
export function chainEntries(snap: Snapshot): Set<string> {
  const out = new Set<string>();
  for (const g of snap.groups) if (isChain(g) && g.frames.length > 0) out.add(g.frames[g.frames.length - 1]!.func);
  return out;
}

/** Whether Go's leak profile checked this pile and left it unmarked: its debug=2 form lists every
 *  goroutine and marks the leaked ones (runtime/pprof writeGoroutineLeak), so an unmarked goroutine
 *  there was found reachable. Its debug=1 and proto forms list only leaked goroutines. */
function coveredByLeakProfile(g: StackGroup, snap: Snapshot): boolean {
  return snap.leakProfile && snap.format === 'debug2' && !snap.goleak && g.leaked === 0 && g.count > 0 && GC_JUDGED.has(g.kind);
}

/** Waits Go's leak detector can judge: a goroutine parked on a channel or a sync primitive is leaked when
 *  nothing reachable can wake it. Network waits, sleeps and syscalls are woken by the runtime, so it
 *  never marks them (an unclosed HTTP body's readLoop stays unmarked): silence there says nothing.
 *  Source: runtime/mgc.go (goroutine leak detection, Go 1.26 GOEXPERIMENT=goroutineleakprofile). */
const GC_JUDGED = new Set<BlockKind>(['chan-send', 'chan-recv', 'nil-chan', 'select', 'select-nocases', 'waitgroup', 'mutex', 'rwmutex', 'cond', 'semaphore']);

/** The program's main goroutine on its own: one goroutine whose outermost frame is main.main (under
 *  runtime.main where the format prints it). A
 *  server's main parks for good by design once it has started everything (`select {}`, a receive on
 *  a channel nobody closes), and Go's leak profile marks it leaked (nothing reachable can wake it):
 *  every healthy service ending in `select {}` read HIGH "empty select". Its mark says nothing; a main
 *  that can never finish in a test or a batch job is a hang (hang.ts), not a leak. */
function isMainGoroutine(g: StackGroup): boolean {
  if (g.count !== 1 || g.framesElided) return false;
  // debug=1 and proto print the runtime's frames too: runtime.main calls main.main.
  const frames = g.frames[g.frames.length - 1]?.func === 'runtime.main' ? g.frames.slice(0, -1) : g.frames;
  return frames[frames.length - 1]?.func === 'main.main';
}

/** Goroutines Go's leak profile reported as leaked. Its debug=2 form marks them `(leaked)`; its debug=1
 *  and proto forms list only leaked goroutines, so every goroutine there counts, as in goleak's failure
 *  report (every goroutine it prints outlived the test). */
export function leakedIn(s: GroupSeries, series: readonly Snapshot[]): number {
  if (isMainGoroutine(s.group)) return 0;
  const snap = series[s.lastSeen]!;
  if (snap.goleak) return s.group.count;
  if (s.group.leaked > 0 || !snap.leakProfile || snap.format === 'debug2') return s.group.leaked;
  return s.group.count;
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

/** Every row of the evidence table this series shows, strongest first. Pure. */
export function evidenceOf(s: GroupSeries, reading: Reading, ctx: SeriesContext): Evidence {
  const g = s.group;
  const items: EvidenceItem[] = [];
  const leaked = leakedIn(s, ctx.series);
  if (leaked > 0 && ctx.series[s.lastSeen]!.goleak) items.push(item('goleak', `${leaked} reported by goleak as outliving the test`));
  else if (leaked > 0) items.push(item('leak-mark', `${leaked} of ${g.count} marked (leaked) by Go's goroutine leak profile`));

  // Shape of the pile in the snapshot it was last seen in.
  const shape = shapeOf(g, ctx.series[s.lastSeen]?.maxId);
  const isBunched = g.ids !== undefined && bunched(g.ids);
  const creators = g.distinctCreators ?? 0;
  const chain = isChain(g);
  // A sleeper wakes by itself; started by the function a chain runs, it is the chain's tail, and the
  // chain unwinds once it wakes (unless it sleeps in a loop, which no dump shows).
  const sleepingTail = g.kind === 'sleep' && !chain && g.createdBy !== null && (ctx.chainEntries?.has(g.createdBy.func) ?? false);
  const orphaned = reading.pattern !== 'unclosed-http-body' && g.orphans * 2 >= g.count && creators >= MIN_ORPHAN_CREATORS && !sleepingTail;
  // A connection's reader or writer waits on the network: it wakes when its peer sends, reads or
  // hangs up (or a deadline passes), and it outlives the handler that accepted or upgraded the
  // connection by design (websocket hubs, hijacked streams, gRPC transports).
  // Without creator ids the same tie shows in ids: started back to back with a connection's reader.
  const besideConn = besideConnections(g, ctx.series[s.lastSeen]!);
  // A helper waits for its connection's messages or ticks; one stuck where nothing wakes it (a send
  // nobody receives) is stuck whatever its connection does.
  const liveConns = !INTRINSIC.has(reading.pattern) && helpersOfOpenConnections(g, ctx.series[s.lastSeen]!);
  const perConnection = (orphaned && (g.kind === 'net-io' || boundToConnections(g, ctx.series[s.lastSeen]!))) || besideConn !== null || liveConns;
  // A library's own short-lived goroutine (a client's dialer) that starts its connection's reader and
  // exits is no request: for library code started by library code, a gone creator says nothing.
  const libraryStarted = isLibraryPile(g);
  const perRequest = orphaned && !perConnection && !libraryStarted && (g.count >= 3 || !POOL_WAITS.has(g.kind));
  // Callers of an exhausted pool wait for a slot, not for work: no pool rests there.
  const poolWait = POOL_WAITS.has(g.kind) && !INTRINSIC.has(reading.pattern) && reading.pattern !== 'pool-exhausted';
  // Newcomers started together are a pool resizing or a burst only when nothing says otherwise: their
  // creator is gone (Go ≥ 1.21 says so) or they are per-request.
  const creatorGone = creators > 0 && (g.liveCreators ?? 0) === 0;
  // One live goroutine started them all and is still in the function that started them: a manager
  // or autoscaler loop that owns its pool and may grow it in bursts.
  // Without creator ids (Go ≤ 1.20) the same manager shows as a goroutine still inside the function
  // that started them, with their ids in batches (a loop starts each batch back to back); a finished
  // call's leftovers come one to three at a time (GoKer's leaks on Go 1.19 average ≤ 3 ids per run).
  const managed =
    (creators === 1 && (g.liveCreators ?? 0) === 1 && (g.creatorsInCall ?? 0) === 1) ||
    (g.distinctCreators === undefined && g.createdBy !== null && g.ids !== undefined && inBatches(g.ids) && onSomeStack(g.createdBy.func, ctx.series[s.lastSeen]!));
  // Handlers whose clients have given up on them are no burst that drains in seconds: they waited past
  // their clients' patience and still wait (clients-gone, below).
  const abandoned = clientsGone(g, ctx.series[s.lastSeen]!, ctx.minDelta);
  const young = abandoned === null ? youngPile(g, shape, poolWait, s, ctx) : null;
  // Where a pile may rest: a pool's wait, not per-request orphans, not callers of an exhausted pool.
  const canRest = poolWait && !perRequest && reading.pattern !== 'pool-exhausted';
  const series = ctx.n >= 2 ? youngSeries(seriesItems(s, perRequest || creatorGone || !poolWait, poolWait, poolWait && managed, canRest, ctx), s, young !== null) : [];
  // A pile that kept every goroutine and added more is not at rest, whoever started it: identity
  // outweighs the pool shape (a consumer that spawns a goroutine per event that never returns has one
  // live creator too). Pool rows are for piles that hold still.
  const keptAdding = series.some((e) => e.signal === 'kept-and-added' || e.signal === 'kept-and-added-batch');
  const liveStarter = poolWait && creators === 1 && (g.liveCreators ?? 0) === 1 && (shape === null || isBunched || g.count < 3);
  const togetherShape = poolWait && !perRequest && !liveStarter && isBunched;
  const oneLiveCreator = !keptAdding && liveStarter;
  const startedTogether = !keptAdding && togetherShape;
  const poolShaped = oneLiveCreator || startedTogether;
  const requestScoped = isRequestScoped(g);

  items.push(...series);
  items.push(
    ...aggregatedItems(s, ctx.series, {
      grewNow: series.some((e) => e.signal === 'grew' || e.signal === 'grew-wait'),
      ownWait: reading.stdSite === null,
      intrinsic: INTRINSIC.has(reading.pattern) && !NEVER_WAKES.has(g.kind),
    }),
  );

  // One per open connection: a server's size, not a pile-up. A connection's writer or helper waits for
  // its connection's next message, where healthy code rests however the wait is spelled (nats' writers
  // in Cond.Wait beside their readers).
  const connectionBound = perConnection || items.some((e) => e.signal === 'per-connection');
  if (g.count >= CROWD) {
    const crowd = `${formatCount(g.count)} goroutines on one operation, a crowd of the size Uber's LeakProf flags`;
    if (connectionBound && !poolWait) items.push(item('crowd-idle', `${crowd}, but one per open connection, as a busy server has`));
    else items.push(poolWait ? item('crowd-idle', `${crowd}, but in a wait big idle pools rest in too`) : item('crowd', crowd));
  }
  if (besideConn !== null) {
    items.push(item('per-connection', `${besideConn} of ${g.count} were started by ${g.createdBy!.func}, which has returned, right beside (within ${BESIDE_IDS} ids) a goroutine it started that waits on the network: one per connection`));
  } else if (liveConns) {
    items.push(item('per-connection', `each of the ${creators} goroutines that started these ${g.count} is alive and waiting on the network: helpers of connections still open, at most ${HELPERS_PER_CONNECTION} per connection`));
  } else if (perConnection) {
    const how = g.kind === 'net-io' ? 'waiting on the network' : 'started beside goroutines of theirs waiting on the network';
    items.push(item('per-connection', `${g.orphans} of ${g.count} outlived the handler that started them (${creators} distinct creators, ${creators - (g.liveCreators ?? 0)} gone), ${how}: one per connection`));
  }
  // Per-request orphans on a receive or a select that all arrived recently: a request's helper waits
  // there for its context, a timer or a reply (a session's watcher until its deadline). A leak resting
  // there piles up over the process's history (accumulated-wait); these are all young.
  const recent =
    perRequest && poolWait && shape !== null && g.count >= 2 && shape.minId >= (1 - SPREAD_MIN) * shape.processMaxId && (g.waitMinutes?.max ?? 0) < LONG_WAIT_MIN;
  if (recent) {
    items.push(item('recent', `ids ${shape!.minId}–${shape!.maxId} all among the newest ${pct(SPREAD_MIN)} of the process's goroutine history (${shape!.processMaxId}), none waiting ${LONG_WAIT_MIN}+ min: recent arrivals, like per-session watchers`));
  }
  if (young !== null) {
    items.push(item('young', `${young}: a burst of recent arrivals (a bounded queue's backpressure, waiters of an event due in seconds); capture again later: a leak keeps them and piles up over time`));
  }
  if (perRequest) {
    items.push(item('per-request', `${g.orphans} of ${g.count} outlived the goroutine that started them (${creators} distinct creators, ${creators - (g.liveCreators ?? 0)} gone)`));
  }
  // One long-lived goroutine (main, a dispatcher) that called a function which started goroutines
  // and returned: they outlived that call. A pool's constructor returns too, but it starts its
  // workers at once (bunched) and they rest where pools rest; several calls' worth of goroutines, or
  // a batch stuck on a send, a WaitGroup or a Cond, is what a finished request leaves behind.
  // Each on a lock of its own: a convoy's waiters share one lock (its holder is working and releases
  // it), so this is not one; nobody is releasing any of these.
  const holders = lockHolders(g, ctx.series[s.lastSeen]!);
  const ownLocks = holders === 0 && (g.kind === 'mutex' || g.kind === 'rwmutex') && g.count >= 3 && g.waitObjects?.goroutines === g.count && g.waitObjects.distinct === g.count;
  const liveOnly = creators > 0 && (g.liveCreators ?? 0) === creators && (g.selfCreators ?? 0) === 0;
  // Connections' ids spread by design (see below), so for them spread ids say nothing.
  const connections = g.kind === 'net-io' || requestScoped || perConnection;
  // A library's goroutines are per object (a client, connection, watcher, gossip node), and objects
  // made at setup live as long as the process; so are the service's own goroutines resting in a loop's
  // wait (a writer per long-lived connection opened at start, plus the one a client opened lately).
  // A lock, send or WaitGroup pile of its own at two ends is as likely a leak that struck twice
  // (test/fixtures/go/cmd/issue8 -case lock-backoff; fiber's lost unlock over fasthttp's reused
  // workers), which a second capture tells.
  const atTwoEnds = (libraryStarted || poolWait) && g.ids !== undefined && shape !== null && twoEnds(g.ids, shape.processMaxId);
  const spreadIds = g.ids !== undefined && g.count >= 3 && !isBunched && !connections && !atTwoEnds;
  // A library that starts a helper per call of its caller (grpc's per-stream context watcher) leaves it
  // running while the caller is still in that library's code using what it opened.
  const libraryCall = libraryHelpers(g);
  // The shape a finished call's leftovers have, for outlived-call and creator-returned: several calls'
  // worth (spread ids), each on a lock of its own, or a wait healthy code does not pile up in.
  const leftBehind = spreadIds || ownLocks || (INTRINSIC.has(reading.pattern) && !NEVER_WAKES.has(g.kind));
  const how = spreadIds ? 'and their ids are spread: several calls each left goroutines behind' : ownLocks ? 'and each waits on a lock of its own' : 'and they wait where healthy code does not pile up';
  if (libraryCall !== null) {
    items.push(item('in-library-call', `each of the ${g.count} was started by ${g.createdBy!.func} for a goroutine of its own that still runs inside ${libraryCall}: helpers of calls still in progress (an open stream, a subscription)`));
  } else if (liveOnly && g.creatorsInCall === 0 && g.count >= 2 && g.kind !== 'sleep' && leftBehind) {
    const who = creators === 1 ? 'their creator still runs' : `their ${creators} creators still run`;
    items.push(item('outlived-call', `${who} but ${creators === 1 ? 'has' : 'have'} returned from ${g.createdBy?.func ?? 'the function that started them'}, ${how}`));
  }
  // Without creator ids (Go ≤ 1.20) the function that started them still tells the same thing: when no
  // goroutine's stack holds it, every call that started them has returned (the id-less outlived-call;
  // per-request orphans look the same). A pool's constructor returns too, hence the same conditions;
  // and a sleeper wakes by itself (clients looping with a pause between calls sleep in such a pile).
  if (
    g.distinctCreators === undefined && g.ids !== undefined && g.createdBy !== null && g.count >= 2 && g.kind !== 'sleep' && !chain &&
    leftBehind &&
    // A cut dump may hold the caller beyond the cut.
    !ctx.series[s.lastSeen]!.truncated &&
    !onSomeStack(g.createdBy.func, ctx.series[s.lastSeen]!)
  ) {
    items.push(item('creator-returned', `no goroutine is inside ${g.createdBy.func}, which started them: every call of it has returned, ${how}`));
  } else if (
    // With creator ids, a single creator that has exited (per-request needs two or more): the one
    // request or job that started them is over (Go 1.19 reads the same dump as creator-returned too).
    creators === 1 && (g.liveCreators ?? 0) === 0 && !perRequest && !perConnection && g.createdBy !== null && g.count >= 2 && g.kind !== 'sleep' && !chain &&
    leftBehind
  ) {
    items.push(item('creator-returned', `the goroutine that started them in ${g.createdBy.func} has exited: the call that started them returned, ${how}`));
  }
  const stillLock = holders === 0 && (g.kind === 'mutex' || g.kind === 'rwmutex') && g.count >= 3 && !movingInLockCode(g, ctx.series[s.lastSeen]!);
  if (stillLock) {
    const caller = callerOfLock(g)!;
    const owner = methodOwner(caller);
    items.push(item('no-holder', `no goroutine inside ${caller}${owner ? ` or another method of ${owner}` : ` or another function of ${packageOf(caller)}`}, the code that takes this lock, is running, asleep or waiting on I/O: ${parkedHolder(g, ctx.series[s.lastSeen]!) !== null ? 'the one in sight that may hold it is parked (see the advice)' : 'nobody in sight can release it'}`));
  }
  // The same holder in the same call at every snapshot while no waiter got through: it does not hand
  // the lock on (a write with no deadline to a peer that stalled), whatever it waits on.
  const stuck = holders > 0 && heldThroughout(g, s, ctx);
  if (stuck) {
    items.push(item('holder-stuck', `the goroutine${holders > 1 ? 's' : ''} holding it up inside ${callerOfLock(g)} (on I/O, asleep or running) ${holders > 1 ? 'are' : 'is'} the same, in the same call, at all ${ctx.n} snapshots, and none of the ${s.before} waiters got through: the lock does not change hands — look at what that holder waits on (a write or read with no deadline to a peer that stalled)`));
  } else if (holders > 0) {
    items.push(item('holder-busy', `${holders} goroutines inside ${callerOfLock(g)}, the code that takes these locks, are waiting on I/O, asleep or running: a slow peer or slow I/O holds the locks, which change hands when it returns`));
  }
  if (ownLocks) items.push(item('own-locks', `each of the ${g.count} waits on a lock of its own (${g.count} lock addresses): not a convoy, whose waiters share one lock`));
  if (chain) {
    const how = g.distinctCreators !== undefined ? `${g.selfCreators} of its ${creators} creators are in the pile itself` : `${g.selfStarted} of ${g.count} were started by the function they run`;
    items.push(item('chain', `${how}: a chain of goroutines each waiting on the one it started`));
  }
  if (sleepingTail) items.push(item('sleeping-tail', `sleeping, started by ${g.createdBy!.func}, which a chain of goroutines runs: the chain's tail, which wakes by itself and lets the chain unwind`));
  // http.Transport keeps every connection it opened reachable, so the GC never marks an unread body's readLoop.
  const reachable = leaked === 0 && reading.pattern !== 'unclosed-http-body' && coveredByLeakProfile(g, ctx.series[s.lastSeen]!);
  // Both say something may wake them; only the tickets show wakes that happened (the GC's reachability
  // holds for healthy and leaked waits alike on real libraries), so the tickets weigh and it does not.
  const signalled = leaked === 0 ? condSignalled(g, ctx.series[s.lastSeen]!) : null;
  if (signalled !== null) {
    const text =
      g.condTickets!.object === null
        ? `each of the ${g.count} waits on a sync.Cond of its own, holding ticket ${signalled} or higher: at least ${signalled} earlier waits on each were woken (Signal/Broadcast wake tickets in order)`
        : `all ${g.count} wait on one sync.Cond with tickets from ${signalled} up, and no goroutine holds a lower one: ${signalled} earlier waits on it were woken (Signal/Broadcast wake tickets in order), more than wait now`;
    items.push(item('cond-signalled', text));
  }
  if (reachable) {
    items.push(item('gc-reachable', `Go's leak profile listed these ${g.count} goroutines and marked none (leaked): the GC found what they wait on reachable`));
  }
  // Goroutines resting in a wait pools idle in, none started lately: a set built while the service
  // warmed up (a library's per-object goroutines, the sessions a client opened at start). Their
  // spread ids say they piled up once, not that they pile up now. Not for locks, sends, WaitGroups or
  // callers of an exhausted pool, where a pile that stopped growing is still stuck.
  const settled = POOL_WAITS.has(g.kind) && reading.pattern !== 'pool-exhausted' && !keptAdding && g.ids !== undefined && shape !== null ? settledShare(g.ids, shape.processMaxId) : null;
  if (settled !== null) {
    items.push(item('settled', `none of the ${g.count} is among the newest ${pct(settled)} of the process's goroutine history (ids up to ${shape!.maxId} of ${shape!.processMaxId}): a set that stopped growing, like a library's per-object goroutines made while the service warmed up; a later capture tells whether it grows`));
  }
  if (oneLiveCreator) items.push(item('one-live-creator', 'all started by one goroutine that is still running (a pool)'));
  // Started by goroutines that can start no more (main parked in `select {}` once it has started
  // everything): a set made before they parked, which they cannot add to. All but a few (others'
  // in-flight work on the same stack); not for a pile that kept all and added more.
  const parked = g.byParkedCreators ?? 0;
  if (parked >= 3 && g.count - parked <= Math.max(2, Math.ceil(0.05 * g.count)) && !keptAdding) {
    items.push(item('parked-creator', `${parked} of the ${g.count} were started by goroutines now parked for good (select {} or a nil channel, as a service's main ends): a set made before they parked, which they cannot add to`));
  }
  const first = !keptAdding ? startedFirstByMain(g, ctx.series[s.lastSeen]!) : null;
  if (first !== null) {
    items.push(item('started-first', `all ${g.count} were started by main's goroutine (goroutine 1) before anything else it started (ids up to ${first.maxId}; its next, ${first.next}): made once at start, like a library's package-init goroutines`));
  }
  if (startedTogether) items.push(item('started-together', `ids ${shape!.minId}–${shape!.maxId} are bunched: started at once, like a pool`));
  // Connections live as long as their peers keep them open: spread ids are what a server's
  // long-lived connections look like (readers and writers waiting on the network, HTTP/gRPC
  // handlers of keep-alive connections), not a pile-up. A pool its live manager grows in bursts
  // spreads too, by design.
  const managedPool = poolWait && managed;
  // Spread over a quarter and older than the newest quarter: a pile reaching exactly back to the start
  // of the newest quarter is among recent arrivals (the `recent` row's bound), not piled up.
  if (shape && !poolShaped && !managedPool && !connections && !isBunched && !atTwoEnds && g.count >= 3 && shape.spread >= SPREAD_MIN && shape.minId < (1 - SPREAD_MIN) * shape.processMaxId) {
    const where = `ids spread over ${pct(shape.spread)} of the process's goroutine history (${shape.minId}–${shape.maxId} of ${shape.processMaxId})`;
    // A pool a live goroutine grows over time spreads too; a lock, send or WaitGroup crowd does not:
    // its healthy form (a convoy, backpressure) is made of recent arrivals.
    // A sleeper wakes by itself: only a loop around it leaks, which growth shows, not ids.
    const pool = poolWait && creators === 1 && (g.liveCreators ?? 0) === 1;
    if (pool || g.kind === 'sleep') items.push(item('accumulated', `${where}: piled up over time`));
    else items.push(item('accumulated-wait', `${where}: piled up over time, where healthy waiters are recent arrivals`));
  }
  const wait = g.waitMinutes?.max ?? 0;
  // A pool that is growing still has idle workers that wait forever: their wait is not evidence
  // (their staying is, and kept-and-added already counts it).
  // Nor is an idle connection's (keep-alive: it waits for the peer's next request), nor a managed pool's.
  if (wait >= LONG_WAIT_MIN && !liveStarter && !togetherShape && !managedPool && !connections) items.push(item('long-wait', `waiting up to ${wait} min`));
  if (NEVER_WAKES.has(g.kind) && g.count >= 2) items.push(item('never-wakes', `${g.state}: nothing can ever wake these goroutines`));
  // The wait's claim is that nothing can end it (nobody receives, signals, calls Done); the GC found
  // what it waits on reachable, which is the opposite claim, and the GC's is the one that was checked.
  else if (INTRINSIC.has(reading.pattern) && !NEVER_WAKES.has(g.kind) && !reachable && signalled === null && !connectionBound) items.push(item('intrinsic', `healthy code does not pile up here (${reading.info.title})`));
  if (requestScoped) items.push(item('request-scoped', 'serves requests: in-flight handlers come and go with traffic'));
  if (abandoned !== null) {
    items.push(item('clients-gone', `${abandoned.gone} of these ${g.count} handlers have lost their client: net/http reads a running handler's connection in the background until its client hangs up (which cancels the request's context), and none of the process's ${abandoned.reading} background reads is theirs; they still wait, ignoring their request's context`));
  }

  items.sort((a, b) => b.points - a.points);
  return { items, shape, leaked, perRequest, poolShaped, requestScoped };
}

/** The dependency module (modules.ts) whose calls a pile helps, or null: every frame is the standard
 *  library's or a dependency's, the creator is in a dependency module, and each goroutine has a creator
 *  of its own that is still running inside that module. */
function libraryHelpers(g: StackGroup): string | null {
  const module = g.createdBy === null ? null : dependencyModule(g.createdBy.file);
  if (module === null || g.count < 2 || g.distinctCreators !== g.count) return null;
  if (g.liveCreators !== g.count || g.creatorsInModule !== g.count || (g.selfCreators ?? 0) > 0) return null;
  return isLibraryPile(g) ? module : null;
}

/** What a pile kept, for the identity rows: the goroutines of the first snapshot, or, for a pile the
 *  first snapshot did not hold (`counts[0]` 0), every goroutine since it appeared. */
function keptSince(id: Identity, counts: readonly number[]): string {
  if (counts[0] === 0) return id.departures === 0 ? 'kept every goroutine since it appeared (same ids)' : `kept ${id.survivors} of its goroutines since it appeared (same ids)`;
  // A few may have left (KEPT_SHARE): then say how many stayed of how many, never "all".
  if (id.departures > 0) return `kept ${id.survivors} of the ${id.survivors + id.departures} goroutines of the first snapshot (same ids and calls; ${id.departures} left)`;
  return `kept ${id.survivors === 1 ? 'the goroutine' : `all ${id.survivors} goroutines`} of the first snapshot (same ids)`;
}

/** keptSince and how many it added: since the first snapshot (`newcomers`), or since it appeared. */
function keptAndAdded(id: Identity, counts: readonly number[]): string {
  const appeared = counts.find((n) => n > 0) ?? 0;
  const added = counts[0] === 0 ? counts[counts.length - 1]! - appeared : id.newcomers;
  return `${keptSince(id, counts)} and added ${added}: ${counts.join(' → ')}`;
}

/** Across 2+ snapshots, a lock pile whose waiters all stayed (none left at any step) behind the same
 *  holder goroutines (lockHolderIds: same ids, same stacks) at the first and the last snapshot. */
function heldThroughout(g: StackGroup, s: GroupSeries, ctx: SeriesContext): boolean {
  if (ctx.n < 2 || ctx.separate || s.before === 0 || !s.identity || s.identity.steps.some((st) => st.departures > 0)) return false;
  const first = lockHolderIds(g, ctx.series[0]!);
  const last = lockHolderIds(g, ctx.series[s.lastSeen]!);
  return first !== null && last !== null && first.length === last.length && first.every((k, i) => k === last[i]);
}

/** handlersWithoutClients when most of the pile, and `min` goroutines or more, have no client left
 *  (the clients-gone row); else null. */
function clientsGone(g: StackGroup, snap: Snapshot, min: number): { gone: number; reading: number } | null {
  const r = handlersWithoutClients(g, snap);
  return r !== null && r.gone >= min && r.gone * 2 >= g.count ? r : null;
}

/** Share of the process's id history a young pile (youngPile) was started within. */
const YOUNG_SHARE = 0.1;

/** Why a pile (3+) on a wait healthy code does not rest in (a send, a lock, a WaitGroup, a Cond), none
 *  of it waiting 10+ minutes or marked leaked, is the recent part of a flow of goroutines; null when it
 *  is not. Its ids all sit in the newest tenth of its process's id history, or they show a recent onset
 *  by the process's own turnover (freshOnset), or the snapshot before held none of it, every one was
 *  started since and its ids sit in the newest quarter; and the process's goroutines flow through:
 *  of those it started since (the pile's oldest, or the snapshot before), most have exited. Healthy
 *  crowds there are exactly that (publishers blocked on a bounded queue while its consumer hiccups,
 *  waiters of a broadcast due in seconds); a leak piles up over the process's history
 *  (accumulated-wait) and keeps its goroutines across a later capture. Where nearly every goroutine
 *  started since is still alive, recency says nothing (a young or quiet process: Go's leak scenarios,
 *  whose leftovers are all they started). Waits that never wake (nil channel, `select {}`) are not
 *  judged by age. */
function youngPile(g: StackGroup, shape: PileShape | null, poolWait: boolean, s: GroupSeries, ctx: SeriesContext): string | null {
  if (poolWait || NEVER_WAKES.has(g.kind) || shape === null || g.count < 3 || g.leaked > 0) return null;
  if ((g.waitMinutes?.max ?? 0) >= LONG_WAIT_MIN) return null;
  const snap = ctx.series[s.lastSeen]!;
  const flowing = (since: number) => liveSince(snap, since) * 2 <= shape.processMaxId - since + 1;
  if (shape.minId >= (1 - YOUNG_SHARE) * shape.processMaxId && flowing(shape.minId)) {
    return `ids ${shape.minId}–${shape.maxId} all among the newest ${pct(YOUNG_SHARE)} of the process's goroutine history (${shape.processMaxId}), most goroutines started since gone, none waiting ${LONG_WAIT_MIN}+ min`;
  }
  // Within the newest quarter (a transient of a young process, whose history is seconds, not days):
  // only ids that kept arriving, which a leak that struck at a few moments does not show.
  const widest = widestGap(g.ids!, shape);
  if (shape.minId >= (1 - SPREAD_MIN) * shape.processMaxId && widest * RECENT_SLICES <= shape.processMaxId - shape.minId + 1 && flowing(shape.minId)) {
    return `ids ${shape.minId}–${shape.maxId} all among the newest ${pct(SPREAD_MIN)} of the process's goroutine history (${shape.processMaxId}), arriving throughout (no gap wider than ${widest} ids), most goroutines started since gone, none waiting ${LONG_WAIT_MIN}+ min`;
  }
  const onset = freshOnset(g.ids!, shape, snap);
  if (onset !== null && flowing(shape.minId)) return onset;
  // Identity proves it across two snapshots: absent from the one before, all started since.
  const before = ctx.series[ctx.n - 2]?.maxId;
  if (ctx.n < 2 || s.identity === null || s.lastSeen !== ctx.n - 1 || s.counts[ctx.n - 2] !== 0 || !before) return null;
  if ((s.lastNewcomerIds?.length ?? 0) !== g.count || shape.processMaxId <= before || !flowing(before + 1)) return null;
  // A reference taken long ago (a baseline) makes "started since" weak: the pile must also be recent
  // in the process's history (the newest quarter, as for `recent`).
  if (shape.minId < (1 - SPREAD_MIN) * shape.processMaxId) return null;
  return `none of the ${g.count} was there at the snapshot before and every one was started since (ids ${shape.minId}–${shape.maxId}, in the newest ${pct(SPREAD_MIN)} of ${shape.processMaxId}), while most of the ${shape.processMaxId - before} goroutines the process started since have exited`;
}

/** Why a pile's ids (ascending) show arrivals that began recently and are still coming, measured by the
 *  process's own turnover rather than by a share of its id history (which a young process, or a leak
 *  beside the pile, stretches); null when they do not. Two conditions: the ids fill the window from the
 *  pile's oldest to the process's newest id evenly (no gap between two of them, or after the newest,
 *  wider than a tenth of the window: still arriving, not a few batches left at different moments), and
 *  before the pile's oldest the process started and saw exit at least as many goroutines as it started
 *  within the window, none of which stayed in the pile: arrivals at the pile's rate through that earlier
 *  turnover would have left it twice its size, so the pile began recently (a bounded queue backing up).
 *  A process that started little else before (Go's leak scenarios after the harness's goroutines) has
 *  turned over too little to say so. */
function freshOnset(ids: readonly number[], shape: PileShape, snap: Snapshot): string | null {
  const window = shape.processMaxId - shape.minId + 1;
  const widest = widestGap(ids, shape);
  if (widest * EVEN_SLICES > window) return null;
  const liveBefore = liveSince(snap, 0) - liveSince(snap, shape.minId);
  const exitedBefore = shape.minId - 1 - liveBefore;
  if (exitedBefore < window) return null;
  return `ids ${shape.minId}–${shape.maxId} fill the newest ${window} ids of the process evenly (no gap wider than ${widest}), and before them ${exitedBefore} goroutines came and went without one staying here: a recent onset, most goroutines started since gone, none waiting ${LONG_WAIT_MIN}+ min`;
}
/** A pile still arriving leaves no gap wider than this share (1/N) of its window. */
const EVEN_SLICES = 10;
/** The same for a pile within the newest quarter: a leak that struck at 2 or 3 moments leaves a gap
 *  wider than a quarter of its window (eval/noise's hidden leaks, 10 per capture); a queue backing up
 *  over 0.7 s, one of 46 ids in 369. */
const RECENT_SLICES = 4;

/** The widest run of ids (ascending `ids`) a pile skipped: between two of its goroutines, or after its
 *  newest up to the process's newest id. */
function widestGap(ids: readonly number[], shape: PileShape): number {
  let widest = shape.processMaxId - shape.maxId;
  for (let i = 1; i < ids.length; i++) widest = Math.max(widest, ids[i]! - ids[i - 1]! - 1);
  return widest;
}

/** The lowest id, per group key, of the goroutines other groups hold that goroutine 1 may have
 *  started (a group naming it among its creators; a mixed group counts all its ids, which only lowers
 *  the bound). */
const mainStarted = perSnapshot((snap) => snap.groups.filter((x) => x.ids && x.creatorIds?.includes(1)).map((x) => ({ key: x.key, min: x.ids!.reduce((a, b) => Math.min(a, b)) })));

/** For a pile (2+) every goroutine of which goroutine 1 started, when all its ids are lower than any
 *  other goroutine goroutine 1 started (and it started some): the pile's highest id and that next
 *  id; else null. Needs creator ids (debug=2, Go ≥ 1.21). */
function startedFirstByMain(g: StackGroup, snap: Snapshot): { maxId: number; next: number } | null {
  if (g.count < 2 || !g.ids || g.creatorIds?.length !== 1 || g.creatorIds[0] !== 1) return null;
  const others = mainStarted(snap).filter((x) => x.key !== g.key);
  if (others.length === 0) return null;
  const next = others.reduce((a, x) => Math.min(a, x.min), Infinity);
  const maxId = g.ids.reduce((a, b) => Math.max(a, b)); // no spread: a pile may hold 100k ids
  return maxId < next ? { maxId, next } : null;
}

/** Goroutines of a snapshot whose id is at least `minId`. Ids memoised per snapshot (ascending). */
const sortedIds = perSnapshot((snap) => snap.groups.flatMap((g) => g.ids ?? []).sort((a, b) => a - b));
function liveSince(snap: Snapshot, minId: number): number {
  const ids = sortedIds(snap);
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid]! < minId) lo = mid + 1;
    else hi = mid;
  }
  return ids.length - lo;
}

/** For a pile of Cond waiters (debug=2): the lowest ticket among them when it shows their Cond was
 *  signalled, else null. All on one Cond: when that ticket is at least the pile's size and no goroutine
 *  of the snapshot waits on that Cond with a lower one. Each on a Cond of its own (a subscription's or
 *  a connection's): when every ticket is 1 or more and no other stack waits on those Conds. Cond.Wait
 *  draws tickets in order and Signal/Broadcast wake them in order (runtime/sema.go notifyListAdd,
 *  notifyListNotifyAll/One), so every lower ticket was drawn by a wait that has been woken: the Cond is
 *  signalled (long-poll waiters between two events, a delivery loop between two messages). A Cond
 *  nobody signals holds every ticket it ever gave out, from 0. */
function condSignalled(g: StackGroup, snap: Snapshot): number | null {
  const t = g.condTickets;
  if (g.kind !== 'cond' || !t || t.goroutines !== g.count) return null;
  if (t.object === null) return t.objects !== undefined && t.min >= 1 && !sharesCond(t.objects, g, snap) ? t.min : null;
  if (t.min < g.count) return null;
  for (const h of snap.groups) if (h !== g && h.condTickets?.object === t.object && h.condTickets.min < t.min) return null;
  return t.min;
}

/** Whether another group of the snapshot waits on one of these Conds (its tickets there are unknown). */
function sharesCond(objects: readonly number[], g: StackGroup, snap: Snapshot): boolean {
  const own = new Set(objects);
  for (const h of snap.groups) {
    const t = h === g ? undefined : h.condTickets;
    if (t && ((t.object !== null && own.has(t.object)) || (t.objects ?? []).some((o) => own.has(o)))) return true;
  }
  return false;
}

/** The growth row of a young pile (youngPile) that appeared since the earlier capture: no goroutine of
 *  it was there to survive, so nothing shows it keeps its goroutines. A burst that fills up within one
 *  interval shorter than the wait's wake-up period (a queue draining in phases) looks the same as a
 *  leak that has just begun, so `grew` gives way to `young-kept` (0) until a later capture shows
 *  survivors (kept-and-added) or departures (turned-over). A pile that kept goroutines keeps its row. */
function youngSeries(rows: EvidenceItem[], s: GroupSeries, young: boolean): EvidenceItem[] {
  if (!young || s.identity === null || s.before > 0 || s.identity.steps.some((st) => st.survivors > 0)) return rows;
  return rows.map((r) =>
    r.signal === 'grew' ? item('young-kept', `${r.text}, all within one interval and all started recently: a surge until a later capture shows it kept its goroutines`) : r,
  );
}

/** Without ids: the `moved-in` row when the goroutines running the pile's function (its outermost
 *  frame) did not grow by --min-delta at any step while the pile grew, else null. Then the pile grew by
 *  goroutines of that function moving in from its other stacks (an HTTP server's connection goroutines
 *  going from waiting for a request to serving one), not by new goroutines: a leak adds goroutines. With
 *  ids the same goroutines are survivors of another group and are not counted as newcomers
 *  (GroupSeries.lastNewcomerIds), so this keeps debug=1 and proto from claiming more than debug=2. */
function movedIn(s: GroupSeries, ctx: SeriesContext): EvidenceItem | null {
  const entry = entryOf(s.group);
  // A cut stack's entry is unknown: it may be one more goroutine of `entry`, so its count is not known.
  if (entry === null || ctx.series.some((snap) => snap.groups.some((g) => g.framesElided))) return null;
  const totals = ctx.series.map((snap) => entryTotal(snap, entry));
  if (totals.some((t, i) => i > 0 && t - totals[i - 1]! >= ctx.minDelta)) return null;
  // Growth spread over steps each below --min-delta is growth too: goroutines that moved in leave the
  // function's total where it was, new ones raise it about as much as the pile grew.
  if (2 * (totals[totals.length - 1]! - totals[0]!) >= s.delta) return null;
  return item(
    'moved-in',
    `grew ${s.counts.join(' → ')}, but the goroutines running ${entry} numbered ${totals.join(' → ')}: goroutines of it moving in from its other stacks, not new ones`,
  );
}

/** Goroutines a consumer loop runs at most (busyConsumer): more is a pool. */
const CONSUMER_MAX = 4;

/** Without ids: the entry function of goroutines that waited in a receive at the last snapshot but one
 *  and, at the last, none of them wait there while more of them run, sleep or do I/O (a consumer loop of
 *  at most CONSUMER_MAX goroutines that took an item and went to work on it); null when there is none (or
 *  only `except`). The loop must belong to a package on the send pile's stack (`pile`): a queue's
 *  channel is shared within its package, while a service runs many small receive loops (flushers,
 *  batchers) of other packages, one of which is at work at any capture. */
function busyConsumer(series: readonly Snapshot[], pile: StackGroup): string | null {
  if (series.length < 2) return null;
  const except = entryOf(pile);
  const packages = new Set(pile.frames.filter((f) => !LOCK_IMPL.test(f.func)).map((f) => packageOf(f.func)));
  const [before, after] = [perEntryWaits(series[series.length - 2]!), perEntryWaits(series[series.length - 1]!)];
  for (const [entry, b] of before) {
    if (entry === except || b.recv === 0 || !packages.has(packageOf(entry))) continue;
    const a = after.get(entry) ?? { recv: 0, moving: 0 };
    // A consumer loop (one goroutine, or a few) that left its receive altogether: a busy pool's
    // workers shift between receiving and working at every capture, which says nothing about a
    // send pile elsewhere, so a pool's partial shift is not taken for the consumer going away.
    if (b.recv <= CONSUMER_MAX && a.recv === 0 && a.moving > b.moving) return entry;
  }
  return null;
}

/** Per entry function, how many goroutines wait in a receive and how many run, sleep or do I/O. */
const perEntryWaits = perSnapshot((snap) => {
  const out = new Map<string, { recv: number; moving: number }>();
  for (const g of snap.groups) {
    const e = entryOf(g);
    if (e === null || (g.kind !== 'chan-recv' && !MOVING.has(g.kind))) continue;
    const w = out.get(e) ?? { recv: 0, moving: 0 };
    if (g.kind === 'chan-recv') w.recv += g.count;
    else w.moving += g.count;
    out.set(e, w);
  }
  return out;
});

/** Goroutines of a snapshot whose outermost frame is `func`. Totals memoised per snapshot. */
const entryTotals = perSnapshot((snap) => {
  const totals = new Map<string, number>();
  for (const g of snap.groups) {
    const e = entryOf(g);
    if (e !== null) totals.set(e, (totals.get(e) ?? 0) + g.count);
  }
  return totals;
});
const entryTotal = (snap: Snapshot, func: string): number => entryTotals(snap).get(func) ?? 0;

/** Most of a pile that may leave at a step while the rest still counts as kept (mixedPile): no more
 *  than stayed. */
const MIXED_SHARE = 0.5;

type IdentityStep = Identity['steps'][number];

/** Every step (of those with a pile to keep, at least one) lost no more goroutines than it kept
 *  (MIXED_SHARE of the pile) and grew by `minGrowth` goroutines or more, net. */
export function keptMostAndAdded(steps: readonly IdentityStep[], minGrowth: number): boolean {
  return steps.length > 0 && steps.every((st) => st.departures <= MIXED_SHARE * (st.survivors + st.departures) && st.newcomers - st.departures >= minGrowth);
}

/** With ids: the `kept-most-and-added` row when, at every step, no more than MIXED_SHARE of the pile
 *  left (no more than stayed) while it grew by --min-delta or more: goroutines of one stack that come and go (a stream
 *  re-opened, a request's helper) beside ones that stay and keep coming (the same helper of calls
 *  that never end), which turned-over alone would excuse. Null otherwise. */
function mixedPile(steps: readonly IdentityStep[], s: GroupSeries, ctx: SeriesContext): EvidenceItem | null {
  // Connections open and close at their peers' pace: a streaming hub whose clients join a little
  // faster than they leave keeps most and adds, by traffic (noise corpus, fanout's readPumps).
  if (s.group.kind === 'net-io') return null;
  if (s.delta < ctx.minDelta || !keptMostAndAdded(steps, ctx.minNewcomers)) return null;
  const last = steps[steps.length - 1]!;
  return item('kept-most-and-added', `kept ${last.survivors} of ${last.survivors + last.departures} (${last.departures} left) and added ${last.newcomers}: most stay while more arrive, a leak beside goroutines of the same stack that come and go`);
}

/** Rows only a series shows: identity when every snapshot has ids, the count otherwise. */
function seriesItems(s: GroupSeries, notBatch: boolean, poolWait: boolean, managedPool: boolean, canRest: boolean, ctx: SeriesContext): EvidenceItem[] {
  const c = s.counts;
  // Across a restart every goroutine of the earlier process is gone: a fall tells nothing of this one.
  const drained = !ctx.separate && s.peak - s.after >= Math.max(ctx.minDelta, DRAIN_SHARE * s.peak);
  if (drained) return [item('drained', `fell from ${s.peak} to ${s.after}: the pile is draining`)];

  const id = s.identity;
  if (id) {
    // Steps where there was a pile to keep.
    const steps = id.steps.filter((st) => st.survivors + st.departures > 0);
    // Only the newest leaving while every older goroutine stays is calls in flight finishing beside a
    // core that does not (hystrix's timed-out calls, realdeps README): the core is kept. Not on the
    // network, where long-lived connections beside short ones look the same (a streaming hub).
    const coreKept = (st: IdentityStep) => st.newestLeft === true && st.departures < st.survivors && s.group.kind !== 'net-io';
    const left = steps.find((st) => st.departures > KEPT_SHARE * (st.survivors + st.departures) && !coreKept(st));
    if (left) {
      // A pool its live manager grows and shrinks (an autoscaler) may keep most and add at one step; a
      // leak under a live manager (a watch stream's substreams) does so at every step of a series.
      const mixed = managedPool && steps.length < 2 ? null : mixedPile(steps, s, ctx);
      if (mixed !== null) return [mixed];
      return [item('turned-over', `${left.departures} of ${left.survivors + left.departures} goroutines left between snapshots: they are not stuck`)];
    }
    const adds = (st: { newcomers: number; departures: number }) => st.newcomers >= 2 && st.newcomers > st.departures;
    const last = id.steps[id.steps.length - 1]!;
    // Newcomers the process started since the earlier snapshot: a busy pool's workers moving between
    // their idle and their working stacks are not new goroutines. But a goroutine that went from its
    // loop into a wait inside the work it was given (a pool's task blocked on a reply) and stayed there
    // is added to that pile as surely as a new one (a capped pool's workers get stuck one by one);
    // not into a sleep, I/O or running: that is the work itself, which ends by itself.
    const library = isLibraryPile(s.group);
    const intoWork = !MOVING.has(s.group.kind) && !library && !restsInItsLoop(s.group, ctx.series[ctx.series.length - 2]);
    const fresh = intoWork ? last.newcomers : (s.lastNewcomerIds?.length ?? last.newcomers);
    // A library's pool grows its idle workers on demand; a few new ones beside workers back from their
    // tasks are the pool resizing, not a pile-up.
    const libraryPool = library && last.newcomers - fresh > fresh;
    const added = adds(last) && fresh >= (libraryPool ? ctx.minDelta : 2) && s.delta >= ctx.minNewcomers;
    if (steps.length > 0 && added) {
      const newIds = s.lastNewcomerIds ?? [];
      const kept = keptAndAdded(id, c);
      // Added at every step since the pile appeared: a pool resizes once, a leak keeps adding.
      const everyStep = steps.length >= 2 && steps.every(adds);
      // A pool already standing at the earlier snapshot (started together) that grew by one more batch
      // is resizing; a pile that started from a goroutine or two and keeps adding is not.
      // So is a pool whose live manager (still in the loop that starts them) grows it in bursts.
      const poolBefore = managedPool || bunched(s.previousIds ?? []);
      if (!notBatch && !everyStep && poolBefore && bunched(newIds)) {
        return [item('kept-and-added-batch', `${kept}, started together (ids ${newIds[0]}–${newIds[newIds.length - 1]})`)];
      }
      // Connections each opened by a goroutine of its own that is still alive (a session mid-login, a
      // watcher holding its IDLE connection) end when their opener closes them: a batch of them is
      // traffic in flight. A leaked connection's opener has gone; an accept loop or a dialing loop
      // opens many (imap's healthy sessions, realdeps README).
      const g = s.group;
      const creators = g.distinctCreators ?? 0;
      const openersAlive = g.kind === 'net-io' && creators >= 2 && g.liveCreators === creators && g.count <= HELPERS_PER_CONNECTION * creators;
      if (!everyStep && openersAlive) {
        return [item('in-flight', `${kept}, but each was opened by a goroutine of its own that is still running (${creators} openers, all alive): connections in use`)];
      }
      if (!everyStep) return [item('kept-and-added', kept)];
      // The count rose at every step too: the row any format scores (README: grew-every-step), so a
      // debug=2 series never weighs less than debug=1 or proto of the same moments.
      const rose = ctx.n >= 3 && c.slice(1).every((v, i) => v > c[i]!) && s.delta >= ctx.minDelta;
      const kaa = item('kept-and-added', `${kept}, adding at every snapshot`);
      return rose ? [kaa, item('grew-every-step', `grew at every snapshot: ${c.join(' → ')}`)] : [kaa];
    }
    if (steps.length >= 2 && steps.slice(0, -1).some(adds)) {
      // Kept every goroutine, added some, then none came (traffic stopped): on a wait pools rest in
      // that is a pool grown once; on a lock, a send or a WaitGroup nothing left, so the claim the
      // earlier pair made stands (a third snapshot must not drop it).
      if (!poolWait) return [item('kept-and-added', `${keptAndAdded(id, c)}; none left and none came at the last step`)];
      return [item('plateau', `kept all, grew ${c.join(' → ')} then stopped growing`)];
    }
    // Goroutines left from the older half while the count held level: waits that end in the order they
    // began (retries scheduled minutes ahead firing), a flow at its steady size. A leak never loses any.
    const departed = id.steps.reduce((n, st) => n + st.departures, 0);
    if (departed >= 2 && Math.abs(s.delta) < ctx.minDelta && id.steps.every((st) => st.departures === 0 || st.olderHalfLeft === true)) {
      const came = id.steps.reduce((n, st) => n + st.newcomers, 0);
      return [item('flowing', `${departed} left between snapshots, all from the older half of the pile, and ${came} came, the count level (${c.join(' → ')}): each waits a while and then ends — a steady flow, not a pile-up`)];
    }
    // None came across 2+ intervals (some may have left): a set built once (a cache per tenant, a pool
    // grown to its size), not a pile growing now. Only where healthy code rests: a pile stuck where
    // nothing wakes it is a bug at any size.
    if (canRest && steps.length >= 2 && id.steps.every((st) => st.newcomers === 0)) {
      return [item('held-still', `${keptSince(id, c)}, none new across ${c.length} snapshots: not growing now`)];
    }
    if (steps.length > 0) {
      const small =
        s.delta <= 0
          ? id.steps.some((st) => st.newcomers > 0)
            ? `, ${id.steps.reduce((n, st) => n + st.newcomers, 0)} new: not growing`
            : ', none new'
          : s.delta < ctx.minNewcomers
            ? `; grew by ${s.delta}, below ${ctx.minNewcomers}`
            : last.newcomers > fresh
              ? `; grew by ${s.delta}, but ${last.newcomers - fresh} of the ${last.newcomers} that came at the last step were in the process before, on other stacks (${fresh} new)`
              : `; grew by ${s.delta}, ${last.newcomers} at the last step (fewer than 2)`;
      return [item('kept-all', `${keptSince(id, c)}${small}`)];
    }
    // The pile appeared, but its goroutines were in the process before, on other stacks (a pool's
    // workers going from a task to their idle wait): it gained no goroutine.
    const freshIds = s.lastNewcomerIds ?? [];
    if (s.delta >= ctx.minDelta && !intoWork && freshIds.length < ctx.minDelta) {
      return [item('moved-in', `appeared ${c.join(' → ')}, but ${s.after - freshIds.length} of its ${s.after} goroutines were in the process at the snapshot before, on other stacks: moved in, not new (${freshIds.length} new)`)];
    }
    if (s.delta >= ctx.minDelta && !bunched(freshIds)) return [item('grew', `appeared: ${c.join(' → ')}`)];
    return [];
  }

  const steps = c.slice(1).map((v, i) => v - c[i]!);
  // Without ids a fall of the count is a lower bound on the goroutines that left: a leak never loses
  // any, so a pile that lost more than KEPT_SHARE at some step turned over, as ids would show.
  const fell = ctx.separate ? -1 : steps.findIndex((d, i) => -d >= 2 && -d > KEPT_SHARE * c[i]!);
  if (fell >= 0) {
    return [item('turned-over', `the count fell ${c[fell]} → ${c[fell + 1]} between two snapshots: at least ${c[fell]! - c[fell + 1]!} goroutines left, they are not stuck`)];
  }
  if (canRest && ctx.n >= 3 && c.every((v, i) => i === 0 || v <= c[i - 1]!)) {
    return [item('held-still', `${c.join(' → ')} across ${c.length} snapshots, never rising: not growing now`)];
  }
  if (s.delta < ctx.minDelta) return [];
  const moved = movedIn(s, ctx);
  if (moved !== null) return [moved];
  // Outbound calls waiting for their responses rise and fall with traffic and the backend's latency;
  // a count that rose three times is a slowing backend as often as calls that never end (no client
  // timeout), and only ids tell them apart.
  if (s.group.kind === 'select' && isRoundTripWait(s.group)) {
    return [item('grew', `grew ${c.join(' → ')}: outbound HTTP calls waiting for their responses, which rise and fall with traffic and the backend's latency; counts cannot tell calls that never end (no client timeout) from a slow backend: a debug=2 capture's ids can`)];
  }
  // Without ids a step below --min-delta is within the noise of in-flight work (a busy handler's
  // count wanders by a few between captures), so it does not count as growth.
  if (ctx.n >= 3 && steps.every((d) => d >= ctx.minDelta)) return [item('grew-every-step', `grew by ${ctx.minDelta} or more at every snapshot: ${c.join(' → ')}`)];
  if (ctx.n >= 3 && (steps[steps.length - 1] ?? 0) <= 0) return [item('plateau', `grew ${c.join(' → ')}, then stopped growing`)];
  // A send pile that appeared while a loop that was waiting to receive went off to work: senders
  // queueing behind a busy consumer.
  const consumer = s.group.kind === 'chan-send' && c[c.length - 2] === 0 ? busyConsumer(ctx.series, s.group) : null;
  if (consumer !== null) {
    return [item('consumer-busy', `appeared ${c.join(' → ')} while ${consumer}, which waited in a receive at the snapshot before, is now running, asleep or doing I/O: senders queueing behind a busy consumer until it comes back`)];
  }
  // Without ids a rising count may be a surge; on a lock, a send or a WaitGroup it is less likely to
  // be a pool filling up.
  if (!poolWait) return [item('grew-wait', `grew ${s.before} → ${s.after} (+${s.delta}) on a wait pools do not rest in`)];
  return [item('grew', `grew ${s.before} → ${s.after} (+${s.delta})`)];
}
