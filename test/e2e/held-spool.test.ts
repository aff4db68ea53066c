// Issue 12, item 5: a request held while Redis is down keeps its response_url and gets its reply, even
// when the web process that held it is stopped before Redis returns (the hold is spooled to disk).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { orderService, settled, waitThread, withServiceHarness } from './helpers.js';

describe('requests held while Redis is down', () => {
  const spoolDir = mkdtempSync(join(tmpdir(), 'leakbot-spool-test-'));
  const s = withServiceHarness(orderService, { env: { spoolDir }, prepare: ([go]) => go!.leak('select', 30), startLeakbot: false });
  after(() => rmSync(spoolDir, { recursive: true, force: true }));

  it('survive the web process and answer the requester when Redis returns', async () => {
    const { redis, slack } = s;
    const h = await s.start();
    await redis.stop();
    const ch = 'C0HELD';
    const responseUrl = slack.responseUrl();
    const ack = await h.command({ text: 'snapshot svc-order', channel: ch, responseUrl });
    assert.match(String(ack.json?.text), /holding this request/);
    assert.equal(h.bot.ctx.jobs.heldCount(), 1);
    await h.bot.stop({ graceMs: 1000 }); // the process that held it goes away while Redis is down
    assert.equal(readdirSync(spoolDir).length, 1, 'the hold is on disk');

    await redis.start();
    await s.start(); // a new leakbot process on the same Redis and Slack
    const t = await waitThread(slack, ch, 0);
    assert.match(t.parent.text, /svc-order/);
    const told = await slack.waitFor('the held requester is answered', () => slack.responsesTo(responseUrl).find((r) => /Findings for svc-order/.test(String(r.body.text))), 30_000);
    assert.ok(told);
    await settled(s.h);
    assert.equal(slack.parents(ch).length, 1, 'run once');
    await slack.waitFor('spool emptied', () => readdirSync(spoolDir).length === 0, 10_000);
  });
});
