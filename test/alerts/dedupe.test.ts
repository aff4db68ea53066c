import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redisPerFile } from '../support/redis.js';
import { parseConfig } from '../../src/config/load.js';
import { AlertLedger, type AlertAction } from '../../src/alerts/dedupe.js';
import { routeAlerts } from '../../src/alerts/mapping.js';
import type { Alert, AlertNotification } from '../../src/alerts/payload.js';

const config = parseConfig(`
defaultChannel: C0DEFAULT
services:
  svc-a: { url: "http://127.0.0.1:6060", channel: C0AAA }
  svc-b: { url: "http://127.0.0.1:6061", channel: C0BBB }
`);

let ledger: AlertLedger;
redisPerFile((client) => {
  ledger = new AlertLedger(client);
});

const T0 = Date.parse('2026-11-23T12:00:00Z');
function alert(fp: string, service: string, status: 'firing' | 'resolved' = 'firing', startsAt = T0, endsAt: number | null = null): Alert {
  return { status, labels: { alertname: 'GoroutineLeak', service, fp }, annotations: { summary: 's' }, startsAt, endsAt, generatorURL: 'http://prom/g', fingerprint: fp };
}
function notification(groupKey: string, alerts: Alert[]): AlertNotification {
  return {
    source: 'alertmanager', receiver: 'leakbot', status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved', groupKey,
    groupLabels: { alertname: 'GoroutineLeak' }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', truncatedAlerts: 0, alerts,
  };
}
const deliver = (n: AlertNotification) => ledger.record(n, routeAlerts(n.alerts, config));
const kinds = (actions: AlertAction[]) => actions.map((a) => `${a.kind}:${a.service}:${a.round}:${a.channel}`).sort();

test('a firing is captured once however often it is re-sent, and resolved once', async () => {
  const n = notification('g1', [alert('f1', 'svc-a')]);
  const u1 = await deliver(n);
  assert.equal(u1.opened, true);
  assert.equal(u1.newFirings, 1);
  const ep = u1.episode!;
  assert.deepEqual(kinds(await ledger.pendingActions(ep)), ['capture:svc-a:1:C0AAA']);

  // repeat_interval / retry / HA replica: same firing again
  const u2 = await deliver(n);
  assert.equal(u2.opened, false);
  assert.equal(u2.repeats, 1);
  assert.equal(u2.newFirings, 0);
  assert.equal(u2.episode!.id, ep.id);
  assert.equal(u2.episode!.notifications, 2);
  assert.equal(u2.episode!.alerts.f1!.seen, 2);
  const [cap] = await ledger.pendingActions(u2.episode!);
  assert.ok(cap);
  await ledger.markDone(cap, 'snap-1');
  assert.equal(await ledger.doneResult(cap), 'snap-1');
  assert.deepEqual(await ledger.pendingActions(u2.episode!), []);

  const resolved = notification('g1', [alert('f1', 'svc-a', 'resolved', T0, T0 + 12 * 60_000)]);
  const u3 = await deliver(resolved);
  assert.equal(u3.newlyResolved, 1);
  assert.equal(u3.episode!.id, ep.id);
  assert.notEqual(u3.episode!.closedAt, null, 'all alerts resolved closes the episode');
  assert.equal(u3.episode!.services['svc-a']!.resolvedAt, T0 + 12 * 60_000);
  const pending = await ledger.pendingActions(u3.episode!);
  assert.deepEqual(kinds(pending), ['resolve:svc-a:1:C0AAA']);
  await ledger.markDone(pending[0]!);

  // resolved re-sent, and a late retry of the old firing notification: nothing new
  const u4 = await deliver(resolved);
  assert.equal(u4.repeats, 1);
  const u5 = await deliver(n);
  assert.equal(u5.stale, 1);
  assert.equal(u5.opened, false);
  assert.equal(u5.episode!.id, ep.id);
  assert.deepEqual(await ledger.pendingActions(u5.episode!), []);

  // The same alert firing again later (new startsAt) is a new episode: a new thread and capture.
  const again = await deliver(notification('g1', [alert('f1', 'svc-a', 'firing', T0 + 3600_000)]));
  assert.equal(again.opened, true);
  assert.notEqual(again.episode!.id, ep.id);
  assert.deepEqual(kinds(await ledger.pendingActions(again.episode!)), ['capture:svc-a:1:C0AAA']);
});

test('simultaneous identical deliveries (HA replicas) open one episode', async () => {
  const n = notification('g-ha', [alert('h1', 'svc-a'), alert('h2', 'svc-b')]);
  const results = await Promise.all(Array.from({ length: 8 }, () => deliver(n)));
  assert.equal(results.filter((r) => r.opened).length, 1);
  assert.equal(new Set(results.map((r) => r.episode!.id)).size, 1);
  assert.equal(results.reduce((s, r) => s + r.newFirings, 0), 2);
  const ep = (await ledger.episode(results[0]!.episode!.id))!;
  assert.equal(ep.notifications, 8);
  assert.deepEqual(kinds(await ledger.pendingActions(ep)), ['capture:svc-a:1:C0AAA', 'capture:svc-b:1:C0BBB']);
});

test('200 alerts in one payload fold into one capture per service; unknown services are kept, not captured', async () => {
  const alerts = Array.from({ length: 200 }, (_, i) => alert(`s${i}`, i % 3 === 0 ? 'svc-a' : i % 3 === 1 ? 'svc-b' : 'svc-unknown'));
  const u = await deliver(notification('g-storm', alerts));
  assert.equal(u.newFirings, 200);
  const ep = u.episode!;
  assert.equal(Object.keys(ep.alerts).length, 200, 'every alert accounted for');
  assert.equal(Object.values(ep.alerts).filter((a) => a.service === null && a.channel === 'C0DEFAULT').length, 66);
  assert.deepEqual(kinds(await ledger.pendingActions(ep)), ['capture:svc-a:1:C0AAA', 'capture:svc-b:1:C0BBB']);
});

test('partial resolution waits for the last alert of the service; a flap opens a new round', async () => {
  const a1 = alert('p1', 'svc-a');
  const a2 = alert('p2', 'svc-a');
  const b1 = alert('p3', 'svc-b');
  const u1 = await deliver(notification('g-flap', [a1, a2, b1]));
  const id = u1.episode!.id;
  for (const act of await ledger.pendingActions(u1.episode!)) await ledger.markDone(act);

  const u2 = await deliver(notification('g-flap', [{ ...a1, status: 'resolved', endsAt: T0 + 60_000 }, a2, b1]));
  assert.equal(u2.newlyResolved, 1);
  assert.equal(u2.repeats, 2);
  assert.deepEqual(await ledger.pendingActions(u2.episode!), [], 'svc-a still has a firing alert');

  const u3 = await deliver(notification('g-flap', [{ ...a2, status: 'resolved', endsAt: T0 + 120_000 }, b1]));
  assert.deepEqual(kinds(await ledger.pendingActions(u3.episode!)), ['resolve:svc-a:1:C0AAA']);
  assert.equal(u3.episode!.closedAt, null, 'svc-b is still firing');
  for (const act of await ledger.pendingActions(u3.episode!)) await ledger.markDone(act);

  // svc-a fires again while the group is still open: same thread, round 2, one more capture.
  const u4 = await deliver(notification('g-flap', [{ ...a1, startsAt: T0 + 300_000 }, b1]));
  assert.equal(u4.episode!.id, id);
  assert.equal(u4.opened, false);
  assert.deepEqual(kinds(await ledger.pendingActions(u4.episode!)), ['capture:svc-a:2:C0AAA']);
});

test('a resolution leakbot never saw fire still gets its episode and a resolved reply, without a capture', async () => {
  const u = await deliver(notification('g-late', [alert('l1', 'svc-b', 'resolved', T0, T0 + 5 * 60_000)]));
  assert.equal(u.opened, true);
  assert.equal(u.newlyResolved, 1);
  assert.notEqual(u.episode!.closedAt, null);
  assert.equal(u.episode!.services['svc-b']!.firingSeen, false);
  assert.deepEqual(kinds(await ledger.pendingActions(u.episode!)), ['resolve:svc-b:1:C0BBB']);
});

test('thread ids are remembered per episode and channel', async () => {
  const u = await deliver(notification('g-thread', [alert('t1', 'svc-a')]));
  await ledger.setThread(u.episode!.id, 'C0AAA', '1700000000.000100');
  assert.deepEqual(await ledger.threads(u.episode!.id), { C0AAA: '1700000000.000100' });
});

test('marks: a step is marked done once it ran', async () => {
  assert.equal(await ledger.isMarked('ep-x', 'recapture'), false);
  await ledger.mark('ep-x', 'recapture');
  assert.equal(await ledger.isMarked('ep-x', 'recapture'), true);
});

test('every delivery of a resolution is counted on the alert (HA replicas), the first one only acts', async () => {
  await deliver(notification('g-res', [alert('r1', 'svc-a')]));
  const resolved = notification('g-res', [alert('r1', 'svc-a', 'resolved', T0, T0 + 60_000)]);
  const first = await deliver(resolved);
  const second = await deliver(resolved);
  assert.equal(first.newlyResolved, 1);
  assert.equal(second.newlyResolved, 0);
  assert.equal(second.episode!.alerts.r1!.resolvedSeen, 2);
});

test('a re-fire without a resolution in between (send_resolved off) opens a new round with a capture, not a silent fold', async () => {
  const u1 = await deliver(notification('g-nores', [alert('n1', 'svc-b')]));
  for (const act of await ledger.pendingActions(u1.episode!)) await ledger.markDone(act);
  const later = T0 + 6 * 3600_000;
  const u2 = await deliver(notification('g-nores', [alert('n1', 'svc-b', 'firing', later)]));
  assert.equal(u2.newFirings, 1);
  assert.equal(u2.episode!.id, u1.episode!.id);
  assert.equal(u2.episode!.alerts.n1!.startsAt, later);
  assert.deepEqual(kinds(await ledger.pendingActions(u2.episode!)), ['capture:svc-b:2:C0BBB'], 'no "resolved" reply for the unseen end, a new capture');
  // a late retry of the old firing stays ignored
  const u3 = await deliver(notification('g-nores', [alert('n1', 'svc-b', 'firing', T0)]));
  assert.equal(u3.stale, 1);
});

test('replicas that stamped startsAt themselves (seconds apart) describe one firing: no second round', async () => {
  const u1 = await deliver(notification('g-stamp', [alert('s1', 'svc-a', 'firing', T0)]));
  const u2 = await deliver(notification('g-stamp', [alert('s1', 'svc-a', 'firing', T0 + 1500)]));
  assert.equal(u2.episode!.id, u1.episode!.id);
  assert.equal(u2.episode!.services['svc-a']!.round, 1);
  assert.deepEqual(kinds(await ledger.pendingActions(u2.episode!)), ['capture:svc-a:1:C0AAA']);
});
