// `/leak diff <svc> [<from> <to>]`: compare the last two snapshots, or two named ones.
import { HELD_TEXT } from '../src/flows/index.js';
import { resolveDiff } from '../src/flows/diff.js';
import { requireService } from '../src/slack/dispatch.js';
import { hasPair, takeNewFlag, threadFor, threadWords } from '../src/flows/thread.js';
import { noUnknownOptions, UsageError, type CommandModule } from './types.js';
import { escapeMrkdwn } from '../src/engine/index.js';
import { codeQuote } from '../src/slack/text.js';
import { processName } from '../src/flows/findings.js';
import { selectInstance, type Instance } from '../src/capture/targets/index.js';

function seqArg(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s.replace(/^#/, ''));
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${codeQuote(s, 40)} is not a snapshot number (see \`/leak history\`).`);
  return n;
}

/** The id of the process `pick` (`pod=…`/`instance=…`) names among the service's stored snapshots
 *  (their instance, pod name and labels, as capture recorded them; src/capture/targets selectInstance
 *  rules; a name several processes had picks the newest). Throws UsageError listing the processes that have snapshots when none or several match. */
async function storedInstance(ctx: Parameters<CommandModule['handler']>[1], service: string, pick: string): Promise<string> {
  const [key, value] = [pick.slice(0, pick.indexOf('=')) as 'pod' | 'instance', pick.slice(pick.indexOf('=') + 1).slice(0, 253)];
  const seen = new Map<string, Instance>();
  for (const m of await ctx.snapshots.list(service, 200))
    if (m.instance !== undefined && !seen.has(m.instance)) seen.set(m.instance, { id: m.instance, name: m.instanceName ?? m.instance, url: '', labels: m.instanceLabels ?? {} });
  // A pod that was moved (a StatefulSet's svc-order-0 on a new address) is a new process under the
  // old name: when the name alone is ambiguous, it means the newest process of that name.
  const newest = [...new Map([...seen.values()].reverse().map((i) => [i.name, i])).values()];
  const hit = selectInstance([...seen.values()], { key, value }) ?? selectInstance(newest, { key, value });
  if (hit) return hit.id;
  const names = [...seen.values()].slice(0, 10).map((i) => `\`${escapeMrkdwn(i.name)}\``).join(', ');
  throw new UsageError(
    `No snapshot of *${service}* is of ${codeQuote(value)}. ${seen.size ? `Processes with snapshots: ${names}${seen.size > 10 ? `, and ${seen.size - 10} more` : ''}.` : `Run \`/leak snapshot ${service}\` first.`}`,
  );
}

export const command: CommandModule = {
  verb: 'diff',
  readOnly: true,
  aliases: ['compare'],
  usage: 'diff <service> [pod=<name> | instance=<host:port>] [<from#> <to#> | baseline] [--new]',
  summary: 'Compare the last two snapshots of a service (or two numbered ones, or the baseline with the latest).',
  examples: ['/leak diff svc-order', '/leak diff svc-order 3 7', '/leak diff svc-order baseline', '/leak diff svc-order pod=svc-order-7f9c4-x2k4q'],
  async handler(inv, ctx) {
    const { args, fresh } = takeNewFlag(inv.args);
    noUnknownOptions(args);
    const service = requireService(ctx, args[0]);
    // pod=/instance= (as /leak snapshot takes them): the last two snapshots of that process.
    const picks = args.slice(1).filter((a) => /^(pod|instance)=/.test(a));
    const rest = args.slice(1).filter((a) => !picks.includes(a));
    if (picks.length > 1) throw new UsageError('Name one process: `pod=<name>` or `instance=<host:port>`.');
    const instance = picks[0] ? await storedInstance(ctx, service, picks[0]) : undefined;
    if (instance !== undefined && rest.some((a) => a.toLowerCase() !== 'baseline'))
      throw new UsageError('Snapshot numbers already name their process: give `pod=…` or two numbers, not both.');
    const against = rest[0]?.toLowerCase() === 'baseline' ? ('baseline' as const) : ('previous' as const);
    const nums = against === 'baseline' ? [] : rest;
    if (against === 'baseline' && rest.length > 1) throw new UsageError(`Too many arguments: \`${rest.slice(1).join(' ')}\`.`);
    if (nums.length === 1 || nums.length > 2) throw new UsageError('Give two snapshot numbers, or none for the last two.');
    const fromSeq = seqArg(nums[0]);
    const toSeq = seqArg(nums[1]);
    const d = { against, ...(fromSeq !== undefined ? { fromSeq } : {}), ...(toSeq !== undefined ? { toSeq } : {}), ...(instance !== undefined ? { instance } : {}) };
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
