// Several goroutine dumps handed over at once (files dropped together in Slack, or one file or
// paste holding dumps one after another) read as one series, the way `leakbot diff a b c` reads
// them (src/cli.ts): in the order given, profile.proto by the time Go stamped in it, the engine
// ordering the rest by their goroutine ids; dumps of different processes (a restart: the goroutines
// both list under one id and stack show other call arguments) are found by the engine, which then
// compares goroutine counts per stack and says so. The order of files in a Slack message is no
// evidence of when each was taken, so currentLife's id-drop rule (which needs a known order) is not
// applied: a pair dropped newest first would read as a restart. The separate-process test needs no
// order: where it splits the dumps into processes and one process has two or more, only that
// process's dumps are compared (by goroutine ids) and the others are named as left out, instead of
// every dump compared by counts per stack. Runs in the analysis worker.
import { decodeProfiles, ProfileLimitError } from '../capture/limits.js';
import { restartFromDumps } from '../capture/restart.js';
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
  /** Dumps left out as another process's than the ones compared (an input's name, with "dump i of n"
   *  when it held several); absent when none. */
  otherProcess?: string[];
}

/** The engine's warning on an input holding several dumps says `analyze` reads the last one; here
 *  they are compared, which the series' note says instead (src/engine/ingest.ts TextIngest.finish). */
const SEVERAL_IN_ONE = /^input holds \d+ dumps one after another /;
/** The engine's mark on each earlier dump of such an input: SeriesResult.read says it once per input. */
const NTH_IN_ONE = /^dump \d+ of \d+ in one input$/;

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
  for (const s of snaps) s.warnings = s.warnings.filter((w) => !SEVERAL_IN_ONE.test(w) && !NTH_IN_ONE.test(w));
  const one = oneProcess(snaps);
  const left = snaps.map((_, i) => i).filter((i) => !one.includes(i));
  const kept = one.map((i) => snaps[i]!);
  const keptLabels = one.map((i) => labels[i]!);
  const notes = adoptProfileTimes(kept, keptLabels);
  const a = compare(kept, o.analyze);
  const analysis = notes.length ? { ...a, notes: [...(a.notes ?? []), ...notes] } : a;
  if (left.length === 0) return { analysis, failed, read };
  // Of each input, the dumps compared.
  const keptRead = read.flatMap((r) => {
    const n = keptLabels.filter((l) => l === r.name || l.startsWith(`${r.name} (dump `)).length;
    return n > 0 ? [{ name: r.name, dumps: n }] : [];
  });
  return { analysis, failed, read: keptRead, otherProcess: left.map((i) => labels[i]!) };
}

/** Indices of the dumps to compare: all of them, unless the separate-process test (which needs no
 *  order) splits them into processes one of which has two dumps or more: then that process's (the
 *  one with the most dumps; of equals, the one whose dump was given first). */
function oneProcess(snaps: Snapshot[]): number[] {
  const procs: number[][] = [];
  for (let i = 0; i < snaps.length; i++) {
    const home = procs.find((p) => p.every((j) => !restartFromDumps(snaps[j]!, snaps[i]!).restarted));
    if (home) home.push(i);
    else procs.push([i]);
  }
  const most = procs.reduce((m, p) => (p.length > m.length ? p : m), procs[0]!);
  return procs.length > 1 && most.length > 1 ? most : snaps.map((_, i) => i);
}
