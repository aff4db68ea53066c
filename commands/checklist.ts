// `/leak checklist [svc]`: post the goroutine-leak response checklist in the service's open incident
// thread (one thread per service), else in the channel. Ticking a box updates the message and
// records who and when on the service's timeline (for the postmortem).
import { ChecklistFlow } from '../src/incident/checklist-flow.js';
import { incidentTemplates, requesterOf, serviceForChannel } from '../src/incident/runtime.js';
import { HELD_TEXT } from '../src/flows/index.js';
import { requireService } from '../src/slack/dispatch.js';
import type { LeakbotContext } from '../src/context.js';
import { threadFor, threadWords } from '../src/flows/thread.js';
import { atMost, type CommandModule } from './types.js';

const flows = new WeakMap<LeakbotContext, ChecklistFlow>();

export const command: CommandModule = {
  verb: 'checklist',
  usage: 'checklist [service]',
  summary: 'Post the goroutine-leak response checklist; ticks record who did what and when.',
  examples: ['/leak checklist svc-order', '/leak checklist'],
  register(ctx) {
    incidentTemplates(ctx); // validate templates at start, not mid-incident
    const flow = new ChecklistFlow(ctx);
    flow.register();
    flows.set(ctx, flow);
  },
  async handler(inv, ctx) {
    atMost(inv.args, 1);
    const service = inv.args[0] ? requireService(ctx, inv.args[0]) : serviceForChannel(ctx, inv.channel);
    const open = service ? await threadFor(ctx, service, inv.channel) : null;
    const flow = flows.get(ctx) ?? new ChecklistFlow(ctx);
    const r = await flow.create(service, inv.channel, inv.user, requesterOf(inv), open ? { channel: open.channel, ts: open.ts } : undefined);
    if (r.status === 'held') return { text: HELD_TEXT };
    return { text: `Posting the response checklist${service ? ` for *${service}*` : ''} in ${open ? threadWords(open) : 'this channel'}…` };
  },
};
