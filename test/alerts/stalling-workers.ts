// The set-up of the tests where an alert job fails for good the way BullMQ fails it without running
// our code: its `leakbot worker` process is killed mid-job, and with a job lock of 2 s and no stall
// allowed (LEAKBOT_MAX_STALLED=0) the next worker's stalled-job check gives up on it at once.
import { after, before } from 'node:test';
import { startAlertmanager, type AlertmanagerOptions, type TestAlertmanager } from '../support/alertmanager.js';
import type { ServiceHarness, RedisSetup } from '../e2e/helpers.js';
import { spawnLeakbot, type LeakbotProcess } from '../e2e/processes.js';

export interface StallingWorkers {
  /** The Alertmanager posting to the suite's web leakbot (set once the before hook has run). */
  readonly am: TestAlertmanager;
  /** Starts a worker process and resolves once it takes jobs. */
  worker(): Promise<LeakbotProcess>;
}

/**
 * Registers, inside describe() and after withServiceHarness (a web-only leakbot with the webhook
 * `token`), the suite's before/after hooks: a real Alertmanager posting to that webhook with `am`'s
 * grouping; after the suite, every worker started is killed and Alertmanager closed.
 */
export function withStallingWorkers<R extends RedisSetup>(s: ServiceHarness<R>, token: string, am: Omit<AlertmanagerOptions, 'webhookUrl' | 'token'>): StallingWorkers {
  let manager: TestAlertmanager | undefined;
  const procs: LeakbotProcess[] = [];
  before(async () => {
    manager = await startAlertmanager({ webhookUrl: `${s.h.baseUrl}/webhooks/alertmanager`, token, ...am });
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    await manager?.close();
  });
  return {
    get am() {
      return manager!;
    },
    async worker() {
      const p = spawnLeakbot('worker', { ...s.h.env, LEAKBOT_JOB_LOCK_MS: '2000', LEAKBOT_MAX_STALLED: '0' });
      procs.push(p);
      await p.waitLog((l) => l.msg === 'worker started', 90_000);
      return p;
    },
  };
}
