// The /leak flow's job processors and buttons, registered into every process.
import type { LeakbotContext, LeakbotModule } from '../context.js';
import { ACTIONS, parseButtonValue } from '../slack/messages.js';
import { clickThread, type ActionInvocation } from '../slack/actions.js';
import { newJobId } from '../queue/queue.js';
import { baselineWarning, confirmBaselineMessage, parseConfirmValue, processBaseline } from './baseline.js';
import { processDiff } from './diff.js';
import { processReport } from './report.js';
import { processSnapshot } from './snapshot.js';
import { own } from '../own.js';
import { codeQuote } from '../slack/text.js';
import { clickRunsAutoRecapture } from './recapture-delay.js';
import { clickScope, joinedSnapshotText, joinPending, SAME_CLICK_MS, snapshotWindow } from './join.js';
import { threadFor } from './thread.js';
import type { JobInfo } from '../queue/processors.js';

const HELD_TEXT = ':hourglass: leakbot’s Redis is unreachable right now; I am holding this request and will run it as soon as Redis is back.';

/** A `/leak snapshot` held while Redis was unreachable (heldLookup) looks up the service's open thread
 *  in its channel now, as the command does with Redis up, and records the command on the timeline at
 *  the time it was asked (once per job). Stored in the job before it goes on: a retry keeps the thread. */
async function lookUpHeldThread(ctx: LeakbotContext, job: JobInfo<'snapshot'>): Promise<void> {
  const { heldLookup, ...d } = job.data;
  if (!heldLookup) return;
  const open = d.thread ? null : await threadFor(ctx, d.service, d.requester.channel);
  await ctx.timeline.append(
    { at: heldLookup.at, service: d.service, type: 'command', actor: d.requester.user, text: heldLookup.command, data: { channel: d.requester.channel, verb: 'snapshot' } },
    { once: `${job.id}:held-command` },
  );
  await job.updateData({ ...d, ...(open ? { thread: { channel: open.channel, ts: open.ts } } : {}) });
}

function requester(inv: ActionInvocation) {
  return { user: inv.user, channel: inv.channel, requestId: inv.requestId, ...(inv.responseUrl ? { responseUrl: inv.responseUrl } : {}) };
}

export const snapshotFlowModule: LeakbotModule = {
  name: 'snapshot-flow',
  register(ctx: LeakbotContext) {
    ctx.processors.register('snapshot', async (job) => {
      await lookUpHeldThread(ctx, job);
      return processSnapshot(ctx, job);
    });
    ctx.processors.register('diff', (job) => processDiff(ctx, job));
    ctx.processors.register('report', (job) => processReport(ctx, job));
    ctx.processors.register('baseline', (job) => processBaseline(ctx, job));

    const bad = { text: 'This button is from an older leakbot message and can no longer be used.' };
    // A button whose service left the config (renamed or removed, and leakbot restarted) says so:
    // "from an older leakbot message" sent people looking for a newer message that would work no better.
    const refuse = (v: { s: string } | null): { text: string } => {
      if (!v || own(ctx.config.services, v.s)) return bad;
      const names = Object.keys(ctx.config.services).sort().map((n) => `\`${n}\``).join(', ');
      // Said as a possibility: a crafted value names a service that was never there.
      return { text: `${codeQuote(v.s)} is not a registered service now (it has likely left leakbot's config, LEAKBOT_CONFIG, since this message was posted), so this button can no longer be used. Registered now: ${names || '(none)'}.` };
    };
    // A double click of *Set as baseline* or *Set as baseline anyway* (or two people setting the same
    // snapshot at once) sets it once and says so once: each click posted its own "set … as the
    // healthy baseline" line in the thread.
    // Returns the new job's id, or null when an equal click is pending.
    const baselineClick = async (inv: ActionInvocation, service: string, seq: number): Promise<string | null> => {
      const jobId = newJobId('baseline');
      return (await joinPending(ctx, clickScope('baseline', inv.channel, `${service}#${seq}`), jobId, requester(inv), SAME_CLICK_MS)).joined ? null : jobId;
    };
    const baselineJoined = (service: string, seq: number) => ({ text: `Snapshot #${seq} of *${service}* is already being set as the baseline by a click moments ago; the thread says so once it is.` });
    const joinSnapshot = (inv: ActionInvocation, service: string, jobId: string, select?: { key: string; value: string }) => {
      const { scope, ttlMs } = snapshotWindow(ctx, service, inv.channel, select);
      return joinPending(ctx, scope, jobId, requester(inv), ttlMs);
    };
    /** A second click of this button on this message moments after the first (a double click, two
     *  people at once), asking the same (`what`): the first click's job answers it. */
    const sameClick = async (inv: ActionInvocation, jobId: string, what = '') => (await joinPending(ctx, `${clickScope(inv.actionId, inv.channel, inv.messageTs)}${what}`, jobId, requester(inv), SAME_CLICK_MS)).joined;
    ctx.actions.register(ACTIONS.captureAgain, async (inv) => {
      const v = parseButtonValue(inv.value);
      if (!v || !own(ctx.config.services, v.s)) return refuse(v);
      // A pod's own thread recaptures that pod (by the discovered id the button carries, resolved
      // again by the worker like any `instance=`); a fleet thread recaptures the fleet.
      const select = typeof v.i === 'string' ? { select: { key: 'instance' as const, value: v.i } } : {};
      const auto = await clickRunsAutoRecapture(ctx, clickThread(inv), v.s, select.select);
      if (auto) return { text: auto };
      // A double click, two people, or a click and a typed /leak snapshot at once: one capture.
      const jobId = newJobId('snapshot');
      const { joined, pendingScope } = await joinSnapshot(inv, v.s, jobId, select.select);
      if (joined) return { text: joinedSnapshotText(v.s) };
      const r = await ctx.jobs.enqueue('snapshot', { service: v.s, requester: requester(inv), thread: clickThread(inv), reason: 'button', ...select, ...(pendingScope ? { pendingScope } : {}) }, { jobId });
      return r.status === 'held' ? { text: HELD_TEXT } : undefined;
    }, { verb: 'snapshot' });
    ctx.actions.register(ACTIONS.compareBaseline, async (inv) => {
      const v = parseButtonValue(inv.value);
      if (!v || !own(ctx.config.services, v.s)) return refuse(v);
      if ((await ctx.snapshots.baselineSeq(v.s)) === null) return { text: `${v.s} has no baseline yet. Use *Set as baseline* on a snapshot taken while it was healthy.` };
      const jobId = newJobId('diff');
      if (await sameClick(inv, jobId, `:${v.s}:${v.c}`)) return { text: 'The same comparison with the baseline was requested from this button moments ago; its findings (or why there are none) are, or will shortly be, in this thread.' };
      const r = await ctx.jobs.enqueue('diff', { service: v.s, requester: requester(inv), thread: clickThread(inv), against: 'baseline', ...(v.c !== null ? { toSeq: v.c } : {}) }, { jobId });
      return r.status === 'held' ? { text: HELD_TEXT } : undefined;
    }, { verb: 'diff' });
    ctx.actions.register(ACTIONS.setBaseline, async (inv) => {
      const v = parseButtonValue(inv.value);
      if (!v || !own(ctx.config.services, v.s) || v.c === null) return refuse(v);
      const meta = await ctx.snapshots.get(v.s, v.c);
      if (!meta) return { text: `Snapshot #${v.c} of ${v.s} is no longer stored.` };
      const here = clickThread(inv);
      const warning = await baselineWarning(ctx, v.s, meta);
      if (warning) {
        await ctx.poster.respond(inv.responseUrl, { ...confirmBaselineMessage(warning, { s: v.s, seq: v.c, ch: here.channel, ts: here.ts }), response_type: 'ephemeral', replace_original: false });
        return;
      }
      const jobId = await baselineClick(inv, v.s, v.c);
      if (!jobId) return baselineJoined(v.s, v.c);
      const r = await ctx.jobs.enqueue('baseline', { service: v.s, requester: requester(inv), thread: here, seq: v.c }, { jobId });
      return r.status === 'held' ? { text: HELD_TEXT } : undefined;
    }, { verb: 'baseline' });
    // The answer to a baseline warning (from the button above or from `/leak baseline`). It answers
    // in the thread the question came from, and only when that is where the click happened.
    ctx.actions.register(ACTIONS.confirmBaseline, async (inv) => {
      const v = parseConfirmValue(inv.value);
      if (!v || !own(ctx.config.services, v.s)) return refuse(v);
      const thread = v.ch === inv.channel && v.ts ? { channel: v.ch, ts: v.ts } : undefined;
      const jobId = await baselineClick(inv, v.s, v.seq);
      if (!jobId) return baselineJoined(v.s, v.seq);
      const r = await ctx.jobs.enqueue('baseline', { service: v.s, requester: requester(inv), seq: v.seq, ...(thread ? { thread } : {}) }, { jobId });
      return { text: r.status === 'held' ? HELD_TEXT : `Setting snapshot #${v.seq} as the baseline of *${v.s}* as you confirmed.` };
    }, { verb: 'baseline' });
    ctx.actions.register(ACTIONS.cancelBaseline, async (inv) => {
      await ctx.poster.respond(inv.responseUrl, { text: 'Baseline not changed.', response_type: 'ephemeral', replace_original: true });
    });
    // A fresh thread for the service (the button form of `--new`).
    ctx.actions.register(ACTIONS.newThread, async (inv) => {
      const v = parseButtonValue(inv.value);
      if (!v || !own(ctx.config.services, v.s)) return refuse(v);
      const jobId = newJobId('snapshot');
      const { joined, pendingScope } = await joinSnapshot(inv, v.s, jobId);
      if (joined) return { text: joinedSnapshotText(v.s) };
      const r = await ctx.jobs.enqueue('snapshot', { service: v.s, requester: requester(inv), reason: 'button', ...(pendingScope ? { pendingScope } : {}) }, { jobId });
      return { text: r.status === 'held' ? HELD_TEXT : `Capturing *${v.s}* into a new thread in this channel.` };
    }, { verb: 'snapshot' });
    ctx.actions.register(ACTIONS.fullReport, async (inv) => {
      const v = parseButtonValue(inv.value);
      if (!v || !own(ctx.config.services, v.s) || v.c === null) return refuse(v);
      const jobId = newJobId('report');
      if (await sameClick(inv, jobId)) return { text: `The full report of this was requested moments ago; it will appear in this thread.` };
      const r = await ctx.jobs.enqueue('report', { service: v.s, requester: requester(inv), thread: clickThread(inv), refSeq: v.r, curSeq: v.c }, { jobId });
      return r.status === 'held' ? { text: HELD_TEXT } : undefined;
    }, { verb: 'snapshot' });
  },
};

export { HELD_TEXT };
