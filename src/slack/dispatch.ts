// From a parsed `/leak …` to the reply Slack shows at once: verb lookup, access rules from the
// config (allowedChannels, admins), usage errors, and a plain answer when Redis is down.
import type { LeakbotContext } from '../context.js';
import { isRedisUnavailable } from '../store/redis.js';
import { UsageError, type CommandInvocation, type CommandModule, type CommandReply } from '../../commands/index.js';
import { exampleFor } from '../../commands/types.js';
import { didYouMean } from './suggest.js';
import { codeQuote, escapeMrkdwn, unescapeSlack } from './text.js';
import { own } from '../own.js';

export const REDIS_DOWN_TEXT =
  ':warning: leakbot cannot reach its Redis store right now, so I could not read or record anything. Please try again in a minute; an admin can check `GET /healthz`.';

/**
 * Splits `/leak <verb> <args…>` as Slack sends it (escaped: `<svc>` arrives as `&lt;svc&gt;`).
 * Slack's escapes are decoded first, then a word (or an option's value, `pod=<web-0>`) wholly in angle
 * brackets is unwrapped when what is inside looks like a name (`<svc-order>`, copied from usage text's placeholders; not Slack's
 * own `<@U…>`, `<!channel>` or links). The words are then escaped for Slack mrkdwn (& < >) here, at
 * the door: they are only ever names, numbers and durations, and every reply that echoes one
 * (unknown service, bad number…) then cannot carry `<!channel>` or a disguised link.
 */
export function parseCommandText(text: string): { verb: string; args: string[] } {
  const words = unescapeSlack(text)
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => escapeMrkdwn(unwrapPlaceholder(w)));
  return { verb: (words[0] ?? 'help').toLowerCase(), args: words.slice(1) };
}

/** `<svc-order>` → `svc-order`, `pod=<web-0>` → `pod=web-0`: a name wholly in angle brackets, alone
 *  or as an option's value; anything else (Slack's `<@U…>`, `<!channel>`, links) as it is. */
function unwrapPlaceholder(w: string): string {
  const m = /^([\w-]+=)?<([\w.:=-]+)>$/.exec(w);
  return m ? `${m[1] ?? ''}${m[2]}` : w;
}

/** A word as it may name a service once the ways people type or paste it are undone: Slack's
 *  formatting around it (`` `svc-order` ``, `*svc-order*`, `_…_`, `~…~`), a typographic dash
 *  (‐ ‑ ‒ – — −, from copied docs) and letter case. */
function looseName(w: string): string {
  return w
    .replace(/^([`*_~])+(.*?)\1+$/, '$2')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .toLowerCase();
}

/** Each word that names exactly one registered service once loosened (looseName) but is not one as
 *  typed (`SVC-ORDER`, `` `svc-order` ``) is replaced by that service's name: the verbs, their
 *  "Unknown service" answer and the timeline then all see the service meant. */
export function canonicalServiceArgs(args: string[], services: Record<string, unknown>): string[] {
  const names = Object.keys(services);
  return args.map((a) => {
    if (own(services, a)) return a;
    const loose = looseName(a);
    const hits = names.filter((n) => n.toLowerCase() === loose);
    return hits.length === 1 ? hits[0]! : a;
  });
}

/** A /leak command as the timeline records it: as parsed (verb unaliased, `<svc>` unwrapped) and as
 *  plain text (the postmortem's renderers escape it). */
export function timelineCommand(verb: string, args: readonly string[]): string {
  return ['/leak', verb, ...args].map(unescapeSlack).join(' ');
}

export async function dispatchCommand(ctx: LeakbotContext, base: Omit<CommandInvocation, 'verb' | 'args'>): Promise<CommandReply> {
  const parsed = parseCommandText(base.text);
  const verb = parsed.verb;
  const args = canonicalServiceArgs(parsed.args, ctx.config.services);
  const log = ctx.log.child({ requestId: base.requestId, verb, user: base.user, channel: base.channel });
  const mod = ctx.commands.get(verb);
  if (!mod) {
    ctx.metrics.commands.inc({ verb: 'unknown', outcome: 'usage' });
    const guess = didYouMean(verb, ctx.commands.verbs());
    return {
      // Clipped: a paste that went to /leak by mistake (a whole dump, a log line) was echoed whole.
      text: `Unknown command ${codeQuote(verb, 41)}.${guess ? ` Did you mean \`/leak ${guess}\`?` : ''}\nCommands: ${ctx.commands
        .list()
        .map((m) => `\`${m.usage}\``)
        .join(', ')}. Try \`/leak help\`.`,
    };
  }
  const denied = accessDenied(ctx, mod, base.user, base.channel);
  if (denied) {
    ctx.metrics.commands.inc({ verb: mod.verb, outcome: 'denied' });
    return { text: denied };
  }
  const inv: CommandInvocation = { ...base, verb: mod.verb, args };
  try {
    const reply = await mod.handler(inv, ctx);
    ctx.metrics.commands.inc({ verb: mod.verb, outcome: 'ok' });
    log.info('command handled');
    const service = args[0];
    if (service && !mod.readOnly && own(ctx.config.services, service) && !reply.recordedByJob) {
      // Not awaited: the ack must not wait on a slow Redis for a record.
      const command = timelineCommand(mod.verb, args);
      void ctx.timeline
        .append({ at: Date.now(), service, type: 'command', actor: base.user, text: command, data: { channel: base.channel, verb: mod.verb } })
        .catch((err: Error) => log.warn({ err: err.message }, 'timeline append failed'));
    }
    return reply;
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.metrics.commands.inc({ verb: mod.verb, outcome: 'usage' });
      // The example names the service meant: the one typed, or the one a typo was closest to.
      const meant = args[0] !== undefined && !own(ctx.config.services, args[0]) ? (didYouMean(args[0], Object.keys(ctx.config.services)) ?? args[0]) : args[0];
      const example = mod.examples[0] ? exampleFor(mod.examples[0], ctx.config.services, meant) : undefined;
      return { text: `${err.message}\nUsage: \`/leak ${mod.usage}\`${example ? ` — e.g. \`${example}\`` : ''}` };
    }
    if (isRedisUnavailable(err)) {
      ctx.metrics.commands.inc({ verb: mod.verb, outcome: 'redis_down' });
      log.warn({ err: (err as Error).message }, 'command failed: redis unreachable');
      return { text: REDIS_DOWN_TEXT };
    }
    ctx.metrics.commands.inc({ verb: mod.verb, outcome: 'error' });
    log.error({ err }, 'command failed');
    return { text: `Sorry, \`/leak ${mod.verb}\` failed unexpectedly (request ${base.requestId}). The error is in leakbot's logs.` };
  }
}

/**
 * The access rules of the config for a /leak verb, shared by commands and buttons: allowedChannels
 * (help is always allowed) and admins for adminOnly verbs. Returns the refusal to show the user, or
 * null when allowed. `mod` undefined: only the channel rule applies.
 */
export function accessDenied(ctx: Pick<LeakbotContext, 'config'>, mod: Pick<CommandModule, 'verb' | 'adminOnly'> | undefined, user: string, channel: string): string | null {
  const { allowedChannels, admins } = ctx.config;
  if (allowedChannels.length > 0 && !allowedChannels.includes(channel) && mod?.verb !== 'help') {
    return `leakbot is not enabled in this channel. Use it in ${allowedChannels.map((c) => `<#${c}>`).join(', ')}.`;
  }
  if (mod?.adminOnly && admins.length > 0 && !admins.includes(user)) {
    return `Only leakbot admins can run \`/leak ${mod.verb}\` (${admins.map((u) => `<@${u}>`).join(', ')}).`;
  }
  return null;
}

/** Checks that the first argument names a registered service; throws UsageError with the names. */
export function requireService(ctx: LeakbotContext, name: string | undefined): string {
  const names = Object.keys(ctx.config.services).sort();
  if (!name) throw new UsageError(`Which service? Registered: ${names.map((n) => `\`${n}\``).join(', ') || '(none)'}.`);
  if (own(ctx.config.services, name)) return name;
  const guess = didYouMean(name, names);
  // No near name: perhaps one just added to LEAKBOT_CONFIG, which leakbot reads only at start.
  const added = guess ? '' : ' A service added to the config since leakbot started needs a restart of leakbot (the config is read at start).';
  throw new UsageError(
    `Unknown service ${codeQuote(name)}.${guess ? ` Did you mean \`${guess}\`?` : ''} Registered services: ${names.map((n) => `\`${n}\``).join(', ') || '(none — add them to the config)'}.${added}`,
  );
}
