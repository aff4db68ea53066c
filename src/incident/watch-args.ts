// `/leak watch <svc> [every 1m] [for 15m]` | `/leak watch stop <svc>` | `/leak watch chart <svc>`.

export type WatchRequest =
  /** `everyGiven` false: `everyMs` is the default, which the command may lengthen to fit a long `for`
   *  within the captures a watch may make. */
  | { kind: 'start'; service: string; everyMs: number; everyGiven: boolean; forMs: number }
  | { kind: 'stop'; service: string }
  | { kind: 'chart'; service: string };

export class WatchArgsError extends Error {
  override name = 'WatchArgsError';
}

const SECOND = 1000;
const MINUTE = 60_000;
const HOUR = 3600_000;
const DAY = 86_400_000;
const UNITS: Record<string, number> = { s: SECOND, sec: SECOND, second: SECOND, m: MINUTE, min: MINUTE, minute: MINUTE, h: HOUR, hr: HOUR, hour: HOUR, d: DAY, day: DAY };

/** `90s`, `1m`, `1.5h`, `15 min`, `2d`, `3 hours` → milliseconds, or null (unit required: a bare
 *  number is ambiguous; zero and negative are refused). */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)$/i.exec(text.trim());
  if (!m) return null;
  // Plurals share the singular's entry (`mins` → `min`); a lone `s` is seconds.
  const ms = Number(m[1]) * UNITS[m[2]!.toLowerCase().replace(/s$/, '') || 's']!;
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : null;
}

export const DEFAULT_EVERY_MS = 60_000;
export const DEFAULT_FOR_MS = 15 * 60_000;

export function parseWatchArgs(args: string[]): WatchRequest {
  const [first, ...rest] = args;
  if (!first) throw new WatchArgsError('Which service?');
  if (first === 'stop' && rest.length === 1) return { kind: 'stop', service: rest[0]! };
  if (first === 'chart' && rest.length === 1) return { kind: 'chart', service: rest[0]! };
  const service = first;
  let everyMs = DEFAULT_EVERY_MS;
  let everyGiven = false;
  let forMs = DEFAULT_FOR_MS;
  // Accept `every 1m`, `every=1m`, `every 1 m`; in any order.
  const words = rest.join(' ').replace(/=/g, ' ').split(/\s+/).filter(Boolean);
  for (let i = 0; i < words.length; ) {
    const key = words[i]!.toLowerCase();
    if (key !== 'every' && key !== 'for') throw new WatchArgsError(`I did not understand \`${words[i]}\`: write \`every 1m\` and/or \`for 15m\`.`);
    // The duration may be split in two words (`15 min`).
    let value = words[i + 1] ?? '';
    let used = 2;
    if (/^\d+(\.\d+)?$/.test(value) && words[i + 2] && /^[a-z]+$/i.test(words[i + 2]!)) {
      value += words[i + 2];
      used = 3;
    }
    const ms = parseDuration(value);
    const such = `such as \`${key === 'every' ? '1m\` or \`30s' : '15m\`, \`2h\` or \`1d'}\``;
    if (ms === null && parseDuration(value.replace(/^0+(?:\.0*)?(?=\D)/, '1')) !== null) throw new WatchArgsError(`\`${key} ${value}\` is no time at all: give a duration above zero, ${such}.`);
    if (ms === null) throw new WatchArgsError(`\`${key} ${value}\` needs a duration with a unit, ${such}.`);
    if (key === 'every') [everyMs, everyGiven] = [ms, true];
    else forMs = ms;
    i += used;
  }
  return { kind: 'start', service, everyMs, everyGiven, forMs };
}

/** `ms` as the user would type it after `for`/`every`, in the largest unit that divides it
 *  (`1d`, `36h`, `90m`, `45s`). */
export function typedDuration(ms: number): string {
  for (const [unit, size] of [['d', DAY], ['h', HOUR], ['m', MINUTE]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.round(ms / SECOND)}s`;
}

/** The interval a watch of `forMs` uses when none is given: the default, or the shortest whole
 *  minute that keeps the watch within `maxCaptures` (`for 1d` at most 500 captures: every 3 min). */
export function defaultEvery(forMs: number, maxCaptures: number): number {
  if (captureCount(DEFAULT_EVERY_MS, forMs) <= maxCaptures) return DEFAULT_EVERY_MS;
  return Math.ceil(forMs / (maxCaptures - 1) / MINUTE) * MINUTE;
}

/** Captures in a watch: one at the start and one at the end of every interval. */
export function captureCount(everyMs: number, forMs: number): number {
  return Math.floor(forMs / everyMs + 1e-9) + 1;
}
