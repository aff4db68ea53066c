// A first snapshot's findings, when leakbot will capture again by itself: the message says the
// second capture is coming and when, and never asks the reader to take one by hand (the CLI's
// "take a second one in a minute" is right for the CLI, wrong next to a promised recapture); when
// that second capture fails, the findings stop promising it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, delayedJob, messageText, orderService, settled, waitThread, withServiceHarness } from '../e2e/helpers.js';

describe('single-snapshot findings in Slack', () => {
  // svc-down: the same service under another name, first captured by the test of a failed recapture.
  const s = withServiceHarness((url) => `${orderService(url)}  svc-down:\n    url: ${url}\n    minIntervalSeconds: 0\nsnapshot:\n  autoRecaptureSeconds: 600\n`, {
    // A pile to report before the first capture: the single-snapshot line comes with findings.
    prepare: async ([go]) => go!.leak('chansend', 300),
  });

  it('say the automatic recapture is coming and when, not to take one by hand', async () => {
    const { h } = s;
    await h.command({ text: 'snapshot svc-order', channel: 'C0WORDING', user: 'U0ALICE' });
    const t = await waitThread(h.slack, 'C0WORDING', 0);
    const findings = await h.slack.waitFor('findings built', () => built(t.replies[0]));
    const text = messageText(findings);
    assert.match(text, /suspected leak site/, `the leak is reported:\n${text}`);
    assert.doesNotMatch(text, /take a second one|capture again to see growth/);
    assert.match(text, /single snapshot: growth is not measured yet; leakbot captures again by itself in 600 s and updates these findings/);
    // …said once: the note under the findings no longer repeats it (trial5 read it twice).
    assert.equal(text.match(/again (by itself )?in 600 s/g)?.length, 1, text);
    assert.match(text, /No baseline or earlier snapshot of svc-order yet; set `\/leak baseline svc-order` while the service is healthy/);
    // …and the promise is real: the recapture is scheduled 600 s out.
    const job = await delayedJob(h, 'the automatic recapture', (j) => j.name === 'snapshot' && (j.data as { reason?: string }).reason === 'auto');
    assert.equal(job.opts.delay, 600_000);
  });

  it('when the automatic recapture fails, stop promising it and say how to capture again', async () => {
    const { h, go } = s;
    const ch = 'C0RECAPFAIL';
    await h.command({ text: 'snapshot svc-down', channel: ch, user: 'U0ALICE' });
    const t = await waitThread(h.slack, ch, 0);
    const findings = (await h.slack.waitFor('findings built', () => built(t.replies[0])))!;
    assert.match(messageText(findings), /leakbot captures again by itself in 600 s/);
    const job = await delayedJob(h, 'the automatic recapture', (j) => j.name === 'snapshot' && (j.data as { reason?: string; thread?: { channel: string } }).reason === 'auto' && (j.data as { thread?: { channel: string } }).thread?.channel === ch);
    // The service stops answering with a profile before its second capture is due.
    await go.notPprof();
    try {
      await job.promote();
      await h.slack.waitFor('the failure said in the thread', () => h.slack.replies(ch, t.parent.ts).find((m) => /Could not capture \*svc-down\* a second time/.test(m.text)));
      await settled(h);
    } finally {
      await go.reset();
    }
    const text = messageText(findings);
    // Before: 'leakbot captures again by itself in 600 s and updates these findings', under a failure.
    assert.doesNotMatch(text, /captures again by itself|I will capture again|update this message/, text);
    assert.match(text, /the automatic second capture failed \(the reason is below\); press Capture again or run `\/leak snapshot svc-down` to compare/, text);
    assert.match(text, /suspected leak site/, `the findings are still there:\n${text}`);
  });
});

describe('single-snapshot findings in Slack with the automatic recapture off', () => {
  const s = withServiceHarness((url) => `${orderService(url)}snapshot:\n  autoRecaptureSeconds: 0\n`, { prepare: async ([go]) => go!.leak('chansend', 300) });

  it('ask for the second capture once, with the verb that makes it', async () => {
    const { h } = s;
    await h.command({ text: 'snapshot svc-order', channel: 'C0MANUAL', user: 'U0ALICE' });
    const t = await waitThread(h.slack, 'C0MANUAL', 0);
    const text = messageText((await h.slack.waitFor('findings built', () => built(t.replies[0])))!);
    assert.match(text, /suspected leak site/, `the leak is reported:\n${text}`);
    // Before: 'take a second one in a minute and compare' above 'Run /leak snapshot svc-order again in a few minutes'.
    assert.match(text, /single snapshot: growth is not measured yet; run `\/leak snapshot svc-order` again in a minute \(or press Capture again\) and the two are compared/);
    assert.doesNotMatch(text, /take a second one|again in a few minutes/, text);
    assert.match(text, /No baseline or earlier snapshot of svc-order yet; set `\/leak baseline svc-order` while the service is healthy/);
  });
});
