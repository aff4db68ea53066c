// A service that answers each pprof request slowly: the first snapshot is the proto profile alone
// (the time ran out before the detailed dump), and the automatic recapture must get a snapshot too.
// Whole bot on real parts: signed slash command, worker, Redis, a real Go service slowed down, the
// Slack stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { messageText, queueIdle, waitThread, withServiceHarness } from './helpers.js';

describe('a service too slow for the detailed dump', { timeout: 240_000 }, () => {
  // Each pprof answer takes 2 s and a capture has 3 s: the count (proto) fits, the leak-profile
  // probe and the debug=2 dump after it do not.
  const s = withServiceHarness((url) => `services:\n  svc-slow:\n    url: ${url}\n    timeoutSeconds: 3\n    minIntervalSeconds: 0\nsnapshot: { autoRecaptureSeconds: 1 }\n`, {
    prepare: async ([go]) => {
      await go!.leak('chansend', 20);
      await go!.slow(2_000);
    },
  });

  it('the automatic recapture is captured from the proto profile as the first was, and the findings compare them', async () => {
    const ch = 'C0SLOW';
    await s.h.command({ text: 'snapshot svc-slow', channel: ch });
    const { parent } = await waitThread(s.slack, ch);
    const findings = () => s.slack.replies(ch, parent.ts).find((m) => /^Goroutines of svc-slow/.test(m.text));
    // The findings message is updated in place by the automatic round (or a failure is said).
    await s.slack.waitFor('the automatic round’s outcome', () => /#1 → #2/.test(findings()?.text ?? '') || s.slack.replies(ch, parent.ts).some((m) => /Could not capture/.test(m.text)), 120_000);
    await queueIdle(s.h);
    const replies = s.slack.replies(ch, parent.ts);
    const failed = replies.filter((m) => /Could not capture/.test(m.text));
    // Before: the second capture skipped the count (the process had few goroutines moments ago),
    // spent its time on the probe and the dump, and failed with nothing in hand.
    assert.deepEqual(failed.map((m) => m.text), [], 'the second capture did not fail');
    const text = messageText(findings()!);
    assert.match(text, /#1 → #2/, `the findings compare the two snapshots: ${text}`);
    assert.match(text, /captured as profile\.proto only/, 'and say how they were captured');
  });
});
