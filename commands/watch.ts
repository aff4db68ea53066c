// `/leak watch <svc> [every 1m] [for 15m]`, `/leak watch stop <svc>`, `/leak watch chart <svc>`:
// periodic captures with one message updated in place; summary and trend chart at the end.
import type { LeakbotContext } from '../src/context.js';
import { minutes } from '../src/incident/format.js';
import { requesterOf } from '../src/incident/runtime.js';
import { WATCH_CHART_ACTION, WATCH_STOP_ACTION } from '../src/incident/trend.js';
import { captureCount, defaultEvery, parseWatchArgs, typedDuration, WatchArgsError, type WatchRequest } from '../src/incident/watch-args.js';
import { newWatchId, tickJobId, WatchRunner } from '../src/incident/watch.js';
import type { WatchEventData } from '../src/incident/timeline.js';
import { HELD_TEXT } from '../src/flows/index.js';
import { requireService } from '../src/slack/dispatch.js';
import { UsageError, type CommandModule } from './types.js';

const OTHER_CONVERSATION = 'This button belongs to a message in another conversation.';

const runners = new WeakMap<LeakbotContext, WatchRunner>();
const runnerOf = (ctx: LeakbotContext): WatchRunner => {
  let r = runners.get(ctx);
  if (!r) {
    r = new WatchRunner(ctx);
    runners.set(ctx, r);
  }
  return r;
};

export const command: CommandModule = {
  verb: 'watch',
  usage: 'watch <service> [every 1m] [for 15m] | watch stop <service> | watch chart <service>',
  summary: 'Capture a service periodically and show the trend in one message; a summary and chart at the end.',
  examples: ['/leak watch svc-order every 1m for 15m', '/leak watch stop svc-order', '/leak watch chart svc-order'],
  register(ctx) {
    const runner = runnerOf(ctx);
    runner.register();
    ctx.actions.register(WATCH_STOP_ACTION, async (inv) => {
      const w = await runner.store.get(inv.value);
      if (!w) return { text: 'This watch is no longer stored.' };
      // The value only names a watch; it must be one of this conversation (a crafted id cannot reach another).
      if (w.channel !== inv.channel) return { text: OTHER_CONVERSATION };
      const r = await runner.stop(w.service, inv.user);
      return r.ok ? undefined : { text: r.message };
    }, { verb: 'watch' });
    ctx.actions.register(WATCH_CHART_ACTION, async (inv) => {
      const w = await runner.store.get(inv.value);
      if (!w) return { text: 'This watch is no longer stored.' };
      // The value only names a watch; it must be one of this conversation (a crafted id cannot reach another).
      if (w.channel !== inv.channel) return { text: OTHER_CONVERSATION };
      const n = (await runner.store.samples(w.id)).length;
      const r = await ctx.jobs.enqueue('watch.chart', { watchId: w.id, requestedBy: inv.user }, { jobId: `watch-${w.id}-chart-${n}` });
      return r.status === 'held' ? { text: HELD_TEXT } : undefined;
    }, { verb: 'watch' });
  },
  async handler(inv, ctx) {
    // No service (or `stop`/`chart` without one): list the services, like every other verb.
    const [first, ...rest] = inv.args;
    if (!first || ((first === 'stop' || first === 'chart') && rest.length === 0)) requireService(ctx, undefined);
    let req: WatchRequest;
    try {
      req = parseWatchArgs(inv.args);
    } catch (err) {
      if (err instanceof WatchArgsError) throw new UsageError(err.message);
      throw err;
    }
    const service = requireService(ctx, req.service);
    const runner = runnerOf(ctx);

    if (req.kind === 'stop') {
      const r = await runner.stop(service, inv.user);
      return { text: r.ok ? `Stopping the watch of *${service}*; the summary and chart follow in its thread.` : r.message };
    }
    if (req.kind === 'chart') {
      const id = await runner.store.active(service);
      if (!id) return { text: `No watch of *${service}* is running; start one with \`/leak watch ${service}\`.` };
      const n = (await runner.store.samples(id)).length;
      const r = await ctx.jobs.enqueue('watch.chart', { watchId: id, requestedBy: inv.user }, { jobId: `watch-${id}-chart-${n}` });
      return { text: r.status === 'held' ? HELD_TEXT : `Uploading the trend chart of *${service}* to the watch's thread.` };
    }

    const limits = ctx.config.watch;
    const maxFor = limits.maxDurationMinutes * 60_000;
    if (req.forMs > maxFor) throw new UsageError(`A watch lasts at most ${typedDuration(maxFor)} here (\`watch.maxDurationMinutes\` in the config): try \`/leak watch ${service} for ${typedDuration(maxFor)}\`.`);
    if (!req.everyGiven) req.everyMs = Math.max(defaultEvery(req.forMs, limits.maxCaptures), limits.minIntervalSeconds * 1000);
    if (req.everyMs < limits.minIntervalSeconds * 1000) throw new UsageError(`A watch captures at most once every ${minutes(limits.minIntervalSeconds * 1000)} here (\`watch.minIntervalSeconds\` in the config): try \`/leak watch ${service} every ${typedDuration(limits.minIntervalSeconds * 1000)}\`.`);
    if (req.forMs < req.everyMs) throw new UsageError('`for` must be at least one `every` interval.');
    const ticks = captureCount(req.everyMs, req.forMs);
    if (ticks > limits.maxCaptures) {
      // The shortest whole-second interval that fits the cap (and the minimum interval).
      const fit = Math.max(Math.ceil(req.forMs / (limits.maxCaptures - 1) / 1000) * 1000, limits.minIntervalSeconds * 1000);
      throw new UsageError(
        `That is ${ticks} captures; a watch takes at most ${limits.maxCaptures} here (\`watch.maxCaptures\` in the config): try \`/leak watch ${service} every ${typedDuration(fit)} for ${typedDuration(req.forMs)}\`, or leave out \`every\` and leakbot picks it.`,
      );
    }

    const id = newWatchId();
    const meta = { id, service, channel: inv.channel, everyMs: req.everyMs, ticks, startedAt: Date.now(), startedBy: inv.user };
    const claimed = await runner.store.start(meta);
    if (!claimed.ok) {
      const other = await runner.store.get(claimed.existing);
      return {
        text: `*${service}* is already being watched${other ? ` (started by <@${other.startedBy}> in <#${other.channel}>, every ${minutes(other.everyMs)})` : ''}. One watch per service: \`/leak watch stop ${service}\` first.`,
      };
    }
    const r = await ctx.jobs.enqueue('watch.tick', { watchId: id, index: 0 }, { jobId: tickJobId(id, 0) });
    const data: WatchEventData = { watchId: id, phase: 'start' };
    await ctx.timeline
      .append({ at: meta.startedAt, service, type: 'watch', actor: inv.user, text: `watch started: every ${minutes(req.everyMs)} for ${minutes(req.forMs)} (${ticks} captures)`, data: { ...data, requester: requesterOf(inv).user } })
      .catch(() => {});
    if (r.status === 'held') return { text: HELD_TEXT };
    return { text: `Watching *${service}* every ${minutes(req.everyMs)} for ${minutes(req.forMs)} (${ticks} captures). The trend appears in a message here, updated at each capture.` };
  },
};
