import type { Redis } from 'ioredis';

// Everything leakbot saw during an incident, per service, in order: the raw material of postmortems.

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
}
