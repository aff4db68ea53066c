// `/leak diff <svc> [<from> <to>]`: compare the last two snapshots, or two named ones.
import { HELD_TEXT } from '../src/flows/index.js';
import { resolveDiff } from '../src/flows/diff.js';
import { requireService } from '../src/slack/dispatch.js';
import { hasPair, takeNewFlag, threadFor, threadWords } from '../src/flows/thread.js';
import { noUnknownOptions, UsageError, type CommandModule } from './types.js';
import { escapeMrkdwn } from '../src/engine/index.js';
import { processName } from '../src/flows/findings.js';

function seqArg(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s.replace(/^#/, ''));
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`\`${s}\` is not a snapshot number (see \`/leak history\`).`);
  return n;
}

export const command: CommandModule = {
  verb: 'diff',
  aliases: ['compare'],
  usage: 'diff <service> [<from#> <to#> | baseline] [--new]',
  summary: 'Compare the last two snapshots of a service (or two numbered ones, or the baseline with the latest).',
  examples: ['/leak diff svc-order', '/leak diff svc-order 3 7', '/leak diff svc-order baseline'],
  async handler(inv, ctx) {
    const { args, fresh } = takeNewFlag(inv.args);
    noUnknownOptions(args);
    const service = requireService(ctx, args[0]);
    const rest = args.slice(1);
    const against = rest[0]?.toLowerCase() === 'baseline' ? ('baseline' as const) : ('previous' as const);
    const nums = against === 'baseline' ? [] : rest;
    if (against === 'baseline' && rest.length > 1) throw new UsageError(`Too many arguments: \`${rest.slice(1).join(' ')}\`.`);
    if (nums.length === 1 || nums.length > 2) throw new UsageError('Give two snapshot numbers, or none for the last two.');
    const fromSeq = seqArg(nums[0]);
    const toSeq = seqArg(nums[1]);
    const d = { against, ...(fromSeq !== undefined ? { fromSeq } : {}), ...(toSeq !== undefined ? { toSeq } : {}) };
    // Validate against Redis now so mistakes are answered at once.
    const r = await resolveDiff(ctx, service, d);
    if ('error' in r) return { text: r.error };
    const open = await threadFor(ctx, service, inv.channel, { fresh });
    if (open && hasPair(open, r.ref.seq, r.cur.seq)) {
      return { text: `The findings of *${service}* #${r.ref.seq} → #${r.cur.seq} are already in ${threadWords(open)}.` };
    }
    const res = await ctx.jobs.enqueue('diff', {
      service,
      requester: { user: inv.user, channel: inv.channel, requestId: inv.requestId, ...(inv.responseUrl ? { responseUrl: inv.responseUrl } : {}) },
      fromSeq: r.ref.seq,
      toSeq: r.cur.seq,
      against,
      ...(open ? { thread: { channel: open.channel, ts: open.ts } } : {}),
    });
    if (res.status === 'held') return { text: HELD_TEXT };
    // A fleet's process is named: the ack says which pod is compared (the suspect of the last round).
    const who = processName(ctx, service, r.cur);
    return { text: `Comparing *${service}*${who !== service ? ` (${escapeMrkdwn(r.cur.instanceName!)})` : ''} #${r.ref.seq} → #${r.cur.seq}… the findings will appear in ${open ? threadWords(open) : 'a thread in this channel'}.` };
  },
};
