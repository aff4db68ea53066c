// `/leak analyze`: how to hand leakbot a goroutine dump in Slack. The work itself happens on file
// events and the "Analyze goroutine dump" shortcut (src/slack/bolt.ts → src/flows/dump.ts); this
// module registers its job processor in every process.
import { DUMP_MAX_BYTES, processDump } from '../src/flows/dump.js';
import type { CommandModule } from './types.js';

const mib = Math.round(DUMP_MAX_BYTES / 1048576);

export const command: CommandModule = {
  verb: 'analyze',
  aliases: ['analyse'],
  usage: 'analyze',
  summary: 'Analyse a goroutine dump you have: drop the file in a leakbot thread or a DM, or use the "Analyze goroutine dump" shortcut.',
  examples: ['/leak analyze'],
  register(ctx) {
    ctx.processors.register('dump.analyze', (job) => processDump(ctx, job));
  },
  async handler(inv) {
    const url = inv.args.some((a) => /^(&lt;)?https?:\/\//i.test(a));
    return {
      text: [
        ...(url ? ['I do not fetch URLs given to me; upload the dump to Slack instead (below).', ''] : []),
        '*Hand me a goroutine dump* (debug=2 or debug=1 text, a profile.proto, gzip welcome; up to ' + `${mib} MiB):`,
        '• *Drop the file* into one of my threads, or into a DM with me (a short dump may be pasted there as text). Get one with',
        '  `curl -s "localhost:6060/debug/pprof/goroutine?debug=2" > goroutines.txt` (or `kubectl exec <pod> -- curl …`).',
        '• *Pasted it already?* Open the message’s ⋯ menu → *Analyze goroutine dump*. It works on a file attached to a message too.',
        '• *Two or more dumps* of one process, a minute apart? Drop them together in one message: I compare them as `leakbot diff` does.',
        'The findings go into that thread. I only read files uploaded to Slack, with my own token.',
      ].join('\n'),
    };
  },
};
