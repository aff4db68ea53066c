// The contract of a /leak verb module. Every file in commands/ (except index.ts and types.ts)
// exporting `command: CommandModule` is picked up by commands/index.ts, so `/leak help` lists it.
import type { LeakbotContext } from '../src/context.js';
import { didYouMean } from '../src/slack/suggest.js';
import { codeQuote } from '../src/slack/text.js';

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
  /** The command's job records it on the timeline (it was held while Redis was unreachable). */
  recordedByJob?: boolean;
}

export interface CommandModule {
  verb: string;
  aliases?: string[];
  /** `snapshot <service>` — shown in help and usage errors. */
  usage: string;
  summary: string;
  examples: string[];
  /** Answers from what leakbot stored and changes nothing (history, diff, postmortem): its use is
   *  not put on the service's timeline, where "ran /leak history" (often answered "No snapshots
   *  yet") is noise and must never read as how an incident was detected. What such a verb finds
   *  is recorded by its flow (a diff's findings). */
  readOnly?: boolean;
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
  if (args.length > max) throw new UsageError(`Too many arguments: ${codeQuote(args.slice(max).join(' '))}.`);
  return args;
}

/** The service name written in modules' examples; exampleFor puts a registered one in its place. */
export const EXAMPLE_SERVICE = 'svc-order';

/** Example `e` naming a service that exists here, so it works when pasted: `typed` when it is a
 *  registered service, else the first registered one (sorted); `e` as written when none is. */
export function exampleFor(e: string, services: Record<string, unknown>, typed?: string): string {
  const name = typed !== undefined && Object.hasOwn(services, typed) ? typed : Object.keys(services).sort()[0];
  return name ? e.replaceAll(EXAMPLE_SERVICE, name) : e;
}

/** Refuses an option other than the ones `known` (after takeNewFlag: `--new` is gone by then):
 *  `--neww` must not be read as a pod selector or a snapshot number. Returns `args`. */
export function noUnknownOptions(args: string[], known: readonly string[] = ['--new']): string[] {
  // `-3` is a (bad) snapshot number, left to the verb to refuse as one.
  const opt = args.find((a) => /^[-–—]/.test(a) && !/^-\d/.test(a));
  if (opt) {
    const near = didYouMean(opt.replace(/^[-–—]+/, '--'), known);
    throw new UsageError(`Unknown option ${codeQuote(opt, 41)}.${near ? ` Did you mean \`${near}\`?` : ''}`);
  }
  return args;
}
