import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../src/engine/model.js';
import { draftPostmortem } from '../../src/incident/postmortem.js';
import { postmortemFileName, postmortemSummaryBlocks, renderPostmortemCanvas, renderPostmortemMarkdown } from '../../src/incident/postmortem-render.js';
import { loadTemplates } from '../../src/incident/templates.js';
import { findingsEventData, type TimelineEvent } from '../../src/incident/timeline.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const min = 60_000;

function finding(over: Partial<Finding> = {}): Finding {
  const site = { func: 'example.com/shop/internal/order.(*Fanout).collect.func1', file: '/src/shop/internal/order/fanout.go', line: 42 };
  return {
    state: 'chan send',
    kind: 'chan-send',
    before: 12,
    after: 812,
    delta: 800,
    series: [12, 812],
    growthPerMinute: 160,
    frames: [{ func: 'runtime.gopark', file: '/usr/lib/go/src/runtime/proc.go', line: 402 }, site],
    site,
    stdSite: null,
    createdBy: { func: 'example.com/shop/internal/order.(*Fanout).Run', file: '/src/shop/internal/order/fanout.go', line: 37 },
    waitMinutes: { min: 0, max: 5 },
    orphans: 790,
    leaked: 0,
    labels: {},
    exampleId: 1234,
    pattern: 'chan-send-no-receiver',
    patternTitle: 'Send nobody receives',
    advice: 'The receiver returned early (timeout); make the channel buffered or select on ctx.Done().',
    signals: ['grew 12 → 812', 'orphaned: creator gone'],
    score: 0.93,
    confidence: 'high',
    groupKey: 'g1',
    coarseKey: 'c1',
    ...over,
  };
}

function events(): TimelineEvent[] {
  const svc = 'svc-order';
  const thread = { channel: 'C0INCIDENT', ts: '1700000000.000100' };
  return [
    // deliberately out of order: the draft sorts by time
    { at: T0 + 2 * min, service: svc, type: 'snapshot', actor: 'leakbot', text: '', thread, data: { total: 450, snapshotId: 's1', comparedWith: null } },
    { at: T0, service: svc, type: 'alert.firing', actor: 'alertmanager', text: 'go_goroutines growing for 10m', thread, data: { alertname: 'GoroutineGrowth', source: 'alertmanager', generatorURL: 'http://prom/graph?g0' } },
    { at: T0 + 3 * min, service: svc, type: 'snapshot', actor: 'leakbot', text: '', thread, data: { total: 1250, snapshotId: 's2', comparedWith: 'previous', delta: 800 } },
    { at: T0 + 3 * min + 1000, service: svc, type: 'findings', actor: 'leakbot', text: '', thread, data: { ...findingsEventData([finding()], 's2') } },
    { at: T0 + 5 * min, service: svc, type: 'checklist.tick', actor: 'U0ALICE', text: 'Restarted the leaking instances', data: { checklistId: 'abc', step: 'mitigate', item: 'restart', checked: true } },
    { at: T0 + 40 * min, service: svc, type: 'alert.resolved', actor: 'alertmanager', text: '', thread, data: { alertname: 'GoroutineGrowth' } },
  ];
}

test('draft from an alert, two snapshots, findings and a tick', () => {
  const d = draftPostmortem({ service: 'svc-order', events: events(), now: T0 + 60 * min, requestedBy: 'U0BOB' });
  assert.match(d.title, /^Goroutine leak in svc-order: send nobody receives \(2026-11-23\)$/);
  assert.deepEqual(
    d.timeline.map((e) => e.type),
    ['alert.firing', 'snapshot', 'snapshot', 'findings', 'checklist.tick', 'alert.resolved'],
  );
  assert.deepEqual(d.timeline.map((e) => e.at), [...d.timeline.map((e) => e.at)].sort((a, b) => a - b));
  assert.match(d.timeline[1]!.text, /450 goroutines/);
  assert.match(d.timeline[2]!.text, /1,250 goroutines \(\+800 vs previous\)/);
  assert.match(d.timeline[3]!.text, /order\/fanout\.go:42/);
  assert.match(d.timeline[4]!.text, /<@U0ALICE> ticked “Restarted the leaking instances”/);
  assert.equal(d.detection.kind, 'alert');
  assert.equal(d.detection.at, T0);
  assert.equal(d.detection.link, 'http://prom/graph?g0');
  assert.equal(d.impact[0]!.value, '40 min');
  assert.equal(d.rootCauses.length, 1);
  assert.equal(d.rootCauses[0]!.site, 'internal/order/fanout.go:42 (order.(*Fanout).collect.func1)');
  assert.deepEqual(d.rootCauses[0]!.evidence, ['grew 12 → 812', 'orphaned: creator gone'], "the engine's reasons");
  const bare = draftPostmortem({ service: 'svc-order', events: [], findings: [finding({ signals: [] })], now: T0 });
  assert.deepEqual(bare.rootCauses[0]!.evidence, ['12 → 812 goroutines (+800, +160/min)', 'blocked in chan send']);
  assert.ok(d.factors.find((f) => f.id === 'no-cancellation')!.checked);
  assert.ok(!d.factors.find((f) => f.id === 'no-growth-alert')!.checked, 'an alert fired');
  assert.ok(d.factors.find((f) => f.id === 'no-baseline')!.checked, 'nothing was compared with a baseline');
  assert.ok(d.actionItems.some((a) => a.priority === 'P1' && a.text.includes('internal/order/fanout.go:42')));
  assert.ok(d.actionItems.some((a) => /goleak/.test(a.text)));
  assert.ok(d.actionItems.some((a) => a.text === 'Record a healthy baseline after the fix: /leak baseline svc-order'));
  assert.ok(!d.actionItems.some((a) => /goroutine-growth alert/.test(a.text)), 'alert exists already');
  assert.match(d.summary, /Goroutines went from 450 to 1,250 over 1 min/);
  assert.match(d.summary, /Mitigation: restarted the leaking instances/);
  assert.ok(d.lessons[0]!.points.some((p) => /Time from detection to a named leak site: 3 min/.test(p)));
});

test('candidates rank by confidence, and a site seen fresh and recorded appears once', () => {
  const body = finding({ pattern: 'unclosed-http-body', patternTitle: 'Unclosed HTTP body', confidence: 'medium',
    site: { func: 'main.fetch', file: '/src/app/client.go', line: 88 }, stdSite: { func: 'net/http.(*persistConn).readLoop', file: '/go/src/net/http/transport.go', line: 2205 } });
  const low = finding({ pattern: 'blocked-other', patternTitle: 'Blocked', confidence: 'low', site: { func: 'main.x', file: '/src/app/x.go', line: 1 } });
  const d = draftPostmortem({ service: 'svc-order', events: events(), findings: [low, body, finding()], now: T0 + 60 * min });
  // The low pile is no cause beside two strong ones: no candidate, no action item of its own.
  assert.deepEqual(d.rootCauses.map((c) => c.pattern), ['chan-send-no-receiver', 'unclosed-http-body']);
  assert.ok(d.rootCauses[1]!.evidence.some((e) => e.includes('net/http/transport.go:2205')));
  assert.ok(d.factors.find((f) => f.id === 'unclosed-body')!.checked);
  assert.ok(d.actionItems.some((a) => /bodyclose/.test(a.text)));
  assert.ok(!d.actionItems.some((a) => a.text.includes('app/x.go:1')));
  // With nothing stronger, the low pile is what there is to look at: listed as low, its actions P2.
  const onlyLow = draftPostmortem({ service: 'svc-order', events: events().filter((e) => e.type !== 'findings'), findings: [low], now: T0 + 60 * min });
  assert.deepEqual(onlyLow.rootCauses.map((c) => [c.pattern, c.confidence]), [['blocked-other', 'low']]);
  assert.equal(onlyLow.actionItems.find((a) => a.text.includes('app/x.go:1'))?.priority, 'P2');
});

test('manual detection without findings: blanks to fill, alert and baseline action items', () => {
  const d = draftPostmortem({
    service: 'svc-pay',
    events: [
      { at: T0, service: 'svc-pay', type: 'command', actor: 'U0CAROL', text: '/leak snapshot svc-pay', data: { verb: 'snapshot' } },
      { at: T0 + 1000, service: 'svc-pay', type: 'snapshot', actor: 'U0CAROL', text: '', data: { total: 90 } },
    ],
    now: T0 + 10 * min,
  });
  assert.equal(d.detection.kind, 'command');
  assert.match(d.detection.text, /<@U0CAROL> ran `\/leak snapshot svc-pay`/);
  assert.equal(d.rootCauses.length, 0);
  assert.ok(d.factors.find((f) => f.id === 'no-growth-alert')!.checked);
  assert.ok(d.actionItems.some((a) => /goroutine-growth alert/.test(a.text)));
  assert.equal(d.impact[0]!.value, null);
  const md = renderPostmortemMarkdown(d, loadTemplates().postmortem);
  assert.match(md, /No suspected leak site was recorded/);
  assert.match(md, /\*\*Duration:\*\* _to fill_/);
  assert.match(md, /@U0CAROL ran/);
  assert.doesNotMatch(md, /\{\{/);
});

test('detection is the first asking of a request made again after its capture failed, not the retry that answered', () => {
  // A trial: Carol's first /leak snapshot failed (the service was not answering) and she asked again
  // 5 min later; the draft said she detected it then.
  const svc = 'svc-pay';
  const ask = (at: number) => ({ at, service: svc, type: 'command' as const, actor: 'U0CAROL', text: '/leak snapshot svc-pay', data: { channel: 'C0A', verb: 'snapshot' } });
  const d = draftPostmortem({
    service: svc,
    events: [ask(T0), ask(T0 + 5 * min), { at: T0 + 5 * min + 3000, service: svc, type: 'snapshot', actor: 'U0CAROL', text: '', data: { total: 90 } }],
    now: T0 + 10 * min,
  });
  assert.equal(d.detection.at, T0);
  assert.equal(d.detection.text, '<@U0CAROL> ran `/leak snapshot svc-pay`, which answered 5 min later (asked twice) — no alert fired.');
  // Another verb in between is another request: the snapshot asked after it is the detection.
  const other = draftPostmortem({
    service: svc,
    events: [{ ...ask(T0), text: '/leak checklist svc-pay', data: { channel: 'C0A', verb: 'checklist' } }, ask(T0 + 5 * min), { at: T0 + 5 * min + 3000, service: svc, type: 'snapshot', actor: 'U0CAROL', text: '', data: { total: 90 } }],
    now: T0 + 10 * min,
  });
  assert.equal(other.detection.at, T0 + 5 * min);
  assert.equal(other.detection.text, '<@U0CAROL> ran `/leak snapshot svc-pay` — no alert fired.');
});

test('detection names the command that captured, never a read-only one that found nothing; those leave the timeline', () => {
  const svc = 'svc-pay';
  const d = draftPostmortem({
    service: svc,
    events: [
      // As older versions recorded them: history and diff answered "No snapshots yet".
      { at: T0, service: svc, type: 'command', actor: 'U0CAROL', text: '/leak history svc-pay', data: { channel: 'C0A' } },
      { at: T0 + 1000, service: svc, type: 'command', actor: 'U0CAROL', text: '/leak diff svc-pay', data: { channel: 'C0A' } },
      { at: T0 + 2000, service: svc, type: 'command', actor: 'U0CAROL', text: '/leak snapshot svc-pay', data: { channel: 'C0A', verb: 'snapshot' } },
      // Someone else's command meanwhile is not what captured Carol's snapshot.
      { at: T0 + 2500, service: svc, type: 'command', actor: 'U0DAN', text: '/leak checklist svc-pay', data: { channel: 'C0A', verb: 'checklist' } },
      { at: T0 + 3000, service: svc, type: 'snapshot', actor: 'U0CAROL', text: '', data: { total: 90 } },
    ],
    now: T0 + 10 * min,
  });
  assert.equal(d.detection.kind, 'command');
  assert.equal(d.detection.at, T0 + 2000);
  assert.equal(d.detection.text, '<@U0CAROL> ran `/leak snapshot svc-pay` — no alert fired.');
  assert.ok(!d.timeline.some((e) => /\/leak (history|diff)/.test(e.text)), JSON.stringify(d.timeline));
  // Only read-only commands and no capture: nothing says how it was detected.
  const none = draftPostmortem({ service: svc, events: [{ at: T0, service: svc, type: 'command', actor: 'U0CAROL', text: '/leak history svc-pay' }], now: T0 + min });
  assert.equal(none.detection.kind, 'unknown');
});

test('a person who found the leak before the alert fired detected it; the alert is said to have come later', () => {
  // trial9: a watch and snapshots by Alice named the leak (high) at 04:51; GoroutineLeak fired at 05:02.
  // The draft said 'Detected by an alert (GoroutineLeak)' and 'leakbot captured the service
  // automatically', crediting the alert with 11 minutes it did not have.
  const svc = 'svc-single';
  const d = draftPostmortem({
    service: svc,
    events: [
      { at: T0, service: svc, type: 'command', actor: 'U0ALICE', text: '/leak snapshot svc-single', data: { channel: 'C0A', verb: 'snapshot' } },
      { at: T0 + 1000, service: svc, type: 'snapshot', actor: 'U0ALICE', text: '', data: { total: 63 } },
      { at: T0 + 2000, service: svc, type: 'findings', actor: 'U0ALICE', text: '', data: { ...findingsEventData([finding()], 's1') } },
      { at: T0 + 11 * min, service: svc, type: 'alert.firing', actor: 'alertmanager', text: 'GoroutineLeak fired for svc-single', data: { alertname: 'GoroutineLeak', source: 'alertmanager' } },
      { at: T0 + 16 * min, service: svc, type: 'alert.resolved', actor: 'alertmanager', text: '', data: { alertname: 'GoroutineLeak' } },
    ],
    now: T0 + 20 * min,
  });
  assert.equal(d.detection.kind, 'command');
  assert.equal(d.detection.at, T0);
  assert.equal(d.detection.text, '<@U0ALICE> ran `/leak snapshot svc-single`; the alert **GoroutineLeak** fired 11 min later.');
  assert.match(d.summary, /Detected by a person, 11 min before the alert \(GoroutineLeak\) fired\./, d.summary);
  assert.doesNotMatch(d.summary, /Detected by an alert/);
  const late = d.factors.find((f) => f.id === 'no-growth-alert');
  assert.equal(late?.evidence, 'the alert GoroutineLeak fired 11 min after a person found the leak', JSON.stringify(d.factors));
  // An alert that fired first is the detection, as before, even when a person looked afterwards.
  const first = draftPostmortem({ service: svc, events: events(), now: T0 + 60 * min });
  assert.equal(first.detection.kind, 'alert');
});

test('Markdown, canvas and Slack summary from the default template', () => {
  const d = draftPostmortem({ service: 'svc-order', events: events(), now: T0 + 60 * min, requestedBy: 'U0BOB' });
  const tpl = loadTemplates().postmortem;
  const md = renderPostmortemMarkdown(d, tpl);
  assert.doesNotMatch(md, /\{\{|<!--|<@/);
  const order = ['# Goroutine leak in svc-order', '## Summary', '## Impact', '## Detection', '## Timeline (UTC)', '## Root-cause candidates', '## Contributing factors', '## Action items', '## Lessons learned'];
  const positions = order.map((h) => md.indexOf(h));
  assert.ok(positions.every((p) => p >= 0), JSON.stringify(positions));
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
  assert.match(md, /- \*\*2026-11-23 09:00:00\*\* Alert \*\*GoroutineGrowth\*\* fired/);
  assert.match(md, /- \*\*09:03:00\*\* Snapshot: 1,250 goroutines/);
  assert.match(md, /### 1\. Send nobody receives at `internal\/order\/fanout.go:42/);
  assert.match(md, /- \[x\] Missing context cancellation/);
  assert.match(md, /- \[ \] No goleak/);
  assert.match(md, /- \[ \] \*\*P1\*\* Fix the send at internal\/order\/fanout.go:42/);
  assert.equal(postmortemFileName(d), 'postmortem-svc-order-2026-11-23.md');

  assert.match(renderPostmortemCanvas(d, tpl), /!\[\]\(@U0ALICE\) ticked/);

  const msg = postmortemSummaryBlocks(d, { fileName: 'postmortem-svc-order-2026-11-23.md', canvasNote: 'canvas refused' });
  assert.ok(msg.blocks.length <= 50);
  assert.ok(JSON.stringify(msg).length < 13_000);
  const json = JSON.stringify(msg.blocks);
  assert.match(json, /Send nobody receives\* at `internal\/order\/fanout.go:42/);
  assert.match(json, /Requested by <@U0BOB>/);
  assert.match(json, /canvas refused/);
  for (const b of msg.blocks) {
    const text = (b as { text?: { text?: string } }).text?.text;
    if (text) assert.ok(text.length <= 3000);
  }
});

test('hostile text in events is escaped for Slack and harmless in Markdown', () => {
  const ev: TimelineEvent[] = [
    { at: T0, service: 's', type: 'alert.firing', text: '<!channel> & <https://evil|click>', data: { alertname: 'X' } },
  ];
  const d = draftPostmortem({ service: 's', events: ev, now: T0 });
  const json = JSON.stringify(postmortemSummaryBlocks(d).blocks);
  assert.doesNotMatch(json, /<!channel>/);
  assert.match(json, /&lt;!channel&gt; &amp;/);
});

test('findings recorded by other writers (title instead of patternTitle, no signals/advice) are read', () => {
  const ev: TimelineEvent[] = [
    { at: T0, service: 's', type: 'snapshot', text: 'Snapshot #1', data: { seq: 1, total: 100, groups: 12, format: 'debug2' } },
    { at: T0 + 60_000, service: 's', type: 'snapshot', text: 'Snapshot #2', data: { seq: 2, total: 340, groups: 13, format: 'debug2' } },
    {
      at: T0 + 61_000, service: 's', type: 'findings', text: '1 finding(s)',
      data: { refSeq: 1, curSeq: 2, findings: [{ pattern: 'waitgroup-never-done', title: 'WaitGroup never done', site: { func: 'main.run', file: '/src/app/run.go', line: 12 }, createdBy: null, state: 'sync.WaitGroup.Wait', before: 10, after: 250, delta: 240, growthPerMinute: 240, confidence: 'medium' }] },
    },
  ];
  const d = draftPostmortem({ service: 's', events: ev, now: T0 + 120_000 });
  assert.equal(d.rootCauses[0]!.patternTitle, 'WaitGroup never done');
  assert.equal(d.rootCauses[0]!.site, 'src/app/run.go:12 (main.run)');
  assert.match(d.timeline[1]!.text, /340 goroutines \(\+240 vs previous\)/);
  assert.ok(d.factors.find((f) => f.id === 'waitgroup-misuse')!.checked);
  const md = renderPostmortemMarkdown(d, loadTemplates().postmortem);
  assert.doesNotMatch(md, /undefined|null|NaN/);
});

test("a fleet's figures stay each pod's: lines name the pod, growth only within one pod, a single snapshot is no before/after", () => {
  const svc = 'svc-fleet';
  const snap = (at: number, pod: string, total: number): TimelineEvent => ({ at, service: svc, type: 'snapshot', actor: 'leakbot', text: '', data: { total, instanceName: pod } });
  const found = (at: number, pod: string, n: number, refSeq: number | null): TimelineEvent => ({
    at, service: svc, type: 'findings', actor: 'leakbot', text: '',
    data: { refSeq, instanceName: pod, findings: [{ pattern: 'chan-send-no-receiver', title: 'Send nobody receives', site: { func: 'main.f', file: '/src/main.go', line: 22 }, state: 'chan send', before: refSeq === null ? n : 4, after: n, delta: refSeq === null ? 0 : n - 4, growthPerMinute: null, confidence: 'medium' }] },
  });
  const across = draftPostmortem({ service: svc, now: T0 + 10 * min, events: [snap(T0, 'pod-a', 94), found(T0 + 1, 'pod-a', 90, null), snap(T0 + 2 * min, 'pod-b', 124), found(T0 + 2 * min + 1, 'pod-b', 120, 7)] });
  assert.doesNotMatch(across.summary, /went from/, across.summary);
  assert.match(across.summary, /^svc-fleet \(pod-b\) leaked goroutines at/);
  const texts = across.timeline.map((e) => e.text);
  assert.ok(texts.includes('Snapshot of pod-a: 94 goroutines') && texts.includes('Snapshot of pod-b: 124 goroutines'), texts.join('\n'));
  assert.ok(texts.some((t) => /^Findings on pod-a: .*, 90 in one snapshot, medium/.test(t)), texts.join('\n'));
  assert.ok(texts.some((t) => /^Findings on pod-b: .*, 4 → 120, medium/.test(t)), texts.join('\n'));
  const md = renderPostmortemMarkdown(across, loadTemplates().postmortem);
  assert.match(md, /\*\*Found on pod:\*\* pod-b/);
  assert.match(JSON.stringify(postmortemSummaryBlocks(across).blocks), /at `src\/main.go:22 \(main.f\)` on pod-b \(medium\)/);
  const within = draftPostmortem({ service: svc, now: T0 + 10 * min, events: [snap(T0, 'pod-a', 94), snap(T0 + min, 'pod-b', 30), snap(T0 + 3 * min, 'pod-a', 150)] });
  assert.match(within.summary, /Goroutines of svc-fleet \(pod-a\) went from 94 to 150 over 3 min/, within.summary);
  assert.ok(within.timeline.some((e) => e.text === 'Snapshot of pod-a: 150 goroutines (+56 vs previous)'), within.timeline.map((e) => e.text).join('\n'));
});

test('a pile in time.Sleep gets the advice of its finding: no timer or ticker is named that the code does not have', () => {
  // A trial's service slept in time.Sleep before a send (a per-request delay, no timer): its finding
  // said "sleeps in time.Sleep … a loop needs a stop signal …; a delay should be a select on time.After
  // and ctx.Done()", while the draft's P1 said "Stop the timer/ticker behind main.go:20 (defer t.Stop())"
  // and ticked "Timer or ticker not stopped".
  const site = { func: 'main.quote.func1', file: '/src/ordersvc/main.go', line: 20 };
  const sleeping = finding({ state: 'sleep', kind: 'sleep', site, frames: [{ func: 'time.Sleep', file: '/usr/lib/go/src/runtime/time.go', line: 363 }, site], pattern: 'sleep-loop', patternTitle: 'goroutines left sleeping in a poll loop or a long delay', confidence: 'medium' });
  const d = draftPostmortem({ service: 'svc-order', events: [], findings: [sleeping], now: T0 });
  const item = d.actionItems.find((a) => a.text.includes('ordersvc/main.go:20'));
  assert.ok(item, JSON.stringify(d.actionItems));
  assert.doesNotMatch(item.text, /timer\/ticker/);
  assert.match(item.text, /time\.Sleep/);
  assert.match(item.text, /ctx\.Done\(\)/);
  assert.ok(!d.factors.find((f) => f.id === 'timer-not-stopped')?.checked, 'no timer or ticker was seen');
  assert.ok(d.factors.find((f) => f.id === 'no-cancellation')!.checked, 'the sleep does not watch a context');
});
