// `/leak services`: the registered services with their last snapshot.
import { fmtTime } from '../src/slack/messages.js';
import { atMost, type CommandModule } from './types.js';

export const command: CommandModule = {
  verb: 'services',
  aliases: ['list'],
  usage: 'services',
  summary: 'List the registered services with their last snapshot and baseline.',
  examples: ['/leak services'],
  async handler(inv, ctx) {
    atMost(inv.args, 0);
    const names = Object.keys(ctx.config.services).sort();
    if (names.length === 0) return { text: 'No services are registered. Add them under `services:` in the leakbot config.' };
    const lines = await Promise.all(
      names.map(async (name) => {
        const [last, base] = await Promise.all([ctx.snapshots.latest(name), ctx.snapshots.baselineSeq(name)]);
        const l = last ? `last #${last.seq} at ${fmtTime(last.capturedAt)} (${last.total.toLocaleString('en-US')} goroutines)` : 'no snapshot yet';
        return `• *${name}* — ${l}${base !== null ? `, baseline #${base}` : ''}`;
      }),
    );
    return { text: `Registered services:\n${lines.join('\n')}` };
  },
};
