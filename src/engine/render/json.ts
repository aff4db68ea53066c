import type { Analysis, Snapshot } from '../model.js';

/** The JSON contract of issue 2 (fields may be added, never renamed). */
export type JsonReport = Record<string, unknown>;

/** analyze: {goroutines, groups, findings}; diff: {before: {goroutines}, after: {goroutines}, findings}. */
export function toJsonReport(a: Analysis, snapshots?: Snapshot[]): JsonReport {
  void a;
  void snapshots;
  throw new Error('toJsonReport: not implemented yet');
}

export function renderJson(a: Analysis, snapshots?: Snapshot[]): string {
  return JSON.stringify(toJsonReport(a, snapshots), null, 2) + '\n';
}
