import type { Redis } from 'ioredis';
import type { Confidence, Finding, Frame, PatternId } from '../engine/model.js';

// Everything leakbot saw during an incident, per service, in order: the raw material of postmortems.
// Appenders (commands, alerts, watch, checklist) put what the postmortem needs in `data`, using the
// shapes below; readers stay tolerant because older events may lack fields.

export type TimelineEventType =
  | 'command'
  | 'snapshot'
  | 'findings'
  | 'baseline'
  | 'alert.firing'
  | 'alert.resolved'
  | 'checklist.tick'
  | 'watch'
  | 'error'
  | 'note';

export interface TimelineEvent {
  at: number; // ms since epoch
  service: string;
  type: TimelineEventType;
  actor?: string; // Slack user id, or 'alertmanager' / 'grafana' / 'leakbot'
  text: string;
  /** Slack thread the event belongs to, when it has one. */
  thread?: { channel: string; ts: string };
  data?: Record<string, unknown>;
}

// ---- `data` shapes per event type (all optional fields: drafting copes with what is there) ----

/** 'command': who ran which /leak verb. */
export interface CommandEventData {
  verb: string;
  args?: string[];
}

/** 'snapshot': a capture was stored. `delta` is against `comparedWith` when there was one. */
export interface SnapshotEventData {
  snapshotId?: string;
  total: number;
  format?: string;
  comparedWith?: 'baseline' | 'previous' | null;
  previousTotal?: number | null;
  delta?: number | null;
}

/** A finding reduced to what a postmortem needs; small enough to keep a handful per event. */
export interface FindingDigest {
  pattern: PatternId;
  patternTitle: string;
  state: string;
  confidence: Confidence;
  site: Frame | null;
  stdSite: Frame | null;
  createdBy: Frame | null;
  before: number;
  after: number;
  delta: number;
  growthPerMinute: number | null;
  signals: string[];
  advice: string;
}

/** 'findings': the suspects of one analysis, best first (at most MAX_DIGESTS). */
export interface FindingsEventData {
  snapshotId?: string;
  findings: FindingDigest[];
}

/** 'alert.firing' / 'alert.resolved'. */
export interface AlertEventData {
  alertname: string;
  groupKey?: string;
  source?: 'alertmanager' | 'grafana';
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
  severity?: string;
}

/** 'checklist.tick'. */
export interface ChecklistTickEventData {
  checklistId: string;
  step: string;
  item: string;
  checked: boolean;
}

/** 'watch'. */
export interface WatchEventData {
  watchId: string;
  phase: 'start' | 'tick' | 'end';
  tick?: number;
  total?: number;
  verdict?: 'growing' | 'flat' | 'draining';
}

export const MAX_DIGESTS = 5;

export function digestFinding(f: Finding): FindingDigest {
  return {
    pattern: f.pattern,
    patternTitle: f.patternTitle,
    state: f.state,
    confidence: f.confidence,
    site: f.site,
    stdSite: f.stdSite,
    createdBy: f.createdBy,
    before: f.before,
    after: f.after,
    delta: f.delta,
    growthPerMinute: f.growthPerMinute,
    signals: f.signals.slice(0, 6),
    advice: f.advice,
  };
}

/** The 'findings' event data for an analysis: top suspects only, so events stay small. */
export function findingsEventData(findings: Finding[], snapshotId?: string): FindingsEventData {
  return { ...(snapshotId ? { snapshotId } : {}), findings: findings.slice(0, MAX_DIGESTS).map(digestFinding) };
}

const MAX_EVENTS = 2000;

export class Timeline {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'leakbot',
  ) {}

  private key(service: string): string {
    return `${this.prefix}:timeline:${service}`;
  }

  async append(event: TimelineEvent): Promise<void> {
    const key = this.key(event.service);
    // Sorted by time; the member carries a random suffix so two events in the same ms both survive.
    const member = JSON.stringify({ ...event, n: Math.random().toString(36).slice(2, 8) });
    await this.redis.multi().zadd(key, event.at, member).zremrangebyrank(key, 0, -MAX_EVENTS - 1).exec();
  }

  async list(service: string, opts: { since?: number; until?: number; thread?: { channel: string; ts: string } } = {}): Promise<TimelineEvent[]> {
    const raw = await this.redis.zrangebyscore(this.key(service), opts.since ?? '-inf', opts.until ?? '+inf');
    const events = raw.map((m) => {
      const { n: _n, ...e } = JSON.parse(m) as TimelineEvent & { n?: string };
      return e as TimelineEvent;
    });
    if (!opts.thread) return events;
    const t = opts.thread;
    return events.filter((e) => !e.thread || (e.thread.channel === t.channel && e.thread.ts === t.ts));
  }

  /** Events of the incident around `anchor` (ms): the run of events with no quiet gap longer than
   *  `gapMs` that contains the anchor (or ends last before it). An incident is bounded by quiet time,
   *  so a postmortem does not drag in last week's unrelated snapshot. */
  async incident(service: string, anchor: number, gapMs = 6 * 3600_000): Promise<TimelineEvent[]> {
    return incidentAround(await this.list(service), anchor, gapMs);
  }
}

/** Pure part of Timeline.incident (events sorted by time). */
export function incidentAround(events: TimelineEvent[], anchor: number, gapMs: number): TimelineEvent[] {
  if (events.length === 0) return [];
  // The last event at or before the anchor (or the first event when all are later).
  let i = events.length - 1;
  while (i > 0 && events[i]!.at > anchor) i--;
  let start = i;
  while (start > 0 && events[start]!.at - events[start - 1]!.at <= gapMs) start--;
  let end = i;
  while (end < events.length - 1 && events[end + 1]!.at - events[end]!.at <= gapMs) end++;
  return events.slice(start, end + 1);
}
