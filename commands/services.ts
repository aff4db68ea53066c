// `/leak services`: the registered services with their last snapshot.
import { escapeMrkdwn } from '../src/engine/index.js';
import { fmtTime } from '../src/slack/messages.js';
import { atMost, type CommandModule } from './types.js';

export const command: CommandModule = {
  verb: 'services',
  readOnly: true,
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
        // A fleet says where its instances come from; its last snapshot is of one pod.
        const svc = ctx.config.services[name]!;
        const src = svc.url !== undefined ? '' : svc.targets ? ` (${svc.targets.length} listed instances)` : svc.dns !== undefined ? ' (instances from DNS)' : ' (instances from Prometheus)';
        const pod = last?.instanceName && svc.url === undefined ? ` of ${escapeMrkdwn(last.instanceName)}` : '';
        return `• *${name}*${src} — ${l.replace(/^last #(\d+)/, `last #$1${pod}`)}${base !== null ? `, baseline #${base}` : ''}`;
      }),
    );
    return { text: `Registered services:\n${lines.join('\n')}` };
  },
};
