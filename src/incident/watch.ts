import { randomBytes } from 'node:crypto';
import type { LeakbotContext } from '../context.js';
import { type Finding, type Snapshot } from '../engine/index.js';
import type { JobInfo } from '../queue/processors.js';
import { SlackPostError } from '../slack/poster.js';
import { failureWhy } from '../queue/final-failure.js';
import type { Redis } from '../store/redis.js';
import { renderTrendChart } from './chart.js';
import { frameRef, minutes } from './format.js';
import { updateUntilSettled } from './live-message.js';
import type { WatchEventData } from './timeline.js';
import { renderWatchMessage, verdictSentence, watchTrend, type SuspectLabel, type WatchSample, type WatchView } from './trend.js';
import { own } from '../own.js';
import { isFleet } from '../capture/targets/index.js';
import { lastSuspects } from '../flows/fleet.js';

// /leak watch: periodic captures of one service, one Slack message updated in place with the trend,
// a summary and a chart at the end.
//
// Scheduling is a chain of delayed BullMQ jobs, one per capture, with deterministic ids
// (watch-<id>-<index>): the chain lives in Redis, so it survives restarts of any process, and adding
// a job whose id exists is a no-op, so a retried tick never schedules its successor twice. Each
// capture is stored under its index with HSETNX: a tick re-run after a crash finds its sample and
// does not capture again. Slots are anchored to the start time, so a late tick does not shift the
// rest of the watch (but captures stay at least half an interval apart).

export interface WatchTickJob {
  watchId: string;
  index: number;
}
export interface WatchFinishJob {
  watchId: string;
}
export interface WatchChartJob {
  watchId: string;
  requestedBy: string;
}

declare module '../queue/jobs.js' {
  interface JobPayloads {
    'watch.tick': WatchTickJob;
    'watch.finish': WatchFinishJob;
    'watch.chart': WatchChartJob;
  }
}

export interface WatchMeta {
  id: string;
  service: string;
  channel: string;
  everyMs: number;
  ticks: number;
  startedAt: number;
  startedBy: string;
}

export interface WatchRecord extends WatchMeta {
  status: WatchView['status'];
  endReason?: WatchView['endReason'];
  stoppedBy?: string;
  ref: { channel: string; ts: string } | null;
  version: number;
}

const TTL_SECONDS = 14 * 24 * 3600;
const MAX_GROUPS_PER_SAMPLE = 40;
const MAX_SUSPECTS = 5;

// Compare-and-set of the status field: only the listed current states may move to the new one.
const TRANSITION = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return -1 end
for i = 3, #ARGV do if s == ARGV[i] then
  redis.call('HSET', KEYS[1], 'status', ARGV[1])
  if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'stoppedBy', ARGV[2]) end
  redis.call('HINCRBY', KEYS[1], 'version', 1)
  return 1
end end
return 0`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class WatchStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'leakbot',
  ) {}

  private k(id: string, part?: 'samples' | 'labels' | 'ended'): string {
    return `${this.prefix}:watch:${id}${part ? `:${part}` : ''}`;
  }
  private activeKey(service: string): string {
    return `${this.prefix}:watch:active:${service}`;
  }

  /** Claims the service's single watch slot; returns the running watch's id when taken. */
  async start(meta: WatchMeta): Promise<{ ok: true } | { ok: false; existing: string }> {
    const ttl = Math.ceil((meta.everyMs * meta.ticks) / 1000) + 3600;
    const claimed = await this.redis.set(this.activeKey(meta.service), meta.id, 'EX', ttl, 'NX');
    if (!claimed) return { ok: false, existing: (await this.redis.get(this.activeKey(meta.service))) ?? 'unknown' };
    await this.redis
      .multi()
      .hset(this.k(meta.id), 'meta', JSON.stringify(meta), 'status', 'running', 'version', '0')
      .expire(this.k(meta.id), TTL_SECONDS)
      .exec();
    return { ok: true };
  }

  async active(service: string): Promise<string | null> {
    return this.redis.get(this.activeKey(service));
  }

  async release(service: string, id: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.activeKey(service), id);
  }

  async get(id: string): Promise<WatchRecord | null> {
    const h = await this.redis.hgetall(this.k(id));
    if (!h.meta) return null;
    return {
      ...(JSON.parse(h.meta) as WatchMeta),
      status: (h.status as WatchRecord['status']) ?? 'running',
      ...(h.endReason ? { endReason: h.endReason as WatchRecord['endReason'] } : {}),
      ...(h.stoppedBy ? { stoppedBy: h.stoppedBy } : {}),
      ref: h.ref ? (JSON.parse(h.ref) as WatchRecord['ref']) : null,
      version: Number(h.version ?? 0),
    };
  }

  async version(id: string): Promise<number> {
    return Number((await this.redis.hget(this.k(id), 'version')) ?? 0);
  }

  async setRef(id: string, ref: { channel: string; ts: string }): Promise<void> {
    await this.redis.hset(this.k(id), 'ref', JSON.stringify(ref));
  }

  /** running → stopping (a stop request); running|stopping → done (the finish job). */
  async transition(id: string, to: 'stopping' | 'done', from: Array<WatchRecord['status']>, stoppedBy?: string): Promise<boolean> {
    const r = await this.redis.eval(TRANSITION, 1, this.k(id), to, stoppedBy ?? '', ...from);
    return r === 1;
  }

  async setEndReason(id: string, reason: NonNullable<WatchRecord['endReason']>): Promise<void> {
    await this.redis.hsetnx(this.k(id), 'endReason', reason);
  }

  /** Stores the sample for its index unless one is there already; true when this call stored it. */
  async putSample(id: string, s: WatchSample): Promise<boolean> {
    const key = this.k(id, 'samples');
    const [[, n] = [null, 0]] = (await this.redis.multi().hsetnx(key, String(s.index), JSON.stringify(s)).expire(key, TTL_SECONDS).exec()) ?? [];
    if (n === 1) await this.redis.hincrby(this.k(id), 'version', 1);
    return n === 1;
  }

  async sample(id: string, index: number): Promise<WatchSample | null> {
    const v = await this.redis.hget(this.k(id, 'samples'), String(index));
    return v ? (JSON.parse(v) as WatchSample) : null;
  }

  async samples(id: string): Promise<WatchSample[]> {
    const all = await this.redis.hvals(this.k(id, 'samples'));
    return all.map((v) => JSON.parse(v) as WatchSample).sort((a, b) => a.index - b.index);
  }

  async addLabels(id: string, labels: SuspectLabel[]): Promise<void> {
    if (labels.length === 0) return;
    const key = this.k(id, 'labels');
    await this.redis
      .multi()
      .hset(key, ...labels.flatMap((l) => [l.key, JSON.stringify(l)]))
      .expire(key, TTL_SECONDS)
      .exec();
  }

  async labels(id: string): Promise<SuspectLabel[]> {
    return (await this.redis.hvals(this.k(id, 'labels'))).map((v) => JSON.parse(v) as SuspectLabel);
  }

}

export function newWatchId(): string {
  return randomBytes(6).toString('hex');
}

export const tickJobId = (id: string, index: number): string => `watch-${id}-${index}`;
export const finishJobId = (id: string): string => `watch-${id}-finish`;
const messageKey = (id: string): string => `watch-${id}-msg`;

function view(w: WatchRecord): WatchView {
  return {
    watchId: w.id,
    service: w.service,
    everyMs: w.everyMs,
    ticks: w.ticks,
    startedAt: w.startedAt,
    startedBy: w.startedBy,
    status: w.status,
    ...(w.endReason ? { endReason: w.endReason } : {}),
    ...(w.stoppedBy ? { stoppedBy: w.stoppedBy } : {}),
  };
}

/** Goroutines per coarse group: the biggest groups plus every suspect seen so far. */
export function groupCounts(snap: Snapshot, always: Iterable<string>): Record<string, number> {
  const byKey = new Map<string, number>();
  for (const g of snap.groups) byKey.set(g.coarseKey, (byKey.get(g.coarseKey) ?? 0) + g.count);
  const top = [...byKey.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_GROUPS_PER_SAMPLE);
  const out: Record<string, number> = Object.fromEntries(top);
  for (const k of always) out[k] = byKey.get(k) ?? 0;
  return out;
}

export function suspectLabel(f: Finding): SuspectLabel {
  return { key: f.coarseKey, site: frameRef(f.site ?? f.stdSite ?? f.frames[0]), patternTitle: f.patternTitle, confidence: f.confidence };
}

export class WatchRunner {
  readonly store: WatchStore;

  constructor(private readonly ctx: LeakbotContext) {
    this.store = new WatchStore(ctx.redis, ctx.prefix);
  }

  register(): void {
    this.ctx.processors.register('watch.tick', (job) => this.tick(job));
    this.ctx.processors.register('watch.finish', (job) => this.finish(job.data.watchId));
    this.ctx.processors.register('watch.chart', (job) => this.chart(job.data.watchId, job.data.requestedBy));
    // A tick that fails for good (src/queue/final-failure.ts) breaks the chain of ticks: the watch
    // ends there, saying so, instead of showing "Watching…" for ever.
    this.ctx.failures.register('watch.tick', async (job) => {
      const id = (job.data as Partial<WatchTickJob> | undefined)?.watchId;
      if (!id || (await this.store.get(id))?.status !== 'running') return;
      await this.store.setEndReason(id, 'failed');
      await this.ctx.jobs.enqueue('watch.finish', { watchId: id }, { jobId: finishJobId(id), onUnavailable: 'throw' });
    });
    // A finish that fails for good (Slack down past every retry, its workers killed): the watch still
    // ends and frees its service, and its thread says what is missing instead of going quiet. Runs
    // again until it is answered (the final-failure sweep), so every step is idempotent.
    this.ctx.failures.register('watch.finish', async (job) => {
      const id = (job.data as Partial<WatchFinishJob> | undefined)?.watchId;
      const w = id ? await this.store.get(id) : null;
      if (!id || !w) return;
      if (w.status !== 'done') {
        await this.store.transition(id, 'done', ['running', 'stopping']);
        await this.store.release(w.service, id);
        await this.refresh(id);
      }
      if (!w.ref) return;
      const where = { channel: w.ref.channel, threadTs: w.ref.ts };
      // The summary may be there already (the chart was what failed): then only the chart is missing.
      const summary = await this.ctx.poster.recover(`watch-${id}-summary`, where);
      const text = summary
        ? `I could not upload the trend chart: ${failureWhy(job.reason)}.`
        : `:x: leakbot could not write this watch's summary: ${failureWhy(job.reason)}. Its captures are kept: \`/leak history ${w.service}\` lists them.`;
      await this.ctx.poster.post(`watch-${id}-finish-failed`, { ...where, text });
    });
  }

  /** Renders the message from the stored state and posts or updates it (idempotent per watch). */
  async refresh(id: string): Promise<void> {
    await updateUntilSettled(
      () => this.store.version(id),
      async () => {
        const w = await this.store.get(id);
        if (!w) return;
        const msg = renderWatchMessage(view(w), await this.store.samples(id), await this.store.labels(id));
        const ref = await this.ctx.poster.post(messageKey(id), { channel: w.channel, text: msg.text, blocks: msg.blocks });
        if (!w.ref) {
          await this.store.setRef(id, { channel: ref.channel, ts: ref.ts });
          // The watch's message is the service's thread in this channel: /leak verbs join it.
          await this.ctx.threads.put({ channel: ref.channel, ts: ref.ts, service: w.service, kind: 'watch', createdAt: w.startedAt, lastActivityAt: Date.now(), requestedBy: [w.startedBy], data: { watchId: id } });
        } else {
          await this.ctx.threads.update(ref.channel, ref.ts, { lastActivityAt: Date.now() });
        }
      },
    );
  }

  private async tick(job: JobInfo<'watch.tick'>): Promise<string> {
    const { watchId: id, index } = job.data;
    const w = await this.store.get(id);
    if (!w || w.status !== 'running') return 'watch no longer running';
    if (!w.ref) await this.refresh(id);
    const thread = (await this.store.get(id))?.ref ?? undefined;

    let sample = await this.store.sample(id, index);
    if (!sample) {
      const taken = await this.capture(w, index, job.signal, thread);
      // Another attempt of this tick may have stored its sample first: the timeline follows the stored one.
      sample = (await this.store.putSample(id, taken)) ? taken : await this.store.sample(id, index);
    }
    if (sample) {
      // Keyed by tick: a retry whose earlier attempt stored the sample (and maybe the event) adds none.
      const data: WatchEventData = { watchId: id, phase: 'tick', tick: index, ...(sample.total !== null ? { total: sample.total } : {}), ...(sample.instanceName ? { instanceName: sample.instanceName } : {}) };
      await this.ctx.timeline
        .append({ at: sample.at, service: w.service, type: 'watch', actor: 'leakbot', text: sample.error ? `capture ${index + 1} failed: ${sample.error}` : `capture ${index + 1}/${w.ticks}: ${sample.total} goroutines`, ...(thread ? { thread } : {}), data: { ...data } }, { once: `watch:${id}:tick:${index}` })
        .catch((err: Error) => job.log.warn({ err: err.message }, 'timeline append failed'));
    }
    await this.refresh(id);

    const now = await this.store.get(id);
    if (!now || now.status !== 'running') return 'stopped meanwhile';
    if (index + 1 < w.ticks) {
      // On its slot, but never closer than half an interval to this capture: a watch that fell
      // behind (slow service, worker down) catches up without a burst of back-to-back captures.
      const delayMs = Math.max(w.everyMs / 2, w.startedAt + (index + 1) * w.everyMs - Date.now());
      await this.ctx.jobs.enqueue('watch.tick', { watchId: id, index: index + 1 }, { jobId: tickJobId(id, index + 1), delayMs, onUnavailable: 'throw' });
    } else {
      await this.ctx.jobs.enqueue('watch.finish', { watchId: id }, { jobId: finishJobId(id), onUnavailable: 'throw' });
    }
    return `tick ${index + 1}/${w.ticks}`;
  }

  private async capture(w: WatchRecord, index: number, signal: AbortSignal, thread: { channel: string; ts: string } | undefined): Promise<WatchSample> {
    const svc = own(this.ctx.config.services, w.service);
    const maxAgeMs = Math.min(w.everyMs / 2, (svc?.minIntervalSeconds ?? 10) * 1000);
    // A watch follows one process: the instance of its first capture (a fleet's first instance, or
    // the one the first capture picked), and compares only captures of the same life of it.
    const earlier = (await this.store.samples(w.id)).filter((s) => s.seq !== undefined && s.index < index);
    const firstMeta = earlier[0] ? await this.ctx.snapshots.get(w.service, earlier[0].seq!) : null;
    // A fleet's first capture takes the pod the last fleet round suspected (else discovery's first).
    const instance = firstMeta?.instance ?? (svc && isFleet(svc) ? (await lastSuspects(this.ctx, w.service))[0] : undefined);
    const out = await this.ctx.captures.obtain(w.service, { requestedBy: w.startedBy, reason: 'watch', maxAgeMs, signal, ...(thread ? { thread } : {}), ...(instance !== undefined ? { instance } : {}) });
    if (!out.ok) return { index, at: Date.now(), total: null, error: out.message, counts: {} };
    const snap = await this.ctx.snapshots.load(w.service, out.meta.seq);
    const pod = svc && isFleet(svc) && out.meta.instanceName ? { instanceName: out.meta.instanceName } : {};
    if (!snap) return { index, at: out.meta.capturedAt, seq: out.meta.seq, total: out.meta.total, counts: {}, ...pod };

    // Suspects: the engine's findings against the watch's first capture (a series once there are
    // three, so steady growth counts as evidence), else the single snapshot's. After a restart only
    // the captures of the new life count.
    const sameLife = await Promise.all(earlier.map(async (s) => ((await this.ctx.snapshots.get(w.service, s.seq!))?.life ?? 1) === (out.meta.life ?? 1)));
    const previous = earlier.filter((_, i) => sameLife[i]);
    const series: Snapshot[] = [];
    for (const s of [previous[0], previous.length > 1 ? previous[previous.length - 1] : undefined]) {
      if (!s || s.seq === out.meta.seq) continue;
      const loaded = await this.ctx.snapshots.load(w.service, s.seq!);
      if (loaded) series.push(loaded);
    }
    const opts = { ignore: [...this.ctx.config.ignore, ...(svc?.ignore ?? [])] };
    const analysis = await this.ctx.analysis.analyze([...series, snap], opts); // worker thread
    const labels = analysis.findings.slice(0, MAX_SUSPECTS).map(suspectLabel);
    await this.store.addLabels(w.id, labels);
    const known = (await this.store.labels(w.id)).map((l) => l.key);
    return { index, at: out.meta.capturedAt, seq: out.meta.seq, total: out.meta.total, counts: groupCounts(snap, known), ...pod };
  }

  /** Ends a watch (last tick done, or a stop request): final message, summary, chart, timeline.
   *  Every step is idempotent, so a retried finish completes what a crashed one started. */
  async finish(id: string): Promise<string> {
    const w0 = await this.store.get(id);
    if (!w0) return 'unknown watch';
    await this.store.setEndReason(id, w0.status === 'stopping' ? 'stopped' : 'completed');
    await this.store.transition(id, 'done', ['running', 'stopping']);
    await this.store.release(w0.service, id);
    await this.refresh(id);
    const w = (await this.store.get(id))!;
    const samples = await this.store.samples(id);
    const labels = await this.store.labels(id);
    const trend = watchTrend(samples, labels);
    const span = samples.length > 1 ? samples[samples.length - 1]!.at - samples[0]!.at : 0;
    const early = w.endReason === 'failed' ? `:x: leakbot gave up on a capture of this watch, so it ends early. ` : '';
    const pod = samples.find((x) => x.instanceName)?.instanceName;
    const sentence = `${early}${verdictSentence(pod ? `${w.service} (${pod})` : w.service, trend, span)}`;
    if (w.ref) await this.ctx.poster.post(`watch-${id}-summary`, { channel: w.ref.channel, threadTs: w.ref.ts, text: sentence });
    const data: WatchEventData = { watchId: id, phase: 'end', verdict: trend.verdict, ...(trend.captured > 0 ? { total: trend.total.last } : {}) };
    await this.ctx.timeline
      .append({ at: Date.now(), service: w.service, type: 'watch', actor: w.stoppedBy ?? 'leakbot', text: sentence, ...(w.ref ? { thread: w.ref } : {}), data: { ...data } }, { once: `watch:${id}:end` })
      .catch(() => {});
    // The chart last: if Slack refuses it for good (scope, policy), the summary already stands and
    // the thread says why there is no chart; a passing failure throws so the job retries.
    if (w.ref && trend.captured > 0) {
      try {
        await this.uploadChart(w, samples, labels, `watch-${id}-chart-final`, `Trend of ${w.service} over ${minutes(span)}`);
      } catch (err) {
        if (!(err instanceof SlackPostError) || err.retryable) throw err;
        await this.ctx.poster.post(`watch-${id}-chart-failed`, { channel: w.ref.channel, threadTs: w.ref.ts, text: `I could not upload the trend chart: ${err.userMessage}` });
      }
    }
    return trend.verdict;
  }

  async chart(id: string, requestedBy: string): Promise<string> {
    const w = await this.store.get(id);
    if (!w?.ref) return 'no message yet';
    const samples = await this.store.samples(id);
    if (!samples.some((s) => s.total !== null)) return 'no captures yet';
    // One upload per amount of data: a second click before the next capture posts nothing new.
    await this.uploadChart(w, samples, await this.store.labels(id), `watch-${id}-chart-${samples.length}`, `Trend of ${w.service} so far (chart for <@${requestedBy}>)`);
    return 'uploaded';
  }

  private async uploadChart(w: WatchRecord, samples: WatchSample[], labels: SuspectLabel[], key: string, comment: string): Promise<void> {
    const trend = watchTrend(samples, labels);
    const series = trend.suspects.map((s) => s.site);
    const png = await renderTrendChart({
      title: `${w.service}: goroutines (${trend.verdict})`,
      points: samples
        .filter((s) => s.total !== null)
        .map((s) => ({ at: s.at, total: s.total!, groups: Object.fromEntries(trend.suspects.map((x) => [x.site, s.counts[x.key] ?? 0])) })),
      series,
    });
    const day = new Date(w.startedAt).toISOString().slice(0, 16).replace(/[-:T]/g, '');
    await this.ctx.poster.upload(key, { channel: w.ref!.channel, threadTs: w.ref!.ts, filename: `watch-${w.service}-${day}.png`, title: `Goroutine trend: ${w.service}`, content: png, initialComment: comment });
  }

  /** A stop request (command or button): mark it, drop the pending tick, and let the finish job
   *  post the summary. Redis only, so it fits in Slack's 3 s. */
  async stop(service: string, by: string): Promise<{ ok: true; id: string } | { ok: false; message: string }> {
    const id = await this.store.active(service);
    if (!id) return { ok: false, message: `No watch of ${service} is running.` };
    if (!(await this.store.transition(id, 'stopping', ['running'], by))) return { ok: false, message: `The watch of ${service} is already stopping.` };
    const next = (await this.store.samples(id)).length;
    await this.ctx.jobs.queue.remove(tickJobId(id, next)).catch(() => 0);
    await this.ctx.jobs.enqueue('watch.finish', { watchId: id }, { jobId: finishJobId(id), onUnavailable: 'throw' });
    return { ok: true, id };
  }
}
