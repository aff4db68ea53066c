// Why a capture failed, in words an on-call engineer can act on from Slack. Messages name the
// service and the pprof URL (never header values, never a stack trace); `code` is for metrics and
// for callers that react differently (e.g. retry on timeout, not on not-pprof); `brief` is the few
// words a line listing several failures shows, built from the same figures as the message (never
// read back out of its English, so rewording a message cannot change or break it).

export type CaptureErrorCode =
  | 'unreachable'
  | 'timeout'
  | 'http-status'
  | 'not-pprof'
  | 'too-large'
  | 'not-goroutine-profile'
  | 'redirect'
  | 'aborted';

/** Few words per code, for a failure that carries no figures of its own: a CaptureError built
 *  without a brief, or a failure stored before briefs were (see captureBrief). */
const GENERIC: Record<CaptureErrorCode, string> = {
  unreachable: 'unreachable',
  timeout: 'timed out',
  'http-status': 'HTTP error',
  'not-pprof': 'not pprof',
  'too-large': 'profile too large',
  'not-goroutine-profile': 'not a goroutine profile',
  redirect: 'redirect refused',
  aborted: 'cancelled',
};

/** Briefs of the coordinator's own failure codes (src/capture/coordinator.ts), which are not
 *  CaptureErrors: set where those failures are produced, and the fallback for stored ones. */
export const COORDINATOR_BRIEF = {
  busy: 'another capture still running',
  gone: 'no longer discovered',
  discovery: 'discovery failed',
  unknown_service: 'not a registered service',
} as const;

const BY_CODE: Readonly<Record<string, string>> = { ...GENERIC, ...COORDINATOR_BRIEF };

function genericBrief(code: CaptureErrorCode, status: number | undefined): string {
  return code === 'http-status' && status !== undefined ? `HTTP ${status}` : GENERIC[code];
}

export class CaptureError extends Error {
  override name = 'CaptureError';
  readonly code: CaptureErrorCode;
  /** One or two plain sentences for Slack. */
  readonly userMessage: string;
  /** A few words (at most ~40 characters, no trailing period) for a line that lists several failed
   *  captures (the fleet summary and its table): `no profile within 3 s`, `HTTP 503`. Given by the
   *  builder from the figures it words the message with; without one, a phrase for the code (and
   *  `HTTP <status>` for an http-status with a status). */
  readonly brief: string;
  /** HTTP status when the service answered one. */
  readonly status: number | undefined;

  constructor(code: CaptureErrorCode, userMessage: string, opts: { status?: number; cause?: unknown; brief?: string } = {}) {
    super(userMessage, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.userMessage = userMessage;
    this.status = opts.status;
    this.brief = opts.brief ?? genericBrief(code, opts.status);
  }

  /** Worth trying again later (the service may come back or be less busy). */
  get retryable(): boolean {
    return this.code === 'unreachable' || this.code === 'timeout' || (this.code === 'http-status' && (this.status ?? 0) >= 500);
  }
}

/** A size for people, to a tenth: `64 MiB`, `1.5 MiB`, `2 KiB`, `512 bytes`. A cap under 1 MiB
 *  is not "0 MiB" (a `maxBytes: 2000` service read "inflates to more than 0 MiB"). */
export function sizeText(bytes: number): string {
  const tenth = (x: number): number => Math.round(x * 10) / 10;
  if (bytes >= 1024 * 1024) return `${tenth(bytes / (1024 * 1024))} MiB`;
  if (bytes >= 1024) return `${tenth(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}

/** A timeout for people: `3 s`, `2.5 s` (to a tenth), under a second in ms (`1 ms`, `250 ms`): a
 *  `--timeout 1ms` is not "within 0 s". */
export function durationText(seconds: number): string {
  return seconds < 1 ? `${Math.max(1, Math.round(seconds * 1000))} ms` : `${Math.round(seconds * 10) / 10} s`;
}

/** Where the URL came from, for what a message asks the user to check: one registered in the
 *  config (the bot), or one the user typed (the CLI's `leakbot diff <url>`). */
export type UrlSource = 'registered' | 'typed';

/** Message builders, so every path words the same failure the same way; each sets the brief from
 *  the same figures (seconds, status, size, network reason) it puts in the sentence. */
export const explain = {
  /** `why`: a short network reason (`connection refused`, `ENOTFOUND`), never the raw error text. */
  unreachable: (name: string, url: string, why: string) =>
    new CaptureError('unreachable', `Could not reach ${name} at ${url} (${why}). Is the service running, and is its pprof port reachable from leakbot?`, {
      brief: `unreachable: ${why}`,
    }),
  connectTimeout: (name: string, url: string, seconds: number) =>
    new CaptureError('timeout', `Could not connect to ${name} at ${url} within ${durationText(seconds)}. The host may be down or a firewall may drop the traffic.`, {
      brief: `no connection within ${durationText(seconds)}`,
    }),
  timeout: (name: string, url: string, seconds: number, setting = 'timeoutSeconds for it') =>
    new CaptureError(
      'timeout',
      `${name} did not deliver its goroutine profile within ${durationText(seconds)} (${url}). A very busy or very large service can take longer: raise ${setting}, or try again.`,
      { brief: `no profile within ${durationText(seconds)}` },
    ),
  aborted: (name: string) => new CaptureError('aborted', `The capture of ${name} was cancelled.`, { brief: 'cancelled' }),
  redirect: (name: string, url: string, status: number, source: UrlSource = 'registered') =>
    new CaptureError(
      'redirect',
      `${name} answered ${url} with a redirect (${status}); leakbot does not follow redirects. ${source === 'typed' ? 'Give' : 'Register'} the address where net/http/pprof is served directly.`,
      { status, brief: 'redirect refused' },
    ),
  noPprof: (name: string, url: string, status?: number, source: UrlSource = 'registered') =>
    status === 404
      ? new CaptureError('not-pprof', `${name} has no pprof endpoint at ${url} (404). Check ${source === 'typed' ? 'the' : 'the registered'} URL and that the service imports net/http/pprof on that port.`, {
          status,
          brief: 'no pprof endpoint (404)',
        })
      : new CaptureError(
          'not-pprof',
          `${url} answered with a web page, not a pprof profile. Check that ${source === 'typed' ? 'the URL' : `the registered URL of ${name}`} points at the port where net/http/pprof is served.`,
          { ...(status === undefined ? {} : { status }), brief: 'a web page, not pprof' },
        ),
  status: (name: string, url: string, status: number) =>
    new CaptureError(
      'http-status',
      status === 401 || status === 403
        ? `${name} refused the profile request (${status}) at ${url}. Check the headers (e.g. the token) configured for ${name}.`
        : status >= 500
          ? `${name} failed to produce its goroutine profile (HTTP ${status}) at ${url}. Try again in a moment.`
          : `${name} answered ${url} with HTTP ${status} instead of a goroutine profile.`,
      { status, brief: `HTTP ${status}` },
    ),
  noLeakProfile: (name: string, url: string, status: number) =>
    new CaptureError(
      'http-status',
      `${name} does not serve Go's goroutine leak profile (${url} answered ${status}). It needs Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile.`,
      { status, brief: 'no goroutine leak profile' },
    ),
  /** `setting` names what raises the limit (default: the config key). Lowering debug2MaxGoroutines
   *  is offered only for a debug=2 dump: the compact formats are what it would fall back to. */
  tooLarge: (name: string, url: string, maxBytes: number, setting?: string) => {
    const cap = sizeText(maxBytes);
    return new CaptureError(
      'too-large',
      `The goroutine profile of ${name} is larger than the ${cap} limit (${url}); the capture was stopped. ` +
        (setting
          ? `Raise ${setting}.`
          : /[?&]debug=2(&|$)/.test(url)
            ? `Raise maxBytes for ${name}, or lower debug2MaxGoroutines so the compact format is used.`
            : `Raise maxBytes for ${name}.`),
      { brief: `profile over ${cap}` },
    );
  },
  /** Decode limits (src/capture/limits.ts): inflated size, records, worker heap or time. */
  overLimit: (name: string, url: string, why: string) =>
    new CaptureError('too-large', `The goroutine profile of ${name} was refused (${url}): ${why}`, { brief: 'over the decode limits' }),
  notGoroutineProfile: (name: string, url: string, why: string) =>
    new CaptureError('not-goroutine-profile', `${url} did not return a goroutine profile for ${name}: ${why}`, { brief: 'not a goroutine profile' }),
};

/**
 * The few words shown for a failed capture where a line lists several (the fleet summary and its
 * table). `f` is what was recorded for it: `brief` (CaptureError.brief, or the coordinator's or the
 * fleet flow's own), `code` (a CaptureErrorCode or a coordinator code: busy, gone, discovery,
 * unknown_service) and `message` (the full sentence for people). The brief is used when present;
 * records stored before briefs were (a fleet checkpoint on a job or a capture failure in Redis from
 * an older version) get a phrase for their code, else the message's first clause (at most 60
 * characters), else `not captured`. Figures are never parsed out of the message's English. Never throws.
 */
export function captureBrief(f: { brief?: string | undefined; code?: string | undefined; message?: string | undefined }): string {
  if (f.brief) return f.brief;
  if (f.code !== undefined && Object.hasOwn(BY_CODE, f.code)) return BY_CODE[f.code]!;
  const first = (f.message ?? '').split(/[.;](?:\s|$)/)[0]!.trim();
  return first.length > 60 ? `${first.slice(0, 59)}…` : first || 'not captured';
}
