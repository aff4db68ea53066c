// Words and buttons of leakbot's own messages (the findings themselves come from the engine's
// renderBlocks). Kept here so every flow speaks the same way.
import type { Analysis } from '../engine/index.js';
import type { SnapshotMeta } from '../store/snapshots.js';
import { escapeMrkdwn } from './text.js';

export const ACTIONS = {
  captureAgain: 'leak_capture_again',
  compareBaseline: 'leak_compare_baseline',
  setBaseline: 'leak_set_baseline',
  fullReport: 'leak_full_report',
  postmortemDraft: 'postmortem_draft',
} as const;

/** Button value: short keys, JSON (Slack caps values at 2000 chars). */
export interface ButtonValue {
  s: string;
  ch: string;
  ts: string;
  c: number | null;
  r: number | null;
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

export function outcomeStatus(a: Analysis, cur: SnapshotMeta, shared: boolean): string {
  const n = a.findings.filter((f) => f.confidence !== 'low').length;
  const low = a.findings.length - n;
  const top = a.findings[0];
  const site = top?.site ? ` (top: ${top.patternTitle} at \`${shortFile(top.site.file)}:${top.site.line}\`)` : '';
  const what =
    n > 0 ? `*${n} suspected leak site${n === 1 ? '' : 's'}*${site}` : low > 0 ? `nothing conclusive, ${low} worth a look` : 'no suspected leaks';
  return `${cur.total.toLocaleString('en-US')} goroutines, ${what}.${shared ? ' (shared a capture taken moments ago)' : ''} Details in the thread.`;
}

export function shortFile(file: string): string {
  const parts = file.split('/');
  return parts.slice(-2).join('/');
}

export function comparisonNote(ref: SnapshotMeta | null, refKind: 'baseline' | 'previous' | null, service: string): string {
  if (!ref || !refKind) {
    return `:information_source: Single snapshot — no baseline or earlier snapshot of ${service} yet, so growth cannot be measured. Run \`/leak snapshot ${service}\` again in a few minutes for a comparison, and \`/leak baseline ${service}\` while the service is healthy.`;
  }
  return `Compared with ${refKind === 'baseline' ? 'the baseline' : 'the previous snapshot'} ${snapDesc(ref)}.`;
}

export function captureFailedText(service: string, message: string): string {
  return `:x: Could not capture *${escapeMrkdwn(service)}*: ${escapeMrkdwn(message)}`;
}
