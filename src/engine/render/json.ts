// The JSON contract of issue 2 (acceptance checks read it: add fields freely, never rename these):
// analyze → {goroutines, groups, findings}; diff → {before: {goroutines}, after: {goroutines}, findings}.
// Every finding carries state, before, after, delta, frames, createdBy, pattern, advice, score, confidence.
import type { Analysis, Finding, Snapshot, StackGroup } from '../model.js';
import { countsOf, primarySite } from './format.js';

export interface JsonFinding extends Finding {
  /** `file:line` of the blocking site, for grep and editors. */
  location: string | null;
}

export interface JsonGroup {
  key: string;
  state: string;
  kind: StackGroup['kind'];
  count: number;
  frames: StackGroup['frames'];
  createdBy: StackGroup['createdBy'];
  waitMinutes: StackGroup['waitMinutes'];
  orphans: number;
  leaked: number;
  labels: StackGroup['labels'];
  exampleId: number | null;
  distinctCreators?: number;
  liveCreators?: number;
}

interface Common {
  mode: Analysis['mode'];
  findings: JsonFinding[];
  /** Findings per confidence before --max-findings cut the list. */
  counts: NonNullable<Analysis['counts']>;
  hangs: NonNullable<Analysis['hangs']>;
  suppressed: number;
  /** Piles that matched an ignore pattern (0 when none). */
  ignored: number;
  snapshots: Analysis['snapshots'];
  /** Notes on the series as a whole (e.g. dumps compared in another order than given); [] when none. */
  notes: string[];
  /** The dumps were compared as of different processes (counts per stack, no goroutine ids). */
  separateProcesses: boolean;
}

export type JsonReport =
  | (Common & { goroutines: number; groups: JsonGroup[] })
  | (Common & { before: { goroutines: number }; after: { goroutines: number }; goroutines: number; groups: JsonGroup[] });

/** `snapshots` (the analysed ones, oldest first) adds the groups of the latest one, in both modes. */
export function toJsonReport(a: Analysis, snapshots?: Snapshot[]): JsonReport {
  const common: Common = {
    mode: a.mode,
    findings: a.findings.map((f) => {
      const site = primarySite(f);
      // No file (pprof -traces names functions only): no location, rather than ":0".
      return { ...f, location: site?.file ? `${site.file}:${site.line}` : null };
    }),
    counts: countsOf(a),
    hangs: a.hangs ?? [],
    suppressed: a.suppressed,
    ignored: a.ignored ?? 0,
    snapshots: a.snapshots,
    notes: a.notes ?? [],
    separateProcesses: a.separateProcesses === true,
  };
  const first = a.snapshots[0];
  const last = a.snapshots[a.snapshots.length - 1];
  // The latest snapshot's groups in both modes: a diff's `goroutines` and `groups` describe its last snapshot.
  const groups = (snapshots?.[snapshots.length - 1]?.groups ?? []).map(jsonGroup).sort((x, y) => y.count - x.count);
  if (a.mode === 'single') return { goroutines: last?.goroutines ?? 0, groups, ...common };
  return { before: { goroutines: first?.goroutines ?? 0 }, after: { goroutines: last?.goroutines ?? 0 }, goroutines: last?.goroutines ?? 0, groups, ...common };
}

function jsonGroup(g: StackGroup): JsonGroup {
  return {
    key: g.key,
    state: g.state,
    kind: g.kind,
    count: g.count,
    frames: g.frames,
    createdBy: g.createdBy,
    waitMinutes: g.waitMinutes,
    orphans: g.orphans,
    leaked: g.leaked,
    labels: g.labels,
    exampleId: g.exampleId,
    ...(g.distinctCreators !== undefined ? { distinctCreators: g.distinctCreators, liveCreators: g.liveCreators ?? 0 } : {}),
  };
}

export function renderJson(a: Analysis, snapshots?: Snapshot[]): string {
  return JSON.stringify(toJsonReport(a, snapshots), null, 2) + '\n';
}
