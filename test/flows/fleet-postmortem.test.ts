// A postmortem of a fleet names the pod behind every figure and invents no growth. trial5's draft for
// a two-pod service listed "Snapshot: 94 goroutines" and "Findings: … 90 → 90" without saying which
// pod, and its summary said the service "went from 94 to 124" — the first round's strongest pod's
// total beside the second round's other pod's. Real parts: two Go services (a fleet's targets), Redis,
// signed slash commands; the automatic second round is BullMQ's delayed job, promoted by the test.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, delayedJob, messageText, settled, waitThread } from '../e2e/helpers.js';
import { withFleetPair } from './fleet-pair.js';

describe('postmortem draft of a fleet', () => {
  const s = withFleetPair();

  it('timeline lines name the pod; a single-snapshot finding says one snapshot; no growth across two pods', async () => {
    const { h, services } = s;
    const ch = 'C0FLEETPM';
    const [a, b] = services as [(typeof services)[0], (typeof services)[0]];
    const podA = new URL(a.url).host;
    const podB = new URL(b.url).host;
    // Round 1: pod A holds the pile; pod B a few of the same goroutines. Without them, pod B's 120 of
    // round 2 would be a pile that appeared since, which the engine may read as a young burst (capture
    // again) and rank below pod A's steady 30, depending on what else the loaded machine's process
    // started in between; with them, pod B kept its goroutines and added more.
    await a.leak('chansend', 30);
    await b.leak('chansend', 5);
    await h.command({ text: 'snapshot svc-pair', channel: ch });
    const t = await waitThread(h.slack, ch, 0, 2);
    const findings = await h.slack.waitFor('findings built', () => built(t.replies.find((r) => /^Goroutines of svc-pair/.test(r.text))));
    assert.match(messageText(findings), new RegExp(`Goroutines of svc-pair \\(${podA}\\)`));
    // Round 2 (the automatic one): pod B leaks far more and becomes the strongest pod.
    await b.leak('chansend', 120);
    const job = await delayedJob(h, 'the automatic fleet round', (j) => j.name === 'snapshot' && (j.data as { reason?: string }).reason === 'auto');
    await job.promote();
    await h.slack.waitFor('findings moved to pod B', () => (new RegExp(`Goroutines of svc-pair \\(${podB}\\)`).test(messageText(findings)) ? true : null));
    await settled(h);

    await h.command({ text: 'postmortem svc-pair', channel: ch, user: 'U0ALICE' });
    const upload = await h.slack.waitFor('postmortem file', () => h.slack.uploads.find((u) => u.filename.startsWith('postmortem-svc-pair-') && u.completed), 120_000);
    const md = upload.content.toString('utf8');
    const timeline = md.slice(md.indexOf('## Timeline'), md.indexOf('##', md.indexOf('## Timeline') + 5));
    const lines = timeline.split('\n').filter((l) => /^- /.test(l));
    const snapLines = lines.filter((l) => /Snapshot/.test(l));
    const findLines = lines.filter((l) => /Findings/.test(l));
    assert.ok(snapLines.length >= 2 && findLines.length >= 2, timeline);
    for (const l of [...snapLines.filter((x) => /goroutines/.test(x) && !/Fleet snapshot/.test(x)), ...findLines]) assert.match(l, new RegExp(`${podA}|${podB}`), `names its pod: ${l}`);
    assert.ok(snapLines.some((l) => l.includes(`Snapshot of ${podA}:`)) && snapLines.some((l) => l.includes(`Snapshot of ${podB}:`)), timeline);
    // Pod A's first-round finding read one snapshot: no "30 → 30".
    const first = findLines.find((l) => l.includes(`Findings on ${podA}:`));
    assert.ok(first, timeline);
    assert.match(first, /\d+ in one snapshot/);
    assert.doesNotMatch(first, /(\d+) → \1\b/, 'a single snapshot invents no before/after');
    // Pod B's figure is compared with pod B's own first snapshot, never with pod A's.
    assert.match(findLines.find((l) => l.includes(`Findings on ${podB}:`)) ?? '', /\d+ → \d+/);
    const summary = md.slice(md.indexOf('## Summary'), md.indexOf('##', md.indexOf('## Summary') + 5));
    assert.ok(summary.length > 20, md.slice(0, 600));
    // Each pod was the strongest in one round only: no pod has two totals of its own to grow between.
    assert.doesNotMatch(summary, /went from/, `no growth from two pods' figures:\n${summary}`);
    assert.match(summary, new RegExp(`svc-pair \\(${podB}\\) leaked goroutines at`), summary);
  });

  // trial9 pressed Full report under "Goroutines of svc-order (127.0.0.1:6062): #3 → #6" and got a
  // file titled "Goroutine report: svc-order #3 → #6": nothing in it said which pod held the pile,
  // and the report is what gets pasted into a ticket.
  it('the Full report of the findings names their pod, as the findings message does', async () => {
    const { h, services } = s;
    const ch = 'C0FLEETPM';
    const podB = new URL(services[1]!.url).host;
    const parent = h.slack.parents(ch)[0]!;
    const findings = h.slack.replies(ch, parent.ts).find((r) => /^Goroutines of svc-pair/.test(r.text))!;
    assert.match(messageText(findings), new RegExp(`Goroutines of svc-pair \\(${podB}\\): #\\d+ → #\\d+`));
    const actions = (findings.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions')!;
    const value = actions.elements!.find((e) => e.action_id === 'leak_full_report')!.value;
    await h.action({ actionId: 'leak_full_report', value, channel: ch, messageTs: findings.ts, threadTs: parent.ts });
    const upload = await h.slack.waitFor('report upload', () => h.slack.uploads.find((u) => u.completed && u.filename.startsWith('svc-pair-goroutines-')));
    assert.match(upload.title ?? '', new RegExp(`^Goroutine report: svc-pair \\(${podB}\\) #\\d+ → #\\d+$`), upload.title);
    assert.match(upload.content.toString('utf8'), new RegExp(`^# Goroutine report: svc-pair \\(${podB}\\) #`));
  });

  // trial9 ran `/leak diff svc-order` (pod 6062: 45 stuck senders, high), then `/leak snapshot
  // svc-order instance=127.0.0.1:6063` in the same channel: the thread's parent turned into
  // 'Goroutines of svc-order … — 3 goroutines, no suspected goroutine leaks.', the healthy pod's
  // verdict with no pod named, read at a glance as the service being fine.
  it("a thread's parent names the pod its latest verdict is of", async () => {
    const { h, services } = s;
    const ch = 'C0FLEETPARENT';
    const [podA, podB] = services.map((x) => new URL(x.url).host) as [string, string];
    await h.command({ text: `snapshot svc-pair instance=${podB}`, channel: ch });
    await waitThread(h.slack, ch, 0, 1);
    await settled(h);
    await h.slack.waitFor('the parent shows pod B', () => (/\(snapshot #\d+/.test(h.slack.parents(ch)[0]!.text) ? true : null));
    assert.match(h.slack.parents(ch)[0]!.text, new RegExp(`— ${podB}: \\d+ goroutines, \\d+ suspected leak site`), h.slack.parents(ch)[0]!.text);
    await h.command({ text: `snapshot svc-pair instance=${podA}`, channel: ch });
    const text = await h.slack.waitFor('the parent shows the second analysis', () => {
      const t = h.slack.parents(ch)[0]!.text;
      return /· 2 analyses/.test(t) ? t : null;
    });
    assert.match(text, new RegExp(`— ${podA}: \\d+ goroutines, `), text);
  });
});
