// `/leak baseline <svc> [<seq>]`: mark the latest (or a numbered) snapshot as the healthy baseline.
import { baselineWarning, confirmBaselineMessage, setBaseline } from '../src/flows/baseline.js';
import { processName } from '../src/flows/findings.js';
import { snapDesc } from '../src/slack/messages.js';
import { requireService } from '../src/slack/dispatch.js';
import { atMost, UsageError, type CommandModule, type CommandReply } from './types.js';
import { isFleet } from '../src/capture/targets/index.js';
import type { LeakbotContext } from '../src/context.js';
import { escapeMrkdwn } from '../src/engine/index.js';
import { codeQuote } from '../src/slack/text.js';
import { own } from '../src/own.js';
import type { SnapshotMeta } from '../src/store/snapshots.js';

/** A fleet: each process gets its own baseline, its latest snapshot (from the recent history),
 *  except those that looked like a leak: they are named, to be set one by one with a number. */
async function setFleetBaselines(ctx: LeakbotContext, service: string, user: string): Promise<CommandReply> {
  const latest = new Map<string, SnapshotMeta>();
  for (const m of await ctx.snapshots.list(service, 100)) if (m.instance !== undefined && !latest.has(m.instance)) latest.set(m.instance, m);
  if (latest.size === 0) return { text: `No snapshots of ${service} yet. Run \`/leak snapshot ${service}\` while it is healthy, then \`/leak baseline ${service}\`.` };
  const set: SnapshotMeta[] = [];
  const skipped: string[] = [];
  for (const meta of latest.values()) {
    const warning = await baselineWarning(ctx, service, meta);
    if (warning) skipped.push(`#${meta.seq} (${escapeMrkdwn(meta.instanceName ?? meta.instance ?? '')})`);
    else {
      await setBaseline(ctx, service, meta, user);
      set.push(meta);
    }
  }
  const names = set.map((m) => escapeMrkdwn(m.instanceName ?? m.instance ?? '')).slice(0, 10).join(', ');
  return {
    visibility: 'in_channel',
    text:
      (set.length ? `:white_check_mark: <@${user}> set the healthy baseline of *${service}* for ${set.length} pod${set.length === 1 ? '' : 's'} (${names}${set.length > 10 ? ', …' : ''}), each its own latest snapshot.` : `No baseline set for *${service}*.`) +
      (skipped.length ? ` Not set where the latest snapshot looked like a leak: ${skipped.join(', ')}; use \`/leak baseline ${service} <snapshot#>\` to set one anyway.` : ''),
  };
}

export const command: CommandModule = {
  verb: 'baseline',
  usage: 'baseline <service> [<snapshot#>]',
  summary: 'Mark the latest snapshot (or a numbered one) as the service’s healthy baseline.',
  examples: ['/leak baseline svc-order', '/leak baseline svc-order 4'],
  adminOnly: true,
  async handler(inv, ctx) {
    const service = requireService(ctx, atMost(inv.args, 2)[0]);
    let meta;
    if (inv.args[1] !== undefined) {
      const n = Number(inv.args[1].replace(/^#/, ''));
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${codeQuote(inv.args[1], 40)} is not a snapshot number.`);
      meta = await ctx.snapshots.get(service, n);
      if (!meta) return { text: `Snapshot #${n} of ${service} is not stored. See \`/leak history ${service}\`.` };
    } else if (isFleet(own(ctx.config.services, service)!)) {
      return setFleetBaselines(ctx, service, inv.user);
    } else {
      meta = await ctx.snapshots.latest(service);
      if (!meta) return { text: `No snapshots of ${service} yet. Run \`/leak snapshot ${service}\` while it is healthy, then \`/leak baseline ${service}\`.` };
    }
    // A snapshot that looked like a leak makes a bad baseline: ask first, with the reason.
    const warning = await baselineWarning(ctx, service, meta);
    if (warning) return confirmBaselineMessage(warning, { s: service, seq: meta.seq });
    await setBaseline(ctx, service, meta, inv.user);
    return { visibility: 'in_channel', text: `:white_check_mark: <@${inv.user}> set ${snapDesc(meta)} as the healthy baseline of *${escapeMrkdwn(processName(ctx, service, meta))}*.` };
  },
};
