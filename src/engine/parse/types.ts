// What every reader hands to the grouping step, and what it reports about the input as a whole.
import type { Goroutine } from '../model.js';

export type Emit = (g: Goroutine) => void;

export interface ParseReport {
  /** Input ended mid-goroutine (or mid-record): analysed as far as it goes. */
  truncated: boolean;
  warnings: string[];
  /** Came from /debug/pprof/goroutineleak: its `(leaked)` marks are precise. */
  leakProfile: boolean;
  /** The format's own header was read (`goroutine profile: total 0` is a valid, empty profile). */
  headerSeen?: boolean;
}
