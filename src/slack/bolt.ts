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
      processBeforeResponse: false,
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
    await ack({ response_type: reply.visibility ?? 'ephemeral', text: reply.text, ...(reply.blocks ? { blocks: reply.blocks as never } : {}) });
  });

  app.action(/.*/, async ({ ack, body, action, context }) => {
    await ack();
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
  });

  app.error(async (err) => {
    ctx.log.error({ err: (err as Error).message }, 'bolt error');
  });
  return { app, http, socket };
}
