// Issue 12, item 5: a request held while Redis is down keeps its response_url and gets its reply, even
// when the web process that held it is stopped before Redis returns (the hold is spooled to disk).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGoService, type GoService } from '../support/go-service.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startSlackStub, type SlackStub } from '../support/slack-stub.js';
import { startHarness, type Harness } from './harness.js';
import { waitThread } from './helpers.js';

describe('requests held while Redis is down', () => {
  let go: GoService;
  let redis: TestRedis;
  let slack: SlackStub;
  let h: Harness | undefined;
  const spoolDir = mkdtempSync(join(tmpdir(), 'leakbot-spool-test-'));
  const config = (url: string) => `services:\n  svc-order:\n    url: ${url}\n    minIntervalSeconds: 0\n`;
  before(async () => {
    [go, redis, slack] = await Promise.all([startGoService(), startRedis(), startSlackStub()]);
    await go.leak('select', 30);
  });
  after(async () => {
    await h?.close();
    await slack?.close();
    await redis?.close();
    await go?.stop();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('survive the web process and answer the requester when Redis returns', async () => {
    h = await startHarness({ configYaml: config(go.url), redis, slack, env: { spoolDir } });
    await redis.stop();
    const ch = 'C0HELD';
    const responseUrl = slack.responseUrl();
    const ack = await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl });
    assert.match(String(ack.json?.text), /holding this request/);
    assert.equal(h.bot.ctx.jobs.heldCount(), 1);
    await h.bot.stop({ graceMs: 1000 }); // the process that held it goes away while Redis is down
    assert.equal(readdirSync(spoolDir).length, 1, 'the hold is on disk');

    await redis.start();
    h = await startHarness({ configYaml: config(go.url), redis, slack, env: { spoolDir } });
    const t = await waitThread(slack, ch, 0);
    assert.match(t.parent.text, /svc-order/);
    const told = await slack.waitFor('the held requester is answered', () => slack.responsesTo(responseUrl).find((r) => /Findings for svc-order/.test(String(r.body.text))), 30_000);
    assert.ok(told);
    assert.equal(slack.parents(ch).length, 1, 'run once');
    await slack.waitFor('spool emptied', () => readdirSync(spoolDir).length === 0, 10_000);
  });
});
