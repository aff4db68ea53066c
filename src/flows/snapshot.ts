// The `snapshot` job: parent message → capture (shared per service) → analysis → findings in the
// thread → parent updated with the outcome → everyone who asked gets a pointer. Each step is
// idempotent (poster keys, checkpointed snapshot seq), so a retry or a restarted worker resumes
// without a second post or a second capture.
import type { LeakbotContext } from '../context.js';
import type { Snapshot } from '../engine/index.js';
import { isSlackUnavailable, SlackPostError } from '../slack/poster.js';
import { captureFailedText, parentText, outcomeStatus, snapDesc } from '../slack/messages.js';
import type { Requester as PendingRequester } from '../store/pending.js';
import type { JobInfo } from '../queue/processors.js';
import type { SlackThreadRef, SnapshotJob } from '../queue/jobs.js';
import { isFleet } from '../capture/targets/index.js';
import { analyzePair, pickReference, postFindings } from './findings.js';
import { runFleetSnapshot } from './fleet.js';
import { own } from '../own.js';
import { quoteOutside } from '../slack/text.js';

export async function processSnapshot(ctx: LeakbotContext, job: JobInfo<'snapshot'>): Promise<{ seq: number | null }> {
  const d = job.data;
  const key = `job:${job.id}`;
  const service = d.service;
  if (!own(ctx.config.services, service)) {
    job.log.warn({ service }, 'service no longer in the config; dropping job');
    await ctx.poster.respond(d.requester.responseUrl, { text: `${service} is no longer a registered service.` });
    return { seq: null };
  }
  // The response_url rides along even when the request could not join the pending set (Redis was
  // down when it came in): a held request still gets its "findings are in the thread" (issue 12, item 5).
  let requesters: PendingRequester[] = [{ user: d.requester.user, at: 0, ...(d.requester.responseUrl ? { responseUrl: d.requester.responseUrl } : {}) }];
  let parentRef: { channel: string; ts: string } | null = null;
  let parent: SlackThreadRef | null = null;
  try {
    if (d.pendingScope) {
      const peek = await ctx.pending.peek(job.id);
      if (peek.length) requesters = peek;
    }
    const users = requesters.map((r) => r.user);
    const ref = await ctx.poster.post(`${key}:parent`, {
      channel: d.thread?.channel ?? d.requester.channel,
      ...(d.thread ? { threadTs: d.thread.ts } : {}),
      text: parentText(service, users, 'capturing…'),
    });
    parentRef = ref;
    parent = d.thread ?? { channel: ref.channel, ts: ref.ts };
    if (!d.thread) await ctx.threads.put({ channel: parent.channel, ts: parent.ts, service, kind: 'snapshot', createdAt: Date.now(), requestedBy: users });

    const thread = parent;
    /** The capture could not happen: say why in the thread and to everyone who asked. */
    const failed = async (message: string): Promise<{ seq: null }> => {
      requesters = await claim(ctx, d, job.id, requesters);
      await ctx.poster.post(`${key}:error`, { channel: thread.channel, threadTs: thread.ts, text: captureFailedText(service, message) });
      await ctx.poster.update(ref, { text: parentText(service, requesters.map((r) => r.user), `capture failed: ${message}`) });
      await notify(ctx, key, requesters, `Could not capture ${service}: ${quoteOutside(message, 600)}`);
      return { seq: null };
    };

    // A multi-instance service: every process (or a sample), one summary (src/flows/fleet.ts).
    if (isFleet(own(ctx.config.services, service)!) && !d.select && d.checkpoint === undefined) {
      const run = await runFleetSnapshot(ctx, job, parent);
      if (!run.ok) return await failed(run.message);
      requesters = await claim(ctx, d, job.id, requesters);
      await ctx.poster.update(ref, { text: parentText(service, requesters.map((r) => r.user), `${run.report.summary} Details in the thread.`) });
      const link = await permalink(ctx, parent);
      await notify(ctx, key, requesters, `The fleet summary of ${service} is in ${link ? `<${link}|the thread>` : 'the thread under my message'}.`);
      return { seq: run.strongestSeq };
    }
    // `pod=…` / `instance=…`: one discovered instance, never an address.
    let instance: string | undefined;
    if (d.select) {
      const found = await ctx.captures.findInstance(service, d.select);
      if ('error' in found) return await failed(found.error);
      instance = found.instance.id;
    }

    // Capture, or the checkpointed result of an earlier attempt.
    let curSeq = d.checkpoint?.curSeq;
    let shared = d.checkpoint?.shared ?? false;
    let fresh: Snapshot | undefined;
    const t0 = Date.now();
    if (curSeq === undefined) {
      const outcome = await ctx.captures.obtain(service, { requestedBy: d.requester.user, reason: d.reason, signal: job.signal, thread: parent, owner: job.id, ...(instance !== undefined ? { instance } : {}) });
      if (!outcome.ok) return await failed(outcome.message);
      curSeq = outcome.meta.seq;
      shared = outcome.shared;
      fresh = outcome.snapshot;
      await job.updateData({ ...d, checkpoint: { curSeq, shared } });
    }
    const cur = await ctx.snapshots.get(service, curSeq);
    if (!cur) throw new Error(`snapshot #${curSeq} of ${service} vanished from the store`);
    const { ref: refMeta, refKind } = await pickReference(ctx, service, cur);
    const t1 = Date.now();
    const result = await analyzePair(ctx, service, refMeta, refKind, cur, fresh);
    const t2 = Date.now();
    await postFindings(ctx, key, service, parent, result, d.requester.user);
    job.log.info({ service, seq: cur.seq, shared, captureMs: t1 - t0, analyseMs: t2 - t1, postMs: Date.now() - t2, findings: result.analysis.findings.length }, 'snapshot analysed and posted');
    requesters = await claim(ctx, d, job.id, requesters);
    await ctx.poster.update(ref, { text: parentText(service, requesters.map((r) => r.user), outcomeStatus(result.analysis, cur, shared)) });
    const link = await permalink(ctx, parent);
    await notify(ctx, key, requesters, `Findings for ${service} ${snapDesc(cur)} are in ${link ? `<${link}|the thread>` : 'the thread under my message'}.`);
    return { seq: cur.seq };
  } catch (err) {
    // A Slack refusal the user must fix (not in channel, missing scope): tell them, don't retry.
    if (err instanceof SlackPostError && !err.retryable) {
      await ctx.poster.respond(d.requester.responseUrl, { text: `I could not post the snapshot of ${service}: ${err.userMessage}` });
      return { seq: null };
    }
    if (isSlackUnavailable(err)) {
      // The worker parks the job until Slack answers again; say so on the parent if Slack takes it.
      if (parentRef) await ctx.poster.update(parentRef, { text: parentText(service, requesters.map((r) => r.user), 'waiting for Slack…') }).catch(() => {});
      throw err;
    }
    if (job.attemptsMade + 1 >= job.maxAttempts) {
      // Last attempt: say so where the user is looking, then let BullMQ record the failure.
      const msg = `:x: leakbot failed to finish this snapshot of ${service} after ${job.maxAttempts} attempts (${quoteOutside((err as Error).message, 200)}). Try \`/leak snapshot ${service}\` again.`;
      if (parent) await ctx.poster.post(`${key}:fatal`, { channel: parent.channel, threadTs: parent.ts, text: msg }).catch(() => {});
      else await ctx.poster.respond(d.requester.responseUrl, { text: msg });
    }
    throw err;
  }
}

async function claim(ctx: LeakbotContext, d: SnapshotJob, jobId: string, fallback: PendingRequester[]): Promise<PendingRequester[]> {
  if (!d.pendingScope) return fallback;
  const all = await ctx.pending.claim(d.pendingScope, jobId);
  return all.length ? all : fallback;
}

/** Tells each person who asked (via their response_url) where the answer is; once per job. */
async function notify(ctx: LeakbotContext, key: string, requesters: PendingRequester[], text: string): Promise<void> {
  const urls = [...new Set(requesters.map((r) => r.responseUrl).filter((u): u is string => !!u))];
  if (urls.length === 0) return;
  if (!(await ctx.redis.set(`${ctx.prefix}:notified:${key}`, '1', 'EX', 86_400, 'NX'))) return;
  await Promise.all(urls.map((u) => ctx.poster.respond(u, { text, response_type: 'ephemeral' })));
}

async function permalink(ctx: LeakbotContext, t: SlackThreadRef): Promise<string | null> {
  try {
    const res = await ctx.poster.client.chat.getPermalink({ channel: t.channel, message_ts: t.ts });
    return typeof res.permalink === 'string' ? res.permalink : null;
  } catch {
    return null;
  }
}
