// Several goroutine dumps handed over at once (files dropped together in Slack, or one file or
// paste holding dumps one after another) read as one series, the way `leakbot diff a b c` reads
// them (src/cli.ts): in the order given, profile.proto by the time Go stamped in it, the engine
// ordering the rest by their goroutine ids; dumps of different processes (a restart: the goroutines
// both list under one id and stack show other call arguments) are found by the engine, which then
// compares goroutine counts per stack and says so. The order of files in a Slack message is no
// evidence of when each was taken, so currentLife's id-drop rule (which needs a known order) is not
// applied: a pair dropped newest first would read as a restart. Runs in the analysis worker.
import { decodeProfiles, ProfileLimitError } from '../capture/limits.js';
import { adoptProfileTimes } from '../dump-series.js';
import { analyze, compare, DumpFormatError, type Analysis, type AnalyzeOptions, type Snapshot } from '../engine/index.js';

/** One dump input: a file's name (or "pasted dump") and its bytes. */
export interface DumpInput {
  name: string;
  bytes: Uint8Array;
}

export interface SeriesOptions {
  /** Cap on the decompressed bytes of each input (the capture cap). */
  maxBytes: number;
  /** Stamped on the snapshot when the inputs hold one dump in all (ms since epoch; the caller's clock). */
  capturedAt: number;
  analyze: AnalyzeOptions;
}

/** What reading a series gave: the analysis (null when no input could be read), the inputs that
 *  could not be read with the engine's or the limits' reason, and how many dumps each read input held. */
export interface SeriesResult {
  analysis: Analysis | null;
  failed: Array<{ name: string; message: string }>;
  read: Array<{ name: string; dumps: number }>;
}

/** The engine's warning on an input holding several dumps says `analyze` reads the last one; here
 *  they are compared, which the series' note says instead (src/engine/ingest.ts TextIngest.finish). */
const SEVERAL_IN_ONE = /^input holds \d+ dumps one after another /;

/**
 * Reads every input (each may hold several dumps), then analyses one dump alone, or compares them
 * all oldest first. Inputs that are no goroutine dump or break a limit are listed in `failed`
 * (DumpFormatError, ProfileLimitError) and left out; other errors are thrown.
 */
export function analyzeDumps(inputs: DumpInput[], o: SeriesOptions): SeriesResult {
  const failed: SeriesResult['failed'] = [];
  const read: SeriesResult['read'] = [];
  const snaps: Snapshot[] = [];
  const labels: string[] = [];
  for (const input of inputs) {
    let got: Snapshot[];
    try {
      got = decodeProfiles(input.bytes, { maxBytes: o.maxBytes });
    } catch (err) {
      if (err instanceof DumpFormatError || err instanceof ProfileLimitError) {
        failed.push({ name: input.name, message: err.message });
        continue;
      }
      throw err;
    }
    read.push({ name: input.name, dumps: got.length });
    got.forEach((s, i) => {
      snaps.push(s);
      labels.push(got.length > 1 ? `${input.name} (dump ${i + 1} of ${got.length})` : input.name);
    });
  }
  if (snaps.length === 0) return { analysis: null, failed, read };
  if (snaps.length === 1) {
    const only = snaps[0]!;
    only.capturedAt ??= o.capturedAt;
    return { analysis: analyze(only, o.analyze), failed, read };
  }
  for (const s of snaps) s.warnings = s.warnings.filter((w) => !SEVERAL_IN_ONE.test(w));
  const notes = adoptProfileTimes(snaps, labels);
  const a = compare(snaps, o.analyze);
  return { analysis: notes.length ? { ...a, notes: [...(a.notes ?? []), ...notes] } : a, failed, read };
}
