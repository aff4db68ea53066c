// Signals → score and confidence for every group series; only suspects become findings.
import type { Analysis, Snapshot } from './model.js';

/** Knobs the CLI, the bot and the config pass to analyze/compare. */
export interface AnalyzeOptions {
  /** Extra benign patterns: regexes over function names (any frame) that are never findings. */
  ignore?: string[];
  /** Diff mode: groups that grew by fewer goroutines than this across the series are not findings. */
  minDelta?: number;
  /** Cap on findings returned, best first (default 25). */
  maxFindings?: number;
}

/** Single-snapshot analysis: no growth signal, so confidence is lower than in a series. */
export function analyze(snapshot: Snapshot, opts: AnalyzeOptions = {}): Analysis {
  return compare([snapshot], opts);
}

/** Two or more snapshots of one service, oldest first: a leak keeps growing, a surge rises and falls. */
export function compare(series: Snapshot[], opts: AnalyzeOptions = {}): Analysis {
  void series;
  void opts;
  throw new Error('compare: not implemented yet');
}
