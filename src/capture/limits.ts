// Bounds on what one captured profile may cost to decode, checked before the engine sees it.
//
// A registered service is trusted to be reachable, not to be honest: a 1.5 MB gzip'd profile.proto can
// inflate to 1 GiB of identical samples (issue 12, item 2). So the gzip layer is inflated here with a
// hard output cap (zlib stops as soon as the cap is passed; nothing past it is ever allocated), and a
// profile.proto is censused — its top-level sample and location records counted straight off the
// protobuf wire format, without decoding them — before pprof-format builds one object per record.
// Real goroutine profiles hold one sample per distinct stack: 250,000 distinct stacks (the biggest we
// have seen, 1,000,000 goroutines) is a quarter of the sample cap below.
import { constants as zc, gunzipSync } from 'node:zlib';
import { parseDumps, type Snapshot } from '../engine/index.js';
import { sizeText } from './errors.js';

/** Caps for one profile. Units: bytes and record counts. */
export interface DecodeLimits {
  /** Inflated bytes of a gzip'd profile (default: the service's maxBytes). */
  maxInflatedBytes: number;
  /** profile.proto `sample` records (one per distinct stack in a goroutine profile). */
  maxSamples: number;
  /** profile.proto `location` records (one per distinct PC). */
  maxLocations: number;
}

export const DEFAULT_MAX_SAMPLES = 1_000_000;
export const DEFAULT_MAX_LOCATIONS = 2_000_000;

/** What a decode ran out of: inflated bytes, proto records, worker memory or worker time. */
export type LimitKind = 'inflated' | 'samples' | 'locations' | 'memory' | 'time';

/** A profile over one of the decode limits. `limit` is in the unit of `what` (bytes, records,
 *  MiB of heap, ms). The message is safe to show to the user (no profile content). */
export class ProfileLimitError extends Error {
  override name = 'ProfileLimitError';
  constructor(
    readonly what: LimitKind,
    readonly limit: number,
    message: string,
  ) {
    super(message);
  }
}


/** Gunzips `bytes` unless the output would exceed `maxBytes`. A cut stream yields what it holds
 *  (Z_SYNC_FLUSH), as the engine does. Throws ProfileLimitError('inflated') past the cap, Error on
 *  corrupt data. */
export function inflateCapped(bytes: Uint8Array, maxBytes: number): Buffer {
  try {
    // maxOutputLength makes zlib stop (ERR_BUFFER_TOO_LARGE) as soon as the output passes the cap.
    return gunzipSync(bytes, { maxOutputLength: maxBytes, finishFlush: zc.Z_SYNC_FLUSH });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ProfileLimitError(
        'inflated',
        maxBytes,
        `the ${sizeText(bytes.length)} gzip'd profile inflates to more than ${sizeText(maxBytes)} (the service's maxBytes); it was not decoded. If the service really has that many distinct stacks, raise maxBytes for it; otherwise the profile may be a decompression bomb.`,
      );
    }
    throw e;
  }
}

/** Counts the top-level `sample` (field 2) and `location` (field 4) records of a profile.proto
 *  (github.com/google/pprof/proto/profile.proto) by walking the wire format only. Throws
 *  ProfileLimitError when a count passes its cap. Stops quietly at malformed input (the engine's
 *  decoder reports that in its own words). */
export function protoCensus(bytes: Uint8Array, limits: Pick<DecodeLimits, 'maxSamples' | 'maxLocations'>): { samples: number; locations: number } {
  let samples = 0;
  let locations = 0;
  let i = 0;
  const n = bytes.length;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (let k = 0; k < 10; k++) {
      if (i >= n) return -1;
      const b = bytes[i++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
    return -1;
  };
  while (i < n) {
    const tag = varint();
    if (tag < 0) break;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      if (varint() < 0) break;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (len < 0 || i + len > n) break;
      i += len;
      if (field === 2 && ++samples > limits.maxSamples)
        throw new ProfileLimitError('samples', limits.maxSamples, `the profile holds more than ${limits.maxSamples.toLocaleString('en-US')} distinct stacks (samples); it was not decoded. Real goroutine profiles hold far fewer.`);
      if (field === 4 && ++locations > limits.maxLocations)
        throw new ProfileLimitError('locations', limits.maxLocations, `the profile holds more than ${limits.maxLocations.toLocaleString('en-US')} code locations; it was not decoded.`);
    } else break;
  }
  return { samples, locations };
}

export interface DecodeOptions {
  /** Stamped on the snapshot (ms since epoch). */
  capturedAt: number;
  /** The service's maxBytes: cap on inflated bytes, and on text analysed (beyond it: truncated). */
  maxBytes: number;
  maxSamples?: number;
  maxLocations?: number;
  /** The bytes came from /debug/pprof/goroutineleak: mark the snapshot so (its `(leaked)` marks
   *  are precise). Set here, not by the caller afterwards: the decoding worker may encode the
   *  snapshot for storage as soon as it is decoded (src/store/snapshot-data.ts). */
  leakProfile?: boolean;
}

/** Bytes as received from /debug/pprof/goroutine (gzip'd proto, or debug=1/2 text) → Snapshot,
 *  within the limits above. Throws ProfileLimitError, or the engine's DumpFormatError. CPU- and
 *  memory-heavy: the bot runs it in a worker thread (src/analysis/pool.ts). */
export function decodeProfile(raw: Uint8Array, opts: DecodeOptions): Snapshot {
  const s = decodeProfiles(raw, opts).at(-1)!;
  if (opts.leakProfile) s.leakProfile = true;
  return s;
}

/** Every dump in the bytes, oldest first (a file or paste may hold several one after another:
 *  the engine's parseDumps), within the same limits as decodeProfile. Without `capturedAt` the
 *  snapshots carry no capture time (dump files handed over: their order comes from the dumps, as
 *  in `leakbot diff`). Throws as decodeProfile. */
export function decodeProfiles(raw: Uint8Array, opts: Omit<DecodeOptions, 'capturedAt' | 'leakProfile'> & { capturedAt?: number }): Snapshot[] {
  const ingest = { ...(opts.capturedAt === undefined ? {} : { capturedAt: opts.capturedAt }), maxBytes: opts.maxBytes };
  let bytes = raw;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = inflateCapped(bytes, opts.maxBytes);
    } catch (e) {
      if (e instanceof ProfileLimitError) throw e;
      // Corrupt gzip: let the engine say so in its words (it sees the same bytes).
      return parseDumps(raw, ingest);
    }
  }
  // profile.proto opens with field 1 (sample_type, length-delimited): tag byte 0x0a. Text opens with
  // "goroutine" and is streamed by the engine with its own byte cap.
  if (bytes.length > 0 && bytes[0] === 0x0a) {
    protoCensus(bytes, { maxSamples: opts.maxSamples ?? DEFAULT_MAX_SAMPLES, maxLocations: opts.maxLocations ?? DEFAULT_MAX_LOCATIONS });
  }
  return parseDumps(bytes, ingest);
}
