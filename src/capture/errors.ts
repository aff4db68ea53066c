// Why a capture failed, in words an on-call engineer can act on from Slack. Messages name the
// service and the pprof URL (never header values, never a stack trace); `code` is for metrics and
// for callers that react differently (e.g. retry on timeout, not on not-pprof).

export type CaptureErrorCode =
  | 'unreachable'
  | 'timeout'
  | 'http-status'
  | 'not-pprof'
  | 'too-large'
  | 'not-goroutine-profile'
  | 'redirect'
  | 'aborted';

export class CaptureError extends Error {
  override name = 'CaptureError';
  readonly code: CaptureErrorCode;
  /** One or two plain sentences for Slack. */
  readonly userMessage: string;
  /** HTTP status when the service answered one. */
  readonly status: number | undefined;

  constructor(code: CaptureErrorCode, userMessage: string, opts: { status?: number; cause?: unknown } = {}) {
    super(userMessage, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.userMessage = userMessage;
    this.status = opts.status;
  }

  /** Worth trying again later (the service may come back or be less busy). */
  get retryable(): boolean {
    return this.code === 'unreachable' || this.code === 'timeout' || (this.code === 'http-status' && (this.status ?? 0) >= 500);
  }
}

const mib = (n: number): string => `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`;

/** Message builders, so every path words the same failure the same way. */
export const explain = {
  unreachable: (name: string, url: string, why: string) =>
    new CaptureError('unreachable', `Could not reach ${name} at ${url} (${why}). Is the service running, and is its pprof port reachable from leakbot?`),
  connectTimeout: (name: string, url: string, seconds: number) =>
    new CaptureError('timeout', `Could not connect to ${name} at ${url} within ${seconds} s. The host may be down or a firewall may drop the traffic.`),
  timeout: (name: string, url: string, seconds: number, setting = 'timeoutSeconds for it') =>
    new CaptureError(
      'timeout',
      `${name} did not deliver its goroutine profile within ${seconds} s (${url}). A very busy or very large service can take longer: raise ${setting}, or try again.`,
    ),
  aborted: (name: string) => new CaptureError('aborted', `The capture of ${name} was cancelled.`),
  redirect: (name: string, url: string, status: number) =>
    new CaptureError(
      'redirect',
      `${name} answered ${url} with a redirect (${status}); leakbot does not follow redirects. Register the address where net/http/pprof is served directly.`,
      { status },
    ),
  noPprof: (name: string, url: string, status?: number) =>
    new CaptureError(
      'not-pprof',
      status === 404
        ? `${name} has no pprof endpoint at ${url} (404). Check the registered URL and that the service imports net/http/pprof on that port.`
        : `${url} answered with a web page, not a pprof profile. Check that the registered URL of ${name} points at the port where net/http/pprof is served.`,
      status === undefined ? {} : { status },
    ),
  status: (name: string, url: string, status: number) =>
    new CaptureError(
      'http-status',
      status === 401 || status === 403
        ? `${name} refused the profile request (${status}) at ${url}. Check the headers (e.g. the token) configured for ${name}.`
        : status >= 500
          ? `${name} failed to produce its goroutine profile (HTTP ${status}) at ${url}. Try again in a moment.`
          : `${name} answered ${url} with HTTP ${status} instead of a goroutine profile.`,
      { status },
    ),
  noLeakProfile: (name: string, url: string, status: number) =>
    new CaptureError(
      'http-status',
      `${name} does not serve Go's goroutine leak profile (${url} answered ${status}). It needs Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile.`,
      { status },
    ),
  /** `setting` names what raises the limit (default: the config key). Lowering debug2MaxGoroutines
   *  is offered only for a debug=2 dump: the compact formats are what it would fall back to. */
  tooLarge: (name: string, url: string, maxBytes: number, setting?: string) =>
    new CaptureError(
      'too-large',
      `The goroutine profile of ${name} is larger than the ${mib(maxBytes)} limit (${url}); the capture was stopped. ` +
        (setting
          ? `Raise ${setting}.`
          : /[?&]debug=2(&|$)/.test(url)
            ? `Raise maxBytes for ${name}, or lower debug2MaxGoroutines so the compact format is used.`
            : `Raise maxBytes for ${name}.`),
    ),
  /** Decode limits (src/capture/limits.ts): inflated size, records, worker heap or time. */
  overLimit: (name: string, url: string, why: string) =>
    new CaptureError('too-large', `The goroutine profile of ${name} was refused (${url}): ${why}`),
  notGoroutineProfile: (name: string, url: string, why: string) =>
    new CaptureError('not-goroutine-profile', `${url} did not return a goroutine profile for ${name}: ${why}`),
};

/**
 * A few words for a failed capture, where a line lists several (the fleet summary and its table):
 * `unreachable: connection refused`, `no profile within 3 s`, `HTTP 503`. `code` is a CaptureErrorCode
 * or a coordinator code (busy, gone, discovery); `message` is the userMessage the builders above
 * wrote, so the figures are read from their wording (errors.test.ts keeps the two in step). Any
 * other message gives its first clause, at most 60 characters. Never throws.
 */
export function captureBrief(code: string | undefined, message: string): string {
  const grab = (re: RegExp): string | undefined => re.exec(message)?.[1];
  switch (code) {
    case 'timeout': {
      const s = grab(/within (\d+) s\b/) ?? '?';
      return message.startsWith('Could not connect') ? `no connection within ${s} s` : `no profile within ${s} s`;
    }
    case 'unreachable':
      return `unreachable: ${grab(/ \(([^()]+)\)\. Is the service/) ?? 'network error'}`;
    case 'http-status':
      return message.includes("goroutine leak profile") ? 'no goroutine leak profile' : `HTTP ${grab(/(?:HTTP |\()(\d{3})\b/) ?? 'error'}`;
    case 'not-pprof':
      return message.includes('(404)') ? 'no pprof endpoint (404)' : 'a web page, not pprof';
    case 'redirect':
      return 'redirect refused';
    case 'too-large': {
      const cap = grab(/larger than the ([\d.]+ MiB) limit/);
      return cap ? `profile over ${cap}` : 'over the decode limits';
    }
    case 'not-goroutine-profile':
      return 'not a goroutine profile';
    case 'aborted':
      return 'cancelled';
    case 'busy':
      return 'another capture still running';
    case 'gone':
      return 'no longer discovered';
  }
  const first = message.split(/[.;](?:\s|$)/)[0]!.trim();
  return first.length > 60 ? `${first.slice(0, 59)}…` : first || 'not captured';
}
