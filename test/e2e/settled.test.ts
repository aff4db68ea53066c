// settled() is what every "said once" assertion waits for, so it must never answer "settled" while a
// job is still to run. Real parts: Redis, BullMQ, an in-process leakbot in the web role (no worker,
// so a job stays where it is put).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { settled } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness({ configYaml: 'services:\n  svc-order: { url: "http://127.0.0.1:1" }\n', role: 'web' });
});
after(async () => {
  await h?.close();
});

test('a job whose backoff ends while settled() looks (delayed → waiting) is still seen: not settled', async () => {
  const q = h.bot.ctx.jobs.queue;
  // Parked waiting for Slack (slackWait): not a job planned for later, so it counts.
  const job = await q.add('alert.notify', { slackWait: { since: Date.now() } }, { delay: 3_600_000 });
  // The backoff ends between the read of the waiting jobs and the read of the delayed ones: the
  // job is promoted exactly then (Job.promote: what BullMQ does when a delay is over).
  const getDelayed = q.getDelayed.bind(q);
  let promoted = false;
  q.getDelayed = async (...args: Parameters<typeof q.getDelayed>) => {
    if (!promoted) {
      promoted = true;
      await job.promote();
    }
    return getDelayed(...args);
  };
  try {
    // Read state by state, the job was in neither list at the moment each was read.
    await assert.rejects(settled(h, 1000), new RegExp(`^Error: not settled: .*\\b${job.id}\\b`), 'a job still to run is not settled');
  } finally {
    q.getDelayed = getDelayed;
    await job.remove();
  }
  await settled(h, 10_000); // and once it is gone, settled
});
