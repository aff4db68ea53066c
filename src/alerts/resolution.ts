import type { Finding, Frame, Snapshot } from '../engine/index.js';
import { firedFor } from './messages.js';
import { detectRestart as restartByMarks, maxGoroutineId as highestId, restartFromDumps } from '../capture/restart.js';

// When an alert resolves: did the pile drain, or did a restart only hide it? Pure: snapshots in,
// verdict out. The final capture is compared with the capture taken when the alert fired, site by
// site for the suspects found then (by coarse key, so a redeploy's shifted line numbers still match).
//
// Restart detection is the capture's (src/capture/restart.ts): ids that started over (fell to under
// half, by 64 or more), or the engine's separate-process test on the two dumps (every goroutine under
// one id and stack prints other arguments), or a new life the capture layer already recorded between
// the two snapshots (a start time, a restart seen by a capture in between). A highest id a little
// lower is no restart: ids come in per-P batches, so within one life it wobbles. Formats without ids
// (debug=1, proto) cannot tell, and the verdict says so.

export type ResolutionKind = 'drained' | 'restarted' | 'still-there' | 'unclear';

export interface SiteChange {
  site: Frame | null;
  patternTitle: string;
  state: string;
  before: number;
  after: number;
}

export interface Resolution {
  kind: ResolutionKind;
  totalBefore: number;
  totalAfter: number;
  /** null when a format without goroutine ids was involved. */
  restarted: boolean | null;
  sites: SiteChange[];
  /** One plain sentence for the reply. */
  verdict: string;
}

/** An alert resolved within this long of firing, its pile still there, flapped (ms). */
const FLAP_MS = 60_000;

/** A site counts as drained below this share of its firing-time size. */
const DRAINED_SHARE = 0.2;

/** Whether `after` is of a new life of `before`'s process: true or false from goroutine ids (see
 *  above), null when either dump has none. Pure. */
export function detectRestart(before: Snapshot, after: Snapshot): boolean | null {
  const a = highestId(before);
  const b = highestId(after);
  if (a === null || b === null) return null;
  const marks = (s: Snapshot, max: number) => ({ maxGoroutineId: max, total: s.total, capturedAt: s.capturedAt ?? 0 });
  return restartByMarks(marks(before, a), marks(after, b)).restarted || restartFromDumps(before, after).restarted;
}

function countByCoarseKey(s: Snapshot, key: string): number {
  let n = 0;
  for (const g of s.groups) if (g.coarseKey === key) n += g.count;
  return n;
}

/** `suspects`: the findings of the firing-time analysis (best first); only high/medium/low alike. */
export function assessResolution(
  firing: Snapshot,
  final: Snapshot,
  suspects: Finding[],
  maxSites = 5,
  /** The capture layer recorded a new life of the process between the two snapshots (SnapshotMeta.life). */
  newLife = false,
  /** How long the alert fired (ms), when known: a pile still there after seconds is a flap, not a pause. */
  firedForMs?: number,
): Resolution {
  const restarted = newLife || detectRestart(firing, final);
  const sites: SiteChange[] = suspects.slice(0, maxSites).map((f) => ({
    site: f.site ?? f.stdSite ?? f.frames[0] ?? null,
    patternTitle: f.patternTitle,
    state: f.state,
    before: countByCoarseKey(firing, f.coarseKey),
    after: countByCoarseKey(final, f.coarseKey),
  }));
  const base = { totalBefore: firing.total, totalAfter: final.total, restarted, sites };
  const pile = (c: SiteChange) => c.before > 0 && c.after > c.before * DRAINED_SHARE;
  const stillThere = sites.filter(pile);

  if (restarted) {
    return {
      ...base,
      kind: 'restarted',
      verdict:
        'Goroutine ids started over, so the process restarted: the restart emptied the pile, it did not fix the leak. Expect the alert back unless the code at the site above was fixed and deployed.',
    };
  }
  if (sites.length === 0) {
    return {
      ...base,
      kind: 'unclear',
      verdict: `No leak site was identified when the alert fired; goroutines went ${firing.total} → ${final.total}.`,
    };
  }
  if (stillThere.length > 0) {
    const held = `${stillThere.length} of ${sites.length} suspect site${sites.length === 1 ? '' : 's'} still ${stillThere.length === 1 ? 'holds' : 'hold'} most of ${stillThere.length === 1 ? 'its' : 'their'} goroutines`;
    // Seconds after it fired nothing could have drained or paused: the alert's condition flapped.
    const flap = firedForMs !== undefined && firedForMs < FLAP_MS;
    return {
      ...base,
      kind: 'still-there',
      verdict: flap
        ? `The alert resolved ${firedFor(firedForMs)} after it fired and the pile did not drain (${held}): its condition flapped across the threshold, the leak did not stop. Expect the alert back while ${stillThere.length === 1 ? 'that site keeps' : 'those sites keep'} growing.`
        : `The alert resolved but the pile did not drain (${held}): the growth may just have paused. Keep the thread open.`,
    };
  }
  if (restarted === null) {
    return {
      ...base,
      kind: 'unclear',
      verdict: 'The suspect sites emptied. This profile format carries no goroutine ids, so a restart cannot be told from a real drain; check the process uptime.',
    };
  }
  return { ...base, kind: 'drained', verdict: 'The pile drained in the same process: the suspect sites emptied without a restart.' };
}
