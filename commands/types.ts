// The contract of a /leak verb module. Every file in commands/ (except index.ts and types.ts)
// exporting `command: CommandModule` is picked up by commands/index.ts, so `/leak help` lists it.
import type { LeakbotContext } from '../src/context.js';

export interface CommandInvocation {
  verb: string;
  /** Words after the verb. */
  args: string[];
  /** The whole text after `/leak`. */
  text: string;
  user: string;
  userName?: string;
  channel: string;
  teamId?: string;
  responseUrl?: string;
  triggerId?: string;
  requestId: string;
}

/** What the command answers right away (the slash command's ack). Ephemeral unless said. */
export interface CommandReply {
  text: string;
  blocks?: unknown[];
  visibility?: 'ephemeral' | 'in_channel';
}

export interface CommandModule {
  verb: string;
  aliases?: string[];
  /** `snapshot <service>` — shown in help and usage errors. */
  usage: string;
  summary: string;
  examples: string[];
  /** Only config.admins may run it (when admins is non-empty). */
  adminOnly?: boolean;
  /** Runs inside Slack's 3 s: only Redis I/O allowed (enqueue a job for anything slower). */
  handler(inv: CommandInvocation, ctx: LeakbotContext): Promise<CommandReply>;
  /** Called once at startup (web and worker) to register processors, actions or routes. */
  register?(ctx: LeakbotContext): void | Promise<void>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Refuses words beyond the first `max` (the dispatcher answers a UsageError with the verb's usage):
 *  `/leak history svc-order please` must not quietly drop "please". Returns `args`. */
export function atMost(args: string[], max: number): string[] {
  if (args.length > max) throw new UsageError(`Too many arguments: \`${args.slice(max).join(' ').slice(0, 80)}\`.`);
  return args;
}

/** The name help examples use for a service: the first registered one (sorted), so examples can
 *  be pasted as they are. */
export const EXAMPLE_SERVICE = 'svc-order';
