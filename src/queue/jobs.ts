// Job kinds and their payloads. One BullMQ queue ('leakbot') carries every kind; the job name is
// the kind. Other modules add kinds by augmenting JobPayloads from their own files:
//
//   declare module '../queue/jobs.js' {
//     interface JobPayloads { 'alert.notify': AlertJob }
//   }
//
// and registering a processor for it (src/queue/processors.ts). Payloads are plain JSON.

export interface SlackThreadRef {
  channel: string;
  ts: string;
}

/** Who asked and where; every job that answers a person carries one. */
export interface Requester {
  user: string;
  channel: string;
  responseUrl?: string;
  /** Request id of the HTTP request that created the job (log correlation). */
  requestId?: string;
}

export interface SnapshotJob {
  service: string;
  requester: Requester;
  /** Reply inside this thread instead of starting a new one (buttons). */
  thread?: SlackThreadRef;
  /** `/leak snapshot` asked while Redis was unreachable: the service's open thread could not be looked
   *  up, nor the command recorded on the timeline. The job does both when it runs (then drops this). */
  heldLookup?: { at: number; command: string };
  /** Coalescing scope: requests joining this job were recorded under it (store/pending.ts). */
  pendingScope?: string;
  reason: 'command' | 'button' | 'alert' | 'watch' | 'auto';
  /** The automatic second capture of a single snapshot: it updates the messages the first job
   *  posted under this poster key (its findings) instead of posting new ones. `seq`: the first
   *  snapshot whose single-snapshot findings (of the process, or of a fleet's strongest pod) are
   *  put back without their promise of this capture when it fails (absent in jobs queued before it
   *  was added, and when the fleet's findings were a comparison). `fleet`: a fleet's first round
   *  (its pods and snapshots), so a failed automatic round redraws that round's summary without
   *  its promise of this capture. */
  followUp?: { postKey: string; seq?: number; fleet?: NonNullable<SnapshotJob['fleetCheckpoint']> & { stale?: { why: string; at: number } } };
  /** Set by the job once it has a snapshot, so a retry analyses the same one. */
  /** `held`: the thread already held this capture's comparison when the job shared it (said, not re-posted). */
  checkpoint?: { curSeq: number; shared: boolean; held?: boolean };
  /** Set by the job once its capture failed (the user-facing reason, as posted; never a secret):
   *  a retry (Slack was down when the failure was posted, the response_url answered 5xx) reports
   *  this failure again instead of asking the struggling service once more. */
  failure?: { message: string };
  /** `/leak snapshot svc pod=…`: capture only this instance of a multi-instance service. */
  select?: { key: 'pod' | 'instance'; value: string };
  /** Capture this instance first, then the rest of the fleet (an alert named it). */
  first?: { key: 'pod' | 'instance'; value: string };
  /** Instance ids a fleet round samples before any other: the automatic second round takes the
   *  pods the first one captured, so each is compared with its own first snapshot. */
  prefer?: string[];
  /** When the job's fleet round began (ms since epoch; src/flows/fleet.ts): a retry after its
   *  worker died mid-round shares the pods captured since instead of capturing them again. */
  fleetRoundStartedAt?: number;
  /** Set by a fleet capture: each instance's snapshot seq or error (src/flows/fleet.ts). */
  fleetCheckpoint?: { discovered: number; instances: Array<{ id: string; name: string; seq?: number; error?: string; code?: string; brief?: string }> };
}

export interface DiffJob {
  service: string;
  requester: Requester;
  thread?: SlackThreadRef;
  /** Explicit snapshot seqs; otherwise the last two (or baseline vs latest with against='baseline'). */
  fromSeq?: number;
  toSeq?: number;
  against?: 'previous' | 'baseline';
}

export interface ReportJob {
  service: string;
  requester: Requester;
  thread: SlackThreadRef;
  refSeq: number | null;
  curSeq: number;
}

export interface BaselineJob {
  service: string;
  requester: Requester;
  thread?: SlackThreadRef;
  seq: number;
}

export interface JobPayloads {
  snapshot: SnapshotJob;
  diff: DiffJob;
  report: ReportJob;
  baseline: BaselineJob;
}

export type JobKind = keyof JobPayloads & string;

export const QUEUE_NAME = 'leakbot';
