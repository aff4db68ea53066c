// The two-pod service of the fleet tests: svc-pair over two real Go services. `rest`: the YAML after
// `services:` (by default captured again automatically after 600 s, BullMQ's delayed job, which the
// tests promote); `o`: the harness's options (two services unless said).
import { withServiceHarness, type ServiceHarness, type ServiceHarnessOptions } from '../e2e/helpers.js';
import type { TestRedis } from '../support/redis.js';

export function withFleetPair(rest = 'snapshot:\n  autoRecaptureSeconds: 600\n', o: ServiceHarnessOptions<TestRedis> = { services: 2 }): ServiceHarness<TestRedis> {
  return withServiceHarness(
    (a, b) => `
services:
  svc-pair:
    targets: [${a}, ${b}]
    minIntervalSeconds: 0
${rest}`,
    o,
  );
}
