import { own } from '../own.js';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Alert, AlertNotification, AlertSource, AlertStatus } from './payload.js';
import type { RoutedAlert } from './mapping.js';

// The alert ledger: what leakbot has already seen of each alert group, in Redis, so that Alertmanager's
// re-sends (group_interval, repeat_interval, retries after a 5xx, the same notification from each HA
// replica) never cause a second capture or a second thread.
//
//  - A *firing* is identified by groupKey + alert fingerprint + startsAt. The first notification that
//    carries it counts; later ones are repeats (they only refresh the parent message). A firing that has
//    been seen resolved stays resolved: a late retry of an old "firing" notification changes nothing.
//  - An *episode* is one thread's life for a group: it opens with the group's first new firing and closes
//    when every alert in it is resolved. The next firing of the same group opens a new episode/thread.
//  - Within an episode each service has *rounds*: a round opens when an alert for the service fires while
//    none of its alerts is firing, and closes when all are resolved. Each round wants exactly one capture
//    and, once closed, exactly one "resolved" reply. Many alerts for one service fold into its round.
//
// Updates run under a per-group lock and are written in one MULTI, so a crash mid-way leaves the ledger
// as it was and the retried job recomputes the same result. Actions (captures, resolved replies) are not
// fire-and-forget: `pendingActions` lists every action whose done-marker is missing, and callers enqueue
// them with deterministic job ids on every notification, so an action lost to a crash is reissued.

export interface AlertRecord {
  fingerprint: string;
  status: AlertStatus;
  startsAt: number;
  endsAt: number | null;
  service: string | null;
  channel: string | null;
  matchedBy: string | null;
  labels: Record<string, string>;
  summary: string;
  generatorURL: string;
  /** The service round this firing belongs to (0 for unknown services). */
  round: number;
  /** Deliveries that carried this firing. */
  seen: number;
  /** Deliveries that carried its resolution (several with HA replicas). */
  resolvedSeen: number;
}

export interface ServiceRound {
  channel: string | null;
  round: number;
  /** Earliest startsAt among the alerts that opened or joined the round. */
  since: number;
  /** Set when every alert of the service in this episode is resolved. */
  resolvedAt: number | null;
  /** False when the round only ever showed resolved alerts (leakbot never saw it fire). */
  firingSeen: boolean;
}

export interface Episode {
  id: string;
  groupKey: string;
  source: AlertSource;
  receiver: string;
  title: string;
  externalURL: string;
  openedAt: number;
  updatedAt: number;
  closedAt: number | null;
  /** Deliveries for this episode, re-sends included. */
  notifications: number;
  truncatedAlerts: number;
  alerts: Record<string, AlertRecord>;
  services: Record<string, ServiceRound>;
}

export interface LedgerUpdate {
  episode: Episode | null;
  opened: boolean;
  /** Firings seen for the first time in this delivery. */
  newFirings: number;
  /** Alerts that turned resolved in this delivery. */
  newlyResolved: number;
  /** Firings already known (re-sends). */
  repeats: number;
  /** Firing notifications for alerts already resolved (late retries): ignored. */
  stale: number;
}

export type AlertAction =
  | { kind: 'capture'; episode: string; service: string; channel: string; round: number }
  | { kind: 'resolve'; episode: string; service: string; channel: string; round: number };

const DAY = 24 * 3600;
const LOCK_LEASE_MS = 30_000;
/** Below this, two startsAt of one fingerprint are the same firing seen by different replicas. */
const REFIRE_MIN_GAP_MS = 10 * 60_000;
const LOCK_WAIT_MS = 5 * 60_000;
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

interface GroupState {
  current: string | null;
  /** `${fingerprint}@${startsAt}` → what we know of that firing. */
  fired: Record<string, { status: AlertStatus; episode: string; at: number }>;
}

export class AlertLedger {
  private readonly ttlSeconds: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    opts: { prefix?: string; ttlDays?: number } = {},
  ) {
    this.prefix = `${opts.prefix ?? 'leakbot'}:alerts`;
    this.ttlSeconds = Math.round((opts.ttlDays ?? 14) * DAY);
  }

  static groupHash(groupKey: string): string {
    return createHash('sha256').update(groupKey).digest('hex').slice(0, 24);
  }

  private groupKeyOf(gk: string): string {
    return `${this.prefix}:group:${AlertLedger.groupHash(gk)}`;
  }
  private episodeKey(id: string): string {
    return `${this.prefix}:episode:${id}`;
  }
  private threadsKey(id: string): string {
    return `${this.prefix}:episode:${id}:threads`;
  }
  private doneKey(id: string): string {
    return `${this.prefix}:episode:${id}:done`;
  }

  /** Applies one delivery. Idempotent: applying the same delivery again yields only repeats.
   *  `whileLocked` runs after the write with the group lock still held, so the parent message it posts
   *  is never overtaken by a concurrent delivery's older view of the group. */
  async record(
    n: AlertNotification,
    routed: RoutedAlert[],
    opts: { now?: number; whileLocked?: (u: LedgerUpdate) => Promise<void> } = {},
  ): Promise<LedgerUpdate> {
    const now = opts.now ?? Date.now();
    return this.withGroupLock(n.groupKey, async () => {
      const gkey = this.groupKeyOf(n.groupKey);
      const groupRaw = await this.redis.get(gkey);
      const group: GroupState = groupRaw ? (JSON.parse(groupRaw) as GroupState) : { current: null, fired: {} };
      const episodes = new Map<string, Episode>();
      const load = async (id: string): Promise<Episode | null> => {
        if (episodes.has(id)) return episodes.get(id)!;
        const raw = await this.redis.get(this.episodeKey(id));
        const ep = raw ? (JSON.parse(raw) as Episode) : null;
        if (ep) episodes.set(id, ep);
        return ep;
      };
      let current = group.current ? await load(group.current) : null;
      let opened = false;
      const openEpisode = (): Episode => {
        const ep: Episode = {
          id: `${AlertLedger.groupHash(n.groupKey)}-${now.toString(36)}-${randomBytes(3).toString('hex')}`,
          groupKey: n.groupKey,
          source: n.source,
          receiver: n.receiver,
          title: titleOf(n),
          externalURL: n.externalURL,
          openedAt: now,
          updatedAt: now,
          closedAt: null,
          notifications: 0,
          truncatedAlerts: 0,
          alerts: {},
          services: {},
        };
        episodes.set(ep.id, ep);
        group.current = ep.id;
        opened = true;
        return ep;
      };

      const result = { newFirings: 0, newlyResolved: 0, repeats: 0, stale: 0 };
      const touched = new Set<Episode>();
      for (const r of routed) {
        const a = r.alert;
        const fkey = `${a.fingerprint}@${a.startsAt}`;
        const known = own(group.fired, fkey);
        if (known && known.status === 'resolved') {
          // Resolved already: a re-sent resolution or a late retry of the firing. Nothing to do.
          const ep = await load(known.episode);
          if (a.status === 'firing') result.stale++;
          else {
            result.repeats++;
            const rec = ep ? own(ep.alerts, a.fingerprint) : undefined;
            if (rec) rec.resolvedSeen = (rec.resolvedSeen ?? 0) + 1;
          }
          if (ep) touched.add(ep);
          continue;
        }
        if (known && a.status === 'firing') {
          result.repeats++;
          const ep = await load(known.episode);
          const rec = ep ? own(ep.alerts, a.fingerprint) : undefined;
          if (ep && rec) {
            rec.seen++;
            touched.add(ep);
          }
          continue;
        }
        // A new firing, a resolution of a known firing, or a resolution we never saw fire.
        let ep = known ? await load(known.episode) : null;
        if (!ep) ep = current && current.closedAt === null ? current : (current = openEpisode());
        touched.add(ep);
        group.fired[fkey] = { status: a.status, episode: ep.id, at: now };
        if (a.status === 'firing') {
          result.newFirings++;
          const prev = own(ep.alerts, a.fingerprint);
          if (prev && prev.status === 'firing' && a.startsAt - prev.startsAt > REFIRE_MIN_GAP_MS) {
            // Alertmanager keeps one alert per fingerprint, so a much later startsAt means the earlier
            // firing ended without us hearing of it (send_resolved off, a lost notification).
            // Close it silently; the new firing then opens a new round with its own capture. Small
            // differences are replicas that stamped the time themselves: the same firing.
            endUnseen(ep, prev, a.startsAt);
            const old = own(group.fired, `${prev.fingerprint}@${prev.startsAt}`);
            if (old) old.status = 'resolved';
          }
          applyFiring(ep, r);
        } else {
          result.newlyResolved++;
          applyResolved(ep, r, now);
        }
      }

      // Deliveries are counted once per episode they touched (a delivery normally touches one).
      for (const ep of touched) {
        ep.notifications++;
        ep.updatedAt = now;
        ep.truncatedAlerts = Math.max(ep.truncatedAlerts, n.truncatedAlerts);
        if (ep.closedAt === null && Object.values(ep.alerts).length > 0 && Object.values(ep.alerts).every((x) => x.status === 'resolved')) {
          ep.closedAt = now;
          if (group.current === ep.id) group.current = null;
        }
      }
      pruneFired(group, now - this.ttlSeconds * 1000);

      const tx = this.redis.multi().set(gkey, JSON.stringify(group), 'EX', this.ttlSeconds);
      for (const ep of episodes.values()) tx.set(this.episodeKey(ep.id), JSON.stringify(ep), 'EX', this.ttlSeconds);
      const res = await tx.exec();
      if (!res || res.some(([err]) => err)) throw new Error('alert ledger: Redis transaction failed');

      // null only for a delivery with nothing to attach to (no alerts, or all about expired episodes).
      const episode = [...touched][0] ?? current ?? null;
      const update: LedgerUpdate = { episode, opened, ...result };
      if (opts.whileLocked) await opts.whileLocked(update);
      return update;
    });
  }

  async episode(id: string): Promise<Episode | null> {
    const raw = await this.redis.get(this.episodeKey(id));
    return raw ? (JSON.parse(raw) as Episode) : null;
  }

  async threads(id: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.threadsKey(id));
  }

  async setThread(id: string, channel: string, ts: string): Promise<void> {
    await this.redis.multi().hset(this.threadsKey(id), channel, ts).expire(this.threadsKey(id), this.ttlSeconds).exec();
  }

  /** Marks an action finished (with an optional result, e.g. the snapshot id a capture stored). */
  async markDone(action: AlertAction, result = '1'): Promise<void> {
    const k = this.doneKey(action.episode);
    await this.redis.multi().hset(k, actionId(action), result).expire(k, this.ttlSeconds).exec();
  }

  async doneResult(action: Omit<AlertAction, 'channel'>): Promise<string | null> {
    return this.redis.hget(this.doneKey(action.episode), actionId(action));
  }

  /** Plain done-markers for steps that are not ledger actions (the recapture). */
  async mark(episode: string, name: string): Promise<void> {
    const k = this.doneKey(episode);
    await this.redis.multi().hset(k, `mark.${name}`, '1').expire(k, this.ttlSeconds).exec();
  }

  /** Removes a plain done-marker (mark); nothing when it is not set. */
  async unmark(episode: string, name: string): Promise<void> {
    await this.redis.hdel(this.doneKey(episode), `mark.${name}`);
  }

  async isMarked(episode: string, name: string): Promise<boolean> {
    return (await this.redis.hexists(this.doneKey(episode), `mark.${name}`)) === 1;
  }

  /** Every capture / resolved reply the episode wants and has not finished yet. */
  async pendingActions(ep: Episode): Promise<AlertAction[]> {
    const done = await this.redis.hgetall(this.doneKey(ep.id));
    const out: AlertAction[] = [];
    for (const [service, s] of Object.entries(ep.services)) {
      if (!s.channel) continue;
      const base = { episode: ep.id, service, channel: s.channel, round: s.round };
      if (s.firingSeen && !done[actionId({ ...base, kind: 'capture' })]) out.push({ ...base, kind: 'capture' });
      if (s.resolvedAt !== null && !done[actionId({ ...base, kind: 'resolve' })]) out.push({ ...base, kind: 'resolve' });
    }
    return out;
  }

  private async withGroupLock<T>(groupKey: string, fn: () => Promise<T>): Promise<T> {
    const key = `${this.prefix}:lock:${AlertLedger.groupHash(groupKey)}`;
    const token = randomBytes(8).toString('hex');
    const deadline = Date.now() + LOCK_WAIT_MS;
    while ((await this.redis.set(key, token, 'PX', LOCK_LEASE_MS, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error('alert ledger: timed out waiting for the group lock');
      await sleep(25);
    }
    // Held while the parent message is posted, which a busy channel's pacing can stretch: renew the
    // lease while we work so a second delivery of the group never gets in meanwhile.
    const renew = setInterval(() => {
      this.redis.eval(RENEW, 1, key, token, String(LOCK_LEASE_MS)).catch(() => undefined);
    }, LOCK_LEASE_MS / 3);
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      // Release only our own lock (it may have expired and been taken by someone else).
      await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }
}

/** Stable id of an action: the BullMQ job id and the done-marker field. */
export function actionId(a: Pick<AlertAction, 'kind' | 'episode' | 'service' | 'round'>): string {
  return `${a.kind}.${a.episode}.${a.service}.${a.round}`;
}

/** The alert name; Grafana's title ("[FIRING:2] Name (labels)") only when no alertname is given,
 *  since it changes with the state and counts. */
export function titleOf(n: AlertNotification): string {
  return n.groupLabels.alertname || n.commonLabels.alertname || n.alerts[0]?.labels.alertname || n.title || 'alert';
}

function recordOf(r: RoutedAlert, round: number): AlertRecord {
  const a: Alert = r.alert;
  return {
    fingerprint: a.fingerprint,
    status: a.status,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    service: r.match?.service ?? null,
    channel: r.channel,
    matchedBy: r.match ? `${r.match.label}=${r.match.value}` : null,
    labels: a.labels,
    summary: a.annotations.summary ?? a.annotations.description ?? '',
    generatorURL: a.generatorURL,
    round,
    seen: 1,
    resolvedSeen: a.status === 'resolved' ? 1 : 0,
  };
}

function applyFiring(ep: Episode, r: RoutedAlert): void {
  const svc = r.match?.service;
  let round = 0;
  if (svc) {
    const s = own(ep.services, svc);
    if (!s) {
      ep.services[svc] = { channel: r.channel, round: 1, since: r.alert.startsAt, resolvedAt: null, firingSeen: true };
      round = 1;
    } else if (s.resolvedAt !== null) {
      // Fired again after all its alerts had resolved: a new round, a new capture.
      s.round++;
      s.since = r.alert.startsAt;
      s.resolvedAt = null;
      s.firingSeen = true;
      round = s.round;
    } else {
      s.since = Math.min(s.since, r.alert.startsAt);
      s.firingSeen = true;
      round = s.round;
    }
  }
  ep.alerts[r.alert.fingerprint] = recordOf(r, round);
}

function applyResolved(ep: Episode, r: RoutedAlert, now: number): void {
  const fp = r.alert.fingerprint;
  const prev = own(ep.alerts, fp);
  const svc = prev?.service ?? r.match?.service ?? null;
  const rec = recordOf(r, prev?.round ?? 0);
  rec.service = svc;
  rec.channel = prev?.channel ?? r.channel;
  rec.seen = (prev?.seen ?? 0) + 1;
  if (prev) rec.startsAt = Math.min(prev.startsAt, rec.startsAt);
  ep.alerts[fp] = rec;
  if (!svc) return;
  let s = own(ep.services, svc);
  if (!s) {
    s = ep.services[svc] = { channel: rec.channel, round: 1, since: rec.startsAt, resolvedAt: null, firingSeen: false };
    rec.round = 1;
  }
  const stillFiring = Object.values(ep.alerts).some((x) => x.service === svc && x.status === 'firing');
  if (!stillFiring && s.resolvedAt === null) s.resolvedAt = r.alert.endsAt ?? now;
}

function endUnseen(ep: Episode, prev: AlertRecord, at: number): void {
  prev.status = 'resolved';
  prev.endsAt = at;
  const s = own(ep.services, prev.service);
  if (s && s.resolvedAt === null && !Object.values(ep.alerts).some((x) => x.service === prev.service && x.status === 'firing')) s.resolvedAt = at;
}

function pruneFired(group: GroupState, olderThan: number): void {
  for (const [k, v] of Object.entries(group.fired)) if (v.at < olderThan) delete group.fired[k];
}
