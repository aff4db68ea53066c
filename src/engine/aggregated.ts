// Evidence for the aggregated formats (debug=1, proto), which carry neither goroutine ids nor
// `created by` frames: goroutines with one stack are one record with a count. What they still carry is
// every function on every stack, and Go's names for function literals.
//
// Why literal names: the compiler names a function literal after the function it is written in
// (cmd/compile/internal/ir closurename: `F.func1`, a literal inside it `F.func1.1`; Go ≥ 1.21 names the
// wrapper of `go f(x)` `F.gowrap1`). A `go func() { … }()` therefore runs a function named after the
// function that started it, nearly always: the one place debug=1 and proto still name a creator.
import type { GroupSeries } from './diff.js';
import type { BlockKind, EvidenceItem, Snapshot, StackGroup } from './model.js';
import { item } from './verdict.js';
import { perSnapshot } from './memo.js';
import { formatCount } from './count.js';
import { entryFrame, isLibraryFrame } from './patterns.js';

/** The function a function literal is written in: `pkg.F` for `pkg.F.func2`, `pkg.F.func2` for
 *  `pkg.F.func2.1`, `pkg.F` for `pkg.F.gowrap1`; null for a named function or method. Type arguments
 *  (`F[...]`) are kept as printed. */
export function enclosingFunc(func: string): string | null {
  const m = /^(.+[^.])\.(?:func\d+|gowrap\d+|\d+)$/.exec(func);
  if (!m) return null;
  const parent = m[1]!;
  // `pkg.F` must keep its package: a bare `pkg` (no dot after the last slash) is no function.
  const slash = parent.lastIndexOf('/');
  return parent.indexOf('.', slash + 1) > 0 ? parent : null;
}

/** True for a snapshot of an aggregated format: no ids and no creator frames to read. */
export const isAggregated = (snap: Snapshot) => snap.format === 'debug1' || snap.format === 'proto';

/** Functions on some goroutine's stack in a snapshot, or null when a stack was cut (Go elides frames
 *  past 100; the cut part may hold any function). Memoised per snapshot. */
export const funcsOnStacks = perSnapshot((snap): Set<string> | null => {
  const funcs = new Set<string>();
  for (const g of snap.groups) {
    if (g.framesElided) return null;
    for (const f of g.frames) funcs.add(f.func);
  }
  return funcs;
});

/** Whether `func` is on some goroutine's stack in a snapshot (true when a stack was cut: the cut part may hold it). */
export function onSomeStack(func: string, snap: Snapshot): boolean {
  return funcsOnStacks(snap)?.has(func) ?? true;
}

/** Entry function (outermost frame, inside an errgroup or WaitGroup.Go wrapper) of a group, or null when its stack was cut (Go prints
 *  `...additional frames elided...`: the last frame shown is not where the goroutine started). */
export const entryOf = (g: StackGroup) => (g.framesElided || g.frames.length === 0 ? null : entryFrame(g.frames)!.func);

/** Connections' readers by literal names, memoised per snapshot: `readers`, per function F, how many
 *  goroutines run a literal of F that some of its goroutines wait on the network in (all of that
 *  literal's goroutines count: a reader busy with a message it read is still its connection's reader);
 *  `netEntries`, those literals. */
const connectionReaders = perSnapshot((snap) => {
  const byEntry = new Map<string, { parent: string; count: number; net: boolean }>();
  for (const g of snap.groups) {
    const entry = entryOf(g);
    const parent = entry === null ? null : enclosingFunc(entry);
    if (parent === null) continue;
    const e = byEntry.get(entry!) ?? byEntry.set(entry!, { parent, count: 0, net: false }).get(entry!)!;
    e.count += g.count;
    if (g.kind === 'net-io') e.net = true;
  }
  const readers = new Map<string, number>();
  const netEntries = new Set<string>();
  for (const [entry, e] of byEntry) {
    if (!e.net) continue;
    netEntries.add(entry);
    readers.set(e.parent, (readers.get(e.parent) ?? 0) + e.count);
  }
  return { readers, netEntries };
});

/** Share of a pile that must have a connection's reader started by the same function beside it: a
 *  tenth allows for connections closing as the dump is taken (connections.ts boundToConnections). */
const CONNECTION_SHARE = 0.9;

/** Functions whose literals sleep in a snapshot: `F` for a pile asleep in `F.func1`. Memoised. */
const parentsOfSleepers = perSnapshot((snap) => {
  const out = new Set<string>();
  for (const g of snap.groups) {
    const entry = g.kind === 'sleep' ? entryOf(g) : null;
    const parent = entry === null ? null : enclosingFunc(entry);
    if (parent !== null) out.add(parent);
  }
  return out;
});

/** Waits a parent parks in while it waits for a goroutine it started. */
const WAITS_ON_CHILD = new Set<BlockKind>(['chan-recv', 'select']);

/** Channel waits; `ownWait` below tells whether the pile's own code made them. */
const CHANNEL_WAITS = new Set<BlockKind>(['chan-recv', 'chan-send', 'select', 'unknown']);

/** What the caller already read about a series, for aggregatedItems. */
export interface AggregatedContext {
  /** The series rows include growth by --min-delta or more (grew, grew-wait). */
  grewNow: boolean;
  /** The channel operation is in the service's own code, not inside a library call (Reading.stdSite null). */
  ownWait: boolean;
  /** A wait healthy code does not pile up in that something could still end (evidence.ts INTRINSIC,
   *  not a nil channel or `select {}`, which never-wakes covers). */
  intrinsic: boolean;
}

/** Rows only the aggregated formats need, for a series whose latest snapshot is debug=1 or proto. Pure. */
export function aggregatedItems(s: GroupSeries, series: readonly Snapshot[], { grewNow, ownWait, intrinsic }: AggregatedContext): EvidenceItem[] {
  const snap = series[s.lastSeen]!;
  if (!isAggregated(snap)) return [];
  const g = s.group;
  const entry = entryOf(g);
  if (entry === null) return [];
  const items: EvidenceItem[] = [];
  const funcs = funcsOnStacks(snap);
  // A parent parked on a receive or a select whose own literal sleeps: it waits for that child, which
  // wakes by itself (a chain whose tail sleeps unwinds when the tail wakes; debug=2 reads the same from
  // creator frames: chain, sleeping-tail).
  if (WAITS_ON_CHILD.has(g.kind) && parentsOfSleepers(snap).has(entry)) {
    items.push(item('parent-of-sleeper', `goroutines running a function literal of ${entry}, which these run, are asleep: these likely wait for them, and they wake by themselves`));
    return items;
  }
  // They run a literal of F, yet no goroutine is inside F: the calls of F that started them returned and
  // left them behind (the id-less creator-returned), when they wait where healthy code does not pile up
  // (as creator-returned asks), or when the pile was there at the first snapshot and grew: later calls
  // left more (what spread ids say with ids). A burst that arrived between the snapshots (before = 0)
  // may be a surge in flight; a wait inside a library call (an HTTP round trip) ends when the library's
  // peer answers.
  const parent = enclosingFunc(entry);
  // A literal of F beside as many goroutines running another literal of F that wait on the network:
  // one per connection F set up (a server's reader and writer, nats' readLoop and writeLoop), alive
  // while the connection is; growth still counts.
  // (Its own literal is no reader of its own connection: one that waits on the network in some
  // goroutines is counted among the readers, so it must not be this pile's.)
  const conns = parent !== null && g.kind !== 'net-io' ? connectionReaders(snap) : null;
  const readers = conns !== null && !conns.netEntries.has(entry) ? (conns.readers.get(parent!) ?? 0) : 0;
  if (readers > 0 && readers >= CONNECTION_SHARE * g.count) {
    items.push(item('per-connection', `${formatCount(readers)} goroutines running another function literal of ${parent}, its connections' readers, wait on the network or handle what they read beside these ${formatCount(g.count)}: one per connection it set up, alive while the connection is`));
    return items;
  }
  const leftMore = grewNow && s.before > 0 && ownWait && CHANNEL_WAITS.has(g.kind);
  // A library's constructor or Run returns and leaves its object's goroutines running by design (an
  // informer's queue, a client's watcher): for a literal of library code only growth says calls left more.
  const library = isLibraryFrame(entryFrame(g.frames)!);
  if ((leftMore || (intrinsic && g.count >= 2 && !library)) && parent !== null && funcs !== null && !funcs.has(parent)) {
    items.push(item('literal-returned', `no goroutine is inside ${parent}, whose function literal ${entry} they run: the calls that started them returned and left them behind`));
  }
  // A one-shot `<-ch` waits for one reply or signal; pool workers range over their channel and loops
  // select. Growth by more than a tenth of a pile already there is not the wander of in-flight work
  // (the share a leak may lose before it counts as turned over, the other way).
  if (grewNow && ownWait && g.kind === 'chan-recv' && g.recv === 'once' && s.before > 0 && s.delta > GREW_SHARE * s.before) {
    items.push(item('one-shot-receive', `each waits in a one-shot receive (<-ch), not ranging over a channel as pool workers do, and the pile grew ${s.before} → ${s.after}`));
  }
  return items;
}

/** Growth, as a share of the earlier count, beyond the wander of in-flight work. */
const GREW_SHARE = 0.1;
