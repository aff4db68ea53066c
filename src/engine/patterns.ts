// The leak pattern catalogue: how each pattern is recognised is in rank.ts; here are names and advice.
import type { PatternId } from './model.js';

export interface PatternInfo {
  id: PatternId;
  title: string;
  advice: string;
}

export const PATTERNS: Record<PatternId, PatternInfo> = {} as Record<PatternId, PatternInfo>;

export function patternInfo(id: PatternId): PatternInfo {
  const p = PATTERNS[id];
  if (!p) throw new Error(`unknown pattern ${id}`);
  return p;
}
