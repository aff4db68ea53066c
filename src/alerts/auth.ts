import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';

// Who may post alerts: whoever holds LEAKBOT_WEBHOOK_TOKEN. Alertmanager's http_config.authorization
// sends it as `Authorization: Bearer <token>`; senders that only do basic auth (Grafana contact points,
// older proxies) put it in the password (any user name). Comparison is on SHA-256 digests so the
// lengths are always equal and timingSafeEqual leaks neither the token nor its length.

export type AuthResult = { ok: true; scheme: 'bearer' | 'basic' } | { ok: false; reason: string };
export type AuthCheck = (authorization: string | undefined) => AuthResult;

/** Shorter tokens are accepted with a warning (at start, and by `leakbot doctor`). */
export const MIN_TOKEN_LENGTH = 16;

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export function createAuthCheck(token: string): AuthCheck {
  const expected = digest(token);
  const matches = (candidate: string): boolean => timingSafeEqual(digest(candidate), expected);
  return (authorization) => {
    if (!authorization) return { ok: false, reason: 'no Authorization header' };
    const m = /^(\S+)\s+(\S.*)$/.exec(authorization.trim());
    if (!m) return { ok: false, reason: 'malformed Authorization header' };
    const scheme = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (scheme === 'bearer') {
      return matches(value) ? { ok: true, scheme: 'bearer' } : { ok: false, reason: 'wrong bearer token' };
    }
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return { ok: false, reason: 'malformed basic credentials' };
      return matches(decoded.slice(colon + 1)) ? { ok: true, scheme: 'basic' } : { ok: false, reason: 'wrong basic-auth password' };
    }
    // Only the scheme name is echoed, never the credentials.
    return { ok: false, reason: `unsupported Authorization scheme ${JSON.stringify(scheme.slice(0, 20))}` };
  };
}

/** The check for the configured token (LEAKBOT_WEBHOOK_TOKEN), or null (webhook disabled) when it is
 *  unset. Says so at start, so "alerts never arrive" has an obvious explanation in the log. */
export function webhookAuth(configured: string | undefined, log: Logger): AuthCheck | null {
  const token = configured?.trim();
  if (!token) {
    log.warn('LEAKBOT_WEBHOOK_TOKEN is not set: POST /webhooks/alertmanager is disabled and refuses every request');
    return null;
  }
  if (token.length < MIN_TOKEN_LENGTH) {
    log.warn({ minLength: MIN_TOKEN_LENGTH }, 'LEAKBOT_WEBHOOK_TOKEN is short; use a long random value (e.g. openssl rand -hex 32)');
  }
  return createAuthCheck(token);
}
