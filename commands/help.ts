// `/leak help`: every verb (including ones other modules add) with usage and examples.
import type { CommandModule } from './types.js';

export const command: CommandModule = {
  verb: 'help',
  usage: 'help',
  summary: 'This list.',
  examples: ['/leak help'],
  async handler(_inv, ctx) {
    const lines = ctx.commands.list().map((m) => `• \`/leak ${m.usage}\` — ${m.summary}${m.examples.length ? `\n    e.g. ${m.examples.map((e) => `\`${e}\``).join(', ')}` : ''}`);
    const services = Object.keys(ctx.config.services).sort();
    return {
      text: `*leakbot* finds goroutine leaks in Go services.\n${lines.join('\n')}\nRegistered services: ${services.map((s) => `\`${s}\``).join(', ') || '(none)'}`,
    };
  },
};
