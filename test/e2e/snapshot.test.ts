// `/leak snapshot` end to end on real parts: signed slash commands → Bolt → Redis/BullMQ → a real
// leaking Go service (net/http/pprof) → engine → the Slack stand-in. Also the buttons and every
// capture failure a user can meet, in plain words in the thread.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StubMessage } from '../support/slack-stub.js';
import { freePort } from '../support/redis.js';
import { basename, built, delayedJob, messageText, settled, waitThread, withServiceHarness } from './helpers.js';

describe('/leak snapshot end to end', () => {
  const s = withServiceHarness(
    async (url) => `
services:
  svc-order:
    url: ${url}
    minIntervalSeconds: 0
  svc-down:
    url: http://127.0.0.1:${await freePort()}
    timeoutSeconds: 3
  svc-slow:
    url: ${url}
    timeoutSeconds: 1
  svc-huge:
    url: ${url}
    maxBytes: 1048576
  svc-html:
    url: ${url}
  svc-pair:
    targets: [${url}, http://127.0.0.1:${await freePort()}]
  svc-paced:
    url: ${url}
    minIntervalSeconds: 600
snapshot:
  autoRecaptureSeconds: 600
`,
  );

  type Button = { action_id: string; value: string };
  const buttons = (m: StubMessage): Button[] =>
    ((m.blocks ?? []) as Array<{ type: string; elements?: Button[] }>).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
  const button = (m: StubMessage, id: string): Button => {
    const b = buttons(m).find((e) => e.action_id === id);
    assert.ok(b, `button ${id} on the message`);
    return b;
  };
  /** The automatic second capture waits in BullMQ as a delayed job; run it now (the delay itself is
   *  BullMQ's): the test decides when the leak happens, not a timer. Returns the job's delay (ms). */
  async function promoteAutoRecapture(service: string): Promise<number> {
    const job = await delayedJob(s.h, 'an automatic recapture', (j) => j.name === 'snapshot' && (j.data as { reason?: string; service?: string }).reason === 'auto' && (j.data as { service?: string }).service === service);
    await job.promote();
    return job.opts.delay ?? 0;
  }

  it('a first snapshot posts the single-snapshot view at once, captures again by itself and updates the findings with the 2-snapshot verdict', async () => {
    const { h, go } = s;
    const ch = 'C0LEAKTEST';
    const url1 = h.slack.responseUrl();
    const ack1 = await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl: url1, user: 'U0ALICE' });
    assert.equal(ack1.status, 200);
    assert.match(String(ack1.json?.text), /Capturing goroutines of \*svc-order\*… the findings will appear in a thread in this channel/);
    const first = await waitThread(h.slack, ch, 0);
    assert.match(first.parent.text, /Goroutine snapshot of \*svc-order\*, requested by <@U0ALICE>/);
    assert.ok(first.parent.versions.some((v) => /capturing…/.test(v.text)), 'the parent said "capturing…" first');
    const findings = await h.slack.waitFor('findings built', () => built(first.replies[0]));
    assert.match(messageText(findings), /Single snapshot/);
    assert.match(messageText(findings), /I will capture again in 600 s and update this message/);

    // The leak happens between the two captures; then the scheduled recapture runs.
    const site = (await go.patterns()).chansend;
    await go.leak('chansend', 300);
    const delay = await promoteAutoRecapture('svc-order');
    assert.equal(delay, 600_000, 'snapshot.autoRecaptureSeconds (not below minIntervalSeconds)');
    const updated = await h.slack.waitFor('findings updated with the comparison', () => (/Compared with the previous snapshot/.test(messageText(findings)) ? findings : null));
    const f2 = messageText(updated);
    assert.match(f2, /\(captured again automatically\)/);
    assert.ok(f2.includes(`${basename(site.file)}:${site.line}`), `the 2-snapshot verdict names the leak site ${basename(site.file)}:${site.line}:\n${f2}`);
    await settled(h);
    assert.equal(h.slack.replies(ch, first.parent.ts).length, 1, 'the findings were updated in place');
    // The parent shows the same summary the findings open with, and when.
    const verdict = /\*([^*]*suspected leak site[^*]*)\*/.exec(f2)?.[1] ?? /(\d+ suspected leak sites? \([^)]*\)\.)/.exec(f2)?.[1];
    assert.ok(verdict, `a verdict line in the findings:\n${f2}`);
    await h.slack.waitFor('parent shows the 2-snapshot verdict', () => first.parent.text.includes(verdict!));
    // One findings message, updated in place: no count of analyses (it said '2 analyses in this thread').
    assert.doesNotMatch(first.parent.text, /analyses/, first.parent.text);
    assert.match(first.parent.text, /\(snapshot #\d+, \d\d:\d\d:\d\d UTC\)/);
    assert.equal(h.slack.parents(ch).length, 1);
    await h.slack.waitFor('response_url answer', () => h.slack.responsesTo(url1).find((r) => /Findings for svc-order/.test(String(r.body.text))));

    // The first job runs again (BullMQ hands a stalled job, its worker only slow, to another worker)
    // after the automatic capture updated the thread: the older single-snapshot findings must not
    // come back over the comparison, nor the parent lose its verdict, nor a third capture be due.
    const job1 = (await h.bot.ctx.jobs.queue.getJobs(['completed'])).find((j) => j.name === 'snapshot' && (j.data as { service?: string; reason?: string }).service === 'svc-order' && (j.data as { reason?: string }).reason === 'command')!;
    const parentBefore = first.parent.text;
    await job1.retry('completed');
    await settled(h);
    assert.ok(await job1.isCompleted(), 'the first job ran again');
    assert.equal(messageText(findings), f2, 'the findings still show the comparison');
    assert.equal(first.parent.text, parentBefore, 'the parent still shows the 2-snapshot verdict');
    assert.equal(h.slack.replies(ch, first.parent.ts).length, 1, 'nothing posted twice');
    assert.equal(h.slack.responsesTo(url1).filter((r) => /svc-order/.test(String(r.body.text))).length, 1, 'the requester is told once');
    assert.equal((await h.bot.ctx.jobs.queue.getDelayed()).filter((j) => j.name === 'snapshot').length, 0, 'no third capture');
  });

  it('a second /leak snapshot joins the open thread and updates its parent; --new starts a fresh one; diff does not repeat findings', async () => {
    const { h, go } = s;
    const ch = 'C0LEAKTEST';
    const parent = h.slack.parents(ch)[0]!;
    const site = (await go.patterns()).chansend;
    await go.leak('chansend', 100);
    const url2 = h.slack.responseUrl();
    const ack = await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl: url2, user: 'U0BOB' });
    assert.match(String(ack.json?.text), /the open thread of \*svc-order\* in this channel .*--new/);
    const replies = await h.slack.waitFor('second findings in the same thread', () => {
      const r = h.slack.replies(ch, parent.ts);
      return r.length >= 3 && r.some((m, i) => i > 0 && /Compared with the previous snapshot/.test(messageText(m))) ? r : null;
    });
    const status = replies.find((m) => /Goroutine snapshot of \*svc-order\*, requested by <@U0BOB>/.test(m.text));
    assert.ok(status, 'a status line in the thread');
    await h.slack.waitFor('status line finished', () => /findings below/.test(status.text));
    const f = messageText(replies.at(-1)!);
    assert.ok(f.includes(`${basename(site.file)}:${site.line}`), f);
    // Two findings messages: the first (updated in place by the automatic recapture) and this one.
    await h.slack.waitFor('parent updated: both requesters, two analyses', () => /<@U0ALICE>, <@U0BOB>/.test(parent.text) && /· 2 analyses in this thread/.test(parent.text));
    assert.equal(h.slack.parents(ch).length, 1, 'one thread per service per incident');
    await h.slack.waitFor('pointer to the thread', () => h.slack.responsesTo(url2).find((r) => /Findings for svc-order/.test(String(r.body.text))));

    // The thread already holds the last two snapshots' comparison: diff says so instead of re-posting.
    const before = h.slack.replies(ch, parent.ts).length;
    const diff = await h.command({ text: 'diff svc-order', channel: ch });
    assert.match(String(diff.json?.text), /are already in the open thread of \*svc-order\*/);
    assert.equal(h.slack.replies(ch, parent.ts).length, before);

    // --new: a fresh thread, which verbs join from then on.
    const fresh = await h.command({ text: 'snapshot svc-order --new', channel: ch, user: 'U0CAROL' });
    assert.match(String(fresh.json?.text), /in a thread in this channel/);
    const second = await waitThread(h.slack, ch, 1);
    assert.match(second.parent.text, /requested by <@U0CAROL>/);
    assert.equal(h.slack.parents(ch).length, 2);
    const extra = await h.command({ text: 'snapshot svc-order now please', channel: ch });
    assert.match(String(extra.json?.text), /^Unexpected `now please`: after the service, use `pod=&lt;name&gt;` or `instance=&lt;host:port&gt;` \(or nothing\)\.\nUsage: `\/leak snapshot &lt;service&gt; .*\[--new\]`/);
  });

  it('buttons: Set as baseline (asks first on a leaky snapshot), Full report, Capture again, New thread', async () => {
    const { h, go } = s;
    const ch = 'C0LEAKTEST';
    // The thread with the leak: its second findings have high/medium sites.
    const leaky = h.slack.parents(ch)[0]!;
    const leakyFindings = h.slack.replies(ch, leaky.ts).filter((m) => buttons(m).length > 0).at(-1)!;
    const leakyValue = button(leakyFindings, 'leak_set_baseline').value;
    const baselineBefore = await h.bot.ctx.snapshots.baselineSeq('svc-order');
    const askUrl = h.slack.responseUrl();
    await h.action({ actionId: 'leak_set_baseline', value: leakyValue, channel: ch, messageTs: leakyFindings.ts, threadTs: leaky.ts, responseUrl: askUrl });
    const ask = await h.slack.waitFor('baseline warning', () => h.slack.responsesTo(askUrl).find((r) => /A baseline is what \*healthy\* looks like/.test(String(r.body.text))));
    assert.match(String(ask.body.text), /(high|medium)-confidence suspected leak site/);
    assert.match(String(ask.body.text), /\. Its verdict: \d+ suspected leak sites? \(/, 'the recorded verdict is quoted as a sentence, not nested in parentheses');
    const confirm = (ask.body.blocks as Array<{ elements?: Button[] }>).flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'leak_baseline_confirm');
    assert.ok(confirm, 'a confirm button');
    assert.equal(await h.bot.ctx.snapshots.baselineSeq('svc-order'), baselineBefore, 'nothing set before the confirmation');
    const cancelUrl = h.slack.responseUrl();
    await h.action({ actionId: 'leak_baseline_cancel', value: confirm.value, channel: ch, messageTs: leakyFindings.ts, threadTs: leaky.ts, responseUrl: cancelUrl });
    await h.slack.waitFor('cancelled', () => h.slack.responsesTo(cancelUrl).find((r) => /Baseline not changed/.test(String(r.body.text))));
    assert.equal(await h.bot.ctx.snapshots.baselineSeq('svc-order'), baselineBefore);
    await h.action({ actionId: 'leak_baseline_confirm', value: confirm.value, channel: ch, messageTs: leakyFindings.ts, threadTs: leaky.ts });
    await h.slack.waitFor('confirmed baseline in the thread', () => h.slack.replies(ch, leaky.ts).find((m) => /healthy baseline of \*svc-order\*/.test(m.text)));
    assert.equal(await h.bot.ctx.snapshots.baselineSeq('svc-order'), (JSON.parse(confirm.value) as { seq: number }).seq);

    // The fresh thread: Full report, Capture again (compared with the baseline just set), New thread.
    const thread = await waitThread(h.slack, ch, 1);
    const value = button((await h.slack.waitFor('findings built', () => built(thread.replies[0])))!, 'leak_set_baseline').value;
    const url = h.slack.responseUrl();
    await h.action({ actionId: 'leak_full_report', value, channel: ch, messageTs: thread.replies[0]!.ts, threadTs: thread.parent.ts, responseUrl: url });
    const upload = await h.slack.waitFor('report upload', () => h.slack.uploads.find((u) => u.completed && u.threadTs === thread.parent.ts && /\.md$/.test(u.filename)));
    assert.match(upload.content.toString(), /svc-order/);

    await go.leak('chansend', 100);
    const before = h.slack.replies(ch, thread.parent.ts).length;
    await h.action({ actionId: 'leak_capture_again', value, channel: ch, messageTs: thread.replies[0]!.ts, threadTs: thread.parent.ts });
    // capture again replies in the same thread: a status line, then findings compared with the baseline
    const replies = await h.slack.waitFor('capture-again findings', () => {
      const r = h.slack.replies(ch, thread.parent.ts);
      return r.length >= before + 2 && r.some((m) => /Compared with the baseline/.test(messageText(m))) ? r : null;
    });
    assert.ok(replies.some((m) => /Goroutine snapshot of \*svc-order\*/.test(m.text)));
    assert.equal(h.slack.parents(ch).length, 2, 'buttons never start new threads');

    await h.action({ actionId: 'leak_new_thread', value, channel: ch, messageTs: thread.replies[0]!.ts, threadTs: thread.parent.ts });
    await waitThread(h.slack, ch, 2);
    assert.equal(h.slack.parents(ch).length, 3, 'except New thread');
  });

  it('diff, diff against the baseline, baseline command (asks first when leaky), Compare-with-baseline button', async () => {
    const { h } = s;
    const ch = 'C0DIFF';
    const hist = await h.bot.ctx.snapshots.list('svc-order', 100);
    assert.ok(hist.length >= 3);
    const ack = await h.command({ text: 'diff svc-order', channel: ch });
    assert.match(String(ack.json?.text), new RegExp(`Comparing \\*svc-order\\* #${hist[1]!.seq} → #${hist[0]!.seq}`));
    const t = await waitThread(h.slack, ch, 0);
    await h.slack.waitFor('diff findings built', () => built(t.replies[0]));
    assert.match(t.parent.text, /Goroutine diff of \*svc-order\*/);
    assert.match(messageText(t.replies[0]!), /Compared with the previous snapshot/);

    // An explicit pair joins the open diff thread.
    const explicit = await h.command({ text: `diff svc-order ${hist[2]!.seq} ${hist[0]!.seq}`, channel: ch });
    assert.match(String(explicit.json?.text), new RegExp(`#${hist[2]!.seq} → #${hist[0]!.seq}.*the open thread of \\*svc-order\\*`));
    await h.slack.waitFor('explicit diff in the thread', () => h.slack.replies(ch, t.parent.ts).find((m) => new RegExp(`#${hist[2]!.seq} \\(`).test(messageText(m)) && /findings below/.test(m.text)));
    // Another pair ending in the same snapshot is a second analysis: the parent no longer shows the
    // first diff's pair as its title (trial9: 'Goroutine diff of *svc-single*: #7 … → #8 …' stayed
    // above a thread that had compared #8 with the baseline since, with no count of analyses).
    const parentNow = await h.slack.waitFor('the parent counts both analyses', () => {
      const p = h.slack.parents(ch)[0]!.text;
      return /· 2 analyses in this thread/.test(p) ? p : null;
    });
    assert.match(parentNow, /^Goroutines of \*svc-order\*, requested by/, parentNow);
    const bad = await h.command({ text: 'diff svc-order 999 1000', channel: ch });
    assert.match(String(bad.json?.text), /#1000 of svc-order is not stored/);

    // The leaky snapshot of the first thread: the command asks, with the reason and buttons.
    const leakySeq = (await h.bot.ctx.threads.get('C0LEAKTEST', h.slack.parents('C0LEAKTEST')[0]!.ts))!.curSeq!;
    const ask = await h.command({ text: `baseline svc-order ${leakySeq}`, channel: ch });
    assert.match(String(ask.json?.text), /A baseline is what \*healthy\* looks like/);
    assert.ok(JSON.stringify(ask.json?.blocks).includes('leak_baseline_confirm'));

    // The first snapshot, taken before any leak: set at once.
    const healthy = hist.at(-1)!;
    const base = await h.command({ text: `baseline svc-order ${healthy.seq}`, channel: ch });
    assert.equal(base.json?.response_type, 'in_channel', String(base.json?.text));
    assert.match(String(base.json?.text), new RegExp(`set #${healthy.seq} .* as the healthy baseline`));
    await h.command({ text: 'diff svc-order baseline', channel: ch });
    const vsBase = await h.slack.waitFor('baseline diff in the thread', () => built(h.slack.replies(ch, t.parent.ts).find((m) => /Compared with the baseline/.test(messageText(m)))));
    assert.ok(!buttons(vsBase).some((e) => e.action_id === 'leak_compare_baseline'), 'a comparison with the baseline offers no button to make it again');

    // the Compare with baseline button replies in the thread it sits in
    const btn = buttons(t.replies[0]!).find((e) => e.action_id === 'leak_compare_baseline');
    assert.ok(btn, 'Compare with baseline button present once a baseline exists');
    const n = h.slack.replies(ch, t.parent.ts).filter((m) => /Compared with the baseline/.test(messageText(m))).length;
    const url = h.slack.responseUrl();
    await h.action({ actionId: 'leak_compare_baseline', value: btn.value, channel: ch, messageTs: t.replies[0]!.ts, threadTs: t.parent.ts, responseUrl: url });
    // The same pair is already in the thread: pointed at, not posted again.
    await h.slack.waitFor('already in the thread', () => h.slack.responsesTo(url).find((r) => /already in the thread/.test(String(r.body.text))));
    assert.equal(h.slack.replies(ch, t.parent.ts).filter((m) => /Compared with the baseline/.test(messageText(m))).length, n);
    assert.equal(h.slack.parents(ch).length, 1);

    // The baseline is the latest snapshot (set right after it was taken): there is a baseline, and
    // nothing after it to compare yet. Said so, with what to do, not "no baseline yet".
    const latest = (await h.bot.ctx.snapshots.list('svc-order', 1))[0]!;
    await h.bot.ctx.snapshots.setBaseline('svc-order', latest.seq);
    try {
      const same = String((await h.command({ text: 'diff svc-order baseline', channel: ch })).json?.text);
      assert.match(same, new RegExp(`The baseline of svc-order is its latest snapshot #${latest.seq}: nothing was captured after it yet\\. \`/leak snapshot svc-order\` captures one and compares it with the baseline\\.`), same);
      // The button on an analysis of an older snapshot: the baseline was taken after it.
      const value = JSON.stringify({ ...(JSON.parse(btn.value) as object), c: hist[2]!.seq });
      const older = await h.action({ actionId: 'leak_compare_baseline', value, channel: ch, messageTs: t.replies[0]!.ts, threadTs: t.parent.ts, responseUrl: h.slack.responseUrl() });
      assert.equal(older.status, 200);
      const said = await h.slack.waitFor('the answer in the thread', () => h.slack.replies(ch, t.parent.ts).find((m) => new RegExp(`baseline of svc-order is snapshot #${latest.seq}, taken after #`).test(m.text)));
      assert.doesNotMatch(said.text, /no baseline/);
    } finally {
      await h.bot.ctx.snapshots.setBaseline('svc-order', healthy.seq);
    }
  });

  it('service down: said once in the thread, the parent shows the state, the requester is pointed at the thread', async () => {
    const { h } = s;
    const ch = 'C0DOWN';
    const url = h.slack.responseUrl();
    await h.command({ text: 'snapshot svc-down', channel: ch, responseUrl: url });
    const t = await waitThread(h.slack, ch, 0);
    await h.slack.waitFor('parent shows the failure', () => /Capture failed at .* details in the thread/.test(t.parent.text));
    assert.ok(!/Could not reach/.test(t.parent.text), `the parent does not repeat the error: ${t.parent.text}`);
    assert.match(t.replies[0]!.text, /Could not capture \*svc-down\*: Could not reach svc-down/);
    await settled(h);
    assert.equal(h.slack.replies(ch, t.parent.ts).filter((m) => /Could not reach/.test(m.text)).length, 1, 'said once');
    const pointer = await h.slack.waitFor('pointer', () => h.slack.responsesTo(url).find((r) => /the thread/.test(String(r.body.text))));
    assert.match(String(pointer.body.text), /The capture of svc-down failed; the reason is in <https?:[^|]+\|the thread>/);
    assert.ok(!/Could not reach/.test(String(pointer.body.text)));
  });

  it('service slow: timed out', async () => {
    const { h, go } = s;
    const ch = 'C0SLOW';
    await go.slow(4000);
    try {
      await h.command({ text: 'snapshot svc-slow', channel: ch });
      const t = await waitThread(h.slack, ch, 0);
      assert.match(t.replies[0]!.text, /within 1 s/);
    } finally {
      await go.reset();
    }
  });

  it('response too large', async () => {
    const { h, go } = s;
    const ch = 'C0HUGE';
    await go.huge();
    try {
      await h.command({ text: 'snapshot svc-huge', channel: ch });
      const t = await waitThread(h.slack, ch, 0);
      assert.match(t.replies[0]!.text, /too large|larger than|MiB/i);
    } finally {
      await go.reset();
    }
  });

  it('not a pprof endpoint', async () => {
    const { h, go } = s;
    const ch = 'C0HTML';
    await go.notPprof();
    try {
      await h.command({ text: 'snapshot svc-html', channel: ch });
      const t = await waitThread(h.slack, ch, 0);
      assert.match(t.replies[0]!.text, /not a pprof profile|web page/);
    } finally {
      await go.reset();
    }
  });

  it('pod=/instance= naming no instance of a service written in the config is refused at once, to the person who typed it', async () => {
    const { h } = s;
    const one = await h.command({ text: 'snapshot svc-order pod=svc-order-7f9c4', channel: 'C0TYPO', user: 'U0ALICE' });
    assert.equal(one.status, 200);
    assert.match(String(one.json?.text), /\*svc-order\* is one process \(`url` in the config\): drop `pod=…`/);
    const pair = await h.command({ text: 'snapshot svc-pair instance=10.9.9.9:80', channel: 'C0TYPO', user: 'U0ALICE' });
    assert.match(String(pair.json?.text), /No instance of \*svc-pair\* is `10\.9\.9\.9:80`\. Its instances \(`targets` in the config\): `127\.0\.0\.1:\d+`, `127\.0\.0\.1:\d+`/);
    const queued = await h.bot.ctx.jobs.queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
    assert.deepEqual(queued.filter((j) => ['svc-pair'].includes((j.data as { service?: string }).service ?? '') || (j.data as { requester?: { channel?: string } }).requester?.channel === 'C0TYPO'), [], 'nothing queued');
    assert.deepEqual(h.slack.calls.filter((c) => c.args.channel === 'C0TYPO'), [], 'nothing posted');
  });

  it('Capture again within minIntervalSeconds: a first click runs the due second capture (a new one, compared); a second says the findings above are the latest instead of posting them again', async () => {
    const { h } = s;
    const ch = 'C0PACED';
    await h.command({ text: 'snapshot svc-paced', channel: ch });
    const thread = await waitThread(h.slack, ch, 0);
    const findings = (await h.slack.waitFor('findings built', () => built(thread.replies[0])))!;
    const value = button(findings, 'leak_capture_again').value;
    // The first snapshot's second capture is due in 600 s (minIntervalSeconds): the click runs it
    // now, and it captures anew instead of sharing the first (which left a single snapshot in place).
    const first = h.slack.responseUrl();
    await h.action({ actionId: 'leak_capture_again', value, channel: ch, messageTs: findings.ts, threadTs: thread.parent.ts, responseUrl: first });
    await h.slack.waitFor('the first clicker is told it runs now', () => h.slack.responsesTo(first).find((r) => /runs now and updates the findings above in place/.test(String(r.body.text))));
    await h.slack.waitFor('the findings compared in place', () => /#(\d+) → #\d+/.test(messageText(findings)) && findings, 60_000);
    await settled(h);
    const url = h.slack.responseUrl();
    await h.action({ actionId: 'leak_capture_again', value, channel: ch, messageTs: findings.ts, threadTs: thread.parent.ts, user: 'U0BOB', responseUrl: url });
    // The service is not asked again within its 600 s: the clicker learns which snapshot is the latest and when.
    const told = await h.slack.waitFor('the clicker is told', () => h.slack.responsesTo(url).find((r) => /No new capture of svc-paced yet/.test(String(r.body.text))));
    assert.match(String(told.body.text), /the findings of #\d+ → #\d+ in <[^>]+\|the thread> are the latest: svc-paced was captured at \d\d:\d\d:\d\d UTC and leakbot asks it at most every 600 s \(capture again after \d\d:\d\d:\d\d UTC\)/);
    await settled(h);
    const replies = h.slack.replies(ch, thread.parent.ts);
    assert.equal(replies.filter((m) => buttons(m).length > 0).length, 1, `one findings message, not the same comparison twice: ${replies.map((m) => m.text).join(' | ')}`);
    const status = replies.find((m) => /requested by <@U0BOB>/.test(m.text));
    assert.ok(status, 'a status line in the thread');
    assert.match(status.text, /the findings of #\d+ → #\d+ above are the latest/);
  });

  it('a button of a service that left the config says so, not that the message is old', async () => {
    const { h } = s;
    // A findings message of svc-order, its service since renamed in the config (leakbot restarted on it).
    const ch = 'C0LEAKTEST';
    const findings = h.slack.replies(ch, h.slack.parents(ch)[0]!.ts).find((m) => buttons(m).length > 0)!;
    for (const id of ['leak_capture_again', 'leak_full_report', 'leak_new_thread']) {
      const value = JSON.stringify({ ...(JSON.parse(button(findings, id).value) as Record<string, unknown>), s: 'svc-renamed' });
      const url = h.slack.responseUrl();
      await h.action({ actionId: id, value, channel: ch, messageTs: findings.ts, threadTs: findings.thread_ts!, responseUrl: url });
      const told = await h.slack.waitFor(`${id} answered`, () => h.slack.responsesTo(url)[0]);
      assert.match(String(told.body.text), /^`svc-renamed` is not a registered service now \(it has likely left leakbot's config, LEAKBOT_CONFIG, since this message was posted\), so this button can no longer be used\. Registered now: `svc-down`, `svc-html`/, id);
    }
  });

  it('/metrics counts captures, failures, durations and queue depth', async () => {
    const { h } = s;
    const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
    assert.match(text, /leakbot_captures_total\{service="svc-order",outcome="ok"\} [1-9]/);
    assert.match(text, /leakbot_capture_failures_total\{service="svc-down",code="unreachable"\} 1/);
    assert.match(text, /leakbot_capture_duration_seconds_count\{service="svc-order"\} [1-9]/);
    assert.match(text, /leakbot_queue_depth\{state="waiting"\} \d+/);
    assert.match(text, /leakbot_jobs_total\{kind="snapshot",outcome="ok"\} [1-9]/);
  });

  it('every Slack Web API call carried the bot token', () => {
    assert.ok(s.h.slack.calls.filter((c) => c.method !== 'upload').every((c) => c.token === s.h.slack.token));
  });
});
