import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { channelFor, describeServiceLabels, matchService, routeAlerts } from '../../src/alerts/mapping.js';
import type { Alert } from '../../src/alerts/payload.js';

const config = parseConfig(`
defaultChannel: C0DEFAULT
services:
  svc-order: { url: "http://127.0.0.1:6060", channel: C0ORDERS }
  svc-order-api: { url: "http://127.0.0.1:6061" }
  payments: { url: "http://127.0.0.1:6062", channel: C0PAY }
alerts:
  serviceLabels: [service, job, app, kubernetes_pod_name]
`);

test('labels are tried in the configured order; first registered name wins', () => {
  assert.deepEqual(matchService({ service: 'svc-order', job: 'payments' }, config), { service: 'svc-order', label: 'service', value: 'svc-order' });
  assert.deepEqual(matchService({ service: 'unknown', job: 'payments' }, config), { service: 'payments', label: 'job', value: 'payments' });
  assert.equal(matchService({ instance: 'svc-order' }, config), null, 'labels outside the list are not consulted');
});

test('case-insensitive names, namespace/name job labels, and pod names with generated suffixes', () => {
  assert.equal(matchService({ app: 'Payments' }, config)?.service, 'payments');
  assert.equal(matchService({ job: 'prod/svc-order' }, config)?.service, 'svc-order');
  assert.equal(matchService({ kubernetes_pod_name: 'svc-order-7d9f8c6b5-x2k4q' }, config)?.service, 'svc-order');
  assert.equal(matchService({ kubernetes_pod_name: 'svc-order-api-7d9f8c6b5-x2k4q' }, config)?.service, 'svc-order-api');
  assert.equal(matchService({ kubernetes_pod_name: 'payments-0' }, config)?.service, 'payments');
  assert.equal(matchService({ kubernetes_pod_name: 'svc-order-canary-x' }, config), null);
});

test('channel: the service channel, else the default, else null', () => {
  assert.equal(channelFor('svc-order', config), 'C0ORDERS');
  assert.equal(channelFor('svc-order-api', config), 'C0DEFAULT');
  assert.equal(channelFor(null, config), 'C0DEFAULT');
  const noDefault = parseConfig(`services: { a: { url: "http://127.0.0.1:1" } }`);
  assert.equal(channelFor('a', noDefault), null);
  assert.equal(channelFor(null, noDefault), null);
});

test('routeAlerts keeps every alert, unknown ones included', () => {
  const mk = (labels: Record<string, string>): Alert => ({
    status: 'firing', labels, annotations: {}, startsAt: 0, endsAt: null, generatorURL: '', fingerprint: JSON.stringify(labels),
  });
  const routed = routeAlerts([mk({ service: 'payments' }), mk({ service: 'nope', job: 'node' })], config);
  assert.equal(routed.length, 2);
  assert.equal(routed[0]!.channel, 'C0PAY');
  assert.equal(routed[1]!.match, null);
  assert.equal(routed[1]!.channel, 'C0DEFAULT');
  assert.equal(describeServiceLabels({ service: 'nope', job: 'node' }, config), 'service=nope, job=node');
  assert.match(describeServiceLabels({}, config), /none of the labels service, job/);
});

test('instanceSelector: the configured instance labels in order; pod labels select by pod name', async () => {
  const { instanceSelector } = await import('../../src/alerts/mapping.js');
  const cfg = parseConfig('services:\n  s: { url: "http://127.0.0.1:1" }\n');
  assert.deepEqual(instanceSelector({ instance: '10.0.3.7:9100', pod: 'svc-order-7f9c4-x2k4q' }, cfg), { key: 'pod', value: 'svc-order-7f9c4-x2k4q', label: 'pod' });
  assert.deepEqual(instanceSelector({ instance: '10.0.3.7:9100' }, cfg), { key: 'instance', value: '10.0.3.7:9100', label: 'instance' });
  assert.equal(instanceSelector({ job: 'svc-order' }, cfg), null);
  const only = parseConfig('services:\n  s: { url: "http://127.0.0.1:1" }\nalerts: { instanceLabels: [kubernetes_pod_name] }\n');
  assert.equal(instanceSelector({ instance: '10.0.3.7:9100' }, only), null, 'labels outside the list are not consulted');
  assert.equal(instanceSelector({ ['__proto__']: 'x' } as Record<string, string>, cfg), null);
});
