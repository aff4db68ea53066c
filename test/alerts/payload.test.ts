import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsFingerprint, parseAlertNotification } from '../../src/alerts/payload.js';

const amAlert = {
  status: 'firing',
  labels: { alertname: 'GoroutineLeak', service: 'svc-order', instance: '10.0.3.7:6060' },
  annotations: { summary: 'goroutines growing' },
  startsAt: '2026-11-23T12:00:00.123456789Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
  fingerprint: 'c6eadffa33fcdf37',
};

const amPayload = {
  receiver: 'leakbot',
  status: 'firing',
  alerts: [amAlert],
  groupLabels: { alertname: 'GoroutineLeak' },
  commonLabels: { alertname: 'GoroutineLeak', service: 'svc-order' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  version: '4',
  groupKey: '{}:{alertname="GoroutineLeak"}',
  truncatedAlerts: 0,
};

test('Alertmanager version 4: normalised, Go zero time means unset', () => {
  const r = parseAlertNotification(amPayload);
  assert.ok(r.ok, !r.ok ? r.reason : '');
  const n = r.notification;
  assert.equal(n.source, 'alertmanager');
  assert.equal(n.groupKey, '{}:{alertname="GoroutineLeak"}');
  assert.equal(n.alerts.length, 1);
  const a = n.alerts[0]!;
  assert.equal(a.fingerprint, 'c6eadffa33fcdf37');
  assert.equal(a.startsAt, Date.parse('2026-11-23T12:00:00.123Z'));
  assert.equal(a.endsAt, null);
  assert.equal(a.labels.service, 'svc-order');
  assert.equal(a.annotations.summary, 'goroutines growing');
});

test('extra fields from newer senders are tolerated', () => {
  const r = parseAlertNotification({ ...amPayload, somethingNew: { x: 1 }, alerts: [{ ...amAlert, newField: true }] });
  assert.ok(r.ok);
});

test('missing fingerprint (old Alertmanager) → stable hash of the labels; missing groupKey → derived', () => {
  const { fingerprint: _f, ...noFp } = amAlert;
  const { groupKey: _g, ...noGk } = amPayload;
  const r1 = parseAlertNotification({ ...noGk, alerts: [noFp] });
  const r2 = parseAlertNotification({ ...noGk, alerts: [{ ...noFp, labels: { ...noFp.labels } }] });
  assert.ok(r1.ok && r2.ok);
  assert.equal(r1.notification.alerts[0]!.fingerprint, labelsFingerprint(amAlert.labels));
  assert.equal(r1.notification.alerts[0]!.fingerprint, r2.notification.alerts[0]!.fingerprint);
  assert.equal(r1.notification.groupKey, 'leakbot:{alertname="GoroutineLeak"}');
});

test('Grafana version 1: title, message, values and links kept', () => {
  const r = parseAlertNotification({
    receiver: 'leakbot',
    status: 'resolved',
    orgId: 1,
    alerts: [
      {
        ...amAlert,
        status: 'resolved',
        endsAt: '2026-11-23T12:10:00Z',
        silenceURL: 'https://grafana/alerting/silence/new',
        dashboardURL: '',
        panelURL: '',
        values: { B: 4223.5, C: 1, D: 'not a number' },
        valueString: "[ var='B' value=4223.5 ]",
      },
    ],
    groupLabels: { alertname: 'GoroutineLeak' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'https://grafana/',
    version: '1',
    groupKey: '{}/{}:{alertname="GoroutineLeak"}',
    truncatedAlerts: 0,
    title: '[RESOLVED] GoroutineLeak',
    state: 'ok',
    message: '**Resolved**',
  });
  assert.ok(r.ok, !r.ok ? r.reason : '');
  const n = r.notification;
  assert.equal(n.source, 'grafana');
  assert.equal(n.title, '[RESOLVED] GoroutineLeak');
  const a = n.alerts[0]!;
  assert.equal(a.status, 'resolved');
  assert.equal(a.endsAt, Date.parse('2026-11-23T12:10:00Z'));
  assert.deepEqual(a.values, { B: 4223.5, C: 1 });
  assert.equal(a.silenceURL, 'https://grafana/alerting/silence/new');
  assert.equal(a.dashboardURL, undefined);
});

test('garbage is refused with a reason naming what was wrong', () => {
  const cases: [unknown, RegExp][] = [
    [null, /expected a JSON object/],
    [[1, 2], /expected a JSON object/],
    ['hello', /expected a JSON object/],
    [{ foo: 1 }, /no "version" field/],
    [{ version: '3' }, /version "3".*expected Alertmanager webhook version "4"/],
    [{ ...amPayload, alerts: 'nope' }, /invalid Alertmanager webhook payload: alerts:/],
    [{ ...amPayload, alerts: [{ ...amAlert, status: 'pending' }] }, /alerts\.0\.status/],
    [{ ...amPayload, alerts: [{ ...amAlert, startsAt: 'yesterday' }] }, /alerts\.0\.startsAt: expected an RFC 3339 timestamp/],
    [{ ...amPayload, alerts: [{ ...amAlert, labels: { service: 7 } }] }, /alerts\.0\.labels\.service/],
    [{ ...amPayload, version: '1', status: 'bogus' }, /invalid Grafana webhook payload: status/],
  ];
  for (const [body, re] of cases) {
    const r = parseAlertNotification(body);
    assert.equal(r.ok, false, JSON.stringify(body));
    assert.match((r as { reason: string }).reason, re);
  }
});

test('property: any JSON value, and mutations of a valid payload, never throw; success always yields sane alerts', async () => {
  const fc = await import('fast-check');
  const check = (body: unknown) => {
    const r = parseAlertNotification(body);
    if (r.ok) {
      for (const a of r.notification.alerts) {
        assert.ok(Number.isFinite(a.startsAt));
        assert.ok(a.fingerprint.length > 0);
        assert.ok(a.endsAt === null || Number.isFinite(a.endsAt));
      }
      assert.ok(r.notification.groupKey.length > 0);
    } else {
      assert.ok(r.reason.length > 0 && r.reason.length < 2000);
    }
  };
  fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 500 });
  // Replace one field (top level or of the first alert) with arbitrary JSON.
  const keys = Object.keys(amPayload);
  const alertKeys = Object.keys(amAlert);
  fc.assert(
    fc.property(fc.constantFrom(...keys), fc.constantFrom(...alertKeys), fc.jsonValue(), fc.boolean(), fc.constantFrom('4', '1'), (k, ak, v, inAlert, version) => {
      const body = structuredClone({ ...amPayload, version }) as Record<string, unknown>;
      if (inAlert) (body.alerts as Record<string, unknown>[])[0]![ak] = v;
      else body[k] = v;
      check(body);
    }),
    { numRuns: 1000 },
  );
});

test('a fingerprint naming an Object.prototype member is replaced by the label hash', () => {
  for (const fp of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    const r = parseAlertNotification({ ...amPayload, alerts: [{ ...amAlert, fingerprint: fp }] });
    assert.ok(r.ok, !r.ok ? r.reason : '');
    if (r.ok) assert.equal(r.notification.alerts[0]!.fingerprint, labelsFingerprint(amAlert.labels), fp);
  }
});
