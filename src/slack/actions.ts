// Button / interactive-component registry: action_id → handler. Bolt acks every interaction at
// once (before the handler runs); handlers then enqueue work or answer through the response_url.
import type { LeakbotContext } from '../context.js';

export interface ActionInvocation {
  actionId: string;
  /** The element's value (buttons) or selected values (checkboxes: JSON array of values). */
  value: string;
  user: string;
  userName?: string;
  channel: string;
  /** ts of the message holding the button, and the thread it lives in (= ts for a parent). */
  messageTs: string;
  threadTs: string;
  responseUrl?: string;
  triggerId?: string;
  requestId: string;
  /** The whole block_actions payload, for handlers needing more (e.g. the message's blocks). */
  payload: Record<string, unknown>;
}

/** Optional reply: shown to the clicking user only (ephemeral, via response_url). */
export type ActionReply = { text: string } | void;

export type ActionHandler = (inv: ActionInvocation, ctx: LeakbotContext) => Promise<ActionReply>;

export class ActionRegistry {
  private readonly exact = new Map<string, ActionHandler>();
  private readonly patterns: Array<[RegExp, ActionHandler]> = [];

  register(actionId: string | RegExp, fn: ActionHandler): void {
    if (typeof actionId === 'string') {
      if (this.exact.has(actionId)) throw new Error(`action ${actionId} registered twice`);
      this.exact.set(actionId, fn);
    } else this.patterns.push([actionId, fn]);
  }

  find(actionId: string): ActionHandler | undefined {
    return this.exact.get(actionId) ?? this.patterns.find(([re]) => re.test(actionId))?.[1];
  }
}
