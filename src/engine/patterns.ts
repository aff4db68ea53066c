// The leak pattern catalogue (names and the usual fix) and how a group's frames are read to find the
// pattern, the blocking line in the service's own code and the standard-library call that explains it.
import type { BlockKind, Frame, PatternId, StackGroup } from './model.js';
import { isEventLoopWait } from './classify.js';
import { dependencyModule } from './modules.js';

export interface PatternInfo {
  id: PatternId;
  title: string;
  advice: string;
}

const catalogue: PatternInfo[] = [
  {
    id: 'chan-send-no-receiver',
    // The usual cause goes in the advice, not the title: a library's send whose loop stopped is another.
    title: 'send nobody receives',
    advice:
      'These goroutines are stuck sending on a channel whose receiver has gone, typically a caller that ' +
      'returned early on a timeout, an error or ctx.Done() and stopped reading the result. Give the channel ' +
      'a buffer of 1 so the single send always completes, or make the send a select that also waits on ' +
      'ctx.Done(), and make sure every path that starts the goroutine also reads its result or cancels it.',
  },
  {
    id: 'chan-recv-never-closed',
    title: 'receive on a channel that is never closed',
    // The dump does not say which channel: the two usual ones lead, a context first (a trial's
    // `<-ctx.Done()` leak read "close the channel" first and went looking for a channel to close).
    advice:
      'These goroutines wait to receive (or range) on a channel that nothing will send on or close again. ' +
      'Look at the receive: if it is <-ctx.Done(), that context is never cancelled: call the cancel func ' +
      'from context.WithCancel/WithTimeout on every path, the success path too (defer cancel()). If it is ' +
      'a channel of yours, close it when the producer is done (exactly once, by the sender side), or ' +
      'select on ctx.Done() / a quit channel next to the receive so the goroutine can exit when its owner ' +
      'stops. If it ranges over a time.Ticker\'s C (which Stop never closes), loop on a select of t.C and ' +
      'ctx.Done(), and defer t.Stop().',
  },
  {
    id: 'select-no-cancel',
    title: 'select without cancellation',
    advice:
      // The dump does not show the select's cases, so the advice covers both ways it stays asleep.
      'These goroutines sit in a select that none of its cases wakes. If no case is tied to a context or ' +
      'quit channel that the owner closes, add a `case <-ctx.Done(): return` (and pass the request or ' +
      'service context in); if one is, that context is never cancelled: call its cancel func, or that quit ' +
      'channel is never closed: close it, on every path that is done with the goroutine (defer cancel(); ' +
      'defer close(quit)). A ticker case keeps the select waking but never ends it: the stop case must. ' +
      'Stop tickers/timers used in the select with defer t.Stop().',
  },
  {
    id: 'select-no-cases',
    title: 'empty select (blocks forever)',
    advice:
      '`select {}` blocks forever by design. In main it keeps a process alive; anywhere that runs per ' +
      'request or per task it leaks one goroutine each time. Wait on a context or a done channel instead.',
  },
  {
    id: 'nil-chan',
    title: 'operation on a nil channel',
    advice:
      'Sending to or receiving from a nil channel blocks forever. The channel was never made (a zero-value ' +
      'struct field, a map lookup that missed, a channel set to nil to disable a select case and never ' +
      're-enabled). Initialise it with make() before the goroutine starts, or guard the operation.',
  },
  {
    id: 'waitgroup-never-done',
    title: 'WaitGroup never done',
    advice:
      'These goroutines wait in WaitGroup.Wait for a counter that never reaches zero: an Add without a ' +
      'matching Done (an early return or panic path skipping Done, or Add called more times than goroutines ' +
      'started). Call `defer wg.Done()` first thing in each goroutine, Add before starting it, or use ' +
      'wg.Go (Go 1.25+) / errgroup so the pairing cannot go wrong.',
  },
  {
    id: 'lock-never-released',
    title: 'lock never released',
    advice:
      'These goroutines wait for a mutex that its holder never unlocks: an early return or panic between ' +
      'Lock and Unlock, a lock held across a blocking call that never completes, or a lock-order deadlock. ' +
      'Put `defer mu.Unlock()` right after Lock, never hold a lock across channel operations or I/O, and ' +
      'take locks in one global order.',
  },
  {
    id: 'cond-never-signalled',
    title: 'sync.Cond never signalled',
    advice:
      'These goroutines wait in Cond.Wait for a Signal/Broadcast that never comes. Make every state change ' +
      'the waiters depend on call Broadcast (including shutdown), re-check the condition in a loop, or ' +
      'replace the Cond with a channel that can be closed and selected on with ctx.Done().',
  },
  {
    id: 'unclosed-http-body',
    title: 'unclosed HTTP response body',
    advice:
      'Each of these is an HTTP client connection whose response body was never closed: net/http keeps ' +
      'a readLoop and a writeLoop goroutine (and the socket) alive per connection until the body is read ' +
      'to EOF or closed. After every successful client.Do/Get/Post, `defer resp.Body.Close()` (drain it ' +
      'with io.Copy(io.Discard, resp.Body) to reuse the connection), on error paths too when resp != nil.',
  },
  {
    id: 'net-read-no-deadline',
    title: 'network read without deadline',
    advice:
      'These goroutines block reading from a network connection that never delivers data and is never ' +
      'closed: a peer that went silent, a half-open TCP connection. Set deadlines (conn.SetReadDeadline, ' +
      'http.Server.ReadTimeout/IdleTimeout, client timeouts), close the connection when the owner stops, ' +
      'and enable TCP keep-alives.',
  },
  {
    id: 'listener-never-closed',
    title: 'server started and never shut down',
    advice:
      'Each of these is the accept loop of a listener the service opened (http.Server.Serve, ' +
      'ListenAndServe, a Listener.Accept loop) that nobody closes: a server started per config reload, ' +
      'per tenant or per test and never stopped keeps its loop, its listener and its port. Keep one ' +
      'server, or stop the old one where the new one starts (srv.Shutdown(ctx) or srv.Close(); ' +
      'ln.Close() for a bare Listener ends its Accept).',
  },
  {
    id: 'event-loop-never-stopped',
    title: 'event loop never stopped',
    advice:
      'Each of these is an event loop of a networking engine the service started (nbio, gnet, evio: a ' +
      'poller goroutine waiting in epoll_wait or kevent for its connections) that nobody stops: an engine ' +
      'started per call, per tenant or per test keeps its pollers, their epoll descriptors and buffers ' +
      'after its connections close. Keep one engine for the process, or stop it on every path that ' +
      'started it (nbio Engine.Stop or Shutdown(ctx), gnet.Stop(ctx, addr)).',
  },
  {
    id: 'tls-handshake-no-deadline',
    title: 'TLS handshake without deadline',
    advice:
      'These goroutines wait in a TLS handshake for a peer that connected and never finished it (a ' +
      'stalled or malicious client, a load balancer probing with bare TCP): a handshake takes ' +
      'milliseconds, and without a deadline each stalled one keeps its goroutine and socket. On an ' +
      'http.Server set ReadHeaderTimeout (net/http bounds the handshake by it, or by ReadTimeout and ' +
      'WriteTimeout); around tls.Server or tls.Client, SetDeadline before Handshake or use ' +
      'HandshakeContext with a context that times out.',
  },
  {
    id: 'http-call-no-timeout',
    title: 'HTTP call waiting for its response',
    advice:
      'These goroutines are inside an HTTP client call (net/http\'s round trip), waiting for the ' +
      'response: a pile of them is a backend that answers slowly or not at all, and a client without a ' +
      'timeout waits as long as the backend does. Give every call a deadline (http.Client{Timeout: …} or ' +
      'a request context from context.WithTimeout), and look at the backend the call at this line reaches.',
  },
  {
    id: 'pool-exhausted',
    title: 'waiting for a pool slot that is never given back',
    advice:
      'These goroutines wait to take a connection or slot from a pool (database/sql, a semaphore, ' +
      'pgxpool/puddle, go-redis, redigo) that stays exhausted: the slots are held by code that never gives ' +
      'them back. Look for the path that acquires and returns early without releasing: rows or a Tx not ' +
      'closed (`defer rows.Close()`, Commit or Rollback on every path), a Release/Close or semaphore ' +
      'Release skipped on an error, a slot held across a call that never returns. Give the acquire a ' +
      'context with a deadline so callers fail fast instead of piling up.',
  },
  {
    id: 'sleep-loop',
    // A dump shows the sleep, not what follows it: a poll loop and a one-shot delay look the same.
    title: 'goroutines left sleeping in a poll loop or a long delay',
    advice:
      'These goroutines sleep in time.Sleep, and a new one starts each time the code runs. A dump does not ' +
      'show whether each loops around the sleep (polling with no exit condition) or sleeps once before its ' +
      'work (a delayed retry or cleanup): look at the line. A loop needs a stop signal (ctx.Done() in a ' +
      'select with a time.Ticker, stopped with defer t.Stop()) and should start once, not per call; a delay ' +
      'should be a select on time.After and ctx.Done() (or a time.AfterFunc whose Stop is called), so it ' +
      'ends when its caller gives up.',
  },
  {
    id: 'blocked-other',
    title: 'goroutines blocked and piling up',
    advice:
      'Goroutines with this stack are blocked and their number does not come down. Look at the blocking ' +
      'line: find who should wake them (a close, a send, a cancel, a deadline) and make sure that happens ' +
      'on every path, including errors and timeouts.',
  },
];

/** debug=1 hides the runtime frames that tell a send from a receive: the pattern stays generic, the
 *  words say what is known. */
export const CHANNEL_EITHER: PatternInfo = {
  id: 'blocked-other',
  title: 'blocked on a channel (send or receive: debug=1 does not say which)',
  advice:
    'These goroutines are parked on a channel operation that never completes, and debug=1 output does ' +
    'not say whether it is a send or a receive: look at the line. A send whose receiver returned early ' +
    '(timeout, error) needs a buffer of 1 or a select on ctx.Done(); a receive or range over a channel ' +
    'needs its producer to close it, or a select on ctx.Done() next to it. Capture with debug=2 to see ' +
    'the exact wait reason.',
};

export const PATTERNS: Readonly<Record<PatternId, PatternInfo>> = Object.fromEntries(
  catalogue.map((p) => [p.id, p]),
) as Record<PatternId, PatternInfo>;

export function patternInfo(id: PatternId): PatternInfo {
  return PATTERNS[id];
}

// Top-level import paths of the Go standard library (first path element, no dot in it). Module paths
// of services either contain a dot (github.com/…) or are `main`; a dot-less module such as `leaksvc`
// is not in this list, so it still counts as the service's own code.
const STD_ROOTS = new Set(
  (
    'archive bufio bytes cmp compress container context crypto database debug embed encoding errors ' +
    'expvar flag fmt go hash html image index internal io iter log maps math mime net os path plugin ' +
    'reflect regexp runtime slices sort strconv strings structs sync syscall testing text time unicode ' +
    'unique unsafe vendor weak'
  ).split(' '),
);

/** Package import path of a qualified Go function name (`net/http.(*conn).serve` → `net/http`). */
export function packageOf(func: string): string {
  const slash = func.lastIndexOf('/');
  const dot = func.indexOf('.', slash + 1);
  return dot < 0 ? func : func.slice(0, dot);
}

/** isStdFrame's answers per frame: frames are shared (interned) per dump and asked about many times
 *  over (site, call paths, hangs, evidence); weak, so a dump's frames go with it. */
const stdFrames = new WeakMap<Frame, boolean>();

export function isStdFrame(f: Frame): boolean {
  let std = stdFrames.get(f);
  if (std === undefined) {
    const pkg = packageOf(f.func);
    const slash = pkg.indexOf('/');
    std = STD_ROOTS.has(slash < 0 ? pkg : pkg.slice(0, slash));
    stdFrames.set(f, std);
  }
  return std;
}

function isRuntimeFrame(f: Frame): boolean {
  const pkg = packageOf(f.func);
  return pkg === 'runtime' || pkg.startsWith('internal/') || pkg.startsWith('runtime/internal');
}

/** Frames of a dependency (a module-cache path, modules.ts), cached per interned frame as isStdFrame's. */
const dependencyFrames = new WeakMap<Frame, boolean>();

export function isDependencyFrame(f: Frame): boolean {
  let dep = dependencyFrames.get(f);
  if (dep === undefined) {
    dep = dependencyModule(f.file) !== null;
    dependencyFrames.set(f, dep);
  }
  return dep;
}

/** A frame of the standard library or of a dependency (a module-cache path, modules.ts): not the
 *  service's own code. */
export const isLibraryFrame = (f: Frame): boolean => isStdFrame(f) || isDependencyFrame(f);

/** A pile of library code only that a library function started (a stream's watcher, a connection's
 *  reader, a Rows' watcher): no frame, creator included, is the service's own. */
export const isLibraryPile = (g: Pick<StackGroup, 'frames' | 'createdBy'>): boolean =>
  g.createdBy !== null && isLibraryFrame(g.createdBy) && g.frames.every(isLibraryFrame);

/** The blocking frame in the service's own code: the innermost frame outside the standard library and
 *  the service's dependencies (the line that called into grpc, a driver, a client library: the one the
 *  user can change); for a goroutine that runs only library code, the innermost frame outside the
 *  standard library. Null when every frame is the standard library's. */
export function userSite(frames: Frame[]): Frame | null {
  let library: Frame | null = null;
  for (const f of frames) {
    if (isStdFrame(f)) continue;
    if (!isDependencyFrame(f)) return f;
    library ??= f;
  }
  return library;
}

/** Helpers that start goroutines on the caller's behalf (and the closures they run). */
const SPAWN_WRAPPERS = [/^sync\.\(\*WaitGroup\)\.Go(\.func\d+)?$/, /^golang\.org\/x\/sync\/errgroup\.\(\*Group\)\.(Try)?Go(\.func\d+)?$/];
export const isSpawnWrapper = (f: Frame): boolean => SPAWN_WRAPPERS.some((re) => re.test(f.func));

/** The function a goroutine was started to run: its outermost frame, or, under errgroup's or
 *  WaitGroup.Go's wrapper, the function handed to Go (the frame inside the wrapper). */
export function entryFrame(frames: readonly Frame[]): Frame | null {
  for (let i = frames.length - 1; i >= 0; i--) if (!isSpawnWrapper(frames[i]!)) return frames[i]!;
  return frames[frames.length - 1] ?? null;
}

/** The outermost frame of the service's own code (where the goroutine's work starts). */
function outermostUserFrame(frames: Frame[]): Frame | null {
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i]!;
    if (!isStdFrame(f) && !isSpawnWrapper(f)) return f;
  }
  return null;
}

/** The standard-library API the service called when it blocked (the std frame just inside the user
 *  site, runtime and internal packages skipped): sync.(*Mutex).Lock, bufio.(*Reader).ReadString, … */
function calledStdFrame(frames: Frame[], site: Frame | null): Frame | null {
  const end = site ? frames.indexOf(site) : frames.length;
  for (let i = end - 1; i >= 0; i--) {
    const f = frames[i]!;
    if (!isRuntimeFrame(f)) return f;
  }
  return null;
}



/** The created-by site worth showing: a goroutine started through wg.Go or errgroup names the wrapper
 *  as its creator, so use the first frame of the service's own code instead. */
export function creatorSite(g: Pick<StackGroup, 'createdBy' | 'frames'>): Frame | null {
  const c = g.createdBy;
  if (c && isSpawnWrapper(c)) return outermostUserFrame(g.frames) ?? c;
  return c;
}

const hasFunc = (frames: Frame[], re: RegExp) => frames.some((f) => re.test(f.func));

const READ_LOOP = /^net\/http\.\(\*persistConn\)\.readLoop$/;
export const WRITE_LOOP = /^net\/http\.\(\*persistConn\)\.writeLoop$/;
/** Goroutines serving one HTTP/gRPC request: they come and go with traffic. */
const REQUEST_SCOPED = [
  /^net\/http\.\(\*conn\)\.serve$/,
  /^net\/http\.\(\*http2serverConn\)\.runHandler$/,
  /^golang\.org\/x\/net\/http2\.\(\*serverConn\)\.runHandler$/,
  /^google\.golang\.org\/grpc\.\(\*Server\)\.(handleStream|processUnaryRPC|processStreamingRPC)$/,
];

export function isRequestScoped(g: Pick<StackGroup, 'frames' | 'createdBy'>): boolean {
  return REQUEST_SCOPED.some((re) => hasFunc(g.frames, re) || (g.createdBy !== null && re.test(g.createdBy.func)));
}

/** The TLS handshake (crypto/tls/conn.go: Handshake, HandshakeContext and, since Go 1.17, the
 *  handshakeContext both call). */
const TLS_HANDSHAKE = /^crypto\/tls\.\(\*Conn\)\.(handshakeContext|HandshakeContext|Handshake)$/;

/** A listener's accept loop: waiting in net's Accept (internal/poll.(*FD).Accept, under
 *  net.(*TCPListener).Accept, net/http.(*Server).Serve and every other Accept loop; Go's net/fd_unix.go).
 *  The service opened that listener, so more of them is servers it started, not peers connecting. */
export function isAcceptLoop(g: Pick<StackGroup, 'frames'>): boolean {
  return g.frames.some((f) => f.func === 'internal/poll.(*FD).Accept');
}

/** An HTTP client connection waiting for its response body to be read or closed (select in readLoop);
 *  an idle keep-alive connection waits in a network read instead. */
export function isUnclosedBodyLoop(g: Pick<StackGroup, 'frames' | 'kind'>): boolean {
  return g.kind === 'select' && hasFunc(g.frames, READ_LOOP);
}

/** Where an HTTP client call waits for its response: the select of net/http's round trip (HTTP/1,
 *  net/http/transport.go persistConn.roundTrip) and of the HTTP/2 client (bundled in net/http, or
 *  golang.org/x/net/http2). */
const ROUND_TRIP_WAITS = new Set([
  'net/http.(*persistConn).roundTrip',
  'net/http.(*http2ClientConn).RoundTrip',
  'golang.org/x/net/http2.(*ClientConn).RoundTrip',
]);

/** The first frame outside package runtime: where the goroutine's own code (or a library's) waits. */
const waitFrame = (g: Pick<StackGroup, 'frames'>): Frame | undefined => g.frames.find((f) => !f.func.startsWith('runtime.'));

/** An outbound HTTP call in flight: the first frame outside the runtime is a client round trip's wait. */
export function isRoundTripWait(g: Pick<StackGroup, 'frames'>): boolean {
  const top = waitFrame(g);
  return top !== undefined && ROUND_TRIP_WAITS.has(top.func);
}

/** Where a goroutine waits for a pool to hand out a connection or slot: database/sql's DB.conn (its
 *  select on a connRequest, database/sql/sql.go), x/sync's semaphore.Weighted.Acquire (under puddle and
 *  pgxpool too), go-redis's ConnPool.waitTurn, redigo's Pool.waitVacantConn. */
const POOL_ACQUIRES = [
  /^database\/sql\.\(\*DB\)\.conn$/,
  /^golang\.org\/x\/sync\/semaphore\.\(\*Weighted\)\.Acquire$/,
  /^github\.com\/jackc\/puddle(\/v2)?\.\(\*Pool(\[\.\.\.\])?\)\.[aA]cquire$/,
  /\/internal\/pool\.\(\*ConnPool\)\.waitTurn$/,
  /^github\.com\/gomodule\/redigo\/redis\.\(\*Pool\)\.waitVacantConn$/,
];

/** Parked in a pool's acquire: the first frame outside the runtime is one of POOL_ACQUIRES. */
export function isPoolAcquireWait(g: Pick<StackGroup, 'frames'>): boolean {
  const top = waitFrame(g);
  return top !== undefined && POOL_ACQUIRES.some((re) => re.test(top.func));
}

export interface Reading {
  pattern: PatternId;
  info: PatternInfo;
  site: Frame | null;
  stdSite: Frame | null;
  createdBy: Frame | null;
}

const KIND_PATTERN: Partial<Record<BlockKind, PatternId>> = {
  'chan-send': 'chan-send-no-receiver',
  'chan-recv': 'chan-recv-never-closed',
  'nil-chan': 'nil-chan',
  select: 'select-no-cancel',
  'select-nocases': 'select-no-cases',
  waitgroup: 'waitgroup-never-done',
  mutex: 'lock-never-released',
  rwmutex: 'lock-never-released',
  cond: 'cond-never-signalled',
  'net-io': 'net-read-no-deadline',
  sleep: 'sleep-loop',
};

/** Read a group's frames: which pattern, where in the service's code, which std call, who started it. */
export function readGroup(g: Pick<StackGroup, 'frames' | 'kind' | 'createdBy' | 'state'>): Reading {
  const createdBy = creatorSite(g);
  if (isUnclosedBodyLoop(g)) {
    const std = g.frames.find((f) => READ_LOOP.test(f.func)) ?? null;
    return { pattern: 'unclosed-http-body', info: PATTERNS['unclosed-http-body'], site: null, stdSite: std, createdBy };
  }
  const site = userSite(g.frames);
  let pattern = KIND_PATTERN[g.kind] ?? 'blocked-other';
  if (isRoundTripWait(g)) pattern = 'http-call-no-timeout';
  else if (isAcceptLoop(g)) pattern = 'listener-never-closed';
  else if (g.kind === 'net-io' && isEventLoopWait(g.frames)) pattern = 'event-loop-never-stopped';
  else if (g.kind === 'net-io' && hasFunc(g.frames, TLS_HANDSHAKE)) pattern = 'tls-handshake-no-deadline';
  else if (isPoolAcquireWait(g)) pattern = 'pool-exhausted';
  // Go 1.19 and the aggregated formats say "semacquire"; the frames tell which primitive it was.
  if (g.kind === 'semaphore' || g.kind === 'sync-other') {
    if (hasFunc(g.frames, /^sync\.\(\*(RW)?Mutex\)\.R?Lock$/)) pattern = 'lock-never-released';
    else if (hasFunc(g.frames, /^sync\.\(\*WaitGroup\)\.Wait$/)) pattern = 'waitgroup-never-done';
    else if (hasFunc(g.frames, /^sync\.\(\*Cond\)\.Wait$/)) pattern = 'cond-never-signalled';
  }
  const info = g.kind === 'unknown' && /\bchan\b/.test(g.state) ? CHANNEL_EITHER : PATTERNS[pattern];
  return { pattern, info, site, stdSite: calledStdFrame(g.frames, site), createdBy };
}
