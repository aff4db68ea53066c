// The fleet part of the snapshot job: capture every instance of a multi-instance service (or a
// sample), analyse each process against its own series, and post one fleet summary plus the
// strongest instance's findings in full. Steps are idempotent: the capture outcome is checkpointed
// on the job, posts are keyed.
import type { LeakbotContext } from '../context.js';
import { escapeMrkdwn, type Snapshot } from '../engine/index.js';
import type { FleetOutcome } from '../capture/coordinator.js';
import type { JobInfo } from '../queue/processors.js';
import type { SlackThreadRef } from '../queue/jobs.js';
import { buildFleetReport, type FleetReport, type InstanceReport } from './fleet-report.js';
import { analyzePair, pickReference, postFindings } from './findings.js';

/** What the fleet capture of a snapshot job left on the job, so a retry does not capture again. */
export interface FleetCheckpoint {
  discovered: number;
  instances: Array<{ id: string; name: string; seq?: number; error?: string }>;
}

export type FleetRun = { ok: true; report: FleetReport; strongestSeq: number | null } | { ok: false; message: string };

const SUSPECTS_TTL_SECONDS = 24 * 3600;
const ANALYSE_CONCURRENCY = 4;

function suspectsKey(ctx: LeakbotContext, service: string): string {
  return `${ctx.prefix}:fleet:suspects:${service}`;
}

/** Turns a fleet capture's outcome into the checkpoint a job keeps (and the snapshots it parsed). */
export function fleetCheckpoint(out: Extract<FleetOutcome, { ok: true }>, fresh: Map<number, Snapshot>): FleetCheckpoint {
  return {
    discovered: out.discovery.instances.length,
    instances: out.results.map(({ instance, outcome }) => {
      if (outcome.ok && outcome.snapshot) fresh.set(outcome.meta.seq, outcome.snapshot);
      return outcome.ok ? { id: instance.id, name: instance.name, seq: outcome.meta.seq } : { id: instance.id, name: instance.name, error: outcome.message };
    }),
  };
}

/** Analyses each captured process against its own series (baseline or previous snapshot, same
 *  life) and builds the fleet report. `fresh` holds snapshots already parsed (saves reloads). */
export async function analyseFleet(ctx: LeakbotContext, service: string, cp: FleetCheckpoint, fresh: Map<number, Snapshot>): Promise<{ report: FleetReport; reports: InstanceReport[] }> {
  const one = async (i: FleetCheckpoint['instances'][number]): Promise<InstanceReport> => {
    if (i.seq === undefined) return { id: i.id, name: i.name, error: i.error ?? 'not captured' };
    const cur = await ctx.snapshots.get(service, i.seq);
    if (!cur) return { id: i.id, name: i.name, error: `snapshot #${i.seq} is no longer stored` };
    const { ref, refKind } = await pickReference(ctx, service, cur);
    const r = await analyzePair(ctx, service, ref, refKind, cur, fresh.get(cur.seq));
    return { id: i.id, name: i.name, cur, ref: r.ref, analysis: r.analysis };
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
  return { report: buildFleetReport(service, reports, cp.discovered), reports };
}

/** The fleet summary message: summary lines, the per-pod table, and where the full findings are. */
export function fleetMessage(service: string, report: FleetReport, fullFindingsOf: string | null): { text: string; blocks: object[] } {
  const blocks: object[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*Fleet of ${service}*\n${report.summary}`.slice(0, 3000) } },
    { type: 'section', text: { type: 'mrkdwn', text: report.table.length <= 3000 ? report.table : `${report.table.slice(0, 2990)}\n…\`\`\`` } },
  ];
  if (fullFindingsOf)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Findings of ${escapeMrkdwn(fullFindingsOf)} in full below; each pod is compared only with its own earlier snapshots.` }] });
  return { text: `Fleet of ${service}: ${report.summary}`, blocks };
}

/**
 * Captures (or reloads from the checkpoint) the fleet of `job.data.service`, analyses each process
 * and posts the summary and the strongest instance's findings under `thread`. Resolves with the
 * report, or `ok: false` with a message for the user when discovery failed.
 */
export async function runFleetSnapshot(ctx: LeakbotContext, job: JobInfo<'snapshot'>, thread: SlackThreadRef): Promise<FleetRun> {
  const d = job.data;
  const service = d.service;
  const key = `job:${job.id}`;
  let cp = d.fleetCheckpoint;
  const fresh = new Map<number, Snapshot>();
  const t0 = Date.now();
  if (!cp) {
    const prefer = await ctx.redis
      .get(suspectsKey(ctx, service))
      .then((v) => (v ? (JSON.parse(v) as string[]) : []))
      .catch(() => []);
    const out = await ctx.captures.obtainFleet(service, {
      requestedBy: d.requester.user,
      reason: d.reason,
      signal: job.signal,
      thread,
      owner: job.id,
      prefer,
      ...(d.first ? { first: d.first } : {}),
    });
    if (!out.ok) return { ok: false, message: out.message };
    cp = fleetCheckpoint(out, fresh);
    await job.updateData({ ...d, fleetCheckpoint: cp });
  }
  const t1 = Date.now();
  const { report, reports } = await analyseFleet(ctx, service, cp, fresh);
  const t2 = Date.now();
  const strongest = reports.find((r) => r.id === report.strongest && r.cur && r.analysis);
  await ctx.poster.post(`${key}:fleet`, { channel: thread.channel, threadTs: thread.ts, ...fleetMessage(service, report, cp.instances.length > 1 ? (strongest?.name ?? null) : null) });
  if (strongest?.cur && strongest.analysis) {
    const refKind = strongest.ref ? (strongest.ref.seq === (await ctx.snapshots.baselineFor(strongest.cur)).meta?.seq ? 'baseline' : 'previous') : null;
    await postFindings(ctx, key, service, thread, { analysis: strongest.analysis, ref: strongest.ref ?? null, refKind, cur: strongest.cur }, d.requester.user);
  }
  const suspects = report.sites.flatMap((s) => s.pods.map((p) => p.id));
  await ctx.redis.set(suspectsKey(ctx, service), JSON.stringify([...new Set(suspects)]), 'EX', SUSPECTS_TTL_SECONDS).catch(() => undefined);
  job.log.info(
    { service, instances: cp.instances.length, failed: report.failed.length, sites: report.sites.length, captureMs: t1 - t0, analyseMs: t2 - t1, postMs: Date.now() - t2 },
    'fleet snapshot analysed and posted',
  );
  return { ok: true, report, strongestSeq: strongest?.cur?.seq ?? null };
}
