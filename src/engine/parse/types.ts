// What every reader hands to the grouping step, and what it reports about the input as a whole.
import type { BlockKind, Crash, Frame, Goroutine, RecvForm } from '../model.js';

export type Emit = (g: Goroutine) => void;

export interface ParseReport {
  /** Input ended mid-goroutine (or mid-record): analysed as far as it goes. */
  truncated: boolean;
  warnings: string[];
  /** Came from /debug/pprof/goroutineleak: its `(leaked)` marks are precise. */
  leakProfile: boolean;
  /** The input was go.uber.org/goleak's failure report: it lists only goroutines that outlived the
   *  test, each a leak by goleak's definition. */
  goleak?: boolean;
  /** The crash preamble (panic, fatal error, signal, test timeout) of the last dump, when there was one. */
  crash?: Crash;
  /** The format's own header was read (`goroutine profile: total 0` is a valid, empty profile). */
  headerSeen?: boolean;
  /** When the profile says it was taken: profile.proto's time_nanos, in ms since epoch (unset when 0). */
  profileTime?: number;
}

/** One aggregated record (debug=1, pprof -traces): `count` goroutines sharing a stack, with no ids,
 *  creators or wait minutes, and a wait inferred from the frames. */
export function aggregated(
  count: number,
  c: { kind: BlockKind; state: string; recv?: RecvForm },
  frames: Frame[],
  labels: Record<string, string>,
  leaked: boolean,
): Goroutine {
  return {
    id: null,
    count,
    state: c.state,
    stateInferred: true,
    kind: c.kind,
    waitMinutes: null,
    lockedToThread: false,
    leaked,
    labels,
    frames,
    framesElided: false,
    createdBy: null,
    creatorId: null,
    ...(c.recv ? { recv: c.recv } : {}),
  };
}
