// `leakbot diff` over dumps from several processes: which file belongs to which process, and where a
// process restarted between two of its dumps. Pure (file names and parsed snapshots in, groups out).
import { basename } from 'node:path';
import { detectRestart, maxGoroutineId, restartFromDumps } from './capture/restart.js';
import type { Snapshot } from './engine/index.js';

/** Extensions a dump file commonly carries, stripped before naming its process. */
const EXT = /(\.(txt|text|out|log|dump|goroutines?|pb|pprof|prof|gz))+$/i;
/** A trailing counter or timestamp: `-1`, `_0002`, `.20261129T2300Z`, `-2026-11-29T23:00:00Z`. */
const STAMP = /[-_.@](\d{1,6}|\d{8}T\d{4,6}Z?|\d{4}-\d\d-\d\d(T[\d:.-]+Z?)?|\d{10,13})$/;

/** The process a dump file names: with `pattern` (a regex), its first capture group (or the whole
 *  match) in the file's base name; otherwise the base name without extensions and a trailing counter
 *  or timestamp (`pod-a-2.txt` → `pod-a`). Null when the pattern does not match. */
export function instanceOfFile(path: string, pattern?: RegExp): string | null {
  const name = basename(path);
  if (pattern) {
    const m = pattern.exec(name);
    return m ? (m[1] ?? m[0]) : null;
  }
  let stem = name.replace(EXT, '');
  for (let i = 0; i < 2 && STAMP.test(stem); i++) stem = stem.replace(STAMP, '');
  return stem || name;
}

/** Files grouped by process, in the order given (each group oldest first). */
export interface InstanceGroup {
  instance: string;
  files: string[];
}

/** Groups files by process. Without a pattern, names are only trusted when they split the files
 *  into at least two processes with two dumps or more each; otherwise all files are one series (as
 *  `leakbot diff before.txt after.txt` always was). Throws Error naming a file the pattern misses. */
export function groupFiles(files: readonly string[], pattern?: RegExp): InstanceGroup[] {
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const inst = instanceOfFile(f, pattern);
    if (inst === null) throw new Error(`${f}: --instance pattern ${pattern} does not match its name`);
    groups.set(inst, [...(groups.get(inst) ?? []), f]);
  }
  const out = [...groups].map(([instance, fs]) => ({ instance, files: fs }));
  if (!pattern && (out.length < 2 || out.some((g) => g.files.length < 2))) return [{ instance: '', files: [...files] }];
  return out;
}

/** The part of one process's series to compare: from its last restart on. `restarts` says where
 *  earlier dumps were left out and why. The same rule as the bot's (capture/coordinator.ts): the marks
 *  first (ids started over, far fewer goroutines), then the dumps themselves (restartFromDumps: a
 *  small process that restarted hands out nearly the same ids again). */
export function currentLife(snaps: readonly Snapshot[]): { from: number; restarts: Array<{ at: number; reason: string }> } {
  const restarts: Array<{ at: number; reason: string }> = [];
  for (let i = 1; i < snaps.length; i++) {
    const [p, c] = [snaps[i - 1]!, snaps[i]!];
    const marks = detectRestart(
      { maxGoroutineId: maxGoroutineId(p), total: p.total, capturedAt: p.capturedAt ?? 0 },
      { maxGoroutineId: maxGoroutineId(c), total: c.total, capturedAt: c.capturedAt ?? 0 },
    );
    const v = marks.restarted ? marks : restartFromDumps(p, c);
    if (v.restarted) restarts.push({ at: i, reason: v.reason });
  }
  return { from: restarts.at(-1)?.at ?? 0, restarts };
}

/** Dump files carry no capture time of their own except profile.proto, which Go stamps (time_nanos):
 *  adopt it, so the engine compares them oldest first (it sorts by capture time when every snapshot
 *  has one) even when a glob or a slip gave them in another order. Returns a note when the order
 *  given was not the profiles' own. `names`: one per snapshot, as the user gave them. */
export function adoptProfileTimes(snaps: Snapshot[], names: string[]): string[] {
  for (const s of snaps) if (s.capturedAt === null && s.profileTime !== undefined) s.capturedAt = s.profileTime;
  if (!snaps.every((s) => s.capturedAt !== null)) return [];
  const order = snaps.map((_, i) => i).sort((a, b) => snaps[a]!.capturedAt! - snaps[b]!.capturedAt!);
  if (order.every((v, i) => v === i)) return [];
  return [`compared oldest first by the time each profile.proto says it was taken: ${order.map((i) => names[i]).join(', ')} (not the order given)`];
}
