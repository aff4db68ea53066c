// The fleet part of the snapshot job: capture every instance of a multi-instance service (or a
// sample), analyse each process against its own series, and post one fleet summary plus the
// strongest instance's findings in full. Steps are idempotent: the capture outcome is checkpointed
// on the job, posts are keyed.
import type { LeakbotContext } from '../context.js';
import { escapeMrkdwn, type Snapshot } from '../engine/index.js';
import type { CaptureOutcome, FleetOutcome } from '../capture/coordinator.js';
import type { Discovery, Instance } from '../capture/targets/index.js';
import type { JobInfo } from '../queue/processors.js';
import type { SlackThreadRef } from '../queue/jobs.js';
import { autoRecaptureWarning, firstSnapshotNote, findingsSummary } from '../slack/messages.js';
import { countByConfidence, VerdictStore } from '../store/verdicts.js';
import { buildFleetReport, type FleetReport, type InstanceReport } from './fleet-report.js';
import { analyzePair, pickReference, postFindings, type PostFindingsOptions } from './findings.js';
import { followedUp, takeOver } from './recapture-delay.js';

/** What the fleet capture of a snapshot job left on the job, so a retry does not capture again. */
export interface FleetCheckpoint {
  discovered: number;
  /** `seq`: the snapshot captured; else `error`/`code`/`brief`: the failed capture's message, code
   *  and few words (CaptureOutcome). Checkpoints written before briefs were have no `brief`
   *  (captureBrief words those from the code). */
  instances: Array<{ id: string; name: string; seq?: number; error?: string; code?: string; brief?: string }>;
  /** Discovery failed and the instances are an earlier answer (Discovery.stale): why, and when that
   *  answer was obtained (ms since epoch). */
  stale?: { why: string; at: number };
}

/** `strongestSeq`/`strongestRefSeq`: the pair whose findings the thread shows in full (ref null: a
 *  single-snapshot analysis), so a later diff of the same pair points at them instead.
 *  `unreferenced`: captured pods analysed on their own (no baseline or earlier snapshot of that
 *  process), which a second round would compare. */
export type FleetRun =
  | { ok: true; superseded?: false; report: FleetReport; strongestSeq: number | null; strongestRefSeq: number | null; unreferenced: number; captured: string[]; checkpoint: FleetCheckpoint }
  /** A first round run again after its automatic round updated its messages (see followedUp): nothing posted. */
  | { ok: true; superseded: true }
  | { ok: false; message: string };

/** How a round is posted. `postKey`: the poster key of the summary and findings (default the job's
 *  own, `job:<id>`; the automatic second round passes the first round's, so both messages are
 *  updated in place). `againMs` > 0: this round will be followed by an automatic one after that
 *  many ms, said where pods had nothing to compare with. `auto`: this is that second round. */
export interface FleetRoundOptions {
  postKey?: string;
  againMs?: number;
  auto?: boolean;
}

const SUSPECTS_TTL_SECONDS = 24 * 3600;
/** Stragglers get at least this long after the last other instance answered. */
const STRAGGLER_MIN_MS = 2_000;
const ANALYSE_CONCURRENCY = 4;

function suspectsKey(ctx: LeakbotContext, service: string): string {
  return `${ctx.prefix}:fleet:suspects:${service}`;
}

/** Keeps the ids of the pods with suspected leaks in this round (strongest site first): the next
 *  round samples them first and an alert naming no pod captures the first of them first. */
export async function rememberSuspects(ctx: LeakbotContext, service: string, report: FleetReport): Promise<void> {
  const suspects = [...new Set(report.sites.flatMap((s) => s.pods.map((p) => p.id)))];
  await ctx.redis.set(suspectsKey(ctx, service), JSON.stringify(suspects), 'EX', SUSPECTS_TTL_SECONDS).catch(() => undefined);
}

/** Ids of the pods that had suspected leaks in the service's last fleet round (empty when none or
 *  Redis cannot say). */
export async function lastSuspects(ctx: LeakbotContext, service: string): Promise<string[]> {
  return ctx.redis
    .get(suspectsKey(ctx, service))
    .then((v) => (v ? (JSON.parse(v) as string[]) : []))
    .catch(() => []);
}

function staleOf(d: Discovery): Pick<FleetCheckpoint, 'stale'> {
  return d.stale ? { stale: { why: d.stale, at: d.at } } : {};
}

function failedEntry(instance: Instance, o: Extract<CaptureOutcome, { ok: false }>): FleetCheckpoint['instances'][number] {
  return { id: instance.id, name: instance.name, error: o.message, code: o.code, brief: o.brief };
}

/** Turns a fleet capture's outcome into the checkpoint a job keeps (and the snapshots it parsed). */
export function fleetCheckpoint(out: Extract<FleetOutcome, { ok: true }>, fresh: Map<number, Snapshot>): FleetCheckpoint {
  return {
    discovered: out.discovery.found,
    ...staleOf(out.discovery),
    instances: out.results.map(({ instance, outcome }) => {
      if (outcome.ok && outcome.snapshot) fresh.set(outcome.meta.seq, outcome.snapshot);
      return outcome.ok ? { id: instance.id, name: instance.name, seq: outcome.meta.seq } : failedEntry(instance, outcome);
    }),
  };
}

/** Analyses each captured process against its own series (baseline or previous snapshot, same
 *  life) and builds the fleet report. `fresh` holds snapshots already parsed (saves reloads). */
export async function analyseFleet(ctx: LeakbotContext, service: string, cp: FleetCheckpoint, fresh: Map<number, Snapshot>): Promise<{ report: FleetReport; reports: InstanceReport[] }> {
  const verdicts = new VerdictStore(ctx.redis, ctx.prefix);
  const one = async (i: FleetCheckpoint['instances'][number]): Promise<InstanceReport> => {
    if (i.seq === undefined) return { id: i.id, name: i.name, error: i.error ?? 'not captured', ...(i.code ? { code: i.code } : {}), ...(i.brief ? { brief: i.brief } : {}) };
    const cur = await ctx.snapshots.get(service, i.seq);
    if (!cur) return { id: i.id, name: i.name, error: `snapshot #${i.seq} is no longer stored`, brief: `snapshot #${i.seq} no longer stored` };
    const { ref, refKind } = await pickReference(ctx, service, cur);
    const r = await analyzePair(ctx, service, ref, refKind, cur, fresh.get(cur.seq));
    // Every pod's verdict is kept, not only the one shown in full: a later baseline of a pod that
    // looked like a leak gets its warning.
    await verdicts
      .set(service, cur.seq, { ...countByConfidence(r.analysis.findings), summary: findingsSummary(r.analysis), refSeq: r.ref?.seq ?? null })
      .catch(() => undefined);
    return { id: i.id, name: i.name, cur, ref: r.ref, ...(r.earlier ? { earlier: r.earlier } : {}), analysis: r.analysis };
  };
  // A few at a time: the analyses run in the worker-thread pool, Redis loads overlap with them.
  const reports: InstanceReport[] = new Array(cp.instances.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(ANALYSE_CONCURRENCY, cp.instances.length) }, async () => {
      while (next < cp.instances.length) {
        const k = next++;
        reports[k] = await one(cp.instances[k]!);
      }
    }),
  );
  const stale = cp.stale ? { why: cp.stale.why, ageMs: Date.now() - cp.stale.at } : undefined;
  return { report: buildFleetReport(service, reports, cp.discovered, stale), reports };
}

/** The fleet summary message: summary lines, the per-pod table, and where the full findings are. */
export function fleetMessage(service: string, report: FleetReport, fullFindingsOf: string | null, round: { againMs?: number; auto?: boolean; failedAgain?: string } = {}): { text: string; blocks: object[] } {
  const blocks: object[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*Fleet of ${service}*${report.namespace ? ` (namespace \`${escapeMrkdwn(report.namespace)}\`)` : ''}\n${report.summary}`.slice(0, 3000) } },
    { type: 'section', text: { type: 'mrkdwn', text: report.table.length <= 3000 ? report.table : `${report.table.slice(0, 2990)}\n…\`\`\`` } },
  ];
  // Each pod not captured is said once in full (what to do about it), under the summary's few words.
  const why = report.failed.filter((f) => f.error !== f.brief);
  if (why.length || report.staleWhy) {
    const lines = why.slice(0, 5).map((f) => `• ${escapeMrkdwn(f.error)}`);
    if (why.length > 5) lines.push(`…and ${why.length - 5} more not captured.`);
    if (report.staleWhy) lines.unshift(`• Discovery: ${escapeMrkdwn(report.staleWhy)}`);
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: lines.join('\n').slice(0, 3000) }] });
  }
  if (fullFindingsOf)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Findings of ${escapeMrkdwn(fullFindingsOf)} in full below; each pod is compared only with its own earlier snapshots.` }] });
  const first = report.unreferenced;
  if (round.failedAgain !== undefined)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `:warning: The automatic second capture of the fleet failed (${escapeMrkdwn(round.failedAgain)}), so pods with no earlier snapshot are not compared: press Capture again or run \`/leak snapshot ${service}\` to compare them.`.slice(0, 3000) }],
    });
  else if (round.againMs && first > 0)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `:information_source: ${first === report.analysed ? (first === 1 ? 'The pod has no' : `None of the ${first} pods has an`) : `${first} of ${report.analysed} pods have no`} earlier snapshot to compare with, so growth is not measured yet: I will capture the fleet again in ${Math.round(round.againMs / 1000)} s and update this summary and the findings below.` }],
    });
  else if (round.auto) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Captured again automatically, to compare each pod with its first snapshot.' }] });
  return { text: `Fleet of ${service}: ${report.summary}`, blocks };
}

/**
 * The automatic second round of a fleet failed (discovery found no pods, say): the first round's
 * summary, posted under `key` with the promise of that round, is drawn again from the first round's
 * pods and snapshots (`cp`) saying the round failed (`why`, as told in the thread) instead.
 */
export async function withdrawFleetPromise(ctx: LeakbotContext, key: string, service: string, thread: SlackThreadRef, cp: FleetCheckpoint, why: string): Promise<void> {
  const { report, reports } = await analyseFleet(ctx, service, cp, new Map());
  await postSummary(ctx, key, service, thread, cp, report, strongestOf(reports, report.strongest), { failedAgain: why });
}

/** The analysed pod (captured, with an analysis) of id `id`: the one whose findings go in full. */
function strongestOf(reports: readonly InstanceReport[], id: string | null): InstanceReport | undefined {
  return reports.find((r) => r.id === id && r.cur && r.analysis);
}

/** Posts (or updates) the fleet summary under `key`; it names the pod shown in full when there are several. */
async function postSummary(ctx: LeakbotContext, key: string, service: string, thread: SlackThreadRef, cp: FleetCheckpoint, report: FleetReport, strongest: InstanceReport | undefined, round: Parameters<typeof fleetMessage>[3]): Promise<void> {
  await ctx.poster.post(`${key}:fleet`, { channel: thread.channel, threadTs: thread.ts, ...fleetMessage(service, report, cp.instances.length > 1 ? (strongest?.name ?? null) : null, round) });
}

/**
 * Captures (or reloads from the checkpoint) the fleet of `job.data.service`, analyses each process
 * and posts the summary and the strongest instance's findings under `thread`. A pod that hangs does
 * not hold the others back: once only stragglers are left (see stragglersOnly) the summary goes out
 * listing them as still capturing, and is updated in place when they answer or time out. Resolves
 * with the final report, or `ok: false` with a message for the user when discovery failed.
 */
export async function runFleetSnapshot(
  ctx: LeakbotContext,
  job: JobInfo<'snapshot'>,
  thread: SlackThreadRef,
  /** Called when a summary goes out before stragglers answered (e.g. to update the parent). */
  onEarly?: (report: FleetReport) => Promise<unknown>,
  round: FleetRoundOptions = {},
): Promise<FleetRun> {
  const d = job.data;
  const service = d.service;
  const key = round.postKey ?? `job:${job.id}`;
  let cp = d.fleetCheckpoint;
  const fresh = new Map<number, Snapshot>();
  const t0 = Date.now();
  let early: { strongestId: string | null } | null = null;
  /** The round's outcome, kept on the job (a retry does not capture again). */
  const keep = async (out: Extract<FleetOutcome, { ok: true }>): Promise<FleetCheckpoint> => {
    const kept = fleetCheckpoint(out, fresh);
    await job.updateData({ ...job.data, fleetCheckpoint: kept });
    return kept;
  };
  if (!cp) {
    const prefer = [...new Set([...(d.prefer ?? []), ...(await lastSuspects(ctx, service))])];
    let planned: Instance[] = [];
    let found = 0;
    let staleAnswer: Pick<FleetCheckpoint, 'stale'> = {};
    const done = new Map<string, CaptureOutcome>();
    let lastDoneAt = t0;
    // The round's outcome is kept on the job only once every pod answered; a worker that dies before
    // leaves the pods it captured in the store. The retry shares what was captured since the round
    // began instead of capturing those pods again (each capture costs a struggling pod a dump).
    if (d.fleetRoundStartedAt === undefined) await job.updateData({ ...job.data, fleetRoundStartedAt: t0 });
    const all = ctx.captures.obtainFleet(service, {
      askedAt: d.fleetRoundStartedAt ?? t0,
      requestedBy: d.requester.user,
      reason: d.reason,
      signal: job.signal,
      thread,
      owner: job.id,
      prefer,
      ...(d.first ? { first: d.first } : {}),
      onPlan: (chosen, discovery) => {
        planned = chosen;
        found = discovery.found;
        staleAnswer = staleOf(discovery);
      },
      onResult: (instance, outcome) => {
        done.set(instance.id, outcome);
        lastDoneAt = Date.now();
      },
    });
    const first = await Promise.race([all.then(() => 'all' as const), stragglersOnly(() => ({ planned: planned.length, done: done.size, lastDoneAt, t0 }), all)]);
    if (first === 'stragglers') {
      // Post what is in; the summary is completed in place when the stragglers answer or time out.
      const partial: FleetCheckpoint = {
        discovered: found,
        ...staleAnswer,
        instances: planned.map((i) => {
          const o = done.get(i.id);
          if (o?.ok && o.snapshot) fresh.set(o.meta.seq, o.snapshot);
          if (o) return o.ok ? { id: i.id, name: i.name, seq: o.meta.seq } : failedEntry(i, o);
          const s = Math.round((Date.now() - t0) / 1000);
          return { id: i.id, name: i.name, error: `still capturing after ${s} s; this summary is updated when it answers or times out`, brief: `still capturing after ${s} s` };
        }),
      };
      try {
        const p = await publish(ctx, key, service, thread, partial, fresh, d.requester.user, null, round);
        if (p) {
          early = p;
          await onEarly?.(p.report);
        }
      } catch (err) {
        // Slack refused the early summary: the captures still finish and are kept first, so the
        // retry posts them without asking the pods again.
        const out = await all;
        if (out.ok) await keep(out);
        throw err;
      }
    }
    const out = await all;
    if (!out.ok) return { ok: false, message: out.message };
    cp = await keep(out);
  }
  const t1 = Date.now();
  const published = await publish(ctx, key, service, thread, cp, fresh, d.requester.user, early, round);
  if (!published) {
    job.log.info({ service }, 'fleet round run again after its automatic round posted; keeping the newer summary and findings');
    return { ok: true, superseded: true };
  }
  const { report, strongestSeq, analyseMs, strongest } = published;
  // Once per job, not per post key: the automatic second round is a round of its own.
  await recordRound(ctx, `job:${job.id}`, service, thread, d.requester.user, report, strongest);
  await rememberSuspects(ctx, service, report);
  job.log.info(
    { service, instances: cp.instances.length, failed: report.failed.length, sites: report.sites.length, early: !!early, captureMs: t1 - t0, analyseMs, postMs: Date.now() - t1 - analyseMs },
    'fleet snapshot analysed and posted',
  );
  const captured = cp.instances.filter((i) => i.seq !== undefined).map((i) => i.id);
  return { ok: true, report, strongestSeq, strongestRefSeq: strongest?.ref?.seq ?? null, unreferenced: report.unreferenced, captured, checkpoint: cp };
}

/** One timeline event per fleet round (the captures themselves record none): the postmortem's
 *  goroutine figures follow the strongest pod, with its change against its own reference. Once per
 *  job (`key`): a retried job adds none. */
async function recordRound(ctx: LeakbotContext, key: string, service: string, thread: SlackThreadRef, actor: string, report: FleetReport, strongest: InstanceReport | undefined): Promise<void> {
  if (!strongest?.cur) return;
  const { cur, ref } = strongest;
  await ctx.timeline
    .append({
      at: cur.capturedAt,
      service,
      type: 'snapshot',
      actor,
      thread,
      text: `Fleet snapshot (${report.analysed} of ${report.discovered} pods captured): ${report.summary.split('\n')[0]}`,
      data: {
        seq: cur.seq,
        total: cur.total,
        instance: strongest.id,
        ...(cur.instanceName ? { instanceName: cur.instanceName } : {}),
        comparedWith: ref ? (ref.seq === (await ctx.snapshots.baselineFor(cur)).meta?.seq ? 'baseline' : 'previous') : null,
        previousTotal: ref?.total ?? null,
        delta: ref ? cur.total - ref.total : null,
        fleet: { analysed: report.analysed, discovered: report.discovered, failed: report.failed.length, restarted: report.restarted.length, sites: report.sites.length },
      },
    }, { once: `${key}:fleet-round` })
    .catch((err: Error) => ctx.log.warn({ err: err.message }, 'timeline append failed'));
}

/** When all but a few instances (a tenth, at least one) have answered and the rest have taken as
 *  long again as the others did (at least 2 s more), the summary should not wait for them: resolves
 *  'stragglers' then; never resolves once `all` has settled. */
function stragglersOnly(state: () => { planned: number; done: number; lastDoneAt: number; t0: number }, all: Promise<unknown>): Promise<'stragglers'> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const s = state();
      const left = s.planned - s.done;
      if (s.planned < 3 || left <= 0 || left > Math.max(1, Math.floor(s.planned / 10))) return;
      if (Date.now() - s.lastDoneAt < Math.max(STRAGGLER_MIN_MS, s.lastDoneAt - s.t0)) return;
      clearInterval(timer);
      resolve('stragglers');
    }, 250);
    timer.unref();
    void all.finally(() => clearInterval(timer)).catch(() => undefined);
  });
}

/** Analyses and posts (or updates) the fleet summary; the strongest pod's findings are posted once,
 *  with the first summary. The automatic round marks the first round's messages as followed up
 *  before it posts over them; a first round finding them so (run again after that) posts nothing
 *  and resolves null. */
async function publish(
  ctx: LeakbotContext,
  key: string,
  service: string,
  thread: SlackThreadRef,
  cp: FleetCheckpoint,
  fresh: Map<number, Snapshot>,
  actor: string,
  early: { strongestId: string | null } | null,
  round: FleetRoundOptions,
): Promise<{ report: FleetReport; strongestSeq: number | null; strongestId: string | null; strongest: InstanceReport | undefined; analyseMs: number } | null> {
  /** Before each post: the automatic round marks the messages it takes over; a first round asks
   *  whether its automatic round has taken them over already. */
  const superseded = async (): Promise<boolean> => {
    if (!round.auto) return followedUp(ctx, key);
    await takeOver(ctx, key, ctx.log);
    return false;
  };
  if (await superseded()) return null;
  const t = Date.now();
  const { report, reports } = await analyseFleet(ctx, service, cp, fresh);
  const analyseMs = Date.now() - t;
  const strongest = strongestOf(reports, early ? early.strongestId : report.strongest);
  if (await superseded()) return null;
  await postSummary(ctx, key, service, thread, cp, report, strongest, round);
  if (!early && strongest?.cur && strongest.analysis) {
    const refKind = strongest.ref ? (strongest.ref.seq === (await ctx.snapshots.baselineFor(strongest.cur)).meta?.seq ? 'baseline' : 'previous') : null;
    const opts: PostFindingsOptions =
      !strongest.ref && round.againMs
        ? { note: firstSnapshotNote(strongest.analysis, service, round.againMs), recapture: autoRecaptureWarning(round.againMs) }
        : round.auto
          ? { suffix: ' (captured again automatically)' }
          : {};
    if (await superseded()) return null;
    await postFindings(ctx, key, service, thread, { analysis: strongest.analysis, ref: strongest.ref ?? null, refKind, cur: strongest.cur, ...(strongest.earlier ? { earlier: strongest.earlier } : {}) }, actor, opts);
  }
  return { report, strongestSeq: strongest?.cur?.seq ?? null, strongestId: strongest?.id ?? null, strongest, analyseMs };
}
