import { renderBlocks, type Analysis, type Snapshot } from '../engine/index.js';
import { warningsOf } from '../engine/render/format.js';
import type { LeakbotContext } from '../context.js';
import { findingsEventData } from '../incident/timeline.js';
import type { JobInfo } from '../queue/processors.js';
import { failureWhy, forgetFinalFailure, gaveUpText, type FailedJob } from '../queue/final-failure.js';
import { actionsBlock, autoRecaptureWarning, findingsSummary } from '../slack/messages.js';
import { countByConfidence, VerdictStore } from '../store/verdicts.js';
import { SlackPostError } from '../slack/poster.js';
import { GONE_ERRORS } from '../slack/errors.js';
import type { SnapshotMeta } from '../store/snapshots.js';
import type { ThreadRecord } from '../store/threads.js';
import { findingsState, recordOutcome } from '../flows/thread.js';
import { processName, reportFileTitle } from '../flows/findings.js';
import { followedUp, takeOver } from '../flows/recapture-delay.js';
import { actionId, titleOf, type AlertAction, type AlertLedger, type Episode } from './dedupe.js';
import type { ChannelPacer, RedisSemaphore } from './limits.js';
import { instanceSelector, routeAlerts } from './mapping.js';
import { isFleet, type Instance } from '../capture/targets/index.js';
import { analyseFleet, fleetCheckpoint, fleetMessage, lastSuspects, rememberSuspects, type FleetCheckpoint } from '../flows/fleet.js';
import { captureFailedMessage, esc, firedFor, minutes, parentMessage, resolutionSummary, resolvedMessage, slackTime } from './messages.js';
import type { AlertNotification } from './payload.js';
import { assessResolution } from './resolution.js';
import { own } from '../own.js';

// The alert flow's jobs, all idempotent (every one may run twice: retries, stalled workers):
//   alert.notify    one per webhook delivery: ledger update, parent message per channel, then the
//                   pending actions enqueued under deterministic job ids;
//   alert.capture   one per service round: capture at once, findings vs the baseline or the last
//                   snapshot from before the alert, then schedule alert.recapture;
//   alert.recapture the same findings message updated with a second capture: the growth rate;
//   alert.resolve   final capture compared with the firing one, one "resolved after N min" reply.
// Posts go through the idempotent Poster under stable keys, paced per channel.

export interface NotifyJob {
  notification: AlertNotification;
  receivedAt: number;
  /** Log correlation with the webhook request (the worker logs requester.requestId). */
  requester: { requestId: string };
  /** Set on the job that applies the notification once more after job `jobId` failed for good
   *  with it (closeFailedNotify); its own final failure is told to the channels instead. */
  again?: { jobId: string };
}
export interface ActionJob {
  action: AlertAction;
  /** Set by the capture and resolve jobs once they captured (or failed to). */
  captured?: CaptureCheckpoint;
  /** Set by the capture job of a fleet once the rest of the fleet was captured (each pod's seq or
   *  error), or discovery's failure: its retry does not ask the pods again. */
  fleet?: FleetCheckpoint | { failure: string };
}
export interface RecaptureJob {
  action: AlertAction;
  captured?: CaptureCheckpoint;
  /** The fleet instance the first capture was of (same process, for the growth rate). */
  instance?: string;
  firstSeq: number;
  refSeq: number | null;
  refKind: RefKind;
  /** The fleet round that followed the first capture: the recapture updates its summary with the
   *  alerted pod's second capture (the other pods as they were captured then). */
  fleet?: FleetCheckpoint;
}

declare module '../queue/jobs.js' {
  interface JobPayloads {
    'alert.notify': NotifyJob;
    'alert.capture': ActionJob;
    'alert.recapture': RecaptureJob;
    'alert.resolve': ActionJob;
  }
}

type RefKind = 'baseline' | 'before-alert' | 'previous' | null;

/** What an alert job's capture left on the job: the snapshot's seq, or the failure's user-facing
 *  reason (as posted; never a secret). A retry (Slack down as the outcome is posted, a crashed
 *  worker, a revived job) answers from it instead of asking the service again. */
export type CaptureCheckpoint = { seq: number } | { failure: string };

/** What the capture job leaves in the ledger for the resolve job. */
interface CaptureResult {
  seq: number | null;
  /** The fleet instance captured (the alerted one): the recapture and the resolve follow it. */
  instance?: string;
  refSeq: number | null;
  refKind: RefKind;
  capturedAt: number | null;
}

export interface AlertDeps {
  ctx: LeakbotContext;
  ledger: AlertLedger;
  slots: RedisSemaphore;
  pacer: ChannelPacer;
}

/** The resolve job waits this many attempts for the firing capture before going on without it. */
const WAIT_FOR_CAPTURE_ATTEMPTS = 6;
const RESOLVE_ATTEMPTS = 10;

function analyzeOptions(ctx: LeakbotContext, service: string): { ignore: string[] } {
  return { ignore: [...ctx.config.ignore, ...(own(ctx.config.services, service)?.ignore ?? [])] };
}

async function post(d: AlertDeps, key: string, channel: string, msg: { text: string; blocks: object[]; threadTs?: string }, signal?: AbortSignal) {
  await d.pacer.wait(channel, signal);
  return d.ctx.poster.post(key, { channel, ...msg });
}

/** The message that answers action `a` in its thread: a capture's findings (or its failure), a
 *  resolve's "resolved after N min". One per action: a final failure of the action's job is told
 *  in it too (closeFailedAction), and a revived job's answer then takes the failure's place. */
function answerKey(a: AlertAction): string {
  return `${actionId(a)}.${a.kind === 'capture' ? 'findings' : 'reply'}`;
}

/** The ledger marker that `a`'s answer is a final failure (set by closeFailedAction before it posts). */
function gaveUpMark(a: AlertAction): string {
  return `gave-up.${actionId(a)}`;
}

/** Posts (or updates) `a`'s answer (answerKey) and forgets that it was a final failure. */
async function answer(d: AlertDeps, a: AlertAction, channel: string, msg: { text: string; blocks: object[]; threadTs: string }, signal?: AbortSignal): Promise<void> {
  await post(d, answerKey(a), channel, msg, signal);
  await d.ledger.unmark(a.episode, gaveUpMark(a));
}

// ---- alert.notify -------------------------------------------------------------------------------

export async function processNotify(d: AlertDeps, job: JobInfo<'alert.notify'>): Promise<void> {
  const { ctx, ledger } = d;
  const n = job.data.notification;
  const routed = routeAlerts(n.alerts, ctx.config);
  const nowhere = routed.filter((r) => !r.channel);
  if (nowhere.length) {
    // Every alert is accounted for: those we cannot post anywhere are at least in the log.
    job.log.warn(
      { alerts: nowhere.length, services: [...new Set(nowhere.map((r) => r.match?.service ?? null))], groupKey: n.groupKey },
      'alerts with no channel to post to (set services.<name>.channel or defaultChannel)',
    );
  }
  const update = await ledger.record(n, routed, {
    whileLocked: async (u) => {
      if (!u.episode) return;
      await postParents(d, u.episode, job.signal, job.log);
    },
  });
  const ep = update.episode;
  if (!ep) {
    job.log.info({ groupKey: n.groupKey, alerts: n.alerts.length }, 'alert notification with nothing to act on (empty, or about an expired episode)');
    return;
  }
  job.log.info(
    { episode: ep.id, opened: update.opened, new: update.newFirings, resolved: update.newlyResolved, repeats: update.repeats, stale: update.stale },
    'alert notification applied',
  );
  await enqueueActions(d, ep);
}

async function postParents(d: AlertDeps, ep: Episode, signal: AbortSignal, log: JobInfo<'alert.notify'>['log']): Promise<void> {
  const channels = [...new Set(Object.values(ep.alerts).map((a) => a.channel))].filter((c): c is string => c !== null);
  const known = await d.ledger.threads(ep.id);
  for (const channel of channels) {
    const key = `alert.parent.${ep.id}.${channel}`;
    const rec = known[channel] ? await d.ctx.threads.get(channel, known[channel]!) : null;
    let ref;
    try {
      ref = await post(d, key, channel, parentMessage(ep, channel, d.ctx.config, Date.now(), rec), signal).catch(async (err: unknown) => {
        if (!(err instanceof SlackPostError && GONE_ERRORS[err.code] && known[channel])) throw err;
        // The thread was deleted in Slack (by a person or a retention policy) while the alert
        // fires: forget it and open a new one, where the rest of the episode is told. Retrying the
        // gone parent only ended every later notification in a failure at the top of the channel.
        log.warn({ channel, code: err.code, episode: ep.id }, 'alert thread deleted in Slack; opening a new one');
        await d.ctx.threads.update(channel, known[channel]!, { gone: true, open: false });
        await d.ctx.poster.forget(key);
        return post(d, key, channel, parentMessage(ep, channel, d.ctx.config, Date.now(), null), signal);
      });
    } catch (err) {
      // A channel we may not post in (not invited, archived) must not hold up the other channels'
      // threads; its captures wait (no thread) and the next re-send tries again.
      if (err instanceof SlackPostError && !err.retryable) {
        log.error({ channel, code: err.code, episode: ep.id }, `alert thread not posted: ${err.userMessage}`);
        await tellUnpostable(d, ep, channel, err, signal, log);
        continue;
      }
      throw err;
    }
    // While an alert fires here, /leak verbs about its service in this channel join this thread.
    const firing = Object.values(ep.alerts).some((a) => a.channel === channel && a.status === 'firing');
    if (known[channel] !== ref.ts) {
      await closeUnpostable(d, ep, channel, ref, signal);
      await d.ledger.setThread(ep.id, channel, ref.ts);
      const service = Object.values(ep.alerts).find((a) => a.channel === channel && a.service)?.service;
      if (service) {
        await d.ctx.threads.put({ channel, ts: ref.ts, service, kind: 'alert', createdAt: Date.now(), open: firing, requestedBy: [ep.source], data: { episode: ep.id, groupKey: ep.groupKey, title: ep.title } });
      }
    } else {
      await d.ctx.threads.update(channel, ref.ts, { open: firing });
    }
  }
}

/** An alert whose channel refuses leakbot (not invited, a wrong id, archived) is said in
 *  defaultChannel, once per episode and channel (keyed: a re-send updates it), so the on-call team
 *  learns of the alert and of what to fix instead of finding it in the log only. Nothing is said
 *  when defaultChannel is unset, is that channel, or refuses too (logged). */
async function tellUnpostable(d: AlertDeps, ep: Episode, channel: string, err: SlackPostError, signal: AbortSignal, log: JobInfo<'alert.notify'>['log']): Promise<void> {
  const fallback = d.ctx.config.defaultChannel;
  if (!fallback || fallback === channel) return;
  const services = [...new Set(Object.values(ep.alerts).filter((a) => a.channel === channel && a.service).map((a) => a.service!))];
  const firing = Object.values(ep.alerts).filter((a) => a.channel === channel && a.status === 'firing').length;
  const what = `*${esc(ep.title)}*${services.length ? ` for ${services.map((s) => `*${esc(s)}*`).join(', ')}` : ''}`;
  const text =
    `:warning: ${what} (${firing} firing) should have opened a thread in <#${channel}>, but Slack refused my post there: ${err.userMessage.replace(/ and try again\.$/, '.')} ` +
    `Nothing was captured yet; once I can post in <#${channel}>, Alertmanager's next re-send of this alert opens the thread and captures the service.` +
    // That re-send may be repeat_interval (hours) away: the capture need not wait for it.
    (services.length ? ` Meanwhile ${services.slice(0, 3).map((s) => `\`/leak snapshot ${esc(s)}\``).join(', ')} here ${services.length > 1 ? 'capture them' : 'captures it'} now.` : '');
  try {
    await post(d, `alert.unpostable.${ep.id}.${channel}`, fallback, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }] }, signal);
  } catch (e) {
    log.error({ channel: fallback, code: e instanceof SlackPostError ? e.code : undefined, episode: ep.id }, 'defaultChannel refused the note about an alert thread not posted either');
  }
}

/** The thread could be posted after all: a note tellUnpostable left in defaultChannel now points
 *  at it (never throws: the note is a courtesy, the thread is what matters). */
async function closeUnpostable(d: AlertDeps, ep: Episode, channel: string, ref: { channel: string; ts: string }, signal: AbortSignal): Promise<void> {
  const fallback = d.ctx.config.defaultChannel;
  if (!fallback || fallback === channel) return;
  const key = `alert.unpostable.${ep.id}.${channel}`;
  const note = await d.ctx.poster.recover(key, { channel: fallback });
  if (!note) return;
  const link = await d.ctx.poster.client.chat.getPermalink({ channel: ref.channel, message_ts: ref.ts }).then((r) => (typeof r.permalink === 'string' ? r.permalink : null), () => null);
  const text = `:white_check_mark: *${esc(ep.title)}*: its thread is now open in <#${channel}>${link ? ` (<${link}|here>)` : ''}; the findings follow there.`;
  await post(d, key, fallback, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] }, signal).catch(() => undefined);
}

async function enqueueActions(d: AlertDeps, ep: Episode): Promise<void> {
  const threads = await d.ledger.threads(ep.id);
  for (const a of await d.ledger.pendingActions(ep)) {
    if (!threads[a.channel]) continue; // no thread to answer in (see postParents)
    const jobId = actionId(a);
    // Deterministic ids: an action already queued (or running) is not queued twice.
    if (a.kind === 'capture') await d.ctx.jobs.enqueue('alert.capture', { action: a }, { jobId, onUnavailable: 'throw' });
    else await d.ctx.jobs.enqueue('alert.resolve', { action: a }, { jobId, attempts: RESOLVE_ATTEMPTS, onUnavailable: 'throw' });
    // An action whose job ran out of retries (Slack or the service down for a while) is still
    // pending in the ledger: the next re-send of the alert revives it instead of leaving it lost.
    const job = await d.ctx.jobs.queue.getJob(jobId);
    if (job && (await job.isFailed())) {
      // Revived: if it fails for good again, its thread is told again (the same keyed reply, updated).
      await forgetFinalFailure(d.ctx.redis, d.ctx.prefix, jobId);
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
  }
}

// ---- shared by the action jobs ------------------------------------------------------------------

interface ActionScope {
  ep: Episode;
  thread: { channel: string; ts: string };
  since: number;
}

/** The episode and thread an action answers in; null when there is nothing to do (already done, or
 *  the episode expired). */
async function scope(d: AlertDeps, a: AlertAction, opts: { skipDone?: boolean } = { skipDone: true }): Promise<ActionScope | null> {
  if (opts.skipDone && (await d.ledger.doneResult(a))) return null;
  const ep = await d.ledger.episode(a.episode);
  if (!ep) return null; // expired (weeks old): nothing left to answer in
  const ts = (await d.ledger.threads(ep.id))[a.channel];
  // The notify job posts the parent before it queues actions; a missing ts is a race: retry.
  if (!ts) throw new Error(`alert thread in ${a.channel} not posted yet`);
  return { ep, thread: { channel: a.channel, ts }, since: own(ep.services, a.service)?.since ?? ep.openedAt };
}

/** The idempotency key of an episode's timeline event `name` (Timeline.append's `once`): the event
 *  and its key are written together, so a retried job neither doubles nor (a crash between a claim
 *  and the append) loses it. */
function eventKey(episode: string, name: string): { once: string } {
  return { once: `alert:${episode}:${name}` };
}

/** The baseline if the service has one, else the last snapshot taken before the alert started, else
 *  (someone captured after it started) the previous one: any reference beats a single snapshot. */
async function reference(ctx: LeakbotContext, service: string, since: number, curSeq: number): Promise<{ ref: SnapshotMeta | null; kind: RefKind }> {
  // Same process, same life only (src/store/snapshots.ts): a fleet's other pods or a restarted
  // process are never the reference.
  const cur = await ctx.snapshots.get(service, curSeq);
  if (!cur) return { ref: null, kind: null };
  const { meta: base } = await ctx.snapshots.baselineFor(cur);
  if (base && base.seq < curSeq) return { ref: base, kind: 'baseline' };
  const history = await ctx.snapshots.seriesBefore(cur, 50);
  const before = history.find((m) => m.capturedAt < since);
  if (before) return { ref: before, kind: 'before-alert' };
  return history[0] ? { ref: history[0], kind: 'previous' } : { ref: null, kind: null };
}

async function loadSnap(ctx: LeakbotContext, service: string, seq: number | null): Promise<Snapshot | null> {
  return seq === null ? null : ctx.snapshots.load(service, seq);
}

function alertEventData(ep: Episode, service: string) {
  const a = Object.values(ep.alerts).find((x) => x.service === service);
  return {
    alertname: ep.title,
    groupKey: ep.groupKey,
    source: ep.source,
    ...(a ? { startsAt: new Date(a.startsAt).toISOString(), generatorURL: a.generatorURL } : {}),
    ...(a?.endsAt ? { endsAt: new Date(a.endsAt).toISOString() } : {}),
    ...(a?.labels.severity ? { severity: a.labels.severity } : {}),
  };
}

/**
 * The job's capture: the one an earlier attempt of it checkpointed, else a new one (in a capture
 * slot), checkpointed on the job before anything is posted. Resolves with the snapshot's meta or the
 * failure's user-facing message; throws when a checkpointed snapshot is no longer stored.
 */
async function captureOnce<K extends 'alert.capture' | 'alert.recapture' | 'alert.resolve'>(
  d: AlertDeps,
  job: JobInfo<K>,
  service: string,
  thread: ActionScope['thread'],
  maxAgeMs: number | undefined,
  instance?: string,
): Promise<{ ok: true; meta: SnapshotMeta } | { ok: false; message: string }> {
  const cp = job.data.captured;
  if (cp && 'failure' in cp) return { ok: false, message: cp.failure };
  if (cp) {
    const meta = await d.ctx.snapshots.get(service, cp.seq);
    if (!meta) throw new Error(`snapshot #${cp.seq} of ${service} vanished from the store`);
    return { ok: true, meta };
  }
  const { signal } = job;
  const out = await d.slots.run(
    () =>
      d.ctx.captures.obtain(service, {
        requestedBy: 'alertmanager',
        reason: 'alert',
        thread,
        signal,
        // A retry of this job whose worker died (or a revived one) takes over its own capture lock
        // instead of waiting out the dead capture's lease (as the snapshot flow does).
        owner: job.id,
        ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
        ...(instance !== undefined ? { instance } : {}),
      }),
    { signal },
  );
  const captured: CaptureCheckpoint = out.ok ? { seq: out.meta.seq } : { failure: out.message };
  await job.updateData({ ...job.data, captured });
  return out.ok ? { ok: true, meta: out.meta } : { ok: false, message: out.message };
}

/**
 * captureOnce for a capture that must come after capture `earlierSeq` (the recapture's growth rate,
 * a resolve's final capture): one within the second of it shares it, and that capture itself
 * compares nothing. The recapture then ended in silence under findings that said 'this message will
 * update'; an alert resolved moments after it fired was told 'There is no capture from when it fired
 * to compare with'. Such a capture (or checkpoint) is dropped and the service captured anew.
 */
async function captureAfter<K extends 'alert.recapture' | 'alert.resolve'>(
  d: AlertDeps,
  job: JobInfo<K>,
  service: string,
  thread: ActionScope['thread'],
  earlierSeq: number | null,
  instance?: string,
): ReturnType<typeof captureOnce> {
  const out = await captureOnce(d, job, service, thread, 1000, instance);
  if (!out.ok || out.meta.seq !== earlierSeq) return out;
  const { captured: _same, ...rest } = job.data;
  await job.updateData(rest as JobInfo<K>['data']);
  return captureOnce(d, job, service, thread, 0, instance);
}

function refLabel(ref: SnapshotMeta | null, kind: RefKind): string {
  if (!ref) return 'no earlier snapshot (single-snapshot analysis; set a baseline with `/leak baseline` while healthy)';
  const what = kind === 'baseline' ? 'the baseline' : kind === 'before-alert' ? 'the last snapshot before the alert' : 'the previous snapshot';
  return `${what} #${ref.seq} (${slackTime(ref.capturedAt)}, ${ref.total.toLocaleString('en-US')} goroutines)`;
}

async function postFindings(
  d: AlertDeps,
  a: AlertAction,
  thread: ActionScope['thread'],
  analysis: Analysis,
  cur: SnapshotMeta,
  ref: SnapshotMeta | null,
  note: string,
  signal: AbortSignal,
  /** BlocksOptions.recapture: a second capture is already planned. */
  recaptureLine?: string,
): Promise<void> {
  const { ctx } = d;
  const rendered = renderBlocks(analysis, { title: 'Goroutine leak suspects', service: a.service, ...(recaptureLine ? { recapture: recaptureLine } : {}) });
  const baselineSeq = await ctx.snapshots.baselineSeq(a.service);
  const hasBaseline = baselineSeq !== null && !(ref && ref.seq === baselineSeq); // as postFindings
  const tail: object[] = [
    { type: 'context', elements: [{ type: 'mrkdwn', text: note.slice(0, 2900) }] },
    actionsBlock({ s: a.service, ch: thread.channel, ts: thread.ts, c: cur.seq, r: ref?.seq ?? null }, { hasBaseline }),
  ];
  const blocks = [...rendered.blocks.slice(0, 50 - tail.length), ...tail];
  await answer(d, a, thread.channel, { threadTs: thread.ts, text: rendered.text, blocks }, signal);
  if (rendered.overflowMarkdown) {
    await d.pacer.wait(thread.channel, signal);
    await ctx.poster.upload(`${actionId(a)}.report.${cur.seq}`, {
      channel: thread.channel,
      threadTs: thread.ts,
      filename: `${a.service}-goroutines-${cur.seq}.md`,
      // What it compares, as the snapshot flow's file says (a fleet's pod named as there).
      title: reportFileTitle(processName(ctx, a.service, cur), ref?.seq ?? null, cur.seq),
      content: rendered.overflowMarkdown,
    });
  }
  await new VerdictStore(ctx.redis, ctx.prefix).set(a.service, cur.seq, { ...countByConfidence(analysis.findings), summary: findingsSummary(analysis), refSeq: ref?.seq ?? null });
  // The thread's record (state, pair, counts) and, through ctx.parents, the alert parent.
  await recordOutcome(ctx, thread, {
    service: a.service,
    users: [],
    state: findingsState(analysis, cur),
    pair: { refSeq: ref?.seq ?? null, curSeq: cur.seq },
  });
}

/**
 * Redraws an alert thread's parent from the ledger and the thread record (its latest verdict). The
 * parent is keyed like postParents' post, so this updates it. Registered as the 'alert' renderer of
 * ctx.parents: a /leak verb that joined the thread updates the parent too. Slack errors propagate.
 */
export async function redrawParent(d: AlertDeps, rec: ThreadRecord): Promise<void> {
  const id = typeof rec.data?.episode === 'string' ? rec.data.episode : null;
  const ep = id ? await d.ledger.episode(id) : null;
  if (!ep) return;
  await post(d, `alert.parent.${ep.id}.${rec.channel}`, rec.channel, parentMessage(ep, rec.channel, d.ctx.config, Date.now(), rec));
}

/** `{ instanceName }` for a fleet's pod (the postmortem names it beside its figures), else nothing. */
function fleetPod(d: AlertDeps, service: string, cur: SnapshotMeta): { instanceName?: string } {
  const svc = own(d.ctx.config.services, service);
  return svc && isFleet(svc) && cur.instanceName ? { instanceName: cur.instanceName } : {};
}

/** Records the findings in the timeline with the pair they compared (`refSeq`, `curSeq`): a postmortem
 *  drafted later recomputes that pair, and without refSeq it read the capture on its own (one
 *  snapshot: medium at most) beside a thread that said high. */
async function appendFindings(d: AlertDeps, a: AlertAction, thread: ActionScope['thread'], analysis: Analysis, cur: SnapshotMeta, ref: SnapshotMeta | null, what: string, key: { once: string }): Promise<void> {
  const top = analysis.findings[0];
  await d.ctx.timeline.append({
    at: Date.now(),
    service: a.service,
    type: 'findings',
    actor: 'leakbot',
    thread,
    text: top
      ? `${what}: ${analysis.findings.length} suspect(s); top: ${top.patternTitle}${top.site ? ` at ${top.site.file.split('/').pop()}:${top.site.line}` : ''} (${top.before} → ${top.after})`
      : `${what}: no suspected leaks (${cur.total} goroutines)`,
    data: { ...findingsEventData(analysis.findings, `${a.service}#${cur.seq}`), curSeq: cur.seq, ...(ref ? { refSeq: ref.seq } : {}), ...(fleetPod(d, a.service, cur)) },
  }, key);
}

// ---- alert.capture ------------------------------------------------------------------------------

export async function processCapture(d: AlertDeps, job: JobInfo<'alert.capture'>): Promise<void> {
  const { ctx, ledger } = d;
  const a = job.data.action;
  const s = await scope(d, a);
  if (!s) return;
  const { ep, thread, since } = s;

  await ctx.timeline.append(
    {
      at: since,
      service: a.service,
      type: 'alert.firing',
      actor: ep.source,
      thread,
      text: `${ep.title} fired for ${a.service}${a.round > 1 ? ` (again, ${a.round}×)` : ''}`,
      data: alertEventData(ep, a.service),
    },
    eventKey(ep.id, `firing.${a.service}.${a.round}`),
  );

  // A fleet: the instance the alert names is captured first, alone; the rest follows (below).
  // A service the config no longer lists (the bot restarted on a new config while this job waited)
  // is not a fleet: the capture below then fails with 'not a registered service', said in the thread.
  const svc = own(ctx.config.services, a.service);
  const fleet = svc !== undefined && isFleet(svc);
  const named = fleet ? await alertedInstance(d, ep, a.service) : null;
  // No label names a pod: the last fleet round's top suspect is the best first guess.
  const lastTop = fleet && !named ? (await lastSuspects(ctx, a.service))[0] : undefined;
  const found = lastTop !== undefined ? await ctx.captures.findInstance(a.service, { key: 'instance', value: lastTop }) : null;
  const suspect = found && 'instance' in found ? found.instance.id : undefined;
  const outcome = await captureOnce(d, job, a.service, thread, undefined, named?.instance.id ?? suspect);
  if (!outcome.ok) {
    await answer(d, a, thread.channel, { threadTs: thread.ts, ...captureFailedMessage(a.service, 'when the alert fired', outcome.message) }, job.signal);
    await recordOutcome(ctx, thread, { service: a.service, users: [], state: { outcome: 'failed', summary: 'The alert capture failed' } });
    if (fleet) {
      // The alerted pod may be the one a leak already brought down (OOM-killed): the rest of the
      // fleet is what can be captured, and its summary, not the one pod's failure, is the thread's
      // latest verdict (the parent said only 'The alert capture failed' above a summary naming a leak).
      const seen: { summary?: string } = {};
      await followFleet(d, job, thread, named?.instance.id, seen);
      if (seen.summary) await recordOutcome(ctx, thread, { service: a.service, users: [], state: { outcome: 'findings', summary: seen.summary } });
    }
    await ledger.markDone(a, JSON.stringify({ seq: null, refSeq: null, refKind: null, capturedAt: null } satisfies CaptureResult));
    return;
  }
  const cur = outcome.meta;
  const { ref, kind } = await reference(ctx, a.service, since, cur.seq);
  const [curSnap, refSnap] = await Promise.all([loadSnap(ctx, a.service, cur.seq), loadSnap(ctx, a.service, ref?.seq ?? null)]);
  if (!curSnap) throw new Error(`snapshot #${cur.seq} of ${a.service} vanished`);
  const opts = analyzeOptions(ctx, a.service);
  const analysis = await ctx.analysis.analyze(refSnap ? [refSnap, curSnap] : [curSnap], opts); // worker thread
  const recapture = ctx.config.alerts.recaptureAfterSeconds;
  const recaptureLine = recapture > 0 ? autoRecaptureWarning(recapture * 1000) : undefined;
  // Said once: findings of a single snapshot carry recaptureLine beside them (warningsOf).
  const warned = recaptureLine !== undefined && warningsOf(analysis, recaptureLine).includes(recaptureLine);
  const note = [
    `Captured ${slackTime(cur.capturedAt)} because *${esc(ep.title)}* fired; compared with ${refLabel(refSnap ? ref : null, refSnap ? kind : null)}.`,
    fleet && cur.instanceName
      ? named
        ? `This is ${esc(cur.instanceName)}, the instance the alert names (${esc(named.label)}=${esc(named.value)}); the rest of the fleet follows.`
        : `This is ${esc(cur.instanceName)}${suspect === cur.instance ? ', a suspect in the last fleet round' : ''}; the alert names no discovered instance, so the rest of the fleet follows.`
      : '',
    recapture > 0 && !warned ? `Capturing again in ${recapture} s to measure the growth rate; this message will update.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (!(await superseded(d, a))) await postFindings(d, a, thread, analysis, cur, refSnap ? ref : null, note, job.signal, recaptureLine);
  await appendFindings(d, a, thread, analysis, cur, refSnap ? ref : null, `Alert capture #${cur.seq}`, eventKey(ep.id, `findings.${a.service}.${a.round}.1`));

  const round = fleet ? await followFleet(d, job, thread, cur.instance) : null;

  const result: CaptureResult = {
    seq: cur.seq,
    ...(cur.instance !== undefined ? { instance: cur.instance } : {}),
    refSeq: refSnap ? (ref?.seq ?? null) : null,
    refKind: refSnap ? kind : null,
    capturedAt: cur.capturedAt,
  };
  if (recapture > 0) {
    await ctx.jobs.enqueue(
      'alert.recapture',
      { action: a, ...(result.instance !== undefined ? { instance: result.instance } : {}), firstSeq: cur.seq, refSeq: result.refSeq, refKind: result.refKind, ...(round ? { fleet: round } : {}) },
      { jobId: `re${actionId(a)}`, delayMs: recapture * 1000, onUnavailable: 'throw' },
    );
  }
  await ledger.markDone(a, JSON.stringify(result));
}

/** The discovered instance an alert of this episode names through config.alerts.instanceLabels
 *  (the first alert for the service that names one), or null. */
async function alertedInstance(d: AlertDeps, ep: Episode, service: string): Promise<{ instance: Instance; label: string; value: string } | null> {
  for (const alert of Object.values(ep.alerts)) {
    if (alert.service !== service) continue;
    const sel = instanceSelector(alert.labels, d.ctx.config);
    if (!sel) continue;
    const found = await d.ctx.captures.findInstance(service, sel);
    if ('instance' in found) return { instance: found.instance, label: sel.label, value: sel.value };
  }
  return null;
}

/** After the alerted instance: the rest of the fleet (recent snapshots shared, the alerted one's
 *  included), summarised in one message of the alert thread. The round's outcome is checkpointed on
 *  the job before it is posted (see ActionJob.fleet). Resolves with the round's checkpoint, or
 *  null when discovery failed. */
async function followFleet(d: AlertDeps, job: JobInfo<'alert.capture'>, thread: ActionScope['thread'], first: string | undefined, seen?: { summary?: string }): Promise<FleetCheckpoint | null> {
  const { ctx } = d;
  const { action: a } = job.data;
  const { signal } = job;
  const fresh = new Map<number, Snapshot>();
  let cp = job.data.fleet;
  if (!cp) {
    const out = await d.slots.run(
      () =>
        ctx.captures.obtainFleet(a.service, {
          requestedBy: 'alertmanager',
          reason: 'alert',
          thread,
          signal,
          owner: job.id,
          maxAgeMs: FLEET_SHARE_MS,
          ...(first !== undefined ? { first: { key: 'instance' as const, value: first } } : {}),
        }),
      { signal },
    );
    cp = out.ok ? fleetCheckpoint(out, fresh) : { failure: out.message };
    await job.updateData({ ...job.data, fleet: cp });
  }
  if ('failure' in cp) {
    await post(d, `${actionId(a)}.fleet`, thread.channel, { threadTs: thread.ts, ...captureFailedMessage(a.service, 'across its fleet', cp.failure) }, signal);
    return null;
  }
  if (await superseded(d, a)) return cp;
  const { report } = await analyseFleet(ctx, a.service, cp, fresh);
  await rememberSuspects(ctx, a.service, report);
  if (!(await superseded(d, a))) {
    await post(d, `${actionId(a)}.fleet`, thread.channel, { threadTs: thread.ts, ...fleetMessage(a.service, report, null) }, signal);
    if (seen) seen.summary = report.summary;
  }
  return cp;
}

/** The ledger mark of capture action `a`'s growth-rate recapture, set once it is done. */
function recaptureMark(a: AlertAction): string {
  return `recapture.${actionId(a)}`;
}

/** The recapture of capture action `a` has its second capture and posts from it: the capture job,
 *  run again after that (BullMQ hands a job whose worker was only slow to another worker, which finds
 *  the action not marked done yet), must not post the alert capture's findings and the round's
 *  summary back over the recapture's. Checked again right before each post; a post already under way
 *  as the recapture sets the mark is let end before the recapture posts (takeOver). */
function superseded(d: AlertDeps, a: AlertAction): Promise<boolean> {
  return followedUp(d.ctx, followKey(a));
}

/** The key under which the recapture of capture action `a` takes over its messages (takeOver,
 *  followedUp: the guard the snapshot flow's automatic second capture uses). */
function followKey(a: AlertAction): string {
  return `alert:${actionId(a)}`;
}

/** After the recapture of the alerted pod: the fleet summary (same message) is analysed again with
 *  that pod's second capture in place of its first, so its row and the summary show the growth (or
 *  the restart) the findings above now show; the other pods stay as the fleet round captured them.
 *  trial5's alert thread kept a summary calling the pod 'first' under findings that had compared it. */
async function refreshFleet(d: AlertDeps, job: JobInfo<'alert.recapture'>, thread: ActionScope['thread'], second: SnapshotMeta, secondSnap: Snapshot): Promise<void> {
  const { action: a, fleet: cp } = job.data;
  if (!cp || second.instance === undefined || !cp.instances.some((i) => i.id === second.instance)) return;
  const again: FleetCheckpoint = { ...cp, instances: cp.instances.map((i) => (i.id === second.instance ? { id: i.id, name: i.name, seq: second.seq } : i)) };
  const { report } = await analyseFleet(d.ctx, a.service, again, new Map([[second.seq, secondSnap]]));
  await rememberSuspects(d.ctx, a.service, report);
  const msg = fleetMessage(a.service, report, null);
  const pod = esc(second.instanceName ?? second.instance);
  const note = `Updated with the second capture of ${pod} (#${second.seq}); the other pods as the fleet round captured them.`;
  await post(d, `${actionId(a)}.fleet`, thread.channel, { threadTs: thread.ts, text: msg.text, blocks: [...msg.blocks, { type: 'context', elements: [{ type: 'mrkdwn', text: note }] }] }, job.signal);
}

/** A fleet follow-up reuses snapshots of an instance taken this recently (the alerted one's). */
const FLEET_SHARE_MS = 60_000;

// ---- alert.recapture ----------------------------------------------------------------------------

/** Growth of the top suspects between two captures, per minute: "leaks.go:42 +38 in 30 s (+76/min)". */
function recentGrowth(analysis: Analysis, first: Snapshot, second: Snapshot): string[] {
  const dt = (second.capturedAt ?? 0) - (first.capturedAt ?? 0);
  if (dt <= 0) return [];
  const count = (s: Snapshot, key: string) => s.groups.reduce((n, g) => n + (g.coarseKey === key ? g.count : 0), 0);
  return analysis.findings.slice(0, 3).map((f) => {
    const delta = count(second, f.coarseKey) - count(first, f.coarseKey);
    const perMin = (delta / dt) * 60_000;
    const site = f.site ?? f.stdSite;
    const where = site ? `${site.file.split('/').pop()}:${site.line}` : f.patternTitle;
    return `\`${esc(where)}\` ${delta >= 0 ? '+' : ''}${delta} in ${Math.round(dt / 1000)} s (${perMin >= 0 ? '+' : ''}${Math.abs(perMin) >= 10 ? perMin.toFixed(0) : perMin.toFixed(1)}/min)`;
  });
}

export async function processRecapture(d: AlertDeps, job: JobInfo<'alert.recapture'>): Promise<void> {
  const { ctx, ledger } = d;
  const { action: a, firstSeq, refSeq, refKind, instance } = job.data;
  const name = recaptureMark(a);
  const s = await scope(d, a, { skipDone: false });
  // Marked only at the end: a worker killed mid-way leaves it unmarked and the retry redoes it
  // (the findings message is keyed, so it is updated, not posted twice).
  if (!s || (await ledger.isMarked(a.episode, name))) return;
  const { thread } = s;
  const outcome = await captureAfter(d, job, a.service, thread, firstSeq, instance);
  if (!outcome.ok) {
    await post(d, `${actionId(a)}.recapture-failed`, thread.channel, { threadTs: thread.ts, ...captureFailedMessage(a.service, 'a second time (for the growth rate)', outcome.message) }, job.signal);
    await ledger.mark(a.episode, name);
    return;
  }
  const second = outcome.meta;
  const [firstSnap, secondSnap, refSnap, refMeta, firstMeta] = await Promise.all([
    loadSnap(ctx, a.service, firstSeq),
    loadSnap(ctx, a.service, second.seq),
    loadSnap(ctx, a.service, refSeq),
    refSeq === null ? null : ctx.snapshots.get(a.service, refSeq),
    ctx.snapshots.get(a.service, firstSeq),
  ]);
  if (!secondSnap) throw new Error(`snapshot #${second.seq} of ${a.service} vanished`);
  // See superseded; a run of the capture job already past that check (its findings may be in
  // flight) is let end before the recapture posts over them.
  await takeOver(ctx, followKey(a), job.log, job.signal, actionId(a));
  if (!firstSnap || second.seq === firstSeq) {
    // The alert capture is no longer stored (pruned): said, and the summary still shows the pod anew.
    job.log.warn({ firstSeq, secondSeq: second.seq }, 'recapture: nothing to compare with; keeping the first findings');
    const text = `Second capture (#${second.seq}) of ${esc(a.service)}: the alert capture (#${firstSeq}) is no longer stored, so there is no growth rate to measure. The findings above, from the alert capture, stand.`;
    await post(d, `${actionId(a)}.recapture-restarted`, thread.channel, { threadTs: thread.ts, text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] }, job.signal);
    await refreshFleet(d, job, thread, second, secondSnap);
    await ledger.mark(a.episode, name);
    return;
  }
  // The process restarted between the two captures (on-call restarted the pod, or it crashed): the
  // second capture is a new life. Compared across it, the emptied pile reads as "no suspected leaks"
  // and would overwrite the alert capture's findings, the only ones that name the leak site.
  if (firstMeta && (second.life ?? 1) !== (firstMeta.life ?? 1)) {
    const pod = second.instanceName ?? second.instance;
    const who = pod && pod !== a.service ? `${a.service} (${pod})` : a.service;
    const text =
      `Second capture (#${second.seq}): ${esc(who)} restarted since the alert capture (#${firstSeq})${second.restart ? ` — ${esc(second.restart.reason)}` : ''}, so there is no growth rate to measure. ` +
      `The findings above, from the alert capture, stand: a restart empties the pile, it does not fix the leak.`;
    await post(d, `${actionId(a)}.recapture-restarted`, thread.channel, { threadTs: thread.ts, text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] }, job.signal);
    await refreshFleet(d, job, thread, second, secondSnap);
    await ledger.mark(a.episode, name);
    return;
  }
  const series = refSnap ? [refSnap, firstSnap, secondSnap] : [firstSnap, secondSnap];
  const analysis = await ctx.analysis.analyze(series, analyzeOptions(ctx, a.service));
  const growth = recentGrowth(analysis, firstSnap, secondSnap);
  const gap = firstMeta ? second.capturedAt - firstMeta.capturedAt : null;
  const note = [
    // Without an earlier snapshot the two captures are still compared with each other: refLabel's
    // "no earlier snapshot (single-snapshot analysis…)" under a 2-snapshot verdict contradicted it.
    `Captured when the alert fired (#${firstSeq}) and again${gap !== null ? ` ${gap < 90_000 ? `${Math.round(gap / 1000)} s` : minutes(gap)} later` : ''} (#${second.seq}); ` +
      (refSnap
        ? `compared with ${refLabel(refMeta, refKind)} and each other.`
        : `compared with each other (no snapshot from before the alert: set a baseline with \`/leak baseline\` while healthy).`),
    growth.length ? `Growth since the alert capture: ${growth.join(' · ')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  await postFindings(d, a, thread, analysis, second, refSnap ? refMeta : firstMeta, note, job.signal);
  await appendFindings(d, a, thread, analysis, second, refSnap ? refMeta : firstMeta, `Alert recapture #${second.seq}`, eventKey(a.episode, `findings.${name}`));
  await refreshFleet(d, job, thread, second, secondSnap);
  await ledger.mark(a.episode, name);
}

// ---- alert.resolve ------------------------------------------------------------------------------

export async function processResolve(d: AlertDeps, job: JobInfo<'alert.resolve'>): Promise<void> {
  const { ctx, ledger } = d;
  const a = job.data.action;
  const s = await scope(d, a);
  if (!s) return;
  const { ep, thread, since } = s;
  const round = own(ep.services, a.service);
  const capAction: AlertAction = { ...a, kind: 'capture' };
  let capRaw = await ledger.doneResult(capAction);
  if (round?.firingSeen && !capRaw && job.attemptsMade < WAIT_FOR_CAPTURE_ATTEMPTS) {
    // Resolved before the firing capture finished (a storm, a slow service): wait for it (retry with
    // backoff) so the reply can compare the two; after a while answer without it.
    throw new Error('firing capture not finished yet; retrying');
  }
  capRaw ??= null;
  const resolvedAt = round?.resolvedAt ?? Date.now();

  await ctx.timeline.append(
    {
      at: resolvedAt,
      service: a.service,
      type: 'alert.resolved',
      actor: ep.source,
      thread,
      text: `${ep.title} resolved for ${a.service} after ${firedFor(resolvedAt - since)}`,
      data: alertEventData(ep, a.service),
    },
    eventKey(ep.id, `resolved.${a.service}.${a.round}`),
  );

  const firing = capRaw ? (JSON.parse(capRaw) as CaptureResult) : null;
  const outcome = await captureAfter(d, job, a.service, thread, firing?.seq ?? null, firing?.instance);
  if (!outcome.ok) {
    const msg = resolvedMessage({ service: a.service, title: ep.title, firedAt: since, resolvedAt, firingCapturedAt: null, finalCapturedAt: Date.now(), resolution: null, fallback: `The final capture failed: ${outcome.message}` });
    await answer(d, a, thread.channel, { threadTs: thread.ts, ...msg }, job.signal);
    // The parent's Latest line: the final capture failed (the last verdict stays on show beside it).
    await recordOutcome(ctx, thread, { service: a.service, users: [], state: { outcome: 'failed', summary: 'The final capture at resolution failed' }, reply: true });
    await ledger.markDone(a, JSON.stringify({ seq: null, kind: 'capture-failed' }));
    return;
  }
  const final = outcome.meta;
  const cap = firing;
  const opts = analyzeOptions(ctx, a.service);
  const [finalSnap, firingSnap] = await Promise.all([loadSnap(ctx, a.service, final.seq), loadSnap(ctx, a.service, cap?.seq ?? null)]);
  if (!finalSnap) throw new Error(`snapshot #${final.seq} of ${a.service} vanished`);

  let msg;
  let done: string;
  let summary: string;
  if (firingSnap && cap?.seq !== final.seq) {
    // The suspects as they were when the alert fired (vs its reference), followed into the final capture.
    const refSnap = await loadSnap(ctx, a.service, cap?.refSeq ?? null);
    const suspects = (await ctx.analysis.analyze(refSnap ? [refSnap, firingSnap] : [firingSnap], opts)).findings;
    // A new life the captures recorded (start time, or a restart a capture in between saw) counts too.
    const firingMeta = cap?.seq != null ? await ctx.snapshots.get(a.service, cap.seq) : null;
    const newLife = firingMeta?.instance !== undefined && firingMeta.instance === final.instance && (firingMeta.life ?? 1) !== (final.life ?? 1);
    const resolution = assessResolution(firingSnap, finalSnap, suspects, 5, newLife, resolvedAt - since);
    msg = resolvedMessage({ service: a.service, title: ep.title, firedAt: since, resolvedAt, firingCapturedAt: cap?.capturedAt ?? null, finalCapturedAt: final.capturedAt, resolution });
    done = JSON.stringify({ seq: final.seq, kind: resolution.kind });
    summary = resolutionSummary(resolution);
  } else {
    const { ref, kind } = await reference(ctx, a.service, since, final.seq);
    const why = round?.firingSeen ? 'There is no capture from when it fired to compare with' : 'leakbot did not see this alert fire';
    const fallback = `${why}; final capture #${final.seq}: ${final.total.toLocaleString('en-US')} goroutines${ref ? ` (${kind === 'baseline' ? 'baseline' : kind === 'before-alert' ? 'last before the alert' : 'previous'} #${ref.seq}: ${ref.total.toLocaleString('en-US')})` : ''}.`;
    msg = resolvedMessage({ service: a.service, title: ep.title, firedAt: since, resolvedAt, firingCapturedAt: null, finalCapturedAt: final.capturedAt, resolution: null, fallback });
    done = JSON.stringify({ seq: final.seq, kind: 'no-firing-capture' });
    summary = resolutionSummary(null);
  }
  // Post, then mark done: a crash in between makes the retry update the same message (same key).
  await answer(d, a, thread.channel, { threadTs: thread.ts, ...msg }, job.signal);
  // The parent's Latest line follows the final capture: it said the firing capture's verdict after
  // the alert resolved, beside a headline saying it had.
  await recordOutcome(ctx, thread, {
    service: a.service,
    users: [],
    state: { outcome: 'findings', summary, seq: final.seq, total: final.total, capturedAt: final.capturedAt, ...fleetPod(d, a.service, final) },
    reply: true,
  });
  await ledger.markDone(a, done);
}

// ---- final failure ------------------------------------------------------------------------------

/** What each action job was doing, for the sentence its final failure posts. */
const GAVE_UP_ON: Record<AlertAction['kind'] | 'recapture', string> = {
  capture: 'the capture for this alert',
  recapture: 'the second capture for this alert (the growth rate)',
  resolve: 'the final capture',
};

/**
 * An alert action's job failed for good (its last attempt threw, or BullMQ gave up on it after its
 * workers died: src/queue/final-failure.ts, which calls this again only when an earlier answer
 * stopped part-way, or after a re-send revived the job and it failed again). Says so once in the
 * alert thread, with the reason in plain words and what to do instead:
 * - a capture or resolve that had not answered yet says it in its answer's place (answerKey: the
 *   findings, the "resolved after N min" reply), so a revived job that then succeeds replaces the
 *   failure instead of posting beside it, and a second failure updates the first; a failed capture
 *   also records the failure on the thread, so the parent stops promising findings (ctx.parents
 *   redraws it);
 * - a capture whose findings are in, and the growth-rate recapture, reply `<action>.fatal` /
 *   `.recapture-fatal` (the findings stand); a resolve whose reply is in says nothing more.
 * Nothing when the episode or its thread is gone. Throws SlackPostError / Redis errors (the caller
 * logs them, or tries again later when Slack is unavailable).
 */
export async function closeFailedAction(d: AlertDeps, job: FailedJob): Promise<void> {
  const { ctx, ledger } = d;
  const a = (job.data as Partial<ActionJob> | undefined)?.action;
  if (!a) return;
  const ep = await ledger.episode(a.episode);
  const ts = ep ? (await ledger.threads(ep.id))[a.channel] : undefined;
  if (!ep || !ts) return;
  const thread = { channel: a.channel, ts };
  const service = esc(a.service);
  const say = (key: string, text: string) => post(d, key, thread.channel, { threadTs: thread.ts, text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
  const wayOn = `run \`/leak snapshot ${service}\` for findings now`;
  if (job.kind === 'alert.recapture') {
    await say(`${actionId(a)}.recapture-fatal`, gaveUpText(`${GAVE_UP_ON.recapture} of *${service}*`, job.reason, wayOn));
    return;
  }
  // Answered already (not by an earlier final failure): that answer stands.
  const answered = !(await ledger.isMarked(a.episode, gaveUpMark(a))) && (await ctx.poster.recover(answerKey(a), { channel: thread.channel, threadTs: thread.ts })) !== null;
  if (answered) {
    if (a.kind === 'capture') await say(`${actionId(a)}.fatal`, gaveUpText(`${GAVE_UP_ON.capture} of *${service}*`, job.reason, wayOn));
    return;
  }
  // Marked before the post: an answer cut short after Slack took it still reads as a failure when tried again.
  await ledger.mark(a.episode, gaveUpMark(a));
  if (a.kind === 'resolve') {
    const round = own(ep.services, a.service);
    const msg = resolvedMessage({ service: a.service, title: ep.title, firedAt: round?.since ?? ep.openedAt, resolvedAt: round?.resolvedAt ?? Date.now(), firingCapturedAt: null, finalCapturedAt: Date.now(), resolution: null });
    const gaveUp = gaveUpText(GAVE_UP_ON.resolve, job.reason, `run \`/leak snapshot ${service}\` to see where it stands now`);
    await post(d, answerKey(a), thread.channel, { threadTs: thread.ts, text: `${msg.text}; ${gaveUp}`, blocks: [...msg.blocks, { type: 'section', text: { type: 'mrkdwn', text: gaveUp } }] });
    return;
  }
  // A re-send of the alert revives the job (enqueueActions): said, since this message then turns into the findings.
  await say(answerKey(a), gaveUpText(`${GAVE_UP_ON.capture} of *${service}*`, job.reason, wayOn, 'It is tried again when Alertmanager re-sends the alert, and this message then shows the findings'));
  await recordOutcome(ctx, thread, { service: a.service, users: [], state: { outcome: 'failed', summary: 'leakbot gave up on the alert capture' } });
}

/**
 * An alert.notify job failed for good (its attempts spent, or its workers died: see
 * src/queue/final-failure.ts). Its work is idempotent: the ledger counts a delivery applied again
 * as a repeat, parents are keyed posts, actions have deterministic job ids. So a fresh job applies
 * the notification once more (job id `<id>.again`): the re-send Alertmanager would make, which for
 * a resolution never comes (Alertmanager sends a resolution once; the thread would show the alert
 * firing for good) and for a firing comes only after repeat_interval (hours). When that job fails
 * for good too, each channel the notification routes to is told once (keyed post
 * `alert.notify-failed.<first job id>.<channel>`), in plain words, with what comes back by itself
 * and what to do. Throws when the queue or Slack is unavailable (the failed-job sweep tries again).
 */
export async function closeFailedNotify(d: AlertDeps, job: FailedJob): Promise<void> {
  const data = job.data as Partial<NotifyJob> & { slackWait?: unknown };
  const n = data?.notification;
  if (!n || !data.requester || data.receivedAt === undefined) return;
  if (!data.again) {
    // A fresh wait budget for Slack (slackWait): the first job may have spent its own.
    const again: NotifyJob = { notification: n, receivedAt: data.receivedAt, requester: data.requester, again: { jobId: job.id } };
    await d.ctx.jobs.enqueue('alert.notify', again, { jobId: `${job.id}.again`, onUnavailable: 'throw' });
    return;
  }
  const routed = routeAlerts(n.alerts, d.ctx.config);
  for (const channel of new Set(routed.map((r) => r.channel).filter((c): c is string => c !== null))) {
    const here = routed.filter((r) => r.channel === channel);
    const services = [...new Set(here.map((r) => r.match?.service).filter((x): x is string => !!x))].sort();
    const firing = here.filter((r) => r.alert.status === 'firing').length;
    const resolved = here.length - firing;
    const counts = [firing ? `${firing} firing` : '', resolved ? `${resolved} resolved` : ''].filter(Boolean).join(', ');
    const text = [
      `:x: leakbot could not handle Alertmanager's notification about *${esc(titleOf(n))}*${services.length ? ` for ${services.map((x) => `*${esc(x)}*`).join(', ')}` : ''} (${counts}), tried twice: ${failureWhy(job.reason)}.`,
      resolved ? 'A resolution is sent only once, so its alert thread may still show it firing.' : '',
      firing ? "Alertmanager sends firing alerts again after its repeat_interval; leakbot tries again then." : '',
      services.length ? `For findings now: ${services.map((x) => `\`/leak snapshot ${esc(x)}\``).join(', ')}.` : '',
    ]
      .filter(Boolean)
      .join(' ');
    await post(d, `alert.notify-failed.${data.again.jobId}.${channel}`, channel, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
  }
}
