import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import type { AlertRecord, Episode } from '../../src/alerts/dedupe.js';
import { link, parentMessage, resolvedMessage } from '../../src/alerts/messages.js';

const config = parseConfig(`services: { svc-a: { url: "http://127.0.0.1:1" } }`);
const T0 = Date.parse('2026-11-23T12:00:00Z');

function rec(i: number, over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    fingerprint: `f${i}`, status: 'firing', startsAt: T0 + i, endsAt: null, service: 'svc-a', channel: 'C0A', matchedBy: 'service=svc-a',
    labels: { alertname: 'GoroutineLeak', service: 'svc-a', pod: `svc-a-${i}` }, summary: 'growing', generatorURL: 'http://prom/graph?g0.expr=x&g0.tab=1',
    round: 1, seen: 1, resolvedSeen: 0, ...over,
  };
}
function episode(alerts: AlertRecord[], over: Partial<Episode> = {}): Episode {
  return {
    id: 'ep1', groupKey: '{}:{alertname="GoroutineLeak"}', source: 'alertmanager', receiver: 'leakbot', title: 'GoroutineLeak', externalURL: 'http://am:9093',
    openedAt: T0, updatedAt: T0 + 60_000, closedAt: null, notifications: 3, truncatedAlerts: 0,
    alerts: Object.fromEntries(alerts.map((a) => [a.fingerprint, a])), services: { 'svc-a': { channel: 'C0A', round: 1, since: T0, resolvedAt: null, firingSeen: true } },
    ...over,
  };
}
const all = (m: { text: string; blocks: unknown[] }) => `${m.text}\n${JSON.stringify(m.blocks)}`;

test('parent: what fired, for which service, since when, with the source link and the re-send count', () => {
  const m = parentMessage(episode([rec(0)]), 'C0A', config, T0 + 5 * 60_000);
  const s = all(m);
  assert.match(m.text, /GoroutineLeak firing for svc-a \(1 alert\)/);
  assert.match(s, /firing for \*svc-a\* since <!date\^\d+\^/);
  assert.match(s, /5 min ago/);
  assert.ok(s.includes('<http://prom/graph?g0.expr=x&amp;g0.tab=1|source>'), 'generatorURL link, & escaped');
  assert.match(s, /notified 3×/);
  assert.match(s, /findings follow in this thread/);
});

test('a storm: a few alerts listed, every alert counted, one capture per service', () => {
  const alerts = Array.from({ length: 200 }, (_, i) => rec(i, i < 50 ? { status: 'resolved', endsAt: T0 + 1000 } : {}));
  const s = all(parentMessage(episode(alerts, { truncatedAlerts: 12 }), 'C0A', config, T0));
  assert.match(s, /200 alerts: 150 firing, 50 resolved/);
  assert.match(s, /svc-a: 200 alerts → one capture/);
  assert.match(s, /…and 192 more/);
  assert.match(s, /12 more not sent by Alertmanager \(max_alerts\)/);
  assert.match(s, /pod=svc-a-/, 'alerts told apart by the label that differs');
});

test('an alert is named by its pod and namespace first (what kubectl needs), not the first labels by name', () => {
  // The labels a real Prometheus rule carries for a Kubernetes target: sorted by name, the first three
  // were instance, job, namespace and the pod was left out.
  const labels = { alertname: 'GoroutineCountHigh', instance: '10.0.3.7:9100', job: 'svc-a', namespace: 'prod', pod: 'svc-a-5d8f-1', service: 'svc-a', severity: 'critical' };
  const one = all(parentMessage(episode([rec(0, { labels })]), 'C0A', config, T0));
  assert.match(one, /`pod=svc-a-5d8f-1, instance=10\.0\.3\.7:9100, namespace=prod`/, one);
  // Several pods: the varying labels, the pod first.
  const many = [0, 1, 2].map((i) => rec(i, { labels: { ...labels, instance: `10.0.3.${i}:9100`, pod: `svc-a-5d8f-${i}`, node: `node-${i}`, kubernetes_node_name: `node-${i}` } }));
  const s = all(parentMessage(episode(many), 'C0A', config, T0));
  for (const i of [0, 1, 2]) assert.ok(s.includes(`pod=svc-a-5d8f-${i}, instance=10.0.3.${i}:9100`), s);
});

test('an alert with no label but alertname and severity is listed by those, not by its fingerprint', () => {
  const labels = { alertname: 'GoroutineLeak', severity: 'page' };
  const s = all(parentMessage(episode([rec(0, { labels, service: null, fingerprint: 'fpf93858b96a72d' })]), 'C0A', config, T0));
  assert.match(s, /`alertname=GoroutineLeak, severity=page` \(unknown service\)/, s);
  assert.ok(!s.includes('fpf93858b96a72d'), s);
});

test('unknown services get the one short note; resolved parents turn green with the duration', () => {
  const unknown = rec(1, { service: null, matchedBy: null, labels: { alertname: 'X', service: 'svc-zzz' } });
  const s = all(parentMessage(episode([unknown], { services: {} }), 'C0A', config));
  assert.match(s, /service leakbot does not know \(service=svc-zzz\)/);
  assert.ok(!/findings follow/.test(s));

  const done = parentMessage(episode([rec(0, { status: 'resolved', endsAt: T0 + 14 * 60_000 })]), 'C0A', config);
  assert.match(done.text, /GoroutineLeak resolved for svc-a after 14 min/);
  assert.match(all(done), /:white_check_mark:/);
});

test('a resolved alert\'s parent says how long it fired in the words of its resolved reply', () => {
  // Fired, resolved 30 s later: the parent said 'after 1 min' (minutes() rounds 30 s up) above a
  // reply saying 'after 30 s'.
  const ep = episode([rec(0, { status: 'resolved', endsAt: T0 + 30_000 })]);
  const parent = parentMessage(ep, 'C0A', config);
  const reply = resolvedMessage({ service: 'svc-a', title: 'GoroutineLeak', firedAt: T0, resolvedAt: T0 + 30_000, firingCapturedAt: null, finalCapturedAt: T0 + 31_000, resolution: null });
  const after = /resolved for svc-a after (.+)$/.exec(reply.text)?.[1];
  assert.equal(after, '30 s');
  assert.equal(parent.text, `GoroutineLeak resolved for svc-a after ${after}`);
  assert.ok(all(parent).includes(`resolved after ${after}`), all(parent));
});

test('only http(s) links, and Slack control characters in labels are escaped', () => {
  assert.equal(link('javascript:alert(1)', 'x'), null);
  assert.equal(link('http://a b', 'x'), null);
  assert.equal(link('https://ok.example/x', 'a<b>'), '<https://ok.example/x|a&lt;b&gt;>');
  const evil = rec(0, { labels: { alertname: 'GoroutineLeak', pod: '<!channel>' }, generatorURL: 'javascript:evil()' });
  const s = all(parentMessage(episode([evil, rec(1)]), 'C0A', config));
  assert.ok(!s.includes('<!channel>'), 'no @channel injection through labels');
  assert.ok(!s.includes('javascript:'));
});

test('resolved reply: duration, totals, per-site change and the verdict', () => {
  const m = resolvedMessage({
    service: 'svc-a', title: 'GoroutineLeak', firedAt: T0, resolvedAt: T0 + 12 * 60_000, firingCapturedAt: T0 + 1000, finalCapturedAt: T0 + 12 * 60_000,
    resolution: {
      kind: 'restarted', totalBefore: 1043, totalAfter: 57, restarted: true, verdict: 'Goroutine ids started over.',
      sites: [{ site: { func: 'example.com/x/leaks.fetchResult', file: '/src/x/internal/leaks/leaks.go', line: 134 }, patternTitle: 'send nobody receives', state: 'chan send', before: 940, after: 0 }],
    },
  });
  const s = all(m);
  assert.match(m.text, /GoroutineLeak resolved for svc-a after 12 min \(hidden by a restart\)/);
  assert.match(s, /1,043 → 57 goroutines/);
  assert.match(s, /internal\/leaks\/leaks.go:134.*leaks.fetchResult.*940 → 0/);
  assert.match(s, /Hidden by a restart/);
  const still = resolvedMessage({
    service: 'svc-a', title: 'GoroutineLeak', firedAt: T0, resolvedAt: T0 + 60_000, firingCapturedAt: T0, finalCapturedAt: T0 + 60_000,
    resolution: { kind: 'still-there', totalBefore: 900, totalAfter: 950, restarted: false, verdict: 'The pile is still there.', sites: [] },
  });
  assert.match(still.text, /\(still there\)$/);
  assert.ok(!all(still).includes('still-there'), 'no raw slug');
});

test('the Alertmanager link uses alerts.externalUrl when configured, else the notification\'s externalURL', () => {
  assert.ok(all(parentMessage(episode([rec(0)]), 'C0A', config)).includes('<http://am:9093|Alertmanager>'));
  const withUrl = parseConfig(`services: { svc-a: { url: "http://127.0.0.1:1" } }\nalerts: { externalUrl: "https://alertmanager.example.com/" }`);
  const s = all(parentMessage(episode([rec(0)]), 'C0A', withUrl));
  assert.ok(s.includes('<https://alertmanager.example.com/|Alertmanager>'), s);
  assert.ok(!s.includes('http://am:9093'));
});

test("the parent carries the thread's latest verdict instead of 'findings follow'", () => {
  const ep = episode([rec(0)]);
  const waiting = all(parentMessage(ep, 'C0A', config, T0));
  assert.match(waiting, /findings follow in this thread/);
  assert.doesNotMatch(waiting, /Latest:/);
  const state = { outcome: 'findings' as const, summary: 'HIGH: 120 goroutines blocked in chan send at main.go:42', seq: 7, total: 180, at: T0 };
  const shown = all(parentMessage(ep, 'C0A', config, T0, { state, analyses: 2 }));
  assert.match(shown, /Latest:\* 180 goroutines, HIGH: 120 goroutines blocked in chan send at main\.go:42 \(snapshot #7, /);
  assert.match(shown, /2 analyses in this thread/);
  assert.doesNotMatch(shown, /findings follow/);
  const failed = all(parentMessage(ep, 'C0A', config, T0, { state: { outcome: 'failed', summary: 'The alert capture failed', at: T0, last: state }, analyses: 2 }));
  assert.match(failed, /The alert capture failed at .*Last verdict \(snapshot #7/);
});
