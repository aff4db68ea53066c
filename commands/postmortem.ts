// `/leak postmortem [svc]` and the "Draft postmortem" button on findings: draft a postmortem from
// everything leakbot recorded for the incident; summary + Markdown file (+ canvas) in the thread.
import { PostmortemFlow } from '../src/incident/postmortem-flow.js';
import { incidentTemplates, requesterOf, serviceForChannel } from '../src/incident/runtime.js';
import { newJobId } from '../src/queue/queue.js';
import { HELD_TEXT } from '../src/flows/index.js';
import { requireService } from '../src/slack/dispatch.js';
import { ACTIONS, parseButtonValue } from '../src/slack/messages.js';
import { atMost, type CommandModule } from './types.js';
import { own } from '../src/own.js';
import { clickThread } from '../src/slack/actions.js';
import { clickScope, joinPending, SAME_CLICK_MS } from '../src/flows/join.js';

export const command: CommandModule = {
  verb: 'postmortem',
  readOnly: true,
  aliases: ['pm'],
  usage: 'postmortem [service]',
  summary: 'Draft a postmortem from the incident’s alerts, snapshots, findings and checklist ticks.',
  examples: ['/leak postmortem svc-order'],
  register(ctx) {
    incidentTemplates(ctx); // a broken template stops startup, not an incident
    new PostmortemFlow(ctx).register();
    ctx.actions.register(ACTIONS.postmortemDraft, async (inv) => {
      const v = parseButtonValue(inv.value);
      if (!v || !own(ctx.config.services, v.s)) return { text: 'This button is from an older leakbot message and can no longer be used.' };
      const jobId = newJobId('postmortem');
      // A double click (or two people at once) drafts it once.
      if ((await joinPending(ctx, clickScope(inv.actionId, inv.channel, inv.messageTs), jobId, requesterOf(inv), SAME_CLICK_MS)).joined) {
        return { text: `The postmortem draft for *${v.s}* was requested moments ago; it will appear in this thread.` };
      }
      const r = await ctx.jobs.enqueue(
        'postmortem.draft',
        { service: v.s, requester: requesterOf(inv), thread: clickThread(inv), curSeq: v.c, refSeq: v.r, at: Date.now() },
        { jobId },
      );
      return r.status === 'held' ? { text: HELD_TEXT } : { text: `Drafting the postmortem for *${v.s}*; it will appear in this thread.` };
    }, { verb: 'postmortem' });
  },
  async handler(inv, ctx) {
    atMost(inv.args, 1);
    const service = inv.args[0] ? requireService(ctx, inv.args[0]) : serviceForChannel(ctx, inv.channel);
    if (!service) return { text: `Which service? \`/leak postmortem <service>\` (registered: ${Object.keys(ctx.config.services).sort().map((s) => `\`${s}\``).join(', ')}).` };
    // Nothing recorded: a draft would claim a leak it has no evidence of and post an empty template
    // in the channel. Redis unreachable: the job is held and drafts from what is there when it runs.
    if (!(await ctx.timeline.any(service).catch(() => true))) {
      return {
        text: `I have recorded nothing about *${service}* yet (no alert, snapshot, watch or checklist), so there is nothing to draft a postmortem from. It is built from what I record during an incident: start with \`/leak snapshot ${service}\`.`,
      };
    }
    const r = await ctx.jobs.enqueue('postmortem.draft', { service, requester: requesterOf(inv), at: Date.now() }, { jobId: newJobId('postmortem') });
    if (r.status === 'held') return { text: HELD_TEXT };
    return { text: `Drafting the postmortem for *${service}* from what I recorded; it will appear in the incident thread.` };
  },
};
