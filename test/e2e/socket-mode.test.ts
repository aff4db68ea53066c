// Socket Mode (SLACK_APP_TOKEN set): commands arrive over the WebSocket the stand-in serves after
// apps.connections.open, are acked over it, and the findings still land in a thread. Health and
// metrics stay on HTTP; there is no /slack/events endpoint.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, messageText, waitThread, withServiceHarness } from './helpers.js';
import { messageActionPayload } from '../support/slack-request.js';
import { DUMP_SHORTCUT_ID } from '../../src/flows/dump.js';

describe('Socket Mode', () => {
  const s = withServiceHarness((url) => `services:\n  svc-order:\n    url: ${url}\n`, { socketMode: true });
  before(() => s.h.slack.socketConnected());

  it('a slash command over the socket is acked there and answered in a thread', async () => {
    const { h } = s;
    const open = h.slack.callsTo('apps.connections.open');
    assert.equal(open.length >= 1, true);
    assert.equal(open[0]!.token, h.slack.appToken, 'the app-level token opens the connection');
    const ack = await h.slack.sendEnvelope('slash_commands', {
      token: 'x',
      team_id: 'T0STUB',
      channel_id: 'C0SOCKET',
      user_id: 'U0ALICE',
      user_name: 'alice',
      command: '/leak',
      text: 'snapshot svc-order',
      response_url: h.slack.responseUrl(),
      trigger_id: '1.2',
      api_app_id: 'A0LEAKBOT',
    });
    assert.match(String(ack.text), /Capturing goroutines of \*svc-order\*/);
    const t = await waitThread(h.slack, 'C0SOCKET', 0);
    assert.match(t.parent.text, /goroutines/);
    assert.equal((await fetch(`${h.baseUrl}/healthz`)).status, 200);
    assert.equal((await fetch(h.eventsUrl, { method: 'POST' })).status, 404);
  });

  it('a dump handed over by the shortcut arrives over the socket and is answered in its thread', async () => {
    const { h, go } = s;
    const dump = await (await fetch(`${go.url}/debug/pprof/goroutine?debug=2`)).text();
    const ts = h.slack.shareFile({ name: 'x', content: '', channel: 'C0SOCKDUMP' }).message.ts;
    await h.slack.sendEnvelope('interactive', messageActionPayload({ callbackId: DUMP_SHORTCUT_ID, channel: 'C0SOCKDUMP', message: { ts, text: dump }, responseUrl: h.slack.responseUrl() }));
    // Placeholder-first: the text is the verdict line, the goroutine counts come with the blocks.
    const reply = await h.slack.waitFor('findings in the thread', () => built(h.slack.replies('C0SOCKDUMP', ts).find((m) => /Goroutine dump/.test(messageText(m)))));
    assert.match(messageText(reply), /goroutines/);
  });
});
