import { createHash } from 'node:crypto';
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
  /** The pod (instance name) of a fleet's snapshot: a fleet's figures are one pod's, never the service's. */
  instanceName?: string;
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
  /** Read from one snapshot (nothing to compare with): before and after are the same count and
   *  say nothing of growth. */
  single?: boolean;
}

/** 'findings': the suspects of one analysis, best first (at most MAX_DIGESTS). */
export interface FindingsEventData {
  snapshotId?: string;
  findings: FindingDigest[];
  /** The pod the findings are about, for a fleet (as SnapshotEventData.instanceName). */
  instanceName?: string;
  /** The compared snapshot's seq; null when the analysis read one snapshot. */
  refSeq?: number | null;
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
  /** The pod a fleet's watch follows (as SnapshotEventData.instanceName). */
  instanceName?: string;
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
    ...(Array.isArray(f.series) && f.series.length < 2 ? { single: true } : {}),
  };
}

/** The 'findings' event data for an analysis: top suspects only, so events stay small. */
export function findingsEventData(findings: Finding[], snapshotId?: string): FindingsEventData {
  return { ...(snapshotId ? { snapshotId } : {}), findings: findings.slice(0, MAX_DIGESTS).map(digestFinding) };
}

const MAX_EVENTS = 2000;
/** How long an append's idempotency key is remembered (s): longer than any job's retries (a job
 *  waits for Slack at most 6 h by default, BullMQ keeps no job for weeks). */
const ONCE_TTL_SECONDS = 14 * 24 * 3600;

// KEYS[1] the timeline, KEYS[2] the append's idempotency key; ARGV: score, member, ttl (s), cap.
// One script: a retry never finds the key set without the event in the timeline, or the reverse.
const APPEND_ONCE = `
if not redis.call('set', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then return 0 end
redis.call('zadd', KEYS[1], ARGV[1], ARGV[2])
redis.call('zremrangebyrank', KEYS[1], 0, -tonumber(ARGV[4]) - 1)
return 1`;

/** Options of Timeline.append. */
export interface AppendOptions {
  /**
   * Idempotency key of the step that records the event, e.g. `job:<id>:findings:<ref>:<cur>` or
   * `alert:<episode>:firing.<service>.<round>`: a retried job (a worker killed after the append,
   * before the job completed) appends nothing the second time. Events with different keys are
   * distinct even in the same ms. Without it, every call appends (one-off events: a command, a tick).
   */
  once?: string;
}

export class Timeline {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'leakbot',
  ) {}

  private key(service: string): string {
    return `${this.prefix}:timeline:${service}`;
  }

  /**
   * Adds `event` to its service's timeline (a sorted set scored by `event.at`, ms; the oldest
   * events beyond 2000 are dropped). With `opts.once`, at most once per key (see AppendOptions):
   * the key and the event are written by one Lua script. Resolves true when the event was added,
   * false when an earlier call with the same key had added it. Throws Redis errors.
   */
  async append(event: TimelineEvent, opts: AppendOptions = {}): Promise<boolean> {
    const key = this.key(event.service);
    if (opts.once === undefined) {
      // Sorted by time; the member carries a random suffix so two events in the same ms both survive.
      const member = JSON.stringify({ ...event, n: Math.random().toString(36).slice(2, 8) });
      await this.redis.multi().zadd(key, event.at, member).zremrangebyrank(key, 0, -MAX_EVENTS - 1).exec();
      return true;
    }
    // The suffix comes from the key: distinct per step, the same for every retry of one step.
    const id = createHash('sha256').update(opts.once).digest('hex').slice(0, 16);
    const member = JSON.stringify({ ...event, n: id });
    const added = await this.redis.eval(APPEND_ONCE, 2, key, `${key}:once:${id}`, String(event.at), member, String(ONCE_TTL_SECONDS), String(MAX_EVENTS));
    return Number(added) === 1;
  }

  /** Whether anything is recorded for the service (an alert, a snapshot, a command…). Throws Redis errors. */
  async any(service: string): Promise<boolean> {
    return (await this.redis.zcard(this.key(service))) > 0;
  }

  /** The service's events in time order (ms bounds inclusive), optionally only those of one thread
   *  (plus the events that belong to no thread). Throws Redis errors. */
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
