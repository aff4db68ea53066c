// `/leak history <svc>`: recent snapshots with goroutine totals.
import { escapeMrkdwn } from '../src/engine/index.js';
import { fmtTime } from '../src/slack/messages.js';
import { requireService } from '../src/slack/dispatch.js';
import { atMost, type CommandModule } from './types.js';

export const command: CommandModule = {
  verb: 'history',
  readOnly: true,
  usage: 'history <service>',
  summary: 'Recent snapshots of a service with goroutine totals (numbers usable with diff and baseline).',
  examples: ['/leak history svc-order'],
  async handler(inv, ctx) {
    const service = requireService(ctx, atMost(inv.args, 1)[0]);
    const [list, base, count] = await Promise.all([ctx.snapshots.list(service, 15), ctx.snapshots.baselineSeq(service), ctx.snapshots.count(service)]);
    if (list.length === 0) return { text: `No snapshots of ${service} yet. Run \`/leak snapshot ${service}\`.` };
    // Each snapshot's change is against the previous one of the same process (a fleet's pods
    // interleave); a restart shows instead of a change.
    const fleet = list.some((m) => m.instance !== list[0]!.instance);
    const lines = list.map((m, i) => {
      const older = list.slice(i + 1).find((o) => o.instance === m.instance);
      const delta = older && !m.restart ? m.total - older.total : null;
      const d = m.restart ? ' (restarted)' : delta === null ? '' : ` (${delta >= 0 ? '+' : ''}${delta.toLocaleString('en-US')})`;
      const who = fleet && m.instanceName ? `  ${escapeMrkdwn(m.instanceName)}` : '';
      return `• #${m.seq}${who}  ${new Date(m.capturedAt).toISOString().slice(0, 10)} ${fmtTime(m.capturedAt)}  *${m.total.toLocaleString('en-US')}*${d} goroutines${m.seq === base ? '  ← baseline' : ''}${m.truncated ? '  (truncated dump)' : ''}`;
    });
    return { text: `Snapshots of *${service}* (newest first, ${list.length} of ${count}):\n${lines.join('\n')}` };
  },
};
