// An alert naming a pod that cannot be captured (the leak already brought it down) while the rest of
// the fleet can: the alert thread's parent shows the fleet round's verdict, not only "The alert
// capture failed" above a summary that names a leak. Real parts: leaksvc processes, Debian's
// Alertmanager, Redis; Slack is the stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { settled } from '../e2e/helpers.js';
import { withAlertFleet } from './fleet-harness.js';

const CH = 'C0DEADPOD';

describe('an alert on a dead pod of a fleet', { timeout: 240_000 }, () => {
  const f = withAlertFleet({
    ips: ['127.0.0.1', '127.0.0.2', '127.0.0.3'],
    token: 'fleet-dead-pod-webhook-token-0123456789',
    channel: CH,
    // Pod 1 leaks; pod 0, the one the alert names, is gone.
    prepare: async (pods) => {
      await pods[1]!.leak('chansend', 30);
      await pods[0]!.stop();
    },
  });

  it("the parent's latest verdict is the fleet round's, naming the leak and the pod not captured", async () => {
    const { parent, fleet } = await f.alertOn(0);
    assert.match(fleet.text, /Likely leak/, fleet.text);
    await settled(f.h, 120_000, (j) => j.name !== 'alert.notify');
    const text = f.h.slack.parents(CH)[0]!.text + JSON.stringify(f.h.slack.parents(CH)[0]!.blocks ?? []);
    assert.match(text, /Latest:\*? Likely leak at `[^`]+` on 1 of 3 pods/, text);
    assert.match(text, /1 not captured: 127\.0\.0\.1:\d+/, text);
    assert.ok(parent, 'the alert thread');
  });
});
