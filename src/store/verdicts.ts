// The verdict each analysed snapshot got when its findings were posted (counts per confidence),
// so a later "set as baseline" can warn that the snapshot looked like a leak. Key per snapshot:
//   {p}:verdict:{svc}:{seq}   JSON SnapshotVerdict, expires with the snapshot history's horizon
import type { Redis } from 'ioredis';

export interface SnapshotVerdict {
  high: number;
  medium: number;
  low: number;
  /** The summary line posted with it (src/slack/messages.ts findingsSummary). */
  summary: string;
  /** What the snapshot was compared with (null: single snapshot). */
  refSeq: number | null;
}

const TTL_SECONDS = 30 * 24 * 3600;

export class VerdictStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'leakbot',
  ) {}

  private k(service: string, seq: number): string {
    return `${this.prefix}:verdict:${service}:${seq}`;
  }

  async set(service: string, seq: number, v: SnapshotVerdict): Promise<void> {
    await this.redis.set(this.k(service, seq), JSON.stringify(v), 'EX', TTL_SECONDS);
  }

  /** Null when the snapshot was never analysed in Slack (or the record expired). */
  async get(service: string, seq: number): Promise<SnapshotVerdict | null> {
    const v = await this.redis.get(this.k(service, seq));
    return v ? (JSON.parse(v) as SnapshotVerdict) : null;
  }
}

/** Counts per confidence of a list of findings. */
export function countByConfidence(findings: ReadonlyArray<{ confidence: string }>): { high: number; medium: number; low: number } {
  const n = (c: string) => findings.filter((f) => f.confidence === c).length;
  return { high: n('high'), medium: n('medium'), low: n('low') };
}
