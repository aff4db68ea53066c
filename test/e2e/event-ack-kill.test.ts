// A Slack event is answered 200 only once leakbot has queued what it asks for: a web process
// SIGKILLed the moment Slack got its 200 for a dump dropped in a DM still has the dump analysed (by
// any worker), since Slack never sends an acknowledged event again. Before, the event was acked
// before its listener ran, and a process killed in that moment lost the dump in silence.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sendEvent } from '../support/slack-request.js';
import { SIGNING_SECRET } from './harness.js';
import { built, orderService, withServiceHarness } from './helpers.js';
import { spawnLeakbot, type LeakbotProcess } from './processes.js';

describe('an event acknowledged, then its web process killed', () => {
  const procs: LeakbotProcess[] = [];
  after(() => Promise.all(procs.map((p) => p.kill('SIGKILL'))));
  // The in-process leakbot's worker analyses whatever the killed web process queued.
  const s = withServiceHarness((url) => orderService(url), { prepare: ([go]) => go!.leak('chansend', 20) });

  it('a dump dropped in a DM is analysed though the process that acked it died at once', async () => {
    const { h, go } = s;
    const web = spawnLeakbot('web', h.env);
    procs.push(web);
    const listening = await web.waitLog((l) => l.msg === 'http server listening', 90_000);
    const eventsUrl = `http://127.0.0.1:${String(listening.port)}/slack/events`;
    const dump = await (await fetch(`${go.url}/debug/pprof/goroutine?debug=2`)).text();
    const ch = 'D0ACKKILL';
    const { files, message } = h.slack.shareFiles([{ name: 'goroutines.txt', content: dump }], { channel: ch });
    const r = await sendEvent(eventsUrl, SIGNING_SECRET, { type: 'message', subtype: 'file_share', channel: ch, channel_type: 'im', user: 'U0ALICE', ts: message.ts, text: '', files: files.map((f) => ({ id: f.id })) });
    assert.equal(r.status, 200);
    assert.equal(await web.kill('SIGKILL'), null, 'killed by signal the moment Slack had its 200');
    const answer = await h.slack.waitFor('the dump analysed by the surviving worker', () => built(h.slack.replies(ch, message.ts)[0]), 60_000);
    assert.match(answer.text, /Goroutine dump/);
  });
});
