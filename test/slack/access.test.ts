// Buttons obey the same access rules as commands (allowedChannels, admins) and post where the
// click happened, whatever channel a (crafted) button value names; names that are properties of
// every JS object (constructor, toString, __proto__) are not services anywhere.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGoService, type GoService } from '../support/go-service.js';
import { SIGNING_SECRET, startHarness, type Harness } from '../e2e/harness.js';
import { sendEvent } from '../support/slack-request.js';
import { waitThread } from '../e2e/helpers.js';
import { ACTIONS, parseButtonValue } from '../../src/slack/messages.js';
import { WATCH_STOP_ACTION } from '../../src/incident/trend.js';
import { channelFor, matchService } from '../../src/alerts/mapping.js';

/** The value of the element with this action_id in a Block Kit tree. */
function buttonValue(v: unknown, actionId: string): string | undefined {
  if (Array.isArray(v)) return v.map((x) => buttonValue(x, actionId)).find(Boolean);
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (o.action_id === actionId && typeof o.value === 'string') return o.value;
  return Object.values(o).map((x) => buttonValue(x, actionId)).find(Boolean);
}

describe('buttons and names', () => {
  let go: GoService;
  let h: Harness;
  let parentTs = '';
  let value = '';
  before(async () => {
    go = await startGoService();
    h = await startHarness({
      configYaml: `services:\n  svc-order:\n    url: ${go.url}\n    minIntervalSeconds: 0\nsnapshot: { autoRecaptureSeconds: 0 }\nadmins: [U0ADMIN]\nallowedChannels: [C0INCIDENT, C0OTHER]\n`,
    });
    await h.command({ text: 'snapshot svc-order', channel: 'C0INCIDENT' });
    const t = await waitThread(h.slack, 'C0INCIDENT', 0);
    parentTs = t.parent.ts;
    const withButtons = [t.parent, ...t.replies].find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.captureAgain))!;
    value = JSON.stringify(withButtons.blocks).match(/"value":"(\{[^"\\]*(?:\\.[^"\\]*)*\})"/)![1]!.replace(/\\"/g, '"');
    assert.ok(parseButtonValue(value), `button value parses: ${value}`);
  });
  after(async () => {
    await h?.close();
    await go?.stop();
  });

  const refusals = async (responseUrl: string) => h.slack.waitFor('the refusal', () => h.slack.responsesTo(responseUrl)[0]?.body);

  it('a button clicked outside allowedChannels is refused and runs nothing', async () => {
    const before = h.slack.calls.length;
    const responseUrl = h.slack.responseUrl();
    const r = await h.action({ actionId: ACTIONS.captureAgain, value, channel: 'C0RANDOM', messageTs: '1700000000.000100', responseUrl });
    assert.equal(r.status, 200);
    assert.match(String((await refusals(responseUrl)).text), /not enabled in this channel/);
    // (chat.update of the first thread may still arrive: only new posts would be the click's doing.)
    assert.equal(h.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage' || c.args.channel === 'C0RANDOM').length, 0, 'nothing posted');
  });

  it('Set as baseline is admin-only, like /leak baseline', async () => {
    const responseUrl = h.slack.responseUrl();
    await h.action({ actionId: ACTIONS.setBaseline, value, channel: 'C0INCIDENT', messageTs: parentTs, user: 'U0BOB', responseUrl });
    assert.match(String((await refusals(responseUrl)).text), /Only leakbot admins can run `\/leak baseline`/);
    const hist = await h.command({ text: 'history svc-order', channel: 'C0INCIDENT' });
    assert.doesNotMatch(String(hist.json?.text), /baseline/i);
  });

  it('a crafted value naming another channel posts where the click happened', async () => {
    const crafted = JSON.stringify({ ...parseButtonValue(value)!, ch: 'C0OTHER', ts: '1111111111.000001' });
    const before = h.slack.replies('C0INCIDENT', parentTs).length;
    await h.action({ actionId: ACTIONS.captureAgain, value: crafted, channel: 'C0INCIDENT', messageTs: parentTs });
    await h.slack.waitFor('the new capture in the clicked thread', () => h.slack.replies('C0INCIDENT', parentTs).length > before);
    assert.equal(h.slack.messages('C0OTHER').length, 0, 'nothing in the channel named by the value');
  });

  it('a watch button replayed from another channel cannot stop that watch', async () => {
    await h.command({ text: 'watch svc-order every 1m for 5m', channel: 'C0OTHER' });
    const watchId = await h.slack.waitFor('the watch message', () => h.slack.messages('C0OTHER').map((m) => buttonValue(m.blocks, WATCH_STOP_ACTION)).find(Boolean));
    const responseUrl = h.slack.responseUrl();
    await h.action({ actionId: WATCH_STOP_ACTION, value: watchId, channel: 'C0INCIDENT', messageTs: parentTs, responseUrl });
    assert.match(String((await refusals(responseUrl)).text), /another conversation/);
    const stop = await h.command({ text: 'watch stop svc-order', channel: 'C0OTHER' });
    assert.match(String(stop.json?.text), /Stopping the watch/, 'the watch was still running');
  });

  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    it(`'${name}' is not a service (commands, buttons, alerts)`, async () => {
      for (const text of [`snapshot ${name}`, `watch ${name} every 1m for 5m`, `history ${name}`, `diff ${name}`, `checklist ${name}`]) {
        const r = await h.command({ text, channel: 'C0INCIDENT' });
        assert.match(String(r.json?.text), /Unknown service/, `/leak ${text}`);
      }
      const responseUrl = h.slack.responseUrl();
      await h.action({ actionId: ACTIONS.captureAgain, value: JSON.stringify({ ...parseButtonValue(value)!, s: name }), channel: 'C0INCIDENT', messageTs: parentTs, responseUrl });
      assert.match(String((await refusals(responseUrl)).text), /can no longer be used/);
      const config = { services: h.bot.ctx.config.services, alerts: h.bot.ctx.config.alerts, defaultChannel: 'C0DEFAULT' };
      assert.equal(matchService({ service: name, job: name }, config), null);
      assert.equal(channelFor(name, config), 'C0DEFAULT');
    });
  }

  it('a dump handed over in a DM outside allowedChannels: told once where leakbot works, nothing analysed', async () => {
    const ts = h.slack.shareFile({ name: 'x', content: '', channel: 'D0ALICE' }).message.ts;
    const text = '```goroutine 1 [chan receive]:\nmain.main()\n\t/src/main.go:12 +0x1d\n```';
    const message = { type: 'message', channel: 'D0ALICE', channel_type: 'im', user: 'U0ALICE', ts, text };
    await sendEvent(h.eventsUrl, SIGNING_SECRET, message);
    await sendEvent(h.eventsUrl, SIGNING_SECRET, message); // Slack's re-delivery of the same message
    const said = await h.slack.waitFor('the refusal in the DM', () => h.slack.replies('D0ALICE', ts).find((m) => /not enabled/.test(m.text)));
    assert.match(said.text, /<#C0INCIDENT>/, 'names where leakbot works');
    // The answer is keyed by the message: a second delivery updates it, never adds one.
    assert.equal(h.slack.replies('D0ALICE', ts).length, 1, 'said once, nothing analysed');
  });

  it('still one thread in the incident channel: refused clicks and names posted nothing', () => {
    assert.equal(h.slack.parents('C0INCIDENT').length, 1);
  });
});
