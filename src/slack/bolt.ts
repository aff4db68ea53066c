// Bolt wiring: the /leak command and every interactive action go through our registries.
// HTTP mode: Bolt's HTTPReceiver verifies Slack's v0 signatures (bad or stale → 401) and we mount
// its listener on our own server (src/web/server.ts). Socket Mode when SLACK_APP_TOKEN is set.
import { randomUUID } from 'node:crypto';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { LeakbotContext } from '../context.js';
import { slackLogger } from '../log.js';
import { isRedisUnavailable } from '../store/redis.js';
import { accessDenied, dispatchCommand, REDIS_DOWN_TEXT } from './dispatch.js';
import type { ActionInvocation } from './actions.js';
import { DUMP_SHORTCUT_ID, enqueueDump, holdsDumpText, isDirectMessage, MAX_FILES_PER_MESSAGE } from '../flows/dump.js';
import { HELD_TEXT } from '../flows/index.js';
import { escapePlaceholders } from './text.js';

export interface BoltParts {
  app: App;
  /** Set in HTTP mode: mount it on the HTTP server. */
  http: HTTPReceiver | null;
  socket: SocketModeReceiver | null;
}

/** Where Bolt's HTTP receiver takes slash commands, interactivity and events (manifest.yml's URLs). */
export const SLACK_EVENTS_PATH = '/slack/events';

export function createBolt(ctx: LeakbotContext): BoltParts {
  const logger = slackLogger(ctx.log);
  const clientOptions = { slackApiUrl: ctx.env.slackApiUrl, retryConfig: { retries: 2, factor: 2, minTimeout: 300, maxTimeout: 3000 }, timeout: 10_000 };
  let http: HTTPReceiver | null = null;
  let socket: SocketModeReceiver | null = null;
  if (ctx.env.slackAppToken) {
    // installerOptions.clientOptions is how Bolt passes the API base URL to apps.connections.open.
    socket = new SocketModeReceiver({ appToken: ctx.env.slackAppToken, logger, installerOptions: { clientOptions: { slackApiUrl: ctx.env.slackApiUrl } } });
  } else {
    http = new HTTPReceiver({
      signingSecret: ctx.env.slackSigningSecret,
      endpoints: SLACK_EVENTS_PATH,
      logger,
      // An event is answered 200 only once its listener has run (for a dump: queued in Redis). Acked
      // first, an event whose process died in the moment before the job was queued (a SIGKILL, an
      // OOM kill) was lost for good: Slack does not send an acknowledged event again. Listeners only
      // queue (Slack's 3 s); interactions are acked first and handled after (detached below).
      processBeforeResponse: true,
      customPropertiesExtractor: (req) => ({ requestId: (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) ?? randomUUID() }),
    });
  }
  const app = new App({
    token: ctx.env.slackBotToken,
    receiver: (http ?? socket)!,
    logger,
    clientOptions,
    deferInitialization: true,
    convoStore: false,
  });

  app.command(/.*/, async ({ command, ack, context }) => {
    const requestId = (context as { requestId?: string }).requestId ?? randomUUID();
    const reply = await dispatchCommand(ctx, {
      text: command.text ?? '',
      user: command.user_id,
      userName: command.user_name,
      channel: command.channel_id,
      teamId: command.team_id,
      responseUrl: command.response_url,
      triggerId: command.trigger_id,
      requestId,
    });
    await ack({ response_type: reply.visibility ?? 'ephemeral', text: escapePlaceholders(reply.text), ...(reply.blocks ? { blocks: reply.blocks as never } : {}) });
  });

  app.action(/.*/, async ({ ack, body, action, context }) => {
    await ack();
    // Acked at once (processBeforeResponse holds the response until this listener returns): the
    // handler runs detached, so a slow Slack answering its response_url never delays the ack.
    void handleAction(body, action, context).catch((err: unknown) => ctx.log.error({ err }, 'action handling failed'));
  });

  const handleAction = async (body: unknown, action: unknown, context: unknown): Promise<void> => {
    const requestId = (context as { requestId?: string }).requestId ?? randomUUID();
    const p = body as unknown as Record<string, unknown> & {
      user?: { id?: string; username?: string; name?: string };
      channel?: { id?: string };
      container?: { channel_id?: string; message_ts?: string; thread_ts?: string };
      message?: { ts?: string; thread_ts?: string };
      response_url?: string;
      trigger_id?: string;
    };
    const a = action as { action_id?: string; value?: string; selected_options?: Array<{ value: string }> };
    const actionId = a.action_id ?? '';
    const entry = ctx.actions.lookup(actionId);
    const log = ctx.log.child({ requestId, actionId });
    if (!entry) {
      log.warn('no handler for this action');
      return;
    }
    const messageTs = p.container?.message_ts ?? p.message?.ts ?? '';
    const inv: ActionInvocation = {
      actionId,
      value: a.value ?? (a.selected_options ? JSON.stringify(a.selected_options.map((o) => o.value)) : ''),
      user: p.user?.id ?? '',
      ...(p.user?.username || p.user?.name ? { userName: p.user?.username ?? p.user?.name } : {}),
      channel: p.channel?.id ?? p.container?.channel_id ?? '',
      messageTs,
      threadTs: p.container?.thread_ts ?? p.message?.thread_ts ?? messageTs,
      ...(p.response_url ? { responseUrl: p.response_url } : {}),
      ...(p.trigger_id ? { triggerId: p.trigger_id } : {}),
      requestId,
      payload: p,
    };
    // The same rules as the command the button stands for, judged on the click's channel and user.
    const denied = inv.channel ? accessDenied(ctx, entry.verb ? ctx.commands.get(entry.verb) : undefined, inv.user, inv.channel) : 'This button cannot be used here.';
    if (denied) {
      ctx.metrics.commands.inc({ verb: entry.verb ?? 'button', outcome: 'denied' });
      log.info({ user: inv.user, channel: inv.channel }, 'button refused by access rules');
      await ctx.poster.respond(inv.responseUrl, { text: denied, response_type: 'ephemeral', replace_original: false });
      return;
    }
    let text: string | undefined;
    try {
      const reply = await entry.handler(inv, ctx);
      text = reply ? reply.text : undefined;
    } catch (err) {
      if (isRedisUnavailable(err)) text = REDIS_DOWN_TEXT;
      else {
        log.error({ err }, 'action handler failed');
        text = `Sorry, that button failed unexpectedly (request ${requestId}).`;
      }
    }
    if (text) await ctx.poster.respond(inv.responseUrl, { text, response_type: 'ephemeral', replace_original: false });
  };

  registerDumpListeners(ctx, app);

  app.error(async (err) => {
    ctx.log.error({ err: (err as Error).message }, 'bolt error');
  });
  return { app, http, socket };
}

/**
 * Dumps handed over in Slack (issue 9): file_shared and message events with files (a leakbot
 * thread or a DM; the job checks which), and the "Analyze goroutine dump" message shortcut. Each
 * only enqueues (Redis) so the ack stays inside Slack's 3 s; the bot's own uploads are ignored.
 */
function registerDumpListeners(ctx: LeakbotContext, app: App): void {
  const analyze = () => ctx.commands.get('analyze');
  const allowedPassive = (user: string, channel: string): boolean => !accessDenied(ctx, analyze(), user, channel);

  app.event('file_shared', async ({ event, context }) => {
    const e = event as unknown as { file_id?: string; user_id?: string; channel_id?: string };
    if (!e.file_id || !e.channel_id || !e.user_id || e.user_id === context.botUserId) return;
    if (!allowedPassive(e.user_id, e.channel_id)) return;
    await enqueueDump(ctx, { fileId: e.file_id, channel: e.channel_id, requester: { user: e.user_id, channel: e.channel_id }, passive: true });
  });

  app.event('message', async ({ event, context }) => {
    const m = event as unknown as { channel?: string; user?: string; bot_id?: string; ts?: string; thread_ts?: string; subtype?: string; text?: string; files?: Array<{ id?: string }> };
    if (!m.channel || !m.user || !m.ts || m.bot_id || m.user === context.botUserId) return;
    const dm = isDirectMessage(m.channel);
    // A dump pasted as text in a DM is handed to leakbot as surely as a file is (a short crash or
    // goleak output fits in a message); chatter there is left alone.
    const pasted = !m.files?.length && !m.subtype && dm && !!m.text && holdsDumpText(m.text);
    // In a channel only files inside a thread can be in a leakbot thread; the job checks which.
    const files = m.files?.length && (m.thread_ts || dm) ? m.files.slice(0, MAX_FILES_PER_MESSAGE) : [];
    if (!pasted && files.length === 0) return;
    const denied = accessDenied(ctx, analyze(), m.user, m.channel);
    if (denied) {
      // A DM is addressed to leakbot: say why nothing comes (once per message; file_shared, which
      // also announces a DM's file, stays silent). Elsewhere the file was not handed to it.
      if (dm) await ctx.poster.post(`dm-refused:${m.channel}:${m.ts}`, { channel: m.channel, threadTs: m.thread_ts ?? m.ts, text: denied });
      return;
    }
    const base = { channel: m.channel, threadTs: m.thread_ts ?? m.ts, requester: { user: m.user, channel: m.channel }, passive: true };
    if (pasted) await enqueueDump(ctx, { ...base, text: m.text!, messageTs: m.ts });
    // Several dumps dropped together are compared as one series: one job for the message.
    const ids = files.map((f) => f.id).filter((id): id is string => !!id);
    const more = (m.files?.length ?? 0) - files.length;
    if (ids.length > 1) await enqueueDump(ctx, { ...base, fileIds: ids, messageTs: m.ts, ...(more > 0 ? { more } : {}) });
    else if (ids[0]) await enqueueDump(ctx, { ...base, fileId: ids[0], ...(m.files?.length === 1 ? { alone: true as const } : {}) });
  });

  app.shortcut(DUMP_SHORTCUT_ID, async ({ ack, shortcut, context }) => {
    await ack();
    const requestId = (context as { requestId?: string }).requestId ?? randomUUID();
    const s = shortcut as unknown as {
      type?: string;
      user?: { id?: string };
      channel?: { id?: string };
      message?: { ts?: string; thread_ts?: string; text?: string; files?: Array<{ id?: string }> };
      response_url?: string;
    };
    const user = s.user?.id ?? '';
    const channel = s.channel?.id ?? '';
    const msg = s.message;
    // Detached: the shortcut's response waits for this listener (processBeforeResponse), not for Slack.
    const reply = (text: string): void => void ctx.poster.respond(s.response_url, { text, response_type: 'ephemeral', replace_original: false });
    if (s.type !== 'message_action' || !channel || !msg?.ts) return reply('Run *Analyze goroutine dump* from the ⋯ menu of a message that holds a dump.');
    const denied = accessDenied(ctx, analyze(), user, channel);
    if (denied) return reply(denied);
    const base = { channel, threadTs: msg.thread_ts ?? msg.ts, requester: { user, channel, requestId, ...(s.response_url ? { responseUrl: s.response_url } : {}) }, passive: false };
    const files = (msg.files ?? []).filter((f) => f.id).slice(0, MAX_FILES_PER_MESSAGE);
    const text = msg.text ?? '';
    if (files.length === 0 && !holdsDumpText(text)) {
      return reply('This message holds no file and no goroutine dump I can see. Run the shortcut on a message with a pasted dump or an attached dump file.');
    }
    let held = false;
    try {
      const more = (msg.files ?? []).filter((f) => f.id).length - files.length;
      if (files.length > 1) held = (await enqueueDump(ctx, { ...base, fileIds: files.map((f) => f.id!), messageTs: msg.ts, ...(more > 0 ? { more } : {}) })) === 'held';
      else if (files[0]) held = (await enqueueDump(ctx, { ...base, fileId: files[0].id! })) === 'held';
      else held = (await enqueueDump(ctx, { ...base, text })) === 'held';
    } catch (err) {
      ctx.log.child({ requestId }).warn({ err }, 'dump shortcut: could not enqueue');
      return reply(isRedisUnavailable(err) ? REDIS_DOWN_TEXT : `Sorry, that failed unexpectedly (request ${requestId}).`);
    }
    reply(held ? HELD_TEXT : 'Analysing the dump; the findings will appear in the thread of that message.');
  });
}
