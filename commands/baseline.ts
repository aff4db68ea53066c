// `/leak baseline <svc> [<seq>]`: mark the latest (or a numbered) snapshot as the healthy baseline.
import { baselineWarning, confirmBaselineMessage, setBaseline } from '../src/flows/baseline.js';
import { snapDesc } from '../src/slack/messages.js';
import { requireService } from '../src/slack/dispatch.js';
import { atMost, UsageError, type CommandModule } from './types.js';

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
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`\`${inv.args[1]}\` is not a snapshot number.`);
      meta = await ctx.snapshots.get(service, n);
      if (!meta) return { text: `Snapshot #${n} of ${service} is not stored. See \`/leak history ${service}\`.` };
    } else {
      meta = await ctx.snapshots.latest(service);
      if (!meta) return { text: `No snapshots of ${service} yet. Run \`/leak snapshot ${service}\` while it is healthy, then \`/leak baseline ${service}\`.` };
    }
    // A snapshot that looked like a leak makes a bad baseline: ask first, with the reason.
    const warning = await baselineWarning(ctx, service, meta);
    if (warning) return confirmBaselineMessage(warning, { s: service, seq: meta.seq });
    await setBaseline(ctx, service, meta, inv.user);
    return { visibility: 'in_channel', text: `:white_check_mark: <@${inv.user}> set ${snapDesc(meta)} as the healthy baseline of *${service}*.` };
  },
};
