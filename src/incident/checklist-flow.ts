import type { LeakbotContext } from '../context.js';
import type { ActionInvocation } from '../slack/actions.js';
import { ChecklistStore, instantiate, newChecklistId, parseBlockId, renderChecklist, selectionChange, selectionInMessage, CHECKLIST_ACTION_ID } from './checklist.js';
import { updateUntilSettled } from './live-message.js';
import { incidentTemplates } from './runtime.js';
import { touchThread } from '../flows/thread.js';
import type { ChecklistTickEventData } from './timeline.js';

// The checklist's Slack side: a job posts it (idempotent per checklist), a tick re-renders it in
// place and lands on the service's timeline for the postmortem.

export interface ChecklistPostJob {
  checklistId: string;
  /** Who asked (from `/leak checklist`): a post that fails for good is told to them through the
   *  generic final-failure answer (src/queue/final-failure.ts), which reads `requester`. */
  requester?: { user: string; channel: string; requestId: string; responseUrl?: string };
}

declare module '../queue/jobs.js' {
  interface JobPayloads {
    'checklist.post': ChecklistPostJob;
  }
}

const messageKey = (id: string): string => `checklist-${id}`;

export class ChecklistFlow {
  readonly store: ChecklistStore;

  constructor(private readonly ctx: LeakbotContext) {
    this.store = new ChecklistStore(ctx.redis, ctx.prefix);
  }

  register(): void {
    this.ctx.processors.register('checklist.post', async (job) => this.refresh(job.data.checklistId));
    this.ctx.actions.register(CHECKLIST_ACTION_ID, (inv) => this.tick(inv), { verb: 'checklist' });
  }

  /** Records a new checklist and queues its message (Redis only: fits in Slack's 3 s), as a reply in
   *  `thread` (the service's open incident thread) when given. `requester` is told if the message
   *  cannot be posted at all. */
  async create(
    service: string | null,
    channel: string,
    user: string,
    requester?: ChecklistPostJob['requester'],
    thread?: { channel: string; ts: string },
  ): Promise<{ id: string; status: 'queued' | 'held' }> {
    const id = newChecklistId();
    const tpl = instantiate(incidentTemplates(this.ctx).checklist, service, Object.keys(this.ctx.config.services).sort());
    await this.store.create({ id, service, channel: thread?.channel ?? channel, ts: null, ...(thread ? { thread } : {}), createdBy: user, createdAt: Date.now(), ...tpl });
    const r = await this.ctx.jobs.enqueue('checklist.post', { checklistId: id, ...(requester ? { requester } : {}) }, { jobId: `checklist-post-${id}` });
    return { id, status: r.status };
  }

  /** Posts or updates the message from the stored state until no tick lands in between. */
  async refresh(id: string): Promise<string> {
    await updateUntilSettled(
      () => this.store.version(id),
      async () => {
        const state = await this.store.get(id);
        if (!state) return;
        const msg = renderChecklist(state);
        if (state.ts) await this.ctx.poster.update({ channel: state.channel, ts: state.ts }, msg);
        else {
          const ref = await this.ctx.poster.post(messageKey(id), { channel: state.channel, ...(state.thread ? { threadTs: state.thread.ts } : {}), text: msg.text, blocks: msg.blocks });
          await this.store.setMessage(id, ref.channel, ref.ts);
          // One thread per service per incident: a service's checklist posted in the channel is where
          // its next verbs answer (src/flows/thread.ts threadFor). No parent renderer is registered
          // for this kind, so their outcomes leave the checklist as it is.
          if (state.service && !state.thread) {
            await this.ctx.threads.put({ channel: ref.channel, ts: ref.ts, service: state.service, kind: 'checklist', createdAt: state.createdAt, lastActivityAt: Date.now(), requestedBy: [state.createdBy] });
          }
        }
      },
    );
    return 'rendered';
  }

  private async tick(inv: ActionInvocation): Promise<{ text: string } | void> {
    const action = (inv.payload.actions as Array<{ block_id?: string; action_id?: string }> | undefined)?.find((a) => a.action_id === CHECKLIST_ACTION_ID);
    const ids = action?.block_id ? parseBlockId(action.block_id) : null;
    const state = ids ? await this.store.get(ids.checklistId) : null;
    const step = state?.steps.find((s) => s.id === ids!.stepId);
    if (!ids || !state || !step) return { text: 'This checklist is no longer stored (older than 30 days?); post a new one with `/leak checklist`.' };
    // The block id only names a checklist; ticks count only on that checklist's own message.
    if (state.channel !== inv.channel) return { text: 'This checklist belongs to another conversation.' };
    let after: string[];
    try {
      after = JSON.parse(inv.value) as string[];
      if (!Array.isArray(after)) throw new Error('not a list');
    } catch {
      return { text: 'Slack sent a checklist click I could not read; please try again.' };
    }
    const before = selectionInMessage((inv.payload.message as { blocks?: unknown } | undefined)?.blocks, action!.block_id!);
    const at = Date.now();
    const applied = await this.store.apply(state.id, selectionChange(step, before, after.filter((v) => typeof v === 'string')), inv.user, at);
    // Ticking is incident work: it keeps the thread the checklist lives in (or is) open for the
    // service's next verbs (threads.windowHours counts from the last activity).
    const home = state.thread ?? (state.ts ? { channel: state.channel, ts: state.ts } : null);
    if (home && applied.length > 0) await touchThread(this.ctx, home).catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'thread activity not recorded'));
    if (state.service) {
      for (const c of applied) {
        const data: ChecklistTickEventData = { checklistId: state.id, step: c.step, item: c.item, checked: c.checked };
        await this.ctx.timeline
          .append({ at, service: state.service, type: 'checklist.tick', actor: inv.user, text: c.text, ...(state.thread ? { thread: state.thread } : state.ts ? { thread: { channel: state.channel, ts: state.ts } } : {}), data: { ...data } })
          .catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'timeline append failed'));
      }
    }
    try {
      await this.refresh(state.id);
    } catch (err) {
      // The tick is stored; a job retries the re-render with backoff.
      this.ctx.log.warn({ err: (err as Error).message, checklist: state.id }, 'checklist re-render failed; queued');
      await this.ctx.jobs.enqueue('checklist.post', { checklistId: state.id }, { jobId: `checklist-render-${state.id}-${at}` });
    }
  }
}
