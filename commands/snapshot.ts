// `/leak snapshot <svc>`: queue a capture; concurrent requests in the same channel join the
// pending one (one capture, one thread, everyone answered).
import { newJobId } from '../src/queue/queue.js';
import { HELD_TEXT } from '../src/flows/index.js';
import { requireService, timelineCommand } from '../src/slack/dispatch.js';
import { isRedisUnavailable } from '../src/store/redis.js';
import { joinedSnapshotText, joinPending, snapshotWindow } from '../src/flows/join.js';
import { escapeMrkdwn } from '../src/engine/index.js';
import { codeQuote } from '../src/slack/text.js';
import { atMost, noUnknownOptions, UsageError, type CommandModule } from './types.js';
import { own } from '../src/own.js';
import { takeNewFlag, threadFor, threadWords } from '../src/flows/thread.js';
import { selectInstance } from '../src/capture/targets/index.js';
import { staticInstances } from '../src/capture/targets/static.js';

export const command: CommandModule = {
  verb: 'snapshot',
  aliases: ['snap', 'capture'],
  usage: 'snapshot <service> [pod=<name> | instance=<host:port>] [--new]',
  summary: 'Capture goroutines now and compare with the baseline (or the previous snapshot); findings go to a thread.',
  examples: ['/leak snapshot svc-order', '/leak snapshot svc-order pod=svc-order-7f9c4-x2k4q'],
  async handler(inv, ctx) {
    const { args, fresh } = takeNewFlag(inv.args);
    noUnknownOptions(args);
    const service = requireService(ctx, args[0]);
    const svc = own(ctx.config.services, service)!;
    // pod=/instance= picks one discovered instance; the worker resolves it (discovery may be slow)
    // and refuses anything that is not one of the service's instances.
    let select: { key: 'pod' | 'instance'; value: string } | undefined;
    // Words that are no pod=/instance= are named together: 'svc-order right now' is about both
    // words, not 'Too many arguments: `now`' as if `right` had been understood.
    const words = args.slice(1).filter((a) => !/^(pod|instance)=.{1,253}$/.test(a));
    if (words.length > 0) throw new UsageError(`Unexpected ${codeQuote(words.join(' '))}: after the service, use \`pod=<name>\` or \`instance=<host:port>\` (or nothing).`);
    for (const a of atMost(args, 2).slice(1)) {
      const m = /^(pod|instance)=(.{1,253})$/.exec(a)!;
      select = { key: m[1] as 'pod' | 'instance', value: m[2]! };
    }
    // Instances written in the config are known now: a typo is refused here, to the person who typed
    // it, instead of a capture that fails in the thread.
    const listed = svc.url ? [svc.url] : svc.targets;
    if (select && listed) {
      const instances = staticInstances(listed);
      if (!selectInstance(instances, select)) {
        if (!svc.targets) throw new UsageError(`*${service}* is one process (\`url\` in the config): drop \`${select.key}=…\` and run \`/leak snapshot ${service}\`.`);
        const names = instances.slice(0, 10).map((i) => `\`${i.id}\``).join(', ');
        throw new UsageError(`No instance of *${service}* is ${codeQuote(select.value)}. Its instances (\`targets\` in the config): ${names}${instances.length > 10 ? `, and ${instances.length - 10} more` : ''}. Use \`instance=<host:port>\`.`);
      }
    }
    // One thread per service per incident: join the open one in this channel unless --new.
    // Redis down: no thread lookup now; the held request looks it up when it runs (heldLookup), and
    // records the command on the timeline then (the dispatcher's record would fail).
    let heldLookup: { at: number; command: string } | undefined;
    const open = await threadFor(ctx, service, inv.channel, { fresh }).catch((err: unknown) => {
      if (!isRedisUnavailable(err)) throw err;
      heldLookup = { at: Date.now(), command: timelineCommand(inv.verb, inv.args) };
      return null;
    });
    const thread = open ? { channel: open.channel, ts: open.ts } : undefined;
    const requester = { user: inv.user, channel: inv.channel, requestId: inv.requestId, ...(inv.responseUrl ? { responseUrl: inv.responseUrl } : {}) };
    const jobId = newJobId('snapshot');
    const { scope, ttlMs } = snapshotWindow(ctx, service, inv.channel, select);
    const { joined, pendingScope } = await joinPending(ctx, scope, jobId, { user: inv.user, ...(inv.responseUrl ? { responseUrl: inv.responseUrl } : {}) }, ttlMs);
    if (joined) return { text: joinedSnapshotText(service) };
    const res = await ctx.jobs.enqueue('snapshot', { service, requester, reason: 'command', ...(thread ? { thread } : {}), ...(heldLookup ? { heldLookup } : {}), ...(pendingScope ? { pendingScope } : {}), ...(select ? { select } : {}) }, { jobId });
    // The job records a command whose lookup failed (even if Redis answered the enqueue): one record.
    const recorded = heldLookup ? { recordedByJob: true } : {};
    if (res.status === 'held') return { text: HELD_TEXT, ...recorded };
    const what = select ? `${service}* (${select.key}=${escapeMrkdwn(select.value)})` : `${service}*`;
    return { text: `Capturing goroutines of *${what}… the findings will appear in ${open ? threadWords(open) : 'a thread in this channel'}.`, ...recorded };
  },
};
