// Messages between the analysis pool (main thread) and its worker threads. Plain data: everything
// crosses by structured clone (the input bytes are transferred, not copied).
import type { DecodeOptions, LimitKind } from '../capture/limits.js';
import type { AnalyzeOptions, Snapshot } from '../engine/index.js';

export type TaskRequest =
  | { id: number; op: 'decode'; bytes: Uint8Array; opts: DecodeOptions }
  | { id: number; op: 'analyze'; snapshots: Snapshot[]; opts: AnalyzeOptions };

export type TaskReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; what?: LimitKind; limit?: number } };
