import type { Confidence, Finding } from '../engine/model.js';
import { frameRef, minutes, signed, count } from './format.js';
import { FACTORS, GENERAL_ACTIONS, PATTERN_ACTIONS, PATTERN_FACTORS, type FactorId } from './remedies.js';
import {
  digestFinding,
  type AlertEventData,
  type ChecklistTickEventData,
  type FindingDigest,
  type FindingsEventData,
  type SnapshotEventData,
  type TimelineEvent,
  type WatchEventData,
} from './timeline.js';

// Drafting a postmortem is a pure function of what leakbot recorded: timeline events and findings in,
// structured sections out. Rendering (Markdown file, Slack summary, canvas) lives in postmortem-render.ts.

export interface DraftInput {
  service: string;
  /** The incident's events, any order (sorted here). */
  events: TimelineEvent[];
  /** The freshest analysis, best first, when the caller has one; otherwise findings events are used. */
  findings?: Finding[];
  /** The fleet pod `findings` were read from (a fleet's findings are one pod's). */
  findingsPod?: string;
  /** Who asked for the draft, and when (ms). */
  requestedBy?: string;
  now: number;
}

export interface TimelineEntry {
  at: number;
  type: TimelineEvent['type'];
  actor?: string;
  text: string;
}

export interface RootCause {
  site: string;
  pattern: FindingDigest['pattern'];
  patternTitle: string;
  confidence: Confidence;
  state: string;
  evidence: string[];
  advice: string;
  createdBy: string | null;
  /** The fleet pod it was found on, when the service is a fleet. */
  pod?: string;
}

export interface Factor {
  id: FactorId;
  text: string;
  /** True when what leakbot saw is evidence of it; the rest are for people to tick. */
  checked: boolean;
  evidence?: string;
}

export interface ActionItem {
  text: string;
  priority: 'P1' | 'P2';
  source: 'pattern' | 'general';
}

export interface Detection {
  kind: 'alert' | 'command' | 'unknown';
  at: number | null;
  actor?: string;
  text: string;
  link?: string;
}

export interface PostmortemDraft {
  service: string;
  title: string;
  generatedAt: number;
  requestedBy?: string;
  window: { start: number; end: number } | null;
  summary: string;
  impact: Array<{ label: string; value: string | null }>;
  detection: Detection;
  timeline: TimelineEntry[];
  rootCauses: RootCause[];
  factors: Factor[];
  actionItems: ActionItem[];
  lessons: Array<{ heading: string; points: string[] }>;
  /** Goroutine totals seen, oldest first (for the summary); `pod` names a fleet's pod (totals of
   *  different pods are never compared with each other). */
  totals: Array<{ at: number; total: number; pod?: string }>;
}

const CONFIDENCE_RANK: Record<Confidence, number> = { high: 0, medium: 1, low: 2 };
const MAX_ROOT_CAUSES = 3;

// ---- tolerant readers for event data (events come from several writers and versions) ----

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

function snapshotData(e: TimelineEvent): { total: number | null; delta: number | null; comparedWith: string | null } {
  const d = (e.data ?? {}) as Partial<SnapshotEventData> & { goroutines?: unknown };
  return { total: num(d.total) ?? num(d.goroutines), delta: num(d.delta), comparedWith: str(d.comparedWith) };
}

/** The fleet pod an event is about (its figures are that pod's, not the service's), or null. */
const podOf = (e: TimelineEvent): string | null => str((e.data as { instanceName?: unknown } | undefined)?.instanceName);

const frame = (v: unknown): FindingDigest['site'] => {
  const f = v as FindingDigest['site'];
  return f && typeof f === 'object' && typeof f.func === 'string' && typeof f.file === 'string' ? { func: f.func, file: f.file, line: num(f.line) ?? 0 } : null;
};

/** Findings recorded in an event, normalised: writers may use `title` for `patternTitle` and omit
 *  signals, advice or the standard-library site. */
function findingsData(e: TimelineEvent): FindingDigest[] {
  const list = (e.data as Partial<FindingsEventData> | undefined)?.findings;
  if (!Array.isArray(list)) return [];
  const out: FindingDigest[] = [];
  for (const raw of list as unknown as Array<Record<string, unknown>>) {
    if (!raw || typeof raw !== 'object' || typeof raw.pattern !== 'string') continue;
    const confidence = raw.confidence === 'high' || raw.confidence === 'medium' ? raw.confidence : 'low';
    out.push({
      pattern: raw.pattern as FindingDigest['pattern'],
      patternTitle: str(raw.patternTitle) ?? str(raw.title) ?? raw.pattern,
      state: str(raw.state) ?? 'unknown',
      confidence,
      site: frame(raw.site),
      stdSite: frame(raw.stdSite),
      createdBy: frame(raw.createdBy),
      before: num(raw.before) ?? 0,
      after: num(raw.after) ?? 0,
      delta: num(raw.delta) ?? (num(raw.after) ?? 0) - (num(raw.before) ?? 0),
      growthPerMinute: num(raw.growthPerMinute),
      signals: Array.isArray(raw.signals) ? raw.signals.filter((s): s is string => typeof s === 'string') : [],
      advice: str(raw.advice) ?? '',
      // One snapshot read: its before and after are one count. Older events say so by refSeq null.
      ...(raw.single === true || (e.data as Partial<FindingsEventData>).refSeq === null ? { single: true } : {}),
    });
  }
  return out;
}

function alertName(e: TimelineEvent): string {
  return str((e.data as Partial<AlertEventData> | undefined)?.alertname) ?? 'alert';
}

/** " fired for svc-order" from an event text that repeats the alert name ("X fired for svc-order"),
 *  else " fired: <text>", so the name is not said twice. */
function alertRest(e: TimelineEvent, verb: string): string {
  const name = alertName(e);
  if (!e.text) return ` ${verb}`;
  return e.text.startsWith(`${name} `) ? e.text.slice(name.length) : ` ${verb}: ${e.text}`;
}

export const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const who = (actor: string | undefined): string => (actor ? (/^[UW][A-Z0-9]{2,}$/.test(actor) ? `<@${actor}>` : actor) : 'someone');

// ---- sections ----

/** "90 → 124" for a comparison; "90 in one snapshot" for a single-snapshot read (no growth seen). */
const counts = (f: FindingDigest): string => (f.single ? `${count(f.after)} in one snapshot` : `${count(f.before)} → ${count(f.after)}`);

function timelineText(e: TimelineEvent, prevTotal: number | null): string {
  const pod = podOf(e);
  switch (e.type) {
    case 'alert.firing': {
      const d = e.data as Partial<AlertEventData> | undefined;
      return `Alert **${alertName(e)}**${alertRest(e, 'fired')}${d?.source ? ` (${d.source})` : ''}`;
    }
    case 'alert.resolved':
      return `Alert **${alertName(e)}**${alertRest(e, 'resolved')}`;
    case 'snapshot': {
      const s = snapshotData(e);
      if (s.total === null) return `Snapshot captured${e.text ? `: ${e.text}` : ''}`;
      const delta = s.delta ?? (prevTotal !== null ? s.total - prevTotal : null);
      const vs = s.delta !== null && s.comparedWith ? ` vs ${s.comparedWith}` : s.delta === null && prevTotal !== null ? ' vs previous' : '';
      return `Snapshot${pod ? ` of ${pod}` : ''}: ${count(s.total)} goroutines${delta !== null ? ` (${signed(delta)}${vs})` : ''}`;
    }
    case 'findings': {
      const list = findingsData(e);
      const top = list[0];
      if (!top) return e.text || 'Analysis: no suspected leak sites';
      const more = list.length > 1 ? ` (+${list.length - 1} more)` : '';
      return `Findings${pod ? ` on ${pod}` : ''}: ${top.patternTitle} at ${frameRef(top.site)}, ${counts(top)}, ${top.confidence} confidence${more}`;
    }
    case 'checklist.tick': {
      const d = e.data as Partial<ChecklistTickEventData> | undefined;
      return `${who(e.actor)} ${d?.checked === false ? 'unticked' : 'ticked'} “${e.text}”`;
    }
    case 'command':
      return `${who(e.actor)} ran \`${e.text}\``;
    case 'baseline':
      return `${who(e.actor)} set the baseline${e.text ? `: ${e.text}` : ''}`;
    case 'watch': {
      const d = e.data as Partial<WatchEventData> | undefined;
      if (d?.phase === 'end' && d.verdict) return `Watch ended: ${d.verdict}${e.text ? ` (${e.text})` : ''}`;
      return `Watch: ${e.text}`;
    }
    case 'error':
      return `Error: ${e.text}`;
    default:
      return e.text;
  }
}

function buildTimeline(events: TimelineEvent[]): { entries: TimelineEntry[]; totals: PostmortemDraft['totals'] } {
  const entries: TimelineEntry[] = [];
  const totals: PostmortemDraft['totals'] = [];
  // Per pod: a fleet's rounds may follow different pods, whose totals say nothing of each other.
  const prevTotal = new Map<string, number>();
  const at = (e: TimelineEvent, total: number): PostmortemDraft['totals'][number] => {
    const pod = podOf(e);
    return { at: e.at, total, ...(pod ? { pod } : {}) };
  };
  for (const e of events) {
    // A watch's individual ticks are summarised by its start and end; listing each would drown the rest.
    if (e.type === 'watch' && (e.data as Partial<WatchEventData> | undefined)?.phase === 'tick') {
      const t = num((e.data as Partial<WatchEventData>).total);
      if (t !== null) totals.push(at(e, t));
      continue;
    }
    // Read-only commands recorded by older versions: noise ("ran /leak history"), their results are events of their own.
    if (e.type === 'command' && READ_ONLY.test(e.text)) continue;
    entries.push({ at: e.at, type: e.type, ...(e.actor ? { actor: e.actor } : {}), text: timelineText(e, prevTotal.get(podOf(e) ?? '') ?? null) });
    if (e.type === 'snapshot') {
      const t = snapshotData(e).total;
      if (t !== null) {
        totals.push(at(e, t));
        prevTotal.set(podOf(e) ?? '', t);
      }
    }
  }
  totals.sort((a, b) => a.at - b.at);
  return { entries, totals };
}

/** Candidates from the fresh analysis first, then from recorded findings (newest first), one per site;
 *  high and medium ones only, unless there are none. */
function rootCauses(input: DraftInput, events: TimelineEvent[]): RootCause[] {
  const recorded = events
    .filter((e) => e.type === 'findings')
    .reverse()
    .flatMap((e) => {
      const pod = podOf(e);
      return findingsData(e).map((f) => ({ ...f, ...(pod ? { pod } : {}) }));
    });
  const fresh = (input.findings ?? []).map((f) => ({ ...digestFinding(f), ...(input.findingsPod ? { pod: input.findingsPod } : {}) }));
  const all: Array<FindingDigest & { pod?: string }> = [...fresh, ...recorded];
  const seen = new Set<string>();
  const unique: typeof all = [];
  for (const f of all) {
    const key = `${f.pattern}|${frameRef(f.site)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(f);
  }
  // Stable sort keeps the engine's own order within a confidence level.
  unique.sort((a, b) => CONFIDENCE_RANK[a.confidence] - CONFIDENCE_RANK[b.confidence]);
  // A low finding is a pile worth a look (often a pool at rest), not a cause: beside a high or medium
  // one it would put a wrong site and a wrong action item into the postmortem. Alone, lows are all
  // there is to look at, and say so (their confidence is printed, their action items are P2).
  const strong = unique.filter((f) => f.confidence !== 'low');
  return (strong.length > 0 ? strong : unique).slice(0, MAX_ROOT_CAUSES).map((f) => {
    // The engine's own reasons when recorded; else what the counts say.
    const rate = f.growthPerMinute !== null && f.delta > 0 ? `, +${f.growthPerMinute >= 10 ? f.growthPerMinute.toFixed(0) : f.growthPerMinute.toFixed(1)}/min` : '';
    const evidence = f.signals.length > 0 ? [...f.signals] : [f.single ? `${count(f.after)} goroutines in one snapshot (growth not measured)` : `${count(f.before)} → ${count(f.after)} goroutines (${signed(f.delta)}${rate})`, `blocked in ${f.state}`];
    if (f.stdSite) evidence.push(`standard-library frame ${frameRef(f.stdSite)}`);
    return {
      site: frameRef(f.site),
      pattern: f.pattern,
      patternTitle: f.patternTitle,
      confidence: f.confidence,
      state: f.state,
      evidence,
      advice: f.advice,
      createdBy: f.createdBy ? frameRef(f.createdBy) : null,
      ...(f.pod ? { pod: f.pod } : {}),
    };
  });
}

/** Command events of verbs that only read (commands/ modules marked readOnly), as older versions
 *  recorded them: `/leak history …`, `/leak diff …`, `/leak postmortem …`, `/leak services`. */
const READ_ONLY = /^\/leak\s+(history|diff|postmortem|pm|services|list|help)\b/i;

/** The first findings a person's request brought that name a leak (high or medium): when they came
 *  before the alert fired, the person detected it and the alert came later. */
function foundByPerson(events: TimelineEvent[]): TimelineEvent | undefined {
  return events.find((e) => e.type === 'findings' && e.actor !== undefined && e.actor !== 'leakbot' && findingsData(e).some((f) => f.confidence !== 'low'));
}

/** The first alert that fired after a person had found the leak, and how much later. */
function lateAlert(events: TimelineEvent[]): { alert: TimelineEvent; after: string } | null {
  const alert = events.find((e) => e.type === 'alert.firing');
  const person = foundByPerson(events);
  return alert && person && person.at < alert.at ? { alert, after: minutes(alert.at - person.at) } : null;
}

/** `snapshot` of `/leak snapshot svc-order --new`: the verb a command event asked. */
function verbOf(e: TimelineEvent): string {
  const d = e.data as { verb?: unknown } | undefined;
  return typeof d?.verb === 'string' ? d.verb : (/^\/leak\s+(\S+)/i.exec(e.text)?.[1] ?? e.text).toLowerCase();
}

function detection(events: TimelineEvent[]): Detection {
  const late = lateAlert(events);
  const alert = late ? undefined : events.find((e) => e.type === 'alert.firing');
  if (alert) {
    const d = alert.data as Partial<AlertEventData> | undefined;
    const link = str(d?.generatorURL);
    return {
      kind: 'alert',
      at: alert.at,
      actor: alert.actor ?? d?.source ?? 'alertmanager',
      text: `Alert **${alertName(alert)}**${alertRest(alert, 'fired')}${d?.source ? ` (${d.source})` : ''}; leakbot captured the service automatically.`,
      ...(link ? { link } : {}),
    };
  }
  // No alert: the first capture or analysis, and the command that asked for it (the person's last
  // command before it). Commands that found nothing (a history or diff answered "No snapshots
  // yet", recorded by older versions) are not how anything was detected. The same verb asked just
  // before it by the same person is that request made again (its capture failed: a struggling
  // service, Redis down): the first asking is when the leak was looked for.
  const found = events.find((e) => e.type === 'snapshot' || e.type === 'findings');
  if (found) {
    const person = found.actor && found.actor !== 'leakbot' ? found.actor : undefined;
    const asked = events.filter((e) => e.type === 'command' && e.at <= found.at && (person === undefined || e.actor === person) && !READ_ONLY.test(e.text));
    const last = asked[asked.length - 1];
    let k = asked.length - 1;
    while (k > 0 && verbOf(asked[k - 1]!) === verbOf(last!)) k--;
    const cmd = asked[k];
    const actor = cmd?.actor ?? person;
    const what = found.type === 'snapshot' ? 'captured a snapshot' : 'compared snapshots';
    const again = cmd && cmd !== last && found.at - cmd.at >= 60_000 ? `, which answered ${minutes(found.at - cmd.at)} later (asked ${k === asked.length - 2 ? 'twice' : `${asked.length - k} times`})` : '';
    return {
      kind: 'command',
      at: cmd?.at ?? found.at,
      ...(actor ? { actor } : {}),
      text: `${cmd ? `${who(cmd.actor)} ran \`${cmd.text}\`${again}` : `${actor ? who(actor) : 'leakbot'} ${what}`}${late ? `; the alert **${alertName(late.alert)}** fired ${late.after} later.` : ' — no alert fired.'}`,
    };
  }
  const first = events.find((e) => e.type === 'command' && !READ_ONLY.test(e.text));
  if (first) return { kind: 'command', at: first.at, ...(first.actor ? { actor: first.actor } : {}), text: `${who(first.actor)} ran \`${first.text}\` — no alert fired.` };
  return { kind: 'unknown', at: null, text: 'leakbot has no record of how this was detected: fill in.' };
}

function factors(causes: RootCause[], events: TimelineEvent[], det: Detection): Factor[] {
  const evidence = new Map<FactorId, string>();
  for (const c of causes) {
    if (c.confidence === 'low') continue;
    for (const id of PATTERN_FACTORS[c.pattern] ?? []) if (!evidence.has(id)) evidence.set(id, `${c.patternTitle} at ${c.site}`);
  }
  const late = lateAlert(events);
  if (det.kind !== 'alert') evidence.set('no-growth-alert', late ? `the alert ${alertName(late.alert)} fired ${late.after} after a person found the leak` : 'no alert is recorded for this incident');
  const baselineSet = events.some((e) => e.type === 'baseline');
  const snapshots = events.filter((e) => e.type === 'snapshot');
  const vsBaseline = snapshots.some((e) => snapshotData(e).comparedWith === 'baseline');
  if (!baselineSet && !vsBaseline && snapshots.length > 0) evidence.set('no-baseline', 'no snapshot was compared with a baseline');
  return FACTORS.map((f) => {
    const ev = evidence.get(f.id);
    return { id: f.id, text: f.text, checked: ev !== undefined, ...(ev ? { evidence: ev } : {}) };
  });
}

function actionItems(service: string, causes: RootCause[], facts: Factor[]): ActionItem[] {
  const items: ActionItem[] = [];
  const seen = new Set<string>();
  const add = (text: string, priority: ActionItem['priority'], source: ActionItem['source']): void => {
    if (seen.has(text)) return;
    seen.add(text);
    items.push({ text, priority, source });
  };
  for (const c of causes) {
    const priority = c.confidence === 'low' ? 'P2' : 'P1';
    for (const t of PATTERN_ACTIONS[c.pattern] ?? []) add(t.replace('{site}', c.site), priority, 'pattern');
  }
  const checked = new Set(facts.filter((f) => f.checked).map((f) => f.id));
  for (const g of GENERAL_ACTIONS) {
    // goleak and CI checks are always worth it after a leak; alert and baseline only when missing.
    if (g.factor === 'no-goleak' || g.factor === 'no-pprof-in-ci' || checked.has(g.factor)) add(g.text.replace('{service}', service), 'P2', 'general');
  }
  return items;
}

function mitigations(events: TimelineEvent[]): string[] {
  const ticked = new Map<string, TimelineEvent>();
  for (const e of events) {
    if (e.type !== 'checklist.tick') continue;
    const d = e.data as Partial<ChecklistTickEventData> | undefined;
    if (d?.step !== 'mitigate' || !d.item) continue;
    if (d.checked === false) ticked.delete(d.item);
    else ticked.set(d.item, e);
  }
  return [...ticked.values()].map((e) => e.text.toLowerCase());
}

/** The largest rise from a process's first total to its later peak, per pod (totals without a pod
 *  are one series): a fleet's figures of two pods are never read as one service's growth. Null when
 *  no series rose. */
function largestRise(totals: PostmortemDraft['totals']): { pod?: string; first: PostmortemDraft['totals'][number]; peak: PostmortemDraft['totals'][number] } | null {
  const series = new Map<string, PostmortemDraft['totals']>();
  for (const t of totals) series.set(t.pod ?? '', [...(series.get(t.pod ?? '') ?? []), t]);
  let best: ReturnType<typeof largestRise> = null;
  for (const [pod, list] of series) {
    const first = list[0]!;
    const peak = list.reduce((m, t) => (t.total > m.total ? t : m), first);
    if (peak.total > first.total && (!best || peak.total - first.total > best.peak.total - best.first.total)) best = { ...(pod ? { pod } : {}), first, peak };
  }
  return best;
}

export function draftPostmortem(input: DraftInput): PostmortemDraft {
  const events = [...input.events].sort((a, b) => a.at - b.at);
  const { entries, totals } = buildTimeline(events);
  const causes = rootCauses(input, events);
  const det = detection(events);
  const facts = factors(causes, events, det);
  const window = events.length > 0 ? { start: events[0]!.at, end: events[events.length - 1]!.at } : null;
  const day = new Date(window?.start ?? input.now).toISOString().slice(0, 10);
  const top = causes[0];

  const firing = events.find((e) => e.type === 'alert.firing');
  const resolved = [...events].reverse().find((e) => e.type === 'alert.resolved');
  const duration = firing && resolved && resolved.at > firing.at ? minutes(resolved.at - firing.at) : null;

  const summary: string[] = [];
  if (top) {
    summary.push(`${input.service}${top.pod ? ` (${top.pod})` : ''} leaked goroutines at \`${top.site}\`: ${top.patternTitle.toLowerCase()} (${top.confidence} confidence).`);
  } else {
    summary.push(`leakbot recorded this incident on ${input.service} but no leak site was named with confidence.`);
  }
  const rise = largestRise(totals);
  if (rise) {
    const of = rise.pod ? ` of ${input.service} (${rise.pod})` : '';
    summary.push(`Goroutines${of} went from ${count(rise.first.total)} to ${count(rise.peak.total)}${rise.peak.at - rise.first.at >= 1000 ? ` over ${minutes(rise.peak.at - rise.first.at)}` : ''}.`);
  }
  const late = lateAlert(events);
  summary.push(det.kind === 'alert' ? `Detected by an alert (${alertName(firing!)}).` : late ? `Detected by a person, ${late.after} before the alert (${alertName(late.alert)}) fired.` : det.kind === 'command' ? 'Detected by a person, not an alert.' : '');
  const mit = mitigations(events);
  if (mit.length > 0) summary.push(`Mitigation: ${mit.join('; ')}.`);
  if (duration) summary.push(`The alert resolved after ${duration}.`);

  const lessons = [
    { heading: 'What went well', points: [det.kind === 'alert' ? 'The goroutine-growth alert fired and leakbot captured the service without anyone typing.' : '_fill in_'] },
    { heading: 'What went wrong', points: top ? [`${capitalize(top.patternTitle)} reached production at \`${top.site}\`.`] : ['_fill in_'] },
    { heading: 'Where we got lucky', points: ['_fill in_'] },
  ];
  const findingsAt = events.find((e) => e.type === 'findings' && findingsData(e).length > 0)?.at;
  if (det.at !== null && findingsAt !== undefined && findingsAt >= det.at) {
    lessons[0]!.points.push(`Time from detection to a named leak site: ${minutes(findingsAt - det.at)}.`);
  }

  return {
    service: input.service,
    title: `Goroutine leak in ${input.service}${top ? `: ${top.patternTitle.toLowerCase()}` : ''} (${day})`,
    generatedAt: input.now,
    ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
    window,
    summary: summary.filter(Boolean).join(' '),
    impact: [
      { label: 'Duration', value: duration },
      { label: 'Services affected', value: input.service },
      { label: 'User-visible impact (errors, latency)', value: null },
      { label: 'Requests or customers affected', value: null },
      { label: 'SLO / error budget consumed', value: null },
    ],
    detection: det,
    timeline: entries,
    rootCauses: causes,
    factors: facts,
    actionItems: actionItems(input.service, causes, facts),
    lessons,
    totals,
  };
}
