// `/leak snapshot` end to end on real parts: signed slash commands → Bolt → Redis/BullMQ → a real
// leaking Go service (net/http/pprof) → engine → the Slack stand-in. Also the buttons and every
// capture failure a user can meet, in plain words in the thread.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGoService, type GoService } from '../support/go-service.js';
import { freePort } from '../support/redis.js';
import { startHarness, type Harness } from './harness.js';
import { basename, messageText, waitThread } from './helpers.js';

describe('/leak snapshot end to end', () => {
  let go: GoService;
  let h: Harness;
  before(async () => {
    go = await startGoService();
    const dead = await freePort();
    h = await startHarness({
      configYaml: `
services:
  svc-order:
    url: ${go.url}
    minIntervalSeconds: 0
  svc-down:
    url: http://127.0.0.1:${dead}
    timeoutSeconds: 3
  svc-slow:
    url: ${go.url}
    timeoutSeconds: 1
  svc-huge:
    url: ${go.url}
    maxBytes: 1048576
  svc-html:
    url: ${go.url}
`,
    });
  });
  after(async () => {
    await h?.close();
    await go?.stop();
  });

  it('two snapshots around a triggered leak → threaded findings naming the leak site and its growth', async () => {
    const ch = 'C0LEAKTEST';
    const url1 = h.slack.responseUrl();
    const ack1 = await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl: url1, user: 'U0ALICE' });
    assert.equal(ack1.status, 200);
    assert.match(String(ack1.json?.text), /Capturing goroutines of \*svc-order\*/);
    const first = await waitThread(h.slack, ch, 0);
    assert.match(first.parent.text, /Goroutine snapshot of \*svc-order\*, requested by <@U0ALICE>/);
    assert.ok(first.parent.versions.some((v) => /capturing…/.test(v.text)), 'the parent said "capturing…" first');
    assert.match(messageText(first.replies[0]!), /Single snapshot/);

    const sites = await go.patterns();
    const site = sites.chansend;
    await go.leak('chansend', 300);

    const url2 = h.slack.responseUrl();
    await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl: url2, user: 'U0BOB' });
    const second = await waitThread(h.slack, ch, 1);
    const findings = messageText(second.replies[0]!);
    assert.ok(findings.includes(`${basename(site.file)}:${site.line}`), `findings name the leak site ${basename(site.file)}:${site.line}:\n${findings}`);
    assert.match(findings, /\+\s?300|→ ?3\d\d|300/, 'findings show the growth');
    assert.match(second.parent.text, /suspected leak site/);
    assert.match(second.parent.text, /goroutines/);
    // buttons on the findings
    const actions = JSON.stringify(second.replies[0]!.blocks);
    for (const id of ['leak_capture_again', 'leak_set_baseline', 'leak_full_report', 'postmortem_draft']) assert.ok(actions.includes(id), `button ${id}`);
    // the requester got an answer pointing at the thread
    await h.slack.waitFor('response_url answer', () => h.slack.responsesTo(url2).find((r) => /Findings for svc-order/.test(String(r.body.text))));
    // one parent per command, parents updated in place (no reposts)
    assert.equal(h.slack.parents(ch).length, 2);
    // the timeline has what H5's postmortem needs
    const events = await h.bot.ctx.timeline.list('svc-order');
    const types = events.map((e) => e.type);
    for (const t of ['command', 'snapshot', 'findings']) assert.ok(types.includes(t as never), `timeline has ${t}: ${types.join(',')}`);
    // history and services now show the snapshots
    const hist = await h.command({ text: 'history svc-order', channel: ch });
    assert.match(String(hist.json?.text), /#2 .*\(\+\d+\) goroutines/);
  });

  it('buttons: Set as baseline, Full report, Capture again', async () => {
    const ch = 'C0LEAKTEST';
    const thread = await waitThread(h.slack, ch, 1);
    const block = (thread.replies[0]!.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions')!;
    const value = block.elements!.find((e) => e.action_id === 'leak_set_baseline')!.value;
    const v = JSON.parse(value) as { c: number };

    const set = await h.action({ actionId: 'leak_set_baseline', value, channel: ch, messageTs: thread.replies[0]!.ts, threadTs: thread.parent.ts });
    assert.equal(set.status, 200);
    await h.slack.waitFor('baseline confirmation', () => h.slack.replies(ch, thread.parent.ts).find((m) => /healthy baseline of \*svc-order\*/.test(m.text)));
    assert.equal(await h.bot.ctx.snapshots.baselineSeq('svc-order'), v.c);

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
  });

  it('diff, diff against the baseline, baseline command, Compare-with-baseline button', async () => {
    const ch = 'C0DIFF';
    const hist = await h.bot.ctx.snapshots.list('svc-order', 100);
    assert.ok(hist.length >= 3);
    const ack = await h.command({ text: 'diff svc-order', channel: ch });
    assert.match(String(ack.json?.text), new RegExp(`Comparing \\*svc-order\\* #${hist[1]!.seq} → #${hist[0]!.seq}`));
    const t = await waitThread(h.slack, ch, 0);
    assert.match(t.parent.text, /Goroutine diff of \*svc-order\*/);
    assert.match(messageText(t.replies[0]!), /Compared with the previous snapshot/);

    const explicit = await h.command({ text: `diff svc-order ${hist[2]!.seq} ${hist[0]!.seq}`, channel: ch });
    assert.match(String(explicit.json?.text), new RegExp(`#${hist[2]!.seq} → #${hist[0]!.seq}`));
    await waitThread(h.slack, ch, 1);
    const bad = await h.command({ text: 'diff svc-order 999 1000', channel: ch });
    assert.match(String(bad.json?.text), /#1000 of svc-order is not stored/);

    const base = await h.command({ text: `baseline svc-order ${hist[2]!.seq}`, channel: ch });
    assert.equal(base.json?.response_type, 'in_channel');
    assert.match(String(base.json?.text), new RegExp(`set #${hist[2]!.seq} .* as the healthy baseline`));
    await h.command({ text: 'diff svc-order baseline', channel: ch });
    const bt = await waitThread(h.slack, ch, 2);
    assert.match(messageText(bt.replies[0]!), /Compared with the baseline/);

    // the Compare with baseline button replies in the thread it sits in
    const block = (t.replies[0]!.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions')!;
    const btn = block.elements!.find((e) => e.action_id === 'leak_compare_baseline');
    assert.ok(btn, 'Compare with baseline button present once a baseline exists');
    await h.action({ actionId: 'leak_compare_baseline', value: btn.value, channel: ch, messageTs: t.replies[0]!.ts, threadTs: t.parent.ts });
    await h.slack.waitFor('baseline comparison in the thread', () => h.slack.replies(ch, t.parent.ts).find((m) => /Compared with the baseline/.test(messageText(m))));
    assert.equal(h.slack.parents(ch).length, 3);
  });

  it('service down: plain words in the thread, parent updated', async () => {
    const ch = 'C0DOWN';
    await h.command({ text: 'snapshot svc-down', channel: ch });
    const t = await waitThread(h.slack, ch, 0);
    assert.match(t.parent.text, /capture failed/);
    assert.match(t.replies[0]!.text, /Could not capture \*svc-down\*: Could not reach svc-down/);
  });

  it('service slow: timed out', async () => {
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

  it('/metrics counts captures, failures, durations and queue depth', async () => {
    const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
    assert.match(text, /leakbot_captures_total\{service="svc-order",outcome="ok"\} [1-9]/);
    assert.match(text, /leakbot_capture_failures_total\{service="svc-down",code="unreachable"\} 1/);
    assert.match(text, /leakbot_capture_duration_seconds_count\{service="svc-order"\} [1-9]/);
    assert.match(text, /leakbot_queue_depth\{state="waiting"\} \d+/);
    assert.match(text, /leakbot_jobs_total\{kind="snapshot",outcome="ok"\} [1-9]/);
  });

  it('every Slack Web API call carried the bot token', () => {
    assert.ok(h.slack.calls.filter((c) => c.method !== 'upload').every((c) => c.token === h.slack.token));
  });
});
