// ThreadStore.findOpen against a real redis-server: which thread a /leak verb joins.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ThreadStore, pairKey } from '../../src/store/threads.js';
import { redisPerFile } from '../support/redis.js';

const HOUR = 3600_000;

describe('ThreadStore.findOpen', () => {
  const r = redisPerFile();

  it('the newest thread of the service in this channel with activity within the window; alerts while firing', async () => {
    const store = new ThreadStore(r.client, 'tt');
    const now = Date.parse('2026-11-29T12:00:00Z');
    await store.put({ channel: 'C1', ts: '1.0', service: 'svc', kind: 'snapshot', createdAt: now - 10 * HOUR, lastActivityAt: now - 5 * HOUR });
    await store.put({ channel: 'C1', ts: '2.0', service: 'svc', kind: 'alert', createdAt: now - 9 * HOUR, open: true });
    await store.put({ channel: 'C2', ts: '3.0', service: 'svc', kind: 'snapshot', createdAt: now - HOUR, lastActivityAt: now - HOUR });
    await store.put({ channel: 'C1', ts: '4.0', service: 'other', kind: 'snapshot', createdAt: now - HOUR });

    // The firing alert's thread, though quiet for 9 h; never another channel's or service's thread.
    assert.equal((await store.findOpen('svc', 'C1', now, 4 * HOUR))?.ts, '2.0');
    // Resolved: quiet for longer than the window → no open thread.
    await store.update('C1', '2.0', { open: false });
    assert.equal(await store.findOpen('svc', 'C1', now, 4 * HOUR), null);
    // A wider window takes the most recent one again (newest first by creation).
    assert.equal((await store.findOpen('svc', 'C1', now, 10 * HOUR))?.ts, '2.0');
    // Activity refreshes a thread: the older one becomes the open one.
    await store.update('C1', '1.0', { lastActivityAt: now - 60_000 });
    assert.equal((await store.findOpen('svc', 'C1', now, 4 * HOUR))?.ts, '1.0');
    // A new thread (--new) is the newest and wins from then on.
    await store.put({ channel: 'C1', ts: '5.0', service: 'svc', kind: 'snapshot', createdAt: now, lastActivityAt: now });
    assert.equal((await store.findOpen('svc', 'C1', now, 4 * HOUR))?.ts, '5.0');
    assert.equal((await store.findOpen('svc', 'C2', now, 4 * HOUR))?.ts, '3.0');
  });

  it('update takes a function of the current record (pairs accumulate)', async () => {
    const store = new ThreadStore(r.client, 'tt2');
    await store.put({ channel: 'C1', ts: '1.0', service: 'svc', kind: 'diff', createdAt: 1 });
    for (const [a, b] of [[1, 2], [2, 3], [1, 2]] as const) await store.update('C1', '1.0', (t) => ({ pairs: [...new Set([...(t.pairs ?? []), pairKey(a, b)])] }));
    assert.deepEqual((await store.get('C1', '1.0'))?.pairs, ['1→2', '2→3']);
    assert.equal(await store.update('C9', '9.9', { open: true }), null, 'no record, no write');
  });
});
