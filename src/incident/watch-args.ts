// `/leak watch <svc> [every 1m] [for 15m]` | `/leak watch stop <svc>` | `/leak watch chart <svc>`.

export type WatchRequest =
  | { kind: 'start'; service: string; everyMs: number; forMs: number }
  | { kind: 'stop'; service: string }
  | { kind: 'chart'; service: string };

export class WatchArgsError extends Error {
  override name = 'WatchArgsError';
}

const UNITS: Record<string, number> = { s: 1000, sec: 1000, secs: 1000, m: 60_000, min: 60_000, mins: 60_000, h: 3600_000, hr: 3600_000, hrs: 3600_000 };

/** `90s`, `1m`, `1.5h`, `15 min` (unit required: a bare number is ambiguous). */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(s|secs?|m|mins?|h|hrs?)$/i.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
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
    if (ms === null) throw new WatchArgsError(`\`${key} ${value}\` needs a duration with a unit, such as \`${key === 'every' ? '1m' : '15m'}\` or \`30s\`.`);
    if (key === 'every') everyMs = ms;
    else forMs = ms;
    i += used;
  }
  return { kind: 'start', service, everyMs, forMs };
}

/** Captures in a watch: one at the start and one at the end of every interval. */
export function captureCount(everyMs: number, forMs: number): number {
  return Math.floor(forMs / everyMs + 1e-9) + 1;
}
