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

/** How a button is guarded: every action obeys allowedChannels; `verb` names the /leak verb whose
 *  rules it shares (an adminOnly verb makes the button admin-only too). */
export interface ActionOptions {
  verb?: string;
}

export interface RegisteredAction {
  handler: ActionHandler;
  verb?: string;
}

export class ActionRegistry {
  private readonly exact = new Map<string, RegisteredAction>();
  private readonly patterns: Array<[RegExp, RegisteredAction]> = [];

  register(actionId: string | RegExp, fn: ActionHandler, opts: ActionOptions = {}): void {
    const entry: RegisteredAction = { handler: fn, ...(opts.verb ? { verb: opts.verb } : {}) };
    if (typeof actionId === 'string') {
      if (this.exact.has(actionId)) throw new Error(`action ${actionId} registered twice`);
      this.exact.set(actionId, entry);
    } else this.patterns.push([actionId, entry]);
  }

  /** The handler and its guard for an action_id; undefined when none is registered. */
  lookup(actionId: string): RegisteredAction | undefined {
    return this.exact.get(actionId) ?? this.patterns.find(([re]) => re.test(actionId))?.[1];
  }

  find(actionId: string): ActionHandler | undefined {
    return this.lookup(actionId)?.handler;
  }
}

/** Where a click's results go: the channel and thread of the clicked message, never a channel or
 *  thread named in the button's value (a crafted value could otherwise post anywhere). */
export function clickThread(inv: Pick<ActionInvocation, 'channel' | 'threadTs'>): { channel: string; ts: string } {
  return { channel: inv.channel, ts: inv.threadTs };
}
