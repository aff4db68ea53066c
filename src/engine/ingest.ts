// Entry points from bytes to a Snapshot: detect gzip and format, stream lines through the right
// reader, group as we go. Pure compute: callers hand us bytes (or an async stream of them).
import type { Snapshot } from './model.js';

/** Input that is not a goroutine profile. The message names what was expected. */
export class DumpFormatError extends Error {
  override name = 'DumpFormatError';
}

export interface IngestOptions {
  /** When the capturer took the dump (ms since epoch); the engine never reads a clock. */
  capturedAt?: number;
  /** Cap on (decompressed) input bytes; beyond it the dump is analysed as truncated. Default 256 MiB. */
  maxBytes?: number;
}

/** Stream a dump (any format, gzip or not) into a Snapshot. */
export async function readSnapshot(
  source: AsyncIterable<Uint8Array> | Uint8Array | string,
  opts: IngestOptions = {},
): Promise<Snapshot> {
  if (typeof source === 'string' || source instanceof Uint8Array) return parseDump(source, opts);
  void opts;
  throw new DumpFormatError('streaming input not implemented yet: expected a goroutine profile');
}

/** Parse a whole dump held in memory. Throws DumpFormatError on input that is no goroutine profile. */
export function parseDump(input: Uint8Array | string, opts: IngestOptions = {}): Snapshot {
  void input;
  void opts;
  throw new DumpFormatError('parser not implemented yet: expected a goroutine profile (debug=0, 1 or 2)');
}
