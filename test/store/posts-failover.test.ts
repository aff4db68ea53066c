// Issue: a Redis Sentinel failover loses the writes the replica had not received (replication is
// asynchronous). If the lost write is a post's intent marker and Slack did post, the retry on the
// promoted replica sees no marker, does not look for the message, and posts it twice. Real parts: a
// primary, a replica, three sentinels, the Slack stand-in. The replica is SIGSTOPped and a 64 MiB
// write fills the replication socket buffers, so whatever the primary writes next stays in its own
// memory and dies with it (SIGKILL) — the lost-write window, made by events, not timing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis as IORedis } from 'ioredis';
import { createLogger } from '../../src/log.js';
import { Poster, createSlackClient } from '../../src/slack/poster.js';
import { PostMemory, ReplicaLagError } from '../../src/store/posts.js';
import { createRedis, waitReady, type Redis } from '../../src/store/redis.js';
import { startSentinelSet, type SentinelSet } from '../support/redis-ha.js';
import { startSlackStub, type SlackStub } from '../support/slack-stub.js';

describe('posts across an asynchronous Sentinel failover', { timeout: 180_000 }, () => {
  let ha: SentinelSet;
  let slack: SlackStub;
  let redis: Redis;
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  before(async () => {
    [ha, slack] = await Promise.all([startSentinelSet(), startSlackStub()]);
    redis = createRedis(ha.url, 'command', log);
    await waitReady(redis, 30_000);
  });
  after(async () => {
    redis?.disconnect();
    await slack?.close();
    await ha?.close();
  });

  it('a post whose marker no replica holds is not sent; after the failover it is posted exactly once', async () => {
    const poster = new Poster(createSlackClient(slack.token, slack.apiUrl, log), new PostMemory(redis, 'pf', true), log);
    const mine = () => slack.parents('C0FAILOVER').filter((m) => m.metadata?.event_payload?.key === 'k');

    const replica = await ha.replicaPort();
    ha.pause(replica);
    const primary = new IORedis({ port: await ha.primaryPort(), host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
    primary.on('error', () => {});
    await primary.set('pf:blob', Buffer.alloc(64 * 1024 * 1024, 1)); // fills the replication link
    primary.disconnect();

    // Slack takes the post but its answer is lost: the retry must find it or not post again.
    slack.loseNextPostReplies(1);
    await assert.rejects(poster.post('k', { channel: 'C0FAILOVER', text: 'findings' }), ReplicaLagError);
    assert.equal(slack.callsTo('chat.postMessage').length, 0, 'nothing sent while only the primary holds the marker');

    const old = await ha.killPrimary(); // the primary's unreplicated writes die with it
    ha.resume(replica);
    await ha.failedOver(old);
    slack.loseNextPostReplies(0);
    await waitReady(redis, 60_000);
    // The promoted replica never got the blob (nor anything written after it).
    assert.equal(await redis.exists('pf:blob'), 0, 'the failover lost the unreplicated writes');

    await poster.post('k', { channel: 'C0FAILOVER', text: 'findings' });
    await poster.post('k', { channel: 'C0FAILOVER', text: 'findings, updated' });
    assert.equal(mine().length, 1, 'one message for the key');
    assert.equal(mine()[0]!.text, 'findings, updated');
    assert.equal(slack.callsTo('chat.postMessage').length, 1);
  });
});
