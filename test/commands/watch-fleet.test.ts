// `/leak watch` of a service with several instances follows one process: trial5 watched a two-pod
// service right after a fleet round had found the leak on the second pod, and the watch followed
// the first (discovery's first, healthy), reported "4 → 4 goroutines, flat" under the service's name
// and never said which pod it showed. It now starts on the pod the last fleet round suspected and
// names it. Real parts: two Go services (one leaking), Redis, signed commands; Slack is the stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { messageText, waitThread } from '../e2e/helpers.js';
import { withFleetPair } from '../flows/fleet-pair.js';

describe('/leak watch of a fleet', () => {
  const s = withFleetPair('snapshot:\n  autoRecaptureSeconds: 0\nwatch:\n  minIntervalSeconds: 1\n', { services: 2, prepare: ([, leaky]) => leaky!.leak('chansend', 40) });

  it('follows the pod the last fleet round suspected, and says which', async () => {
    const { h, services } = s;
    const leaky = new URL(services[1]!.url).host;
    await h.command({ text: 'snapshot svc-pair', channel: 'C0ROUND' });
    const round = await waitThread(h.slack, 'C0ROUND', 0, 2);
    await h.slack.waitFor('the round suspects the second pod', () => round.replies.find((r) => r.text.startsWith('Fleet of') && r.text.includes(`on 1 of 2 pods: ${leaky}`)));

    const ack = await h.command({ text: 'watch svc-pair every 1s for 2s', channel: 'C0WATCHFLEET' });
    assert.match(String(ack.json?.text), /^Watching \*svc-pair\*/);
    const done = await h.slack.waitFor('the watch ended', () => h.slack.parents('C0WATCHFLEET').find((m) => /^Watch of svc-pair .*ended/.test(m.text)), 60_000);
    const text = messageText(done);
    assert.match(text, new RegExp(`Watch of svc-pair \\(${leaky.replaceAll('.', '\\.')}\\) ended`), text);
    assert.match(text, /fetchResult|leaks\.go/, `the leaking pod's pile is a suspect:\n${text}`);
  });
});
