// The set-up of the alert-on-a-fleet tests: real leaksvc processes on loopback addresses sharing one
// port (static targets of `svc-order`), leakbot with its webhook, and a real Alertmanager posting to it.
import { after, before } from 'node:test';
import { startAlertmanager, type TestAlertmanager } from '../support/alertmanager.js';
import { startGoService, type GoService } from '../support/go-service.js';
import { freePort } from '../support/redis.js';
import { startHarness, type Harness, type HarnessOptions } from '../e2e/harness.js';
import { built } from '../e2e/helpers.js';
import type { StubMessage } from '../support/slack-stub.js';

export interface AlertFleet {
  readonly pods: GoService[];
  readonly h: Harness;
  readonly am: TestAlertmanager;
  /** `ip:port` of pod i: its instance id, and the `instance` label an alert names it by. */
  podAt(i: number): string;
  /** Fires GoroutineLeak naming pod i through the Alertmanager; resolves with the alert thread's
   *  parent in `channel` and its fleet summary once both are posted. */
  alertOn(i: number): Promise<{ parent: StubMessage; fleet: StubMessage }>;
}

/**
 * Registers the suite's before/after hooks: one leaksvc per address in `ips` (then `prepare`),
 * leakbot with `svc-order` (those targets, `channel`, minIntervalSeconds 0, no alert recapture
 * unless `recaptureAfterSeconds`),
 * and an Alertmanager sending to its webhook with `token`. Closed in reverse order after the suite.
 * Call it inside describe(); the fields are set once the before hook has run.
 */
export function withAlertFleet(o: { ips: string[]; token: string; channel: string; env?: HarnessOptions['env']; prepare?: (pods: GoService[]) => Promise<unknown>; recaptureAfterSeconds?: number }): AlertFleet {
  let port = 0;
  let pods: GoService[] = [];
  let h: Harness | undefined;
  let am: TestAlertmanager | undefined;
  before(async () => {
    port = await freePort();
    pods = await Promise.all(o.ips.map((ip) => startGoService({ args: ['-addr', `${ip}:${port}`] })));
    await o.prepare?.(pods);
    h = await startHarness({
      webhookToken: o.token,
      ...(o.env ? { env: o.env } : {}),
      configYaml: `
services:
  svc-order:
    targets: [${o.ips.map((ip) => `"http://${ip}:${port}"`).join(', ')}]
    channel: ${o.channel}
    minIntervalSeconds: 0
alerts:
  recaptureAfterSeconds: ${o.recaptureAfterSeconds ?? 0}
`,
    });
    am = await startAlertmanager({ webhookUrl: `${h.baseUrl}/webhooks/alertmanager`, token: o.token, groupWait: '1s', groupInterval: '2s', repeatInterval: '1h' });
  });
  after(async () => {
    await am?.close();
    await h?.close();
    await Promise.all(pods.map((p) => p.stop()));
  });
  return {
    get pods() {
      return pods;
    },
    get h() {
      return h!;
    },
    get am() {
      return am!;
    },
    podAt: (i) => `${o.ips[i]}:${port}`,
    async alertOn(i) {
      await am!.postAlerts([{ labels: { alertname: 'GoroutineLeak', service: 'svc-order', instance: `${o.ips[i]}:${port}`, severity: 'page' }, startsAt: new Date() }]);
      return h!.slack.waitFor('alert thread with the fleet summary', () => {
        const p = h!.slack.parents(o.channel)[0];
        const s = p && built(h!.slack.replies(o.channel, p.ts).find((r) => /^Fleet of svc-order/.test(r.text)));
        return p && s ? { parent: p, fleet: s } : null;
      }, 120_000);
    },
  };
}
