// Verification of requests to POST /slack/events, done by us before Bolt sees them, because
// Bolt 5's verifySlackRequest only refuses timestamps in the past (a request stamped +1 h or
// +1 year passes) and has no replay memory.
//
// Rules (https://api.slack.com/authentication/verifying-requests-from-slack):
//   signature = "v0=" + hex(HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body))
//   the timestamp must be within 5 minutes of our clock, either way.
// On top: a (timestamp, signature) pair is accepted once; a repeat inside the window is a replay.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../log.js';
import type { Redis } from '../store/redis.js';

/** Slack's window: a request more than this many seconds off our clock (either way) is refused. */
export const MAX_SKEW_SECONDS = 5 * 60;

export type VerifyResult = { ok: true; timestamp: number; signature: string } | { ok: false; reason: string };

/**
 * Checks the v0 signature and the timestamp window of a Slack request.
 * @param headers the request headers (x-slack-request-timestamp, x-slack-signature)
 * @param rawBody the exact bytes Slack signed
 * @param nowMs our clock, in ms since the epoch
 * @returns ok with the (timestamp, signature) pair, or the reason for refusal (safe to log:
 *          it never quotes the signature or the secret). Never throws.
 */
export function verifySlackSignature(headers: IncomingHttpHeaders, rawBody: Buffer, secret: string, nowMs: number): VerifyResult {
  if (!secret) return { ok: false, reason: 'no signing secret configured' };
  const tsHeader = headers['x-slack-request-timestamp'];
  const sigHeader = headers['x-slack-signature'];
  if (typeof tsHeader !== 'string' || typeof sigHeader !== 'string') return { ok: false, reason: 'missing signature headers' };
  // Digits only: "1e20", "+5", " 17…" or fractions are not what Slack sends.
  if (!/^\d{1,12}$/.test(tsHeader)) return { ok: false, reason: 'malformed timestamp' };
  const ts = Number(tsHeader);
  const skew = ts - Math.floor(nowMs / 1000);
  if (Math.abs(skew) > MAX_SKEW_SECONDS) return { ok: false, reason: skew > 0 ? 'timestamp in the future' : 'timestamp too old' };
  const m = /^v0=([0-9a-f]{64})$/.exec(sigHeader);
  if (!m) return { ok: false, reason: 'malformed signature' };
  const expected = createHmac('sha256', secret).update(`v0:${tsHeader}:`).update(rawBody).digest();
  if (!timingSafeEqual(expected, Buffer.from(m[1]!, 'hex'))) return { ok: false, reason: 'signature mismatch' };
  return { ok: true, timestamp: ts, signature: m[1]! };
}

/**
 * What to check when every request from Slack is refused for `reason` (Slack then shows the person
 * "dispatch_failed" and leakbot's log is the only place that can say why): a wrong
 * SLACK_SIGNING_SECRET (a new team's usual mistake: the Client Secret or the Verification Token sit
 * beside it) or a host clock off by more than Slack's window. Undefined for reasons a single stray
 * request explains (no headers, malformed values).
 */
export function refusalHint(reason: string): string | undefined {
  if (reason === 'signature mismatch')
    return "if every request from Slack is refused so, SLACK_SIGNING_SECRET is not this Slack app's Signing Secret (api.slack.com/apps → the app → Basic Information → App Credentials → Signing Secret; not the Client Secret or the Verification Token), or a proxy in front of leakbot changes the request body";
  if (reason === 'timestamp too old' || reason === 'timestamp in the future')
    return "if every request from Slack is refused so, this host's clock is more than 5 minutes off (check its NTP sync): Slack's requests are refused outside that window";
  return undefined;
}

/**
 * Remembers accepted (timestamp, signature) pairs for the signature window so a replayed request
 * is dropped. Shared in Redis (SET NX with a TTL) so every web process agrees.
 *
 * When Redis cannot answer (down, or slower than `redisTimeoutMs`) the guard falls back to this
 * process's own memory and accepts the request if this process has not seen it: Slack keeps
 * working during a Redis outage (commands get their "Redis is down" or held replies), replays to
 * the same process are still dropped, and only a replay to a *different* web process during the
 * outage could pass. Every accepted pair is also kept locally, so the fallback knows what this
 * process accepted while Redis was up.
 */
export class ReplayGuard {
  private readonly local = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
    private readonly redisTimeoutMs = 500,
  ) {}

  /** TTL: a pair stays acceptable until its timestamp is MAX_SKEW old; keep it a minute longer. */
  static ttlSeconds(timestamp: number, nowMs: number): number {
    return Math.max(60, timestamp + MAX_SKEW_SECONDS + 60 - Math.floor(nowMs / 1000));
  }

  /** True the first time a pair is seen (anywhere, via Redis), false for a replay. Never throws. */
  async firstSeen(timestamp: number, signature: string, nowMs: number): Promise<boolean> {
    const id = createHash('sha256').update(`${timestamp}:${signature}`).digest('base64url').slice(0, 32);
    this.sweep(nowMs);
    if (this.local.has(id)) return false;
    const ttl = ReplayGuard.ttlSeconds(timestamp, nowMs);
    this.local.set(id, nowMs + ttl * 1000);
    try {
      let timer: NodeJS.Timeout | undefined;
      const set = await Promise.race([
        this.redis.set(`${this.prefix}:slack:seen:${id}`, '1', 'EX', ttl, 'NX'),
        new Promise<never>((_r, rej) => {
          timer = setTimeout(() => rej(new Error('redis timed out')), this.redisTimeoutMs);
          timer.unref();
        }),
      ]).finally(() => clearTimeout(timer));
      return set === 'OK';
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'replay check: Redis unavailable, using this process memory only');
      return true;
    }
  }

  private sweep(nowMs: number): void {
    // Entries arrive in roughly expiry order, so stop at the first live one (O(expired)).
    for (const [k, exp] of this.local) {
      if (exp > nowMs) break;
      this.local.delete(k);
    }
  }
}
