// Findings too many for one Slack message go up as a Markdown file under them. On a fleet the message
// names the pod its findings are about ('Goroutines of svc-pair (127.0.0.1:…): #1 → #3'); the file
// was titled 'Full goroutine report: svc-pair #3', naming no pod, though it is what gets pasted into
// a ticket. Real parts: two Go services (one leaking in every pattern leaksvc has), Redis, signed slash commands;
// Slack is the stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leakPatterns } from '../support/go-service.js';
import { built, delayedJob, messageText, waitThread } from '../e2e/helpers.js';
import { withFleetPair } from './fleet-pair.js';

describe('fleet: the report file of findings that do not fit', () => {
  const s = withFleetPair();

  it('is titled with the pod the findings message names', async () => {
    const { h, services } = s;
    const ch = 'C0FLEETOVERFLOW';
    const leaky = services[1]!;
    const pod = new URL(leaky.url).host;
    for (const p of leakPatterns) await leaky.leak(p, 10);
    await h.command({ text: 'snapshot svc-pair', channel: ch });
    const t = await waitThread(h.slack, ch, 0, 2);
    const findings = await h.slack.waitFor('findings built', () => built(t.replies.find((r) => /^Goroutines of svc-pair/.test(r.text))));
    // Every pattern's pile grows before the automatic round, which the test runs.
    for (const p of leakPatterns) await leaky.leak(p, 10);
    const job = await delayedJob(h, 'the automatic fleet round', (j) => j.name === 'snapshot' && (j.data as { reason?: string }).reason === 'auto');
    await job.promote();
    await h.slack.waitFor('findings compared', () => (/Compared with/.test(messageText(findings)) ? findings : null));
    assert.match(messageText(findings), new RegExp(`Goroutines of svc-pair \\(${pod.replaceAll('.', '\\.')}\\): #\\d+ → #\\d+`), messageText(findings));
    const upload = await h.slack.waitFor('report file', () => h.slack.uploads.find((u) => u.completed && u.threadTs === t.parent.ts && /did not fit/.test(u.initialComment ?? '')));
    assert.match(upload.title ?? '', new RegExp(`^Full goroutine report: svc-pair \\(${pod.replaceAll('.', '\\.')}\\) #\\d+ → #\\d+$`), upload.title);
    assert.match(upload.content.toString('utf8'), new RegExp(`^# Goroutines of svc-pair \\(${pod.replaceAll('.', '\\.')}\\)`), upload.content.toString('utf8').slice(0, 200));
  });
});
