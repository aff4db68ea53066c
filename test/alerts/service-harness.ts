// The set-up of the alert tests on one process: a real leaksvc, leakbot (its webhook with `token`,
// the suite's config from `configYaml(url)`), and a real Alertmanager posting to it.
import { after, before } from 'node:test';
import { startAlertmanager, type AlertmanagerOptions, type PostableAlert, type TestAlertmanager } from '../support/alertmanager.js';
import { startGoService, type GoService } from '../support/go-service.js';
import { startHarness, type Harness, type HarnessOptions } from '../e2e/harness.js';
import { built, messageText, settled } from '../e2e/helpers.js';
import type { StubMessage } from '../support/slack-stub.js';

export interface AlertService {
  readonly go: GoService;
  readonly h: Harness;
  readonly am: TestAlertmanager;
}

/**
 * Registers the suite's before/after hooks; `configYaml` gets the service's URL, `am` Alertmanager's
 * timings (the webhook and token are filled in). Closed in reverse order after the suite. Call it
 * inside describe(); the fields are set once the before hook has run.
 */
export function withAlertService(o: { token: string; configYaml: (url: string) => string; am: Omit<AlertmanagerOptions, 'webhookUrl' | 'token'>; ready?: (h: Harness) => void; harness?: Pick<HarnessOptions, 'logLevel' | 'logDestination'> }): AlertService {
  let go: GoService | undefined;
  let h: Harness | undefined;
  let am: TestAlertmanager | undefined;
  before(async () => {
    go = await startGoService();
    h = await startHarness({ ...o.harness, webhookToken: o.token, configYaml: o.configYaml(go.url) });
    o.ready?.(h);
    am = await startAlertmanager({ webhookUrl: `${h.baseUrl}/webhooks/alertmanager`, token: o.token, ...o.am });
  });
  after(async () => {
    await am?.close();
    await h?.close();
    await go?.stop();
  });
  return {
    get go() {
      return go!;
    },
    get h() {
      return h!;
    },
    get am() {
      return am!;
    },
  };
}

/** withAlertService for svc-order alerting into `channel` (minIntervalSeconds 0, no growth-rate
 *  recapture), Alertmanager grouping after 1 s and notifying again after `groupInterval`. */
export function withOrderAlerts(token: string, channel: string, groupInterval: string): AlertService {
  return withAlertService({
    token,
    configYaml: (url) => `services:\n  svc-order:\n    url: ${url}\n    channel: ${channel}\n    minIntervalSeconds: 0\nalerts:\n  recaptureAfterSeconds: 0\n`,
    am: { groupWait: '1s', groupInterval, repeatInterval: '1h' },
  });
}

/** Leaks 40 goroutines, fires `alert` through the Alertmanager, and resolves with the alert thread's
 *  parent in `channel` once its findings are in and every job has settled. */
export async function fireAndSettle(
  s: AlertService,
  channel: string,
  alert: PostableAlert,
): Promise<StubMessage> {
  const { go, h, am } = s;
  await go.leak('chansend', 40);
  await am.postAlerts([alert]);
  const parent = await h.slack.waitFor('the alert thread', () => h.slack.parents(channel)[0], 60_000);
  await h.slack.waitFor('its findings', () => h.slack.replies(channel, parent.ts).find((m) => built(m) && /suspected leak|pile worth a look/.test(messageText(m))), 90_000);
  await settled(h);
  return parent;
}
