// Words and buttons of leakbot's own messages (the findings themselves come from the engine's
// renderBlocks). Kept here so every flow speaks the same way.
import type { Analysis } from '../engine/index.js';
import { shortFile, verdictLine, warningsOf } from '../engine/render/format.js';
import type { ThreadState } from '../store/threads.js';
import type { SnapshotMeta } from '../store/snapshots.js';
import { escapeMrkdwn } from './text.js';

export const ACTIONS = {
  captureAgain: 'leak_capture_again',
  compareBaseline: 'leak_compare_baseline',
  setBaseline: 'leak_set_baseline',
  fullReport: 'leak_full_report',
  postmortemDraft: 'postmortem_draft',
  newThread: 'leak_new_thread',
  confirmBaseline: 'leak_baseline_confirm',
  cancelBaseline: 'leak_baseline_cancel',
} as const;

/** Button value: short keys, JSON (Slack caps values at 2000 chars). */
export interface ButtonValue {
  s: string;
  ch: string;
  ts: string;
  c: number | null;
  r: number | null;
  /** A fleet pod's instance id when the thread follows that pod alone (`pod=`): *Capture again*
   *  captures it, not the whole fleet. */
  i?: string;
}

export function parseButtonValue(v: string): ButtonValue | null {
  try {
    const o = JSON.parse(v) as ButtonValue;
    return typeof o.s === 'string' && typeof o.ch === 'string' && typeof o.ts === 'string' ? o : null;
  } catch {
    return null;
  }
}

export function actionsBlock(v: ButtonValue, opts: { hasBaseline: boolean }): object {
  const value = JSON.stringify(v);
  const button = (text: string, action_id: string, style?: 'primary' | 'danger') => ({
    type: 'button',
    text: { type: 'plain_text', text, emoji: true },
    action_id,
    value,
    ...(style ? { style } : {}),
  });
  return {
    type: 'actions',
    block_id: 'leak_actions',
    elements: [
      button('Capture again', ACTIONS.captureAgain, 'primary'),
      ...(opts.hasBaseline ? [button('Compare with baseline', ACTIONS.compareBaseline)] : []),
      button('Set as baseline', ACTIONS.setBaseline),
      button('Full report', ACTIONS.fullReport),
      button('Draft postmortem', ACTIONS.postmortemDraft),
      button('New thread', ACTIONS.newThread),
    ],
  };
}

export function mentionList(users: string[]): string {
  const u = [...new Set(users)].filter(Boolean);
  if (u.length === 0) return 'leakbot';
  if (u.length <= 3) return u.map((x) => `<@${x}>`).join(', ');
  return `${u
    .slice(0, 2)
    .map((x) => `<@${x}>`)
    .join(', ')} and ${u.length - 2} others`;
}

export function fmtTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19) + ' UTC';
}

export function snapDesc(m: SnapshotMeta): string {
  return `#${m.seq} (${fmtTime(m.capturedAt)}, ${m.total.toLocaleString('en-US')} goroutines)`;
}

/** `status` is escaped (it may quote a service's error answer); mentions are ours. */
export function parentText(service: string, users: string[], status: string): string {
  return `Goroutine snapshot of *${escapeMrkdwn(service)}*, requested by ${mentionList(users)} — ${escapeMrkdwn(status)}`;
}

/**
 * The one summary of an analysis that a thread's parent and the in-thread status show: the same
 * verdict line the findings message opens with (engine/render/format.ts verdictLine), plus the top
 * site. "2 suspected leak sites (1 medium, 1 low). Top: chan send at `leaks.go:42`."
 */
export function findingsSummary(a: Analysis): string {
  const top = a.findings.find((f) => f.confidence !== 'low') ?? a.findings[0];
  // The file name comes from the service's profile: outside text.
  const site = top?.site ? ` Top: ${top.patternTitle} at \`${escapeMrkdwn(shortFile(top.site.file))}:${top.site.line}\`.` : '';
  return `${verdictLine(a)}${site}`;
}

/** A parent's status from the thread's latest state (src/store/threads.ts ThreadState). */
export function threadStatus(s: ThreadState, analyses: number): string {
  if (s.outcome === 'failed') {
    const last = s.last ? ` Last verdict (snapshot #${s.last.seq ?? '?'}${s.last.instanceName ? ` of ${escapeMrkdwn(s.last.instanceName)}` : ''}, ${fmtTime(s.last.capturedAt ?? s.last.at)}): ${s.last.summary}` : '';
    return `${s.summary} at ${fmtTime(s.at)}; details in the thread.${last}`;
  }
  // After "120 goroutines, " the verdict line continues the sentence: "…, no suspected goroutine leaks."
  const total = s.total !== undefined ? `${s.total.toLocaleString('en-US')} goroutines, ` : '';
  const summary = total ? s.summary.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase()) : s.summary;
  const count = analyses > 1 ? ` · ${analyses} analyses in this thread` : '';
  // A fleet's pod: the thread may hold another pod's worse verdict, so this one says whose it is.
  const pod = s.instanceName ? `${escapeMrkdwn(s.instanceName)}: ` : '';
  // The snapshot's own time: a diff run an hour after #5 is still about #5 as it was then.
  return `${pod}${total}${summary} (snapshot #${s.seq ?? '?'}, ${fmtTime(s.capturedAt ?? s.at)})${count}. Details in the thread.`;
}


/** The findings' context line on what was compared: the reference (`refKind`), and the `earlier`
 *  snapshots of a series (src/flows/findings.ts, SERIES_MAX); the single-snapshot hint without one. */
export function comparisonNote(ref: SnapshotMeta | null, refKind: 'baseline' | 'previous' | null, service: string, suffix = '', earlier: readonly SnapshotMeta[] = []): string {
  if (!ref || !refKind) {
    return `:information_source: Single snapshot — no baseline or earlier snapshot of ${service} yet, so growth cannot be measured. Run \`/leak snapshot ${service}\` again in a few minutes for a comparison, and \`/leak baseline ${service}\` while the service is healthy.`;
  }
  const series = earlier.length ? ` and, as a series, with the earlier ${earlier.length === 1 ? 'one' : 'ones'} ${earlier.map(snapDesc).join(', ')} (a leak grows at every step; a surge or a pool falls back or holds)` : '';
  return `Compared with ${refKind === 'baseline' ? 'the baseline' : 'the previous snapshot'} ${snapDesc(ref)}${suffix}${series}.`;
}

export function captureFailedText(service: string, message: string, what?: string): string {
  return `:x: Could not capture *${escapeMrkdwn(service)}*${what ? ` ${what}` : ''}: ${escapeMrkdwn(message)}`;
}

/** The findings' single-snapshot warning when leakbot captures again by itself in `delayMs`: the
 *  engine's default asks the reader to take a second snapshot by hand. */
export function autoRecaptureWarning(delayMs: number): string {
  return `single snapshot: growth is not measured yet; leakbot captures again by itself in ${Math.round(delayMs / 1000)} s and updates these findings (no need to run it by hand)`;
}

/** The findings' single-snapshot warning when leakbot does not capture again by itself
 *  (snapshot.autoRecaptureSeconds 0): the engine's default ('take a second one in a minute') sat
 *  above a note saying 'Run /leak snapshot … again in a few minutes': the same ask twice, timed
 *  differently. Said once, here, with the verb and the button that do it. */
export function manualRecaptureWarning(service: string): string {
  return `single snapshot: growth is not measured yet; run \`/leak snapshot ${service}\` again in a minute (or press Capture again) and the two are compared`;
}

/** The note under a first snapshot's findings when leakbot does not capture again by itself: only
 *  the baseline hint when the findings carry manualRecaptureWarning, else the comparison note. */
export function manualSnapshotNote(a: Analysis, service: string): string {
  const warning = manualRecaptureWarning(service);
  return warningsOf(a, warning).includes(warning) ? baselineHint(service) : comparisonNote(null, null, service);
}

/** The findings' single-snapshot warning once the automatic second capture failed (`why`: where
 *  its reason is, posted below them by default; a fleet's round names it in the summary above):
 *  autoRecaptureWarning's promise of an update is withdrawn, and the reader is told how to capture again. */
export function failedRecaptureWarning(service: string, why = 'the reason is below'): string {
  return `single snapshot: growth is not measured yet; the automatic second capture failed (${why}); press Capture again or run \`/leak snapshot ${service}\` to compare`;
}

/** The note under a first snapshot's findings once its automatic second capture failed: only the
 *  baseline hint when the findings carry failedRecaptureWarning, else that warning as a note. */
export function failedRecaptureNote(a: Analysis, service: string, why = 'the reason is below'): string {
  const warning = failedRecaptureWarning(service, why);
  if (warningsOf(a, warning).includes(warning)) return baselineHint(service);
  return `:information_source: Single snapshot of ${service}, so growth cannot be measured: the automatic second capture failed (${why}); press Capture again or run \`/leak snapshot ${service}\` to compare, and set \`/leak baseline ${service}\` while the service is healthy.`;
}

/** The single-snapshot note beside findings that already carry autoRecaptureWarning: the
 *  recapture is said once (trial5 read it twice in one message). */
export function baselineHint(service: string): string {
  return `:information_source: No baseline or earlier snapshot of ${service} yet; set \`/leak baseline ${service}\` while the service is healthy.`;
}

/** The note under a first snapshot's findings when leakbot captures again after `delayMs`: the
 *  recapture note, or — when the findings already say so (the autoRecaptureWarning line that
 *  warningsOf adds beside findings) — only the baseline hint. */
export function firstSnapshotNote(a: Analysis, service: string, delayMs: number): string {
  const warning = autoRecaptureWarning(delayMs);
  return warningsOf(a, warning).includes(warning) ? baselineHint(service) : autoRecaptureNote(service, delayMs);
}

/** The single-snapshot note when leakbot captures again by itself (issue 8's stronger mode). */
export function autoRecaptureNote(service: string, delayMs: number): string {
  return `:information_source: Single snapshot — no baseline or earlier snapshot of ${service} yet, so growth cannot be measured. I will capture again in ${Math.round(delayMs / 1000)} s and update this message with the comparison; set \`/leak baseline ${service}\` while the service is healthy.`;
}
