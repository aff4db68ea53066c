import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redisPerFile } from '../support/redis.js';
import { findingsEventData, incidentAround, Timeline, type TimelineEvent } from '../../src/incident/timeline.js';
import type { Finding } from '../../src/engine/model.js';

const db = redisPerFile();

const H = 3600_000;
const ev = (at: number, text = String(at)): TimelineEvent => ({ at, service: 's', type: 'note', text });

test('incidents are runs of events without a long quiet gap', () => {
  const events = [ev(0), ev(1 * H), ev(2 * H), ev(20 * H), ev(21 * H), ev(40 * H)];
  const at = (anchor: number) => incidentAround(events, anchor, 6 * H).map((e) => e.at / H);
  assert.deepEqual(at(1.5 * H), [0, 1, 2]);
  assert.deepEqual(at(30 * H), [20, 21], 'the incident that ended last before the anchor');
  assert.deepEqual(at(100 * H), [40]);
  assert.deepEqual(at(-5 * H), [0, 1, 2], 'before everything: the first incident');
  assert.deepEqual(incidentAround([], 0, H), []);
});

test('events come back in time order, same-ms events both kept, per service and thread', async () => {
  const t = new Timeline(db.client, 'tl');
  const thread = { channel: 'C1', ts: '1.1' };
  await t.append({ ...ev(3000, 'c'), thread });
  await t.append(ev(1000, 'a'));
  await t.append(ev(1000, 'b'));
  await t.append({ ...ev(2000, 'other thread'), thread: { channel: 'C1', ts: '9.9' } });
  await t.append({ at: 500, service: 'other', type: 'note', text: 'x' });
  const all = await t.list('s');
  assert.deepEqual(all.map((e) => e.at), [1000, 1000, 2000, 3000]);
  assert.deepEqual(all.slice(0, 2).map((e) => e.text).sort(), ['a', 'b']);
  assert.deepEqual((await t.list('s', { thread })).map((e) => e.text).sort(), ['a', 'b', 'c']);
  assert.deepEqual((await t.list('s', { since: 1500, until: 2500 })).map((e) => e.text), ['other thread']);
  assert.deepEqual((await t.incident('s', 2500)).length, 4);
});

test('findings event data keeps the top suspects, small', () => {
  const f = { pattern: 'nil-chan', patternTitle: 'nil channel', state: 'chan receive (nil chan)', confidence: 'high', site: null, stdSite: null, createdBy: null, before: 0, after: 9, delta: 9, growthPerMinute: null, signals: Array.from({ length: 20 }, (_v, i) => `s${i}`), advice: 'init it', frames: [] } as unknown as Finding;
  const d = findingsEventData(Array.from({ length: 9 }, () => f), 'svc#4');
  assert.equal(d.snapshotId, 'svc#4');
  assert.equal(d.findings.length, 5);
  assert.equal(d.findings[0]!.signals.length, 6);
  assert.equal('frames' in d.findings[0]!, false);
});

test('an append keyed by its job step lands once across retries; distinct keys in the same ms both land', async () => {
  const t = new Timeline(db.client, 'tl-once');
  const findings = (text: string): TimelineEvent => ({ at: 5000, service: 's', type: 'findings', text });
  assert.equal(await t.append(findings('first attempt'), { once: 'job:7:findings:-:3' }), true);
  // The retry of the same step (a worker killed after the append): a later clock, the same key.
  assert.equal(await t.append({ ...findings('retry'), at: 6000 }, { once: 'job:7:findings:-:3' }), false);
  assert.equal(await t.append(findings('another job, same ms'), { once: 'job:8:findings:-:3' }), true);
  assert.equal(await t.append(findings('unkeyed, same ms')), true);
  const all = await t.list('s');
  assert.deepEqual(all.map((e) => e.text).sort(), ['another job, same ms', 'first attempt', 'unkeyed, same ms']);
  assert.ok(all.every((e) => !('n' in e)), 'the member suffix stays internal');
  // The same key on another service's timeline is another event.
  assert.equal(await t.append({ ...findings('other service'), service: 's2' }, { once: 'job:7:findings:-:3' }), true);
});
