// Messages between the analysis pool (main thread) and its worker threads. Plain data: everything
// crosses by structured clone (the input bytes are transferred, not copied).
import type { DecodeOptions, LimitKind } from '../capture/limits.js';
import type { AnalyzeOptions, Snapshot } from '../engine/index.js';
import type { DumpInput, SeriesOptions } from './series.js';

export type TaskRequest =
  | { id: number; op: 'decode'; bytes: Uint8Array; opts: DecodeOptions; storedForm?: boolean }
  /** Each snapshot as an object, or as its stored form (gzip'd JSON, src/store/snapshot-data.ts)
   *  when it has one: bytes are cheap to copy, a big object graph is not. */
  | { id: number; op: 'analyze'; snapshots: (Snapshot | Uint8Array)[]; opts: AnalyzeOptions }
  /** decode then analyze in one task: the snapshot never crosses to the main thread. */
  | { id: number; op: 'analyzeProfile'; bytes: Uint8Array; opts: DecodeOptions; analyze: AnalyzeOptions }
  /** Several dump inputs read as one series (src/analysis/series.ts); the bytes are transferred. */
  | { id: number; op: 'analyzeDumps'; inputs: DumpInput[]; opts: SeriesOptions };

/** What 'decode' answers: the snapshot, and with `storedForm` its gzip'd JSON (transferred). */
export interface DecodeReply {
  snapshot: Snapshot;
  data?: Uint8Array;
}

export type TaskReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; what?: LimitKind; limit?: number } };
