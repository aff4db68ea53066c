// The set-up of the alert tests on one process: a real leaksvc, leakbot (its webhook with `token`,
// the suite's config from `configYaml(url)`), and a real Alertmanager posting to it.
import { after, before } from 'node:test';
import { startAlertmanager, type AlertmanagerOptions, type TestAlertmanager } from '../support/alertmanager.js';
import { startGoService, type GoService } from '../support/go-service.js';
import { startHarness, type Harness } from '../e2e/harness.js';

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
export function withAlertService(o: { token: string; configYaml: (url: string) => string; am: Omit<AlertmanagerOptions, 'webhookUrl' | 'token'>; ready?: (h: Harness) => void }): AlertService {
  let go: GoService | undefined;
  let h: Harness | undefined;
  let am: TestAlertmanager | undefined;
  before(async () => {
    go = await startGoService();
    h = await startHarness({ webhookToken: o.token, configYaml: o.configYaml(go.url) });
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
