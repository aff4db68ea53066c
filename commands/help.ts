// `/leak help`: every verb (including ones other modules add) with usage and examples.
import { atMost, exampleFor, type CommandModule } from './types.js';

export const command: CommandModule = {
  verb: 'help',
  usage: 'help',
  summary: 'This list.',
  examples: ['/leak help'],
  async handler(inv, ctx) {
    atMost(inv.args, 0);
    const services = Object.keys(ctx.config.services).sort();
    const example = (e: string): string => exampleFor(e, ctx.config.services);
    const lines = ctx.commands.list().map((m) => `• \`/leak ${m.usage}\` — ${m.summary}${m.examples.length ? `\n    e.g. ${m.examples.map((e) => `\`${example(e)}\``).join(', ')}` : ''}`);
    return {
      text: `*leakbot* finds goroutine leaks in Go services.\n${lines.join('\n')}\nRegistered services: ${services.map((s) => `\`${s}\``).join(', ') || '(none)'}`,
    };
  },
};
