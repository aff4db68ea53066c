// `/leak help`: every verb (including ones other modules add) with usage and examples.
import { atMost, EXAMPLE_SERVICE, type CommandModule } from './types.js';

export const command: CommandModule = {
  verb: 'help',
  usage: 'help',
  summary: 'This list.',
  examples: ['/leak help'],
  async handler(inv, ctx) {
    atMost(inv.args, 0);
    const services = Object.keys(ctx.config.services).sort();
    // Examples name a service that exists here, so they work when pasted.
    const name = services[0];
    const example = (e: string): string => (name ? e.replaceAll(EXAMPLE_SERVICE, name) : e);
    const lines = ctx.commands.list().map((m) => `• \`/leak ${m.usage}\` — ${m.summary}${m.examples.length ? `\n    e.g. ${m.examples.map((e) => `\`${example(e)}\``).join(', ')}` : ''}`);
    return {
      text: `*leakbot* finds goroutine leaks in Go services.\n${lines.join('\n')}\nRegistered services: ${services.map((s) => `\`${s}\``).join(', ') || '(none)'}`,
    };
  },
};
