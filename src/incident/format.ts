import type { Frame } from '../engine/model.js';
// The engine's wording of a file, so a site reads the same in the thread, the parent and the postmortem.
import { shortFile } from '../engine/render/format.js';

// Small formatting helpers shared by the checklist, postmortem and watch messages.

/** A Slack message body: fallback text plus Block Kit blocks. */
export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}


/** `pool.(*Pool).worker.func1` from `github.com/acme/svc/internal/pool.(*Pool).worker.func1` (same
 *  wording as the engine's renderers). */
export function shortFunc(func: string): string {
  return func.slice(func.lastIndexOf('/') + 1);
}

export function frameRef(f: Frame | null | undefined): string {
  if (!f) return 'unknown site';
  if (!f.file) return shortFunc(f.func); // pprof -traces: function names only
  const where = f.line > 0 ? `${shortFile(f.file)}:${f.line}` : shortFile(f.file);
  return `${where} (${shortFunc(f.func)})`;
}

/** `2026-11-23 14:02:07` in UTC: postmortems are read across time zones. */
export function utc(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').slice(0, 19);
}

export function utcTime(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

/** Slack renders this in the reader's own time zone; the fallback is UTC. */
export function slackDate(at: number, format = '{date_short_pretty} {time_secs}'): string {
  return `<!date^${Math.floor(at / 1000)}^${format}|${utc(at)} UTC>`;
}

export function minutes(ms: number): string {
  const m = ms / 60_000;
  if (m < 1) return `${Math.round(ms / 1000)} s`;
  if (m < 120) return `${Math.round(m)} min`;
  return `${(m / 60).toFixed(1).replace(/\.0$/, '')} h`;
}

export function signed(n: number): string {
  return n > 0 ? `+${n.toLocaleString('en-US')}` : n.toLocaleString('en-US');
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Cuts text to `max` characters on a character boundary, marking the cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${Array.from(text).slice(0, Math.max(0, max - 1)).join('').slice(0, max - 1)}…`;
}

/** Slack mrkdwn needs &, < and > escaped in user-supplied or code text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
