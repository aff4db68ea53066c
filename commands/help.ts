// `/leak help`: every verb (including ones other modules add) with usage and examples; `/leak help
// <verb>`: that verb's.
import { atMost, exampleFor, UsageError, type CommandModule } from './types.js';
import type { ServiceConfig } from '../src/config/schema.js';
import { codeQuote } from '../src/slack/text.js';

export const command: CommandModule = {
  verb: 'help',
  usage: 'help [verb]',
  summary: 'This list, or one verb\'s usage and examples.',
  examples: ['/leak help', '/leak help snapshot'],
  async handler(inv, ctx) {
    const [word] = atMost(inv.args, 1);
    const services = Object.keys(ctx.config.services).sort();
    const line = (m: CommandModule) => {
      const examples = m.examples.flatMap((e) => runnableExample(e, ctx.config.services));
      return `• \`/leak ${m.usage}\` — ${m.summary}${examples.length ? `\n    e.g. ${examples.map((e) => `\`${e}\``).join(', ')}` : ''}`;
    };
    if (word !== undefined) {
      const m = ctx.commands.get(word.replace(/^\/?leak\s*/i, ''));
      if (!m) throw new UsageError(`${codeQuote(word, 41)} is no /leak verb; the verbs: ${ctx.commands.list().map((x) => `\`${x.verb}\``).join(', ')}.`);
      return { text: line(m) };
    }
    const lines = ctx.commands.list().map(line);
    return {
      text: `*leakbot* finds goroutine leaks in Go services.\n${lines.join('\n')}\nRegistered services: ${services.map((s) => `\`${s}\``).join(', ') || '(none)'}`,
    };
  },
};

/** Example `e` as help shows it: naming a registered service, so it works when pasted. One that picks
 *  a pod (`pod=…`) names a service whose instances are discovered pods (`dns`, `prometheus`): a
 *  one-process service (`url`) refuses `pod=`, and `targets` are named by address; [] when there is
 *  no such service. */
function runnableExample(e: string, services: Record<string, ServiceConfig>): string[] {
  if (!/\bpod=/.test(e)) return [exampleFor(e, services)];
  const fleet = Object.keys(services)
    .sort()
    .find((n) => services[n]!.dns !== undefined || services[n]!.prometheus !== undefined);
  return fleet ? [exampleFor(e, services, fleet)] : [];
}
