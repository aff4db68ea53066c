// One library object, one finding. A client, scheduler or cache a library starts runs several
// goroutines (workers, a controller, a waiter for the workers): when the objects leak, each stack is a
// pile of its own, and the same leak reads as three findings that point at one line. They fold into
// the strongest, which names the others.
import type { Finding, StackGroup } from './model.js';
import { dependencyModule } from './modules.js';

const frameText = (f: { func: string; file: string; line: number }) => `${f.func} ${f.file}:${f.line}`;

/** Whether `b` is more goroutines of the objects `a` speaks for: both started by one dependency
 *  module's code (their creator frames lie in it), and either for the same line of the service's code
 *  (StackGroup.startedFrom: where the goroutines that made the objects run) or by goroutines of `a`'s own pile (a scheduler
 *  loop that starts its executor). Needs creator and goroutine ids (debug=2, Go ≥ 1.21) for the second. */
function companionOf(a: Finding, ga: StackGroup, b: Finding, gb: StackGroup): boolean {
  const module = a.createdBy ? dependencyModule(a.createdBy.file) : null;
  if (module === null || !b.createdBy || dependencyModule(b.createdBy.file) !== module) return false;
  if (ga.startedFrom && gb.startedFrom && frameText(ga.startedFrom.frame) === frameText(gb.startedFrom.frame)) return true;
  const creators = gb.creatorIds ?? [];
  if (creators.length === 0 || !ga.ids) return false;
  const pile = new Set(ga.ids);
  return creators.every((id) => pile.has(id));
}

/** Folds companion findings (companionOf) into the strongest of each set; `found` is ordered strongest
 *  first, `groupOf` gives a finding's group in the latest snapshot. The survivor keeps its own counts
 *  and verdict and lists the others (`companions`, and one line of its signals). */
export function foldCompanions(found: Finding[], groupOf: (f: Finding) => StackGroup): Finding[] {
  const out: { f: Finding; g: StackGroup; companions: Finding[] }[] = [];
  for (const f of found) {
    const g = groupOf(f);
    const host = out.find((h) => companionOf(h.f, h.g, f, g));
    if (host) host.companions.push(f);
    else out.push({ f, g, companions: [] });
  }
  return out.map(({ f, companions }) => {
    if (companions.length === 0) return f;
    const total = companions.reduce((n, c) => n + c.after, 0);
    const list = companions.map((c) => `${c.after} in ${shortFunc(c.site?.func ?? c.frames[0]?.func ?? '')} (${c.state})`).join(', ');
    return {
      ...f,
      signals: [...f.signals, `plus ${total} goroutines the same objects run: ${list}`],
      companions: companions.map((c) => ({ func: c.site?.func ?? c.frames[0]?.func ?? '', state: c.state, count: c.after, confidence: c.confidence })),
    };
  });
}

const shortFunc = (func: string) => func.slice(func.lastIndexOf('/') + 1);
