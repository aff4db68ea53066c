// Capture a goroutine profile from a registered service and parse it with the engine.
//
// Only `<registered url>/debug/pprof/goroutine` and `/debug/pprof/goroutineleak` are ever requested,
// with the service's configured headers (sent, never logged or echoed). Format choice in 'auto':
// the gzip'd proto profile first (Go collects it concurrently; it is the cheap count and keeps the
// runtime frames); when its total ≤ debug2MaxGoroutines, the full debug=2 dump (it stops the world
// for its whole duration, hence the count first) — from /debug/pprof/goroutineleak when the service serves it
// (Go 1.27, or 1.26 with GOEXPERIMENT=goroutineleakprofile), whose `(leaked)` marks are ground truth.
import { DumpFormatError } from '../engine/index.js';
import type { ServiceConfig } from '../config/schema.js';
import type { Snapshot } from '../engine/model.js';
import { CaptureError, explain, type UrlSource } from './errors.js';
import { ServiceTimeBudget } from './budget.js';
import { openProfile, translate, type CappedBody, type FetchContext, type ProfileRequest } from './http.js';
import { decodeProfile, ProfileLimitError, type DecodeOptions } from './limits.js';
import type { Instance } from './targets/types.js';
import { pprofBaseOf, pprofQueryOf } from './pprof-url.js';

export { CaptureError } from './errors.js';
export type { CaptureErrorCode } from './errors.js';

/** A registered service (src/config/schema.ts) plus its name. */
export interface CaptureTarget {
  name: string;
  url: string;
  headers: Record<string, string>;
  timeoutSeconds: number;
  /** What raises timeoutSeconds, named in a timeout's message: the config key by default
   *  (`timeoutSeconds for it`); the CLI passes its `--timeout`. */
  timeoutSetting?: string;
  maxBytes: number;
  /** What raises maxBytes, named when a profile is over it: by default the config key (and, for
   *  a debug=2 dump, debug2MaxGoroutines); the CLI passes its `--max-bytes`. */
  sizeSetting?: string;
  /** Where url came from, for what a failure asks to check: `registered` (default: the config)
   *  or `typed` (the CLI's `leakbot diff <url>`: "Check the URL", not "the registered URL"). */
  urlSource?: UrlSource;
  debug2MaxGoroutines: number;
  /** What raises debug2MaxGoroutines, named when a capture is the proto profile alone: the config key
   *  by default; the CLI passes its `--debug2-max`. */
  debug2Setting?: string;
}

export type CaptureFormat = 'auto' | 'debug1' | 'debug2' | 'proto' | 'leak';

export interface CaptureOptions {
  format?: CaptureFormat;
  signal?: AbortSignal;
  /** Stamped on the snapshot (ms since epoch); default: when the profile request was sent. */
  capturedAt?: number;
  /** Turns the received bytes into a Snapshot within the decode limits (src/capture/limits.ts).
   *  Default: decodeProfile on this thread; the bot passes its worker-thread pool's decode. */
  decode?: (bytes: Uint8Array, opts: DecodeOptions) => Promise<Snapshot> | Snapshot;
  /** Goroutines of this same process at a capture minutes ago (format 'auto'): when well under
   *  debug2MaxGoroutines the counting request is skipped. */
  recentTotal?: number;
}

/** A recent total this many times over still fits the debug=2 limit: skip the count. */
const RECENT_TOTAL_FACTOR = 4;

export interface CaptureResult {
  snapshot: Snapshot;
  /** The response body the snapshot was parsed from, as received (gzip for proto). */
  raw: Buffer;
  format: 'debug1' | 'debug2' | 'proto';
  /** Came from /debug/pprof/goroutineleak: `(leaked)` marks are precise. */
  leakProfile: boolean;
  /** The profile URL fetched (no credentials). */
  url: string;
  bytes: number;
  durationMs: number;
  /** The proto profile alone because the service had more than debug2MaxGoroutines (format 'auto'):
   *  no goroutine ids or creators; the snapshot carries protoOnlyWarning. */
  overLimit: boolean;
}

/** The capture target for a configured service, or for one of its instances (src/capture/targets):
 *  a fleet instance is named `service (pod)` in messages. Throws CaptureError when neither the
 *  service nor the instance has a URL. */
export function captureTarget(
  name: string,
  svc: Pick<ServiceConfig, 'url' | 'headers' | 'timeoutSeconds' | 'maxBytes' | 'debug2MaxGoroutines'>,
  instance?: Pick<Instance, 'url' | 'name'>,
): CaptureTarget {
  const url = instance?.url ?? svc.url;
  if (url === undefined) throw new CaptureError('unreachable', `${name} lists several instances; name one (pod=… or instance=…).`, { brief: 'several instances: name one' });
  const label = instance && svc.url === undefined ? `${name} (${instance.name})` : name;
  return { name: label, url, headers: svc.headers, timeoutSeconds: svc.timeoutSeconds, maxBytes: svc.maxBytes, debug2MaxGoroutines: svc.debug2MaxGoroutines };
}

// Services that answered 404 for the leak profile, and until when we believe it (a redeploy on a
// newer Go may add it).
const NO_LEAK_PROFILE_TTL_MS = 60 * 60 * 1000;
const noLeakProfile = new Map<string, number>();

/** Forget what we learnt about which services serve the leak profile (tests, config reload). */
export function resetLeakProfileMemory(): void {
  noLeakProfile.clear();
}

export async function captureSnapshot(target: CaptureTarget, opts: CaptureOptions = {}): Promise<CaptureResult> {
  const started = Date.now();
  const { base, query, headers } = pprofBase(target);
  const timeoutMs = Math.max(1, target.timeoutSeconds * 1000);
  if (opts.signal?.aborted) throw explain.aborted(target.name);
  const budget = new ServiceTimeBudget(timeoutMs);
  try {
    return await captureWithin(target, opts, budget, started, { base, query }, headers, timeoutMs);
  } finally {
    budget.dispose();
  }
}

async function captureWithin(target: CaptureTarget, opts: CaptureOptions, budget: ServiceTimeBudget, started: number, where: { base: string; query: string }, headers: Record<string, string>, timeoutMs: number): Promise<CaptureResult> {
  const { base, query } = where;
  const ctx: FetchContext = {
    name: target.name,
    base,
    query,
    headers,
    maxBytes: target.maxBytes,
    timeoutMs,
    timeoutSetting: target.timeoutSetting ?? 'timeoutSeconds for it',
    sizeSetting: target.sizeSetting,
    ...(target.urlSource ? { urlSource: target.urlSource } : {}),
    get deadline() {
      return budget.deadline;
    },
    signal: opts.signal ? AbortSignal.any([budget.signal, opts.signal]) : budget.signal,
    userSignal: opts.signal,
  };
  const memoKey = `${target.name} ${base}`;
  const format = opts.format ?? 'auto';

  let body: CappedBody;
  let leak = false;
  let snapshot: Snapshot | null = null;
  let overLimit = false;
  if (format === 'debug1') body = (await openProfile(ctx, { profile: 'goroutine', debug: 1 }))!;
  else if (format === 'proto') body = (await openProfile(ctx, { profile: 'goroutine', debug: 0 }))!;
  else if (format === 'leak') {
    const req: ProfileRequest = { profile: 'goroutineleak', debug: 2 };
    const b = await openProfile(ctx, req, true);
    if (!b) throw explain.noLeakProfile(target.name, `${base}/debug/pprof/goroutineleak`, 404);
    body = b;
    leak = true;
  } else if (format === 'debug2') body = (await openProfile(ctx, { profile: 'goroutine', debug: 2 }))!;
  else {
    // auto: the compact proto profile (collected concurrently, a few kB even for 100k goroutines) is
    // the cheap count, and the answer itself for a service too large for the stop-the-world dump.
    // Unlike debug=1 it keeps the runtime frames, so send, receive and nil-channel waits stay apart.
    // The count is skipped when this process had far fewer goroutines than the limit moments ago
    // (fleet rounds: one request per instance instead of two).
    const known = opts.recentTotal !== undefined && opts.recentTotal * RECENT_TOTAL_FACTOR <= target.debug2MaxGoroutines;
    const countBody = known ? null : (await openProfile(ctx, { profile: 'goroutine', debug: 0 }))!;
    const counted = countBody ? await parse(countBody, ctx, budget, opts.capturedAt ?? started, opts.decode) : null;
    if (!counted || counted.total <= target.debug2MaxGoroutines) {
      try {
        const until = noLeakProfile.get(memoKey);
        const tryLeak = until === undefined || until < Date.now();
        const lb = tryLeak ? await openProfile(ctx, { profile: 'goroutineleak', debug: 2 }, true) : null;
        if (lb) {
          noLeakProfile.delete(memoKey);
          body = lb;
          leak = true;
        } else {
          if (tryLeak) noLeakProfile.set(memoKey, Date.now() + NO_LEAK_PROFILE_TTL_MS);
          body = (await openProfile(ctx, { profile: 'goroutine', debug: 2 }))!;
        }
        snapshot = await parse(body, ctx, budget, opts.capturedAt ?? started, opts.decode, leak);
      } catch (err) {
        // The service delivered the proto profile but not the detailed dump within timeoutSeconds
        // (a loaded service answers each request slowly, and the time is shared by the count, the
        // leak-profile probe and the dump): the proto profile is a snapshot too. Failing the whole
        // capture there said the service 'did not deliver its goroutine profile' (naming
        // goroutineleak, a profile nobody asked for) while one was already in hand.
        if (!counted || !countBody || !(err instanceof CaptureError) || err.code !== 'timeout' || opts.signal?.aborted) throw err;
        body = countBody;
        leak = false;
        snapshot = { ...counted, warnings: [...counted.warnings, protoOnlySlowWarning(target.timeoutSeconds, ctx.timeoutSetting)] };
      }
    } else {
      body = countBody!;
      // Said in the thread like any reader's warning: the verdict rests on counts, not identity.
      overLimit = true;
      snapshot = { ...counted, warnings: [...counted.warnings, protoOnlyWarning(target.debug2MaxGoroutines, target.debug2Setting ?? 'debug2MaxGoroutines')] };
    }
  }

  snapshot ??= await parse(body, ctx, budget, opts.capturedAt ?? started, opts.decode, leak);
  const raw = body.raw();
  return {
    snapshot,
    raw,
    format: snapshot.format,
    leakProfile: snapshot.leakProfile,
    url: body.url,
    bytes: body.bytes,
    durationMs: Date.now() - started,
    overLimit,
  };
}

/** Why a capture is the proto profile alone when the service was too slow for the detailed dump. */
export function protoOnlySlowWarning(timeoutSeconds: number, setting: string): string {
  return `captured as profile.proto only: the service answered it but not the detailed debug=2 dump within ${timeoutSeconds} s, so there are no goroutine ids or creators and growth is read from counts; raise ${setting} (the time is shared by every request of one capture)`;
}

/** Why a capture is the proto profile alone: above debug2MaxGoroutines (`limit`) the debug=2 dump
 *  (which stops the world while Go writes it) is not taken, so no goroutine ids or creators come with
 *  it; `setting` is what raises the limit. The same words for every capture, so a series says it once. */
export function protoOnlyWarning(limit: number, setting: string): string {
  return `captured as profile.proto only: more than ${limit.toLocaleString('en-US')} goroutines, above which leakbot does not take the debug=2 dump (Go stops the world while it writes one), so there are no goroutine ids or creators and growth is read from counts; ${setting} raises the limit`;
}

async function parse(body: CappedBody, ctx: FetchContext, budget: ServiceTimeBudget, capturedAt: number, decode: CaptureOptions['decode'] = decodeProfile, leakProfile = false): Promise<Snapshot> {
  try {
    const first = await body.firstLine();
    if (/^\s*</.test(first)) throw explain.noPprof(ctx.name, body.url, undefined, ctx.urlSource); // an HTML page sent as text/plain
    // The body is read whole (it is kept as the raw dump anyway, within maxBytes), then decoded
    // within the decode limits — by the caller's worker thread when it passes one.
    for await (const _ of body);
    // Our decoding (and a cold start of the pool's thread) is not the service's time.
    return await budget.paused(() => decode(body.raw(), { capturedAt, maxBytes: ctx.maxBytes, ...(leakProfile ? { leakProfile } : {}) }));
  } catch (err) {
    if (err instanceof CaptureError) throw err;
    if (err instanceof ProfileLimitError) throw explain.overLimit(ctx.name, body.url, err.message);
    if (err instanceof DumpFormatError) throw explain.notGoroutineProfile(ctx.name, body.url, err.message);
    if (ctx.signal.aborted) throw translate(err, ctx, body.url);
    throw new CaptureError('not-goroutine-profile', `The goroutine profile of ${ctx.name} could not be read (${body.url}).`, { cause: err, brief: 'unreadable profile' });
  } finally {
    body.close();
  }
}

/** Where /debug/pprof/ lives for a target: the registered URL without query, fragment, trailing
 *  slash or a /debug/pprof[/goroutine] suffix someone pasted. Its query (an auth proxy's token) is
 *  sent with every profile request, less debug= and seconds= (pprofQueryOf), and never shown with
 *  its values. Credentials in the URL become a basic Authorization header (unless one is
 *  configured) and never appear in messages. */
function pprofBase(target: CaptureTarget): { base: string; query: string; headers: Record<string, string> } {
  let u: URL;
  try {
    u = new URL(target.url);
  } catch {
    throw new CaptureError('unreachable', `The registered URL of ${target.name} is not a valid URL.`, { brief: 'invalid registered URL' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new CaptureError('unreachable', `The registered URL of ${target.name} must be http or https.`, { brief: 'registered URL not http(s)' });
  const headers = { ...target.headers };
  if ((u.username || u.password) && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
    const cred = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    headers.authorization = `Basic ${Buffer.from(cred).toString('base64')}`;
  }
  return { base: pprofBaseOf(u), query: pprofQueryOf(u), headers };
}
