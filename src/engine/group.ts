// Goroutines → StackGroups, one goroutine at a time. Holds one aggregate per distinct stack plus
// two compact number arrays (every goroutine id; creator ids still to check), never the goroutines.
import { createHash } from 'node:crypto';
import type { BlockKind, Crash, DumpFormat, Frame, Goroutine, RecvForm, Snapshot, StackGroup } from './model.js';
import { LiveIds } from './parse/ids.js';
import { dependencyModule, inModule } from './modules.js';
import { entryFrame, isLibraryFrame, isLibraryPile, isSpawnWrapper } from './patterns.js';

/** Distinct values kept per label key, and label keys kept per group. */
export const MAX_LABEL_VALUES = 20;
export const MAX_LABEL_KEYS = 32;

export interface SnapshotMeta {
  format: DumpFormat;
  leakProfile?: boolean;
  goleak?: boolean;
  capturedAt?: number | null;
  truncated?: boolean;
  warnings?: string[];
  crash?: Crash | null;
  /** See Snapshot.profileTime. */
  profileTime?: number;
}

interface Acc {
  idKey: string;
  recv?: RecvForm;
  kind: BlockKind;
  state: string;
  stateInferred: boolean;
  frames: Frame[];
  framesElided: boolean;
  createdBy: Frame | null;
  /** Goroutines started at createdBy; the other creator frames of the same stack and theirs, once a
   *  second one shows (StackGroup.createdBySites). */
  createdByCount: number;
  otherCreatedBy: Map<string, { frame: Frame; count: number }> | null;
  count: number;
  waitMin: number;
  waitMax: number;
  labels: Map<string, Set<string>> | null;
  exampleId: number | null;
  orphans: number;
  leaked: number;
  lockedToThread: number;
  /** Distinct creator ids (`in goroutine N`): one creator is a pool, many gone ones per-request. */
  creatorIds: Set<number> | null;
  liveCreators: number;
  /** Creators that are themselves in this group (a chain: each goroutine started the next). */
  selfCreators: number;
  /** Live creators still inside the function that started this group (see StackGroup.creatorsInCall). */
  creatorsInCall: number;
  /** Live creators running code of the dependency module that started this group (StackGroup.creatorsInModule). */
  creatorsInModule: number;
  /** Own-code frames of live creators, for a group that runs only library code (StackGroup.startedFrom). */
  creatorFrames: Map<Frame, { goroutines: number; creators: number }> | null;
  /** Whether the group runs only library code and a library function started it (isLibraryPile); null until asked. */
  libraryOnly: boolean | null;
  /** Goroutines per live creator id, for a library-only group. */
  startedBy: Map<number, number> | null;
  /** Goroutines whose creator is parked for good (StackGroup.byParkedCreators). */
  byParkedCreators: number;
  /** Goroutines started by the function they run (see StackGroup.selfStarted). */
  selfStarted: number;
  /** Lock addresses the group's goroutines wait for, and how many goroutines printed one (StackGroup.waitObjects). */
  waitObjects: Set<number> | null;
  waitObjectGoroutines: number;
  /** Lowest Cond ticket and how many goroutines printed one (StackGroup.condTickets). */
  ticketMin: number;
  ticketGoroutines: number;
  /** Goroutine ids of the group (debug=2), for identity across snapshots and the pile's shape. */
  ids: number[] | null;
  /** Id and call of each goroutine (StackGroup.calls). */
  calls: number[] | null;
  /** Each goroutine's argWords, beside calls. */
  argWords: number[] | null;
}

/** The group a shared stack (one frozen frames array per distinct stack, see intern.ts StackNode)
 *  went to, per kind and elision: such goroutines skip building their key. */
interface StackMemo {
  kind: BlockKind;
  elided: boolean;
  acc: Acc;
  next: StackMemo | null;
}

/** Grows by doubling; numbers as float64 so 64-bit goroutine ids up to 2^53 stay exact. */
class NumberList {
  data = new Float64Array(1024);
  length = 0;
  push(n: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = n;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

export class SnapshotBuilder {
  private readonly groups = new Map<string, Acc>();
  /** Frame identity → small id, so a group key is a short list of numbers. */
  private readonly frameIds = new Map<Frame, number>();
  private readonly frameIdsByText = new Map<string, number>();
  /** Frames by file (interned: its hash is computed once) and line, for frameId without a text key. */
  private readonly framesByFile = new Map<string, Map<number | string, Frame[]>>();
  private frameCount = 0;
  private readonly byStack = new Map<readonly Frame[], StackMemo>();
  private readonly ids = new NumberList();
  /** Pairs (creator id, group index) to check once every id is known. */
  private readonly creators = new NumberList();
  private readonly creatorGroups: Acc[] = [];
  private total = 0;
  private maxId = 0;

  add(g: Goroutine): void {
    if (!(g.count > 0)) return;
    let acc: Acc | undefined;
    for (let m = this.byStack.get(g.frames) ?? null; m !== null; m = m.next) {
      if (m.kind === g.kind && m.elided === g.framesElided) {
        acc = m.acc;
        break;
      }
    }
    if (acc === undefined) {
      acc = this.accOf(g);
      if (Object.isFrozen(g.frames)) this.byStack.set(g.frames, { kind: g.kind, elided: g.framesElided, acc, next: this.byStack.get(g.frames) ?? null });
    }
    const n = g.count;
    acc.count += n;
    this.total += n;
    if (g.createdBy !== null) {
      if (acc.createdBy === null) acc.createdBy = g.createdBy;
      if (sameFrame(g.createdBy, acc.createdBy)) acc.createdByCount += n;
      else {
        const k = frameText(g.createdBy);
        const o = (acc.otherCreatedBy ??= new Map()).get(k);
        if (o) o.count += n;
        else acc.otherCreatedBy.set(k, { frame: g.createdBy, count: n });
      }
    }
    if (acc.exampleId === null && g.id !== null) acc.exampleId = g.id;
    if (g.waitMinutes !== null) {
      if (g.waitMinutes < acc.waitMin) acc.waitMin = g.waitMinutes;
      if (g.waitMinutes > acc.waitMax) acc.waitMax = g.waitMinutes;
    }
    if (g.leaked) acc.leaked += n;
    if (g.createdBy !== null && !acc.framesElided && acc.frames.length > 0 && g.createdBy.func === acc.frames[acc.frames.length - 1]!.func) acc.selfStarted += n;
    if (g.waitObject !== undefined) {
      (acc.waitObjects ??= new Set()).add(g.waitObject);
      acc.waitObjectGoroutines += n;
    }
    if (g.waitTicket !== undefined) {
      if (g.waitTicket < acc.ticketMin) acc.ticketMin = g.waitTicket;
      acc.ticketGoroutines += n;
    }
    if (g.lockedToThread) acc.lockedToThread += n;
    for (const k in g.labels) addLabel(acc, k, g.labels[k]!);
    if (g.id !== null) {
      this.ids.push(g.id);
      (acc.ids ??= []).push(g.id);
      (acc.calls ??= []).push(callOf(g.id, g.callArgs));
      (acc.argWords ??= []).push(g.argWords ?? 0);
      if (g.id > this.maxId) this.maxId = g.id;
    }
    if (g.creatorId !== null) {
      this.creators.push(g.creatorId);
      this.creatorGroups.push(acc);
      (acc.creatorIds ??= new Set()).add(g.creatorId);
    }
  }

  /** The group of a goroutine's stack, kind and elision (made empty if new). */
  private accOf(g: Goroutine): Acc {
    const frames = significantFrames(g.frames);
    let idKey = g.kind;
    for (let i = 0; i < frames.length; i++) idKey += ',' + this.frameId(frames[i]!);
    if (g.framesElided) idKey += ',…';
    let acc = this.groups.get(idKey);
    if (acc === undefined) {
      acc = {
        idKey,
        kind: g.kind,
        state: g.state,
        stateInferred: g.stateInferred,
        frames,
        framesElided: g.framesElided,
        createdBy: g.createdBy,
        createdByCount: 0,
        otherCreatedBy: null,
        count: 0,
        waitMin: Infinity,
        waitMax: -Infinity,
        labels: null,
        exampleId: g.id,
        orphans: 0,
        leaked: 0,
        lockedToThread: 0,
        creatorIds: null,
        liveCreators: 0,
        selfCreators: 0,
        creatorsInCall: 0,
        creatorsInModule: 0,
        creatorFrames: null,
        libraryOnly: null,
        startedBy: null,
        byParkedCreators: 0,
        selfStarted: 0,
        waitObjects: null,
        waitObjectGoroutines: 0,
        ticketMin: Infinity,
        ticketGoroutines: 0,
        ids: null,
        calls: null,
        argWords: null,
        ...(g.recv ? { recv: g.recv } : {}),
      };
      this.groups.set(idKey, acc);
    }
    return acc;
  }

  /** One id per frame text (`func file:line`), so equal frames made apart (another reader, a
   *  line printed with leading zeros) group together. A dump of many distinct frames would build a
   *  text per frame; without a blank in func or file the text is equal exactly when func, file and
   *  line are, so those are compared instead. */
  private frameId(f: Frame): number {
    let id = this.frameIds.get(f);
    if (id === undefined) {
      id = f.func.includes(' ') || f.file.includes(' ') ? this.idByText(f) : this.idByParts(f);
      this.frameIds.set(f, id);
    }
    return id;
  }

  private idByText(f: Frame): number {
    const text = frameText(f);
    let id = this.frameIdsByText.get(text);
    if (id === undefined) {
      id = this.frameCount++;
      this.frameIdsByText.set(text, id);
    }
    return id;
  }

  private idByParts(f: Frame): number {
    let byLine = this.framesByFile.get(f.file);
    if (byLine === undefined) this.framesByFile.set(f.file, (byLine = new Map()));
    const line = f.lineText ?? f.line; // lineText only past 15 digits: never the text of a number
    let same = byLine.get(line);
    if (same === undefined) byLine.set(line, (same = []));
    for (const g of same) if (g.func === f.func) return this.frameIds.get(g)!;
    same.push(f);
    return this.frameCount++;
  }

  /** Number of goroutines added so far. */
  get goroutines(): number {
    return this.total;
  }

  finish(meta: SnapshotMeta): Snapshot {
    for (const acc of this.groups.values()) if (acc.otherCreatedBy) mostCommonCreatedBy(acc);
    // A cut dump does not show every creator: one missing from it may run beyond the cut, so
    // which creators are gone (orphans, live creators) is not known, and not claimed.
    const creatorsKnown = !meta.truncated;
    if (creatorsKnown) this.countOrphans();
    const groups: StackGroup[] = [];
    for (const acc of this.groups.values()) groups.push(toGroup(acc, creatorsKnown));
    disambiguate(groups);
    groups.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return {
      format: meta.format,
      leakProfile: meta.leakProfile ?? false,
      ...(meta.goleak ? { goleak: true } : {}),
      ...(meta.crash ? { crash: meta.crash } : {}),
      capturedAt: meta.capturedAt ?? null,
      ...(meta.profileTime !== undefined ? { profileTime: meta.profileTime } : {}),
      total: this.total,
      groups,
      truncated: meta.truncated ?? false,
      warnings: meta.warnings ?? [],
      ...(this.maxId > 0 ? { maxId: this.maxId } : {}),
    };
  }

  /** A creator id absent from the dump: the goroutine outlived what started it. */
  private countOrphans(): void {
    if (this.creators.length === 0) return;
    // Every id as a bitmap (ids are dense: a process numbers goroutines from 1); whether one came twice
    // (no reader adds one twice to a builder today; if one did, a group's own ids are looked up as before).
    // These loops run once per dump, over every goroutine, mostly before V8 has optimised them: the
    // bit arithmetic is written out in them, as a call per id costs more than the work there.
    const live = LiveIds.of(this.ids.view(), this.maxId);
    const creators = this.creators.view();
    // Each live creator's own group, to see whether it is still inside the function that started
    // the goroutines: ids of creators first, then one pass over every group's ids.
    const wanted = new LiveIds(this.maxId);
    let anyWanted = false;
    for (let i = 0; i < creators.length; i++) {
      const c = creators[i]!;
      if (live.has(c)) {
        wanted.add(c);
        anyWanted = true;
        // Library-only piles weigh their starters by goroutines started (startedFrom); rare, so a Map.
        const acc = this.creatorGroups[i]!;
        if (acc.libraryOnly ??= isLibraryPile(acc)) (acc.startedBy ??= new Map()).set(c, (acc.startedBy.get(c) ?? 0) + 1);
      } else this.creatorGroups[i]!.orphans++;
    }
    const groupOf = new Map<number, Acc>();
    if (anyWanted) {
      for (const acc of this.groups.values()) {
        const ids = acc.ids;
        if (ids) for (let i = 0; i < ids.length; i++) if (wanted.has(ids[i]!)) groupOf.set(ids[i]!, acc);
      }
    }
    // Goroutines whose creator is parked for good (`select {}`, a nil channel: main once it has started
    // everything): a set made before it parked, which that creator cannot add to.
    if (anyWanted && [...this.groups.values()].some((acc) => PARKED_FOR_GOOD.has(acc.kind))) {
      for (let i = 0; i < creators.length; i++) {
        const creator = groupOf.get(creators[i]!);
        if (creator !== undefined && PARKED_FOR_GOOD.has(creator.kind)) this.creatorGroups[i]!.byParkedCreators++;
      }
    }
    for (const acc of this.groups.values()) {
      if (!acc.creatorIds) continue;
      // With ids unique, a creator is in this group exactly when the group it was found in is this one.
      const own = live.repeated && acc.ids ? new Set(acc.ids) : null;
      // Creators come in runs from one group (a pool's manager, a server's accept loop): ask once per run.
      let last: Acc | undefined;
      let lastInCall = false;
      let lastInModule = false;
      let lastOwn: Frame | null = null;
      const module = acc.createdBy === null ? null : dependencyModule(acc.createdBy.file);
      for (const c of acc.creatorIds) {
        const creator = groupOf.get(c);
        if (live.has(c)) acc.liveCreators++;
        if (own !== null ? own.has(c) : creator === acc) acc.selfCreators++;
        if (creator !== undefined) {
          if (creator !== last) {
            last = creator;
            lastInCall = inCall(creator, acc);
            lastInModule = module !== null && inModule(creator.frames, module);
            lastOwn = acc.startedBy ? (creator.frames.find(isOwnFrame) ?? null) : null;
          }
          if (lastInCall) acc.creatorsInCall++;
          if (lastInModule) acc.creatorsInModule++;
          if (lastOwn !== null) {
            const at = (acc.creatorFrames ??= new Map()).get(lastOwn) ?? { goroutines: 0, creators: 0 };
            at.goroutines += acc.startedBy!.get(c) ?? 0;
            at.creators++;
            acc.creatorFrames.set(lastOwn, at);
          }
        }
      }
    }
  }
}

/** Waits nothing can end (Go guarantees it): a goroutine parked there starts no more goroutines. */
const PARKED_FOR_GOOD = new Set<BlockKind>(['select-nocases', 'nil-chan']);

/** Keys leave the kind out so the same stack matches across formats (debug=1 cannot always tell
 *  what a goroutine waits on); the rare same-stack, different-wait groups get the kind appended. */
function disambiguate(groups: StackGroup[]): void {
  const seen = new Map<string, number>();
  for (const g of groups) seen.set(g.key, (seen.get(g.key) ?? 0) + 1);
  for (const g of groups) if (seen.get(g.key)! > 1) g.key = `${g.key}~${g.kind}`;
}

/** Whether a creator's stack still holds the function that started a goroutine (`acc`'s). An elided
 *  stack may hide it, so it counts as inside; a goroutine of a chain started by its own function
 *  (recursion) is inside too. Under errgroup's or WaitGroup.Go's wrapper the function that started it
 *  is the one that called Go, which wrote the literal the goroutine runs (F.func1 → F): a handler
 *  waiting in g.Wait for the calls it fanned out is still in it; a named function handed to Go does
 *  not say who called Go, so it counts as inside. */
function inCall(creator: Acc, acc: Acc): boolean {
  const createdBy = acc.createdBy;
  if (createdBy === null || creator.framesElided) return true;
  if (isSpawnWrapper(createdBy)) {
    const parent = literalParent(entryFrame(acc.frames)?.func ?? '');
    return parent === null || creator.frames.some((f) => f.func === parent);
  }
  return creator.frames.some((f) => f.func === createdBy.func);
}

/** `F` for a function literal `F.func1` (`F.func1.2` → `F.func1`, `F.gowrap1` → `F`): Go names a
 *  literal after the function it is written in. Null for a named function. */
function literalParent(func: string): string | null {
  const m = /^(.+)\.(?:func\d+|gowrap\d+|\d+)$/.exec(func);
  return m !== null && !m[1]!.endsWith(')') && !m[1]!.endsWith('/') ? m[1]! : null;
}

function addLabel(acc: Acc, k: string, v: string): void {
  acc.labels ??= new Map();
  let set = acc.labels.get(k);
  if (set === undefined) {
    if (acc.labels.size >= MAX_LABEL_KEYS) return;
    set = new Set();
    acc.labels.set(k, set);
  }
  if (set.size < MAX_LABEL_VALUES) set.add(v);
}

function toGroup(acc: Acc, creatorsKnown: boolean): StackGroup {
  const labels: Record<string, string[]> = {};
  if (acc.labels) for (const [k, vs] of acc.labels) labels[k] = [...vs].sort();
  return {
    key: exactKey(acc.frames, acc.framesElided),
    coarseKey: coarseKey(acc.frames),
    state: acc.state,
    stateInferred: acc.stateInferred,
    kind: acc.kind,
    count: acc.count,
    frames: acc.frames,
    framesElided: acc.framesElided,
    createdBy: acc.createdBy,
    ...(acc.otherCreatedBy ? { createdBySites: createdBySites(acc) } : {}),
    waitMinutes: acc.waitMin === Infinity ? null : { min: acc.waitMin, max: acc.waitMax },
    labels,
    exampleId: acc.exampleId,
    orphans: acc.orphans,
    leaked: acc.leaked,
    lockedToThread: acc.lockedToThread,
    ...(acc.creatorIds && creatorsKnown
      ? { distinctCreators: acc.creatorIds.size, creatorIds: [...acc.creatorIds].sort((a, b) => a - b), liveCreators: acc.liveCreators, selfCreators: acc.selfCreators, creatorsInCall: acc.creatorsInCall, creatorsInModule: acc.creatorsInModule, ...(acc.byParkedCreators > 0 ? { byParkedCreators: acc.byParkedCreators } : {}) }
      : {}),
    ...(acc.creatorFrames ? { startedFrom: mostCommon(acc.creatorFrames) } : {}),
    ...(acc.ids ? { ids: acc.ids.sort((a, b) => a - b) } : {}),
    ...(acc.calls ? { calls: acc.calls, argWords: acc.argWords! } : {}),
    ...(acc.selfStarted > 0 ? { selfStarted: acc.selfStarted } : {}),
    ...(acc.waitObjects ? { waitObjects: { goroutines: acc.waitObjectGoroutines, distinct: acc.waitObjects.size } } : {}),
    ...(acc.ticketGoroutines > 0
      ? { condTickets: { min: acc.ticketMin, goroutines: acc.ticketGoroutines, object: acc.waitObjects?.size === 1 ? [...acc.waitObjects][0]! : null, ...condObjects(acc) } }
      : {}),
    ...(acc.recv ? { recv: acc.recv } : {}),
  };
}

/** A frame of the service's own code: neither the standard library's nor a dependency's (modules.ts). */
const isOwnFrame = (f: Frame) => !isLibraryFrame(f);


/** The frame whose creators started the most goroutines of the group. */
function mostCommon(frames: Map<Frame, { goroutines: number; creators: number }>): { frame: Frame; goroutines: number; creators: number } {
  let best: { frame: Frame; goroutines: number; creators: number } | null = null;
  for (const [frame, n] of frames) if (best === null || n.goroutines > best.goroutines) best = { frame, ...n };
  return best!;
}

/** Most Cond addresses kept per group (StackGroup.condTickets.objects): enough for one Cond per
 *  subscription or connection of a service, bounded for a pile of thousands. */
const MAX_COND_OBJECTS = 256;

/** The Conds of a group whose waiters each wait on a Cond of their own. */
function condObjects(acc: Acc): { objects: number[] } | Record<string, never> {
  const o = acc.waitObjects;
  if (!o || o.size < 2 || o.size > MAX_COND_OBJECTS || o.size !== acc.count || acc.waitObjectGoroutines !== acc.count) return {};
  return { objects: [...o].sort((a, b) => a - b) };
}

/** The call hash of a goroutine that printed no arguments (outside the 20 bits of Goroutine.callArgs). */
export const NO_CALL = 0x100000;
/** A goroutine's id and call in one number (StackGroup.calls); ids stay below 2^32, so it is exact. */
export const callOf = (id: number, callArgs: number | undefined): number => id * 0x200000 + (callArgs ?? NO_CALL);
/** The goroutine id of a StackGroup.calls entry. */
export const idOfCall = (call: number): number => Math.floor(call / 0x200000);
/** The call hash of a StackGroup.calls entry (NO_CALL when none was printed). */
export const callHash = (call: number): number => call - idOfCall(call) * 0x200000;

const sameFrame = (a: Frame, b: Frame): boolean => a === b || (a.func === b.func && a.line === b.line && a.file === b.file);

/** One stack started from several places (a watch plan run by main at boot and by a handler per
 *  request): the group names the place most of its goroutines were started from, which is where a pile
 *  that grows is usually started, not the first one read. */
function mostCommonCreatedBy(acc: Acc): void {
  let best = { frame: acc.createdBy!, count: acc.createdByCount };
  for (const o of acc.otherCreatedBy!.values()) if (o.count > best.count) best = o;
  if (best.frame === acc.createdBy) return;
  const old = acc.createdBy!;
  acc.otherCreatedBy!.delete(frameText(best.frame));
  acc.otherCreatedBy!.set(frameText(old), { frame: old, count: acc.createdByCount });
  acc.createdBy = best.frame;
  acc.createdByCount = best.count;
}

/** StackGroup.createdBySites: every creator frame and its goroutines, most first. */
function createdBySites(acc: Acc): Array<{ frame: Frame; count: number }> {
  return [{ frame: acc.createdBy!, count: acc.createdByCount }, ...[...acc.otherCreatedBy!.values()].sort((a, b) => b.count - a.count)];
}

function frameText(f: Frame): string {
  return `${f.func} ${f.file}:${f.lineText ?? f.line}`;
}

function isRuntime(func: string): boolean {
  return func.startsWith('runtime.') || func.startsWith('internal/runtime/');
}

/** The frames a signature is made of: Go hides the runtime frames a goroutine parks in from
 *  debug=1 (and from debug=2 since 1.21) but proto lists them, so drop leading runtime frames
 *  and the closing runtime.goexit so every format yields the same signature. A stack made only of
 *  runtime frames (GC workers, …) is kept whole. */
export function significantFrames(frames: Frame[]): Frame[] {
  let end = frames.length;
  while (end > 0 && frames[end - 1]!.func === 'runtime.goexit') end--;
  let start = 0;
  while (start < end && isRuntime(frames[start]!.func)) start++;
  if (start === end) start = 0;
  return start === 0 && end === frames.length ? frames : frames.slice(start, end);
}

function hash(s: string): string {
  return createHash('sha1').update(s).digest('base64url').slice(0, 22);
}

/** Exact signature: func, file and line of every significant frame (see significantFrames). */
export function exactKey(frames: readonly Frame[], elided = false): string {
  let s = '';
  for (const f of frames) s += frameText(f) + '\n';
  if (elided) s += '…';
  return hash(s);
}

/** `main.run.func1.2` → `main.run`, `main.(*S).serve.gowrap1` → `main.(*S).serve`: compiler-
 *  numbered closures and wrappers renumber whenever code above them changes. */
export function foldClosure(func: string): string {
  let f = func;
  for (;;) {
    const m = /\.(?:func|gowrap|deferwrap)\d+(?:\.\d+)*$/.exec(f);
    if (!m) return f;
    f = f.slice(0, m.index);
  }
}

/** Coarse signature: func (closures folded) and file of every frame, no line numbers, repeated
 *  frames (recursion, folded closures) collapsed, elision ignored — survives a redeploy. */
export function coarseKey(frames: readonly Frame[]): string {
  let s = '';
  let prev = '';
  for (const f of frames) {
    const t = `${foldClosure(f.func)} ${f.file}`;
    if (t === prev) continue;
    s += t + '\n';
    prev = t;
  }
  return `c${hash(s)}`;
}
