// Two or more snapshots → one series per stack group (exact key, falling back to the coarse key).
import type { Snapshot, StackGroup } from './model.js';

export interface GroupSeries {
  key: string;
  coarseKey: string;
  /** Count per snapshot, oldest first (0 where the group is absent). */
  counts: number[];
  /** The most recent group seen for this series (frames, state, created-by). */
  group: StackGroup;
  before: number;
  after: number;
  delta: number;
  isNew: boolean;
  vanished: boolean;
  growthPerMinute: number | null;
}

export function matchSeries(series: Snapshot[]): GroupSeries[] {
  void series;
  throw new Error('matchSeries: not implemented yet');
}
