// When a first snapshot captures itself again (issue 8's stronger mode), from the config alone, so
// `leakbot doctor` previews the same message /leak snapshot posts.
import type { Config } from '../config/schema.js';
import { own } from '../own.js';

/** Milliseconds until the automatic second capture of `service`: snapshot.autoRecaptureSeconds, never
 *  sooner than the service's minIntervalSeconds (a capture within it would share the first); 0 when
 *  autoRecaptureSeconds is 0 (off). */
export function recaptureDelayMs(config: Pick<Config, 'snapshot' | 'services'>, service: string): number {
  const s = config.snapshot.autoRecaptureSeconds;
  if (s <= 0) return 0;
  return Math.max(s, own(config.services, service)?.minIntervalSeconds ?? 0) * 1000;
}
