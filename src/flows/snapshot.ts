// The `snapshot` job: parent message → capture (shared per service) → analysis → findings in the
// thread → parent updated with the outcome → everyone who asked gets a pointer. Each step is
// idempotent (poster keys, checkpointed snapshot seq), so a retry or a restarted worker resumes
// without a second post or a second capture.
import { followedUp, recaptureDelayMs, rememberAutoRecapture, takeOver } from './recapture-delay.js';
import type { LeakbotContext } from '../context.js';
import type { Snapshot } from '../engine/index.js';
import { isSlackUnavailable, SlackPostError } from '../slack/poster.js';
import { autoRecaptureWarning, failedRecaptureNote, failedRecaptureWarning, firstSnapshotNote, captureFailedText, fmtTime, manualRecaptureWarning, manualSnapshotNote, parentText, snapDesc } from '../slack/messages.js';
import type { Requester as PendingRequester } from '../store/pending.js';
import type { JobInfo } from '../queue/processors.js';
import type { SlackThreadRef, SnapshotJob } from '../queue/jobs.js';
import { isFleet } from '../capture/targets/index.js';
import { analyzePair, comparedSeqs, MissingSnapshotError, pickReference, postFindings } from './findings.js';
import { runFleetSnapshot, withdrawFleetPromise, type FleetCheckpoint } from './fleet.js';
import { own } from '../own.js';
import { quoteOutside } from '../slack/text.js';
import { isWorthWaiting } from '../queue/transient.js';
import { findingsState, hasPair, parentText as threadParentText, recordOutcome, refusalText, touchThread } from './thread.js';

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
  let parent: SlackThreadRef | null = d.thread ?? null;
  // The automatic second capture (issue 8's stronger mode) updates the first findings in place:
  // no status line, no pointer to the requester (they already have one).
  const auto = d.reason === 'auto';
  // The first snapshot's messages this automatic capture takes over (null for any other capture).
  const followUp = auto ? (d.followUp ?? null) : null;
  try {
    if (d.pendingScope) {
      const peek = await ctx.pending.peek(job.id);
      if (peek.length) requesters = peek;
    }
    const users = requesters.map((r) => r.user);
    // A new thread starts with its parent; an existing one (a button, an open thread the verb
    // joined) gets a status line, and its parent is updated from the thread record at the end.
    const status = auto
      ? null
      : await ctx.poster.post(`${key}:parent`, {
          channel: d.thread?.channel ?? d.requester.channel,
          ...(d.thread ? { threadTs: d.thread.ts } : {}),
          text: parentText(service, users, 'capturing…'),
        });
    parentRef = status;
    const thread: SlackThreadRef = d.thread ?? { channel: status!.channel, ts: status!.ts };
    parent = thread;
    // A job run again finds its thread's record (with the outcomes since): kept, not started anew.
    if (!d.thread && !(await ctx.threads.get(thread.channel, thread.ts))) {
      const now = Date.now();
      await ctx.threads.put({ channel: thread.channel, ts: thread.ts, service, kind: 'snapshot', createdAt: now, lastActivityAt: now, requestedBy: users, data: { title: `Goroutine snapshot of *${service}*` } });
    }
    const inThread = status && d.thread ? status : null;
    /** Nothing new to post, the thread already holds the answer: the status line says `line`, and
     *  everyone who asked is told `tell(link)` (the thread's permalink, null when Slack gave none). */
    const pointAtThread = async (line: string, tell: (link: string | null) => string): Promise<void> => {
      requesters = await claim(ctx, d, job.id, requesters);
      if (inThread) await ctx.poster.update(inThread, { text: parentText(service, requesters.map((r) => r.user), line) });
      await touchThread(ctx, thread);
      await notify(ctx, key, requesters, tell(await permalink(ctx, thread)));
    };
    /** The capture could not happen: said once, in the thread; the parent shows the state and
     *  everyone who asked gets a pointer to the thread. */
    const failed = async (message: string): Promise<{ seq: null }> => {
      // Kept before anything here can throw: the retry of a job whose failure could not be posted
      // answers from it instead of capturing the struggling service again.
      if (!d.failure) await job.updateData({ ...d, failure: { message } });
      requesters = await claim(ctx, d, job.id, requesters);
      await ctx.poster.post(`${key}:error`, { channel: thread.channel, threadTs: thread.ts, text: captureFailedText(service, message, auto ? 'a second time (for a comparison)' : undefined) });
      if (followUp) await withdrawPromise(ctx, job, followUp, service, thread, undefined, message);
      if (inThread) await ctx.poster.update(inThread, { text: parentText(service, users, 'capture failed (below).') });
      await recordOutcome(ctx, thread, { service, users: requesters.map((r) => r.user), state: { outcome: 'failed', summary: auto ? 'The second capture failed' : 'Capture failed' } });
      if (!auto) {
        const link = await permalink(ctx, thread);
        await notify(ctx, key, requesters, `The capture of ${service} failed; the reason is in ${link ? `<${link}|the thread>` : 'the thread under my message'}.`);
      }
      return { seq: null };
    };

    // An earlier attempt failed to capture and stopped before it had said so everywhere.
    if (d.failure) return await failed(d.failure.message);

    // A multi-instance service: every process (or a sample), one summary (src/flows/fleet.ts).
    if (isFleet(own(ctx.config.services, service)!) && !d.select && d.checkpoint === undefined) {
      // A summary posted before the last pods answered shows on the parent at once (the thread
      // record gets the final outcome only, so it counts one analysis).
      // Pods with nothing to compare with are compared by a second round after a short delay, as a
      // single process is (issue 8's stronger mode): both messages are updated in place.
      const againMs = auto ? 0 : autoRecaptureDelayMs(ctx, service);
      const run = await runFleetSnapshot(
        ctx,
        job,
        thread,
        async (early) => {
          const rec = d.thread ? null : await ctx.threads.get(thread.channel, thread.ts);
          if (rec) await ctx.poster.update(thread, { text: threadParentText(rec, `${early.summary} (completed in place as the last pods answer)`) });
        },
        { ...(followUp ? { postKey: followUp.postKey, auto: true } : {}), againMs },
      );
      if (!run.ok) return await failed(run.message);
      requesters = await claim(ctx, d, job.id, requesters);
      if (inThread) await ctx.poster.update(inThread, { text: parentText(service, users, 'fleet summary below.') });
      // Run again after its automatic round posted (followedUp): that round's outcome is the thread's
      // latest and its job exists (no third round); the requesters are still told, once each.
      if (run.superseded) await redrawParent(ctx, d, thread);
      else {
        // The automatic round captured no pod, so it posted no findings over the first round's, which
        // still promise it: they say it failed (the summary above names each pod's reason).
        if (followUp && run.strongestSeq === null) await withdrawPromise(ctx, job, followUp, service, thread, 'no pod was captured: see the summary above');
        await recordOutcome(ctx, thread, {
          service,
          users: auto ? [] : requesters.map((r) => r.user),
          state: { outcome: 'findings', summary: run.report.summary, ...(typeof run.strongestSeq === 'number' ? { seq: run.strongestSeq } : {}) },
          // The strongest pod's findings are in the thread: Compare / `/leak diff` of that pair points at them.
          ...(typeof run.strongestSeq === 'number' ? { pair: { refSeq: run.strongestRefSeq, curSeq: run.strongestSeq } } : {}),
          ...(followUp ? { inPlace: true } : {}),
        });
        // The strongest pod's single-snapshot findings (the ones that promise the round) ride along.
        if (againMs > 0 && run.unreferenced > 0) await scheduleAuto(ctx, job.id, key, service, d, thread, againMs, run.captured, run.strongestRefSeq === null ? (run.strongestSeq ?? undefined) : undefined, run.checkpoint);
      }
      if (!auto) {
        const link = await permalink(ctx, parent);
        await notify(ctx, key, requesters, `The fleet summary of ${service} is in ${link ? `<${link}|the thread>` : 'the thread under my message'}.`);
      }
      return { seq: run.superseded ? null : run.strongestSeq };
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
      // The automatic second capture exists to compare with the first: it never shares it. Run early
      // by a Capture again click (clickRunsAutoRecapture) within minIntervalSeconds of the first, it
      // shared the first capture and 'updated' the findings with the same single snapshot.
      const outcome = await ctx.captures.obtain(service, { requestedBy: d.requester.user, reason: d.reason, signal: job.signal, thread: parent, owner: job.id, ...(instance !== undefined ? { instance } : {}), ...(auto ? { maxAgeMs: 0 } : {}) });
      if (!outcome.ok) {
        // Asked again in the thread that already says this failure (inside minIntervalSeconds, so
        // the service was not asked): the same reason posted a second time below the first doubled
        // it. The status line points at it instead, as a capture shared within the interval does.
        const rec = outcome.shared && !auto && inThread ? await ctx.threads.get(thread.channel, thread.ts) : null;
        const every = own(ctx.config.services, service)!.minIntervalSeconds;
        if (rec?.state?.outcome === 'failed' && Date.now() - rec.state.at < every * 1000) {
          const at = fmtTime(rec.state.at);
          await pointAtThread(
            `the capture failure above is the latest (${at}): leakbot asks ${service} again once ${every} s have passed since it failed, so that a struggling service is not asked over and over.`,
            (link) => `The capture of ${service} failed at ${at}; the reason is in ${link ? `<${link}|the thread>` : 'the thread under my message'}. leakbot asks it again once ${every} s have passed since then.`,
          );
          return { seq: null };
        }
        return await failed(outcome.message);
      }
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
    // *Capture again* (or /leak snapshot in the thread) within minIntervalSeconds of the capture the
    // thread already compared shares that capture: posting the same comparison again doubled the
    // findings message. Say which snapshots it is (the series the thread's findings title names) and
    // when leakbot asks the service again instead.
    // Decided once, before anything is posted, so a retry of a job that did post keeps posting.
    let held = d.checkpoint?.held;
    if (held === undefined) {
      held = shared && !auto && !!d.thread && hasPair(await ctx.threads.get(thread.channel, thread.ts), result.ref?.seq ?? null, cur.seq);
      await job.updateData({ ...d, checkpoint: { curSeq: cur.seq, shared, held } });
    }
    if (held) {
      const every = own(ctx.config.services, service)!.minIntervalSeconds;
      const next = cur.capturedAt + every * 1000;
      const already = `the findings of ${comparedSeqs(result)} above are the latest: ${service} was captured at ${fmtTime(cur.capturedAt)} and leakbot asks it at most every ${every} s (capture again after ${fmtTime(next)}).`;
      await pointAtThread(already, (link) => `No new capture of ${service} yet: ${already.replace(' above', ` in ${link ? `<${link}|the thread>` : 'the thread'}`)}`);
      return { seq: cur.seq };
    }
    // Nothing to compare with: say so, and capture again by itself after a short delay.
    const againMs = !auto && !result.ref ? autoRecaptureDelayMs(ctx, service) : 0;
    // The automatic capture marks the first findings as followed up before it updates them; the
    // first job, run again after that, leaves them (and the outcome, and the schedule) as they are.
    // A run of it already past that check (its update may be in flight) is let end first (takeOver).
    if (followUp) await takeOver(ctx, followUp.postKey, job.log, job.signal);
    const superseded = !auto && (await followedUp(ctx, key));
    if (!superseded) {
      await postFindings(ctx, d.followUp?.postKey ?? key, service, thread, result, d.requester.user, {
        ...(againMs > 0
          ? { note: firstSnapshotNote(result.analysis, service, againMs), recapture: autoRecaptureWarning(againMs) }
          : !auto && !result.ref
            ? { note: manualSnapshotNote(result.analysis, service), recapture: manualRecaptureWarning(service) }
            : {}),
        ...(followUp ? { suffix: ' (captured again automatically)' } : {}),
        ...(d.select ? { pinInstance: true } : {}),
      });
    }
    job.log.info({ service, seq: cur.seq, shared, auto, captureMs: t1 - t0, analyseMs: t2 - t1, postMs: Date.now() - t2, findings: result.analysis.findings.length, ...(superseded ? { superseded } : {}) }, superseded ? 'snapshot run again after its automatic capture posted: the newer findings kept' : 'snapshot analysed and posted');
    requesters = await claim(ctx, d, job.id, requesters);
    if (inThread) await ctx.poster.update(inThread, { text: parentText(service, users, `${snapDesc(cur)}: findings below.`) });
    if (superseded) await redrawParent(ctx, d, thread);
    else {
      await recordOutcome(ctx, thread, {
        service,
        users: auto ? [] : requesters.map((r) => r.user),
        state: findingsState(result.analysis, cur),
        pair: { refSeq: result.ref?.seq ?? null, curSeq: cur.seq },
        ...(followUp ? { inPlace: true } : {}),
      });
      if (againMs > 0) await scheduleAuto(ctx, job.id, key, service, d, thread, againMs, undefined, cur.seq);
    }
    if (!auto) {
      const link = await permalink(ctx, thread);
      await notify(ctx, key, requesters, `Findings for ${service} ${snapDesc(cur)} are in ${link ? `<${link}|the thread>` : 'the thread under my message'}.`);
    }
    return { seq: cur.seq };
  } catch (err) {
    // A Slack refusal the user must fix (not in channel, missing scope): tell them, don't retry.
    if (err instanceof SlackPostError && !err.retryable) {
      const text = `I could not post the snapshot of ${service}: ${await refusalText(ctx, parent, err, `/leak snapshot ${service}`)}`;
      // Our own parent, when Slack took it, must not keep saying "capturing…" for a reply it refused
      // (a locked thread, blocks refused twice); where the channel itself refuses us this fails too.
      if (parentRef && !d.thread) await ctx.poster.update(parentRef, { text: parentText(service, requesters.map((r) => r.user), `could not post the findings: ${err.userMessage}`) }).catch(() => {});
      // The joining window closes with this job: a retry after the fix (an invite) must start a new
      // capture, not join this ended one and wait for findings that never come. Everyone who
      // joined is told the same.
      const urls = await everyoneToTell(ctx, d, job.id, requesters).catch(() => [d.requester.responseUrl]);
      for (const url of urls) await ctx.poster.respond(url, { text });
      return { seq: null };
    }
    if (isSlackUnavailable(err)) {
      // The worker parks the job until Slack answers again; say so on the parent if Slack takes it.
      // (Not when only the response_url failed: the parent already shows the outcome; nor while a
      // report's file share is still being processed: Slack answers, it is only slow to show it.)
      if (parentRef && !['response_url_unreachable', 'share_pending'].includes((err as SlackPostError).code)) await ctx.poster.update(parentRef, { text: parentText(service, requesters.map((r) => r.user), 'waiting for Slack…') }).catch(() => {});
      throw err;
    }
    if (isWorthWaiting(err)) throw err; // parked by the worker, not a failed attempt
    if (job.attemptsMade + 1 >= job.maxAttempts) {
      // Last attempt: say so where the user is looking, then let BullMQ record the failure.
      const msg = `:x: leakbot failed to finish this snapshot of ${service} after ${job.maxAttempts} attempts (${quoteOutside((err as Error).message, 200)}). Try \`/leak snapshot ${service}\` again.`;
      if (parent) await ctx.poster.post(`${key}:fatal`, { channel: parent.channel, threadTs: parent.ts, text: msg }).catch(() => {});
      // The final-failure watcher tells the requester under the same key (src/queue/final-failure.ts):
      // one line, whichever comes first; if Slack is down now, the watcher tells them later.
      else await ctx.poster.tell(`${key}:final`, d.requester.responseUrl, { text: msg }).catch(() => {});
      // Those who joined are told here (the watcher knows only the first requester), and the
      // window closes: a new request starts a new capture.
      const joiners = (await everyoneToTell(ctx, d, job.id, requesters).catch(() => [])).filter((u) => u !== d.requester.responseUrl);
      for (const url of joiners) await ctx.poster.tell(`${key}:final`, url, { text: msg }).catch(() => {});
    }
    throw err;
  }
}

/** The delay before the automatic second capture (ms): `snapshot.autoRecaptureSeconds`, never
 *  less than the service's minIntervalSeconds; 0 when turned off. */
export function autoRecaptureDelayMs(ctx: LeakbotContext, service: string): number {
  return recaptureDelayMs(ctx.config, service);
}


/** Enqueues the automatic second capture of a first snapshot (one process, or a fleet round),
 *  which updates the messages posted under `key` in place. The job id is derived from this job's,
 *  so a retried job does not schedule its follow-up twice. `prefer`: a fleet's captured pods, taken
 *  again first. */
async function scheduleAuto(ctx: LeakbotContext, jobId: string, key: string, service: string, d: SnapshotJob, thread: SlackThreadRef, delayMs: number, prefer?: string[], firstSeq?: number, fleet?: FleetCheckpoint): Promise<void> {
  const r = await ctx.jobs.enqueue(
    'snapshot',
    { service, requester: { user: d.requester.user, channel: thread.channel }, thread, reason: 'auto', followUp: { postKey: key, ...(firstSeq !== undefined ? { seq: firstSeq } : {}), ...(fleet ? { fleet } : {}) }, ...(d.select ? { select: d.select } : {}), ...(prefer?.length ? { prefer } : {}) },
    { jobId: `auto-${jobId}`, delayMs },
  );
  // A Capture again click in the thread meanwhile runs it now, found by this id.
  await rememberAutoRecapture(ctx, thread, service, d.select, r.jobId, delayMs);
}

/** The automatic second capture failed (of one process, or every pod of a fleet's round): the first
 *  snapshot's findings promised it ('leakbot captures again by itself in N s and updates these
 *  findings'), and no update is coming. They are put back (the same analysis of that snapshot)
 *  saying it failed, where the reason is (`why`), and how to capture again; with `failure` (the
 *  capture's failure, as posted) a fleet's summary is drawn again too. Taken over first, as a
 *  successful capture does, so a late run of the first job does not put the promise back. */
async function withdrawPromise(ctx: LeakbotContext, job: JobInfo<'snapshot'>, followUp: NonNullable<SnapshotJob['followUp']>, service: string, thread: SlackThreadRef, why?: string, failure?: string): Promise<void> {
  const first = followUp.seq === undefined ? null : await ctx.snapshots.get(service, followUp.seq);
  // A fleet's summary promised the round too when it failed (`failure`, as said in the thread): it
  // is drawn again from the first round, saying so.
  const fleet = failure !== undefined ? followUp.fleet : undefined;
  // Queued before the seq rode along, or trimmed since: the findings stay as posted.
  if (!first && !fleet) return;
  await takeOver(ctx, followUp.postKey, job.log, job.signal);
  if (fleet) await withdrawFleetPromise(ctx, followUp.postKey, service, thread, fleet, failure!);
  if (!first) return;
  const d = job.data;
  const result = await analyzePair(ctx, service, null, null, first).catch((err: Error) => {
    if (err instanceof MissingSnapshotError) return null;
    throw err;
  });
  if (!result) return;
  await postFindings(ctx, followUp.postKey, service, thread, result, d.requester.user, {
    note: failedRecaptureNote(result.analysis, service, why),
    recapture: failedRecaptureWarning(service, why),
    ...(d.select ? { pinInstance: true } : {}),
  });
}

/** A job run again after its automatic second capture posted records no outcome of its own: the
 *  parent it set to 'capturing…' on this run shows the thread's latest outcome again. */
async function redrawParent(ctx: LeakbotContext, d: SnapshotJob, thread: SlackThreadRef): Promise<void> {
  const rec = d.thread ? null : await ctx.threads.get(thread.channel, thread.ts);
  if (rec) await ctx.poster.update(thread, { text: threadParentText(rec) });
}

/** Closes the job's joining window (when it has one) and returns the distinct response_urls of
 *  everyone who asked: the first requester and those who joined. */
async function everyoneToTell(ctx: LeakbotContext, d: SnapshotJob, jobId: string, known: PendingRequester[]): Promise<string[]> {
  const all = await claim(ctx, d, jobId, known);
  return [...new Set([d.requester.responseUrl, ...all.map((r) => r.responseUrl)].filter((u): u is string => !!u))];
}

async function claim(ctx: LeakbotContext, d: SnapshotJob, jobId: string, fallback: PendingRequester[]): Promise<PendingRequester[]> {
  if (!d.pendingScope) return fallback;
  const all = await ctx.pending.claim(d.pendingScope, jobId);
  return all.length ? all : fallback;
}

/** Tells each person who asked (via their response_url) where the answer is; once per job and
 *  person. Throws SlackPostError (unavailable) when Slack could not be reached for one of them: the
 *  job then waits for Slack and tells the rest on its retry (Poster.tell). */
async function notify(ctx: LeakbotContext, key: string, requesters: PendingRequester[], text: string): Promise<void> {
  const urls = [...new Set(requesters.map((r) => r.responseUrl).filter((u): u is string => !!u))];
  const told = await Promise.allSettled(urls.map((u) => ctx.poster.tell(key, u, { text, response_type: 'ephemeral' })));
  const failed = told.find((t): t is PromiseRejectedResult => t.status === 'rejected');
  if (failed) throw failed.reason;
}

async function permalink(ctx: LeakbotContext, t: SlackThreadRef): Promise<string | null> {
  try {
    const res = await ctx.poster.client.chat.getPermalink({ channel: t.channel, message_ts: t.ts });
    return typeof res.permalink === 'string' ? res.permalink : null;
  } catch {
    return null;
  }
}
