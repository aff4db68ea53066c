// Simulated age for real dumps: a service that has run for hours shows its idle goroutines with long
// waits ("[chan receive, 1440 minutes]"), which a capture a few seconds after start cannot. We add
// `minutes` to the wait of every goroutine that sits in the same wait in every capture of the series
// (same goroutine id, same reason and innermost frame: steadyIds) and is parked the way idle pools and
// loops park (IDLE_WAITS); goroutines started later, busy workers, and lock waits (a convoy's waits
// are short however old the process) keep the wait Go printed. Only debug=2 text carries wait minutes (debug=1 and proto do not), so only it is rewritten.
// Header format: runtime/traceback.go goroutineheader: "[<reason>[, N minutes][, locked to thread]]".

const HEADER = /^(goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[)([^\]]*)(\].*)$/gm;
/** Statuses Go never prints a wait time for. */
const NOT_WAITING = /^(running|runnable|preempted|idle|dead|copystack)\b/;

/** How a pool worker, a ticker or signal loop, an idle connection waits. */
export const IDLE_WAITS = /^(chan receive|select|IO wait|sleep|sync\.Cond\.Wait|syscall)\b/;

/** Rewrite the waits of goroutines in `oldIds` whose wait reason matches `which` (every waiting
 *  goroutine when null) to be `minutes` longer. */
export function ageDump(text: string, oldIds: ReadonlySet<number>, minutes: number, which: RegExp | null = IDLE_WAITS): string {
  if (minutes <= 0) return text;
  return text.replace(HEADER, (all, head: string, id: string, inner: string, tail: string) => {
    if (!oldIds.has(Number(id)) || NOT_WAITING.test(inner) || (which !== null && !which.test(inner))) return all;
    const parts = inner.split(', ');
    const at = parts.findIndex((p) => / minutes$/.test(p));
    if (at >= 0) parts[at] = `${Number.parseInt(parts[at]!, 10) + minutes} minutes`;
    else parts.splice(1, 0, `${minutes} minutes`);
    return `${head}${parts.join(', ')}${tail}`;
  });
}

/** Goroutine ids of a debug=2 dump. */
export function idsOf(text: string): Set<number> {
  const ids = new Set<number>();
  for (const m of text.matchAll(/^goroutine (\d+) /gm)) ids.add(Number(m[1]));
  return ids;
}

/** Ids of goroutines that sit in the same wait (reason and innermost frame) in every dump of a series:
 *  the ones that plausibly waited all along. A busy worker caught waiting at one moment and running at
 *  the next is not among them. */
export function steadyIds(texts: string[]): Set<number> {
  const waits = texts.map((t) => {
    const m = new Map<number, string>();
    for (const g of t.matchAll(/^goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[([^\],]*)[^\n]*\n([^\n(]*)/gm)) m.set(Number(g[1]), `${g[2]}|${g[3]}`);
    return m;
  });
  const out = new Set<number>();
  const [first, ...rest] = waits;
  for (const [id, w] of first ?? []) if (rest.every((m) => m.get(id) === w)) out.add(id);
  return out;
}
