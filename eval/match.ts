// Whether a finding points at an expected leak site, held to what a user reads: the goroutine's entry
// function (Go's own leak test names a leak by it) and a kind of wait compatible with the expected one.
import type { BlockKind, Confidence, Finding, Frame } from '../src/engine/index.js';
import { leakString } from './gotable.js';

const SYNC = ['sync.Mutex.Lock', 'sync.RWMutex.Lock', 'sync.RWMutex.RLock', 'sync.WaitGroup.Wait', 'sync.Cond.Wait'];
const CHAN = ['chan receive', 'chan send', 'select', 'chan receive (nil chan)', 'chan send (nil chan)', 'select (no cases)'];

/** Go 1.26 wait reasons a finding of this kind may stand for. Formats without wait reasons (debug=1,
 *  proto) and Go ≤ 1.20 leave some kinds coarse, so coarse kinds stand for every reason they cover. */
const REASONS: Partial<Record<BlockKind, string[]>> = {
  'chan-recv': ['chan receive'],
  'chan-send': ['chan send'],
  select: ['select'],
  'nil-chan': ['chan receive (nil chan)', 'chan send (nil chan)'],
  'select-nocases': ['select (no cases)'],
  waitgroup: ['sync.WaitGroup.Wait'],
  mutex: ['sync.Mutex.Lock', 'sync.RWMutex.Lock'],
  rwmutex: ['sync.RWMutex.RLock', 'sync.RWMutex.Lock', 'sync.Mutex.Lock'],
  cond: ['sync.Cond.Wait'],
  semaphore: SYNC,
  'sync-other': SYNC,
  unknown: [...SYNC, ...CHAN],
};

export const isStrong = (c: Confidence): boolean => c === 'high' || c === 'medium';

/** Every stack a finding shows: its own frames and, when the engine lists merged call paths in an
 *  extra field, theirs. */
export function stacksOf(f: Finding): Frame[][] {
  const out: Frame[][] = [f.frames];
  for (const v of Object.values(f as unknown as Record<string, unknown>)) {
    if (!Array.isArray(v)) continue;
    for (const p of v) {
      const frames = (p as { frames?: unknown } | null)?.frames;
      if (Array.isArray(frames) && frames !== f.frames) out.push(frames as Frame[]);
    }
  }
  return out;
}

/** Entry functions a finding names: the bottom frame of each stack it shows (every frame when Go
 *  elided the bottom of a deep stack, if the engine says so), and for each merged call path the frame
 *  that tells it apart (the outermost own frame no other path shares: its entry function). */
function entries(f: Finding): string[] {
  const elided = (f as { framesElided?: boolean }).framesElided === true;
  const out: string[] = [];
  for (const st of stacksOf(f)) {
    if (elided) out.push(...st.map((x) => x.func));
    else if (st.length) out.push(st[st.length - 1]!.func);
  }
  for (const p of f.paths ?? []) if (p.distinct) out.push(p.distinct.func);
  return out;
}

/** True when the finding points at the leak Go's table describes with `full`. */
export function coversGoLeak(f: Finding, full: RegExp): boolean {
  const reasons = REASONS[f.kind] ?? [];
  const all = CHAN.includes(f.state) || SYNC.includes(f.state) ? [f.state, ...reasons] : reasons;
  return entries(f).some((fn) => all.some((r) => full.test(leakString(fn, r))));
}

/** True when any stack of the finding runs through `func`. */
export function namesFunc(f: Finding, func: string | RegExp): boolean {
  const hit = (name: string) => (typeof func === 'string' ? name === func : func.test(name));
  return stacksOf(f).some((st) => st.some((x) => hit(x.func)));
}

/** A finding as the evidence statistics see it: what it really was, how sure the engine was, and the
 *  evidence rows it cited (Finding.evidence). */
export interface LabelledFinding {
  label: 'leak' | 'false' | 'other';
  confidence: Confidence;
  signals: string[];
}

export function labelOf(f: Finding, label: LabelledFinding['label']): LabelledFinding {
  return { label, confidence: f.confidence, signals: (f.evidence ?? []).map((e) => `${e.signal}${e.points >= 0 ? '+' : ''}${e.points}`) };
}
