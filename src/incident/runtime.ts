import type { LeakbotContext } from '../context.js';
import { loadTemplatesForConfig, type Templates } from './templates.js';
import { own } from '../own.js';

// Per-process state of the incident tools, built once from the context at startup.

const templates = new WeakMap<LeakbotContext, Templates>();

/** Loads (once per process) and validates the checklist and postmortem templates; throws a
 *  TemplateError naming the file and line, which stops startup rather than an incident. Relative
 *  override paths are resolved against the config file's directory (LEAKBOT_CONFIG). */
export function incidentTemplates(ctx: LeakbotContext): Templates {
  let t = templates.get(ctx);
  if (!t) {
    t = loadTemplatesForConfig(ctx.config.templates, process.env.LEAKBOT_CONFIG);
    templates.set(ctx, t);
  }
  return t;
}

/** The service a command without one is about: the one whose incident channel this is, or the only
 *  registered service; null when that is ambiguous. */
export function serviceForChannel(ctx: LeakbotContext, channel: string): string | null {
  const names = Object.keys(ctx.config.services);
  const owners = names.filter((n) => own(ctx.config.services, n)!.channel === channel);
  if (owners.length === 1) return owners[0]!;
  return names.length === 1 ? names[0]! : null;
}

export function requesterOf(inv: { user: string; channel: string; requestId: string; responseUrl?: string }) {
  return { user: inv.user, channel: inv.channel, requestId: inv.requestId, ...(inv.responseUrl ? { responseUrl: inv.responseUrl } : {}) };
}
