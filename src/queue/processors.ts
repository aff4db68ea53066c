// Processor registry: job kind → function. Modules register their kinds at startup through
// LeakbotContext.processors.register (see src/app.ts); the worker dispatches by job name.
import type { Logger } from '../log.js';
import type { JobKind, JobPayloads } from './jobs.js';

export interface JobInfo<K extends JobKind> {
  id: string;
  kind: K;
  /** The payload; after updateData, what was stored (a processor reads its own checkpoints). */
  data: JobPayloads[K];
  /** 0 on the first attempt. */
  attemptsMade: number;
  maxAttempts: number;
  /** Persist a checkpoint in the job's data so a retry resumes instead of redoing work. */
  updateData(data: JobPayloads[K]): Promise<void>;
  log: Logger;
  /** Aborted when the worker shuts down; long waits should watch it. */
  signal: AbortSignal;
}

export type Processor<K extends JobKind> = (job: JobInfo<K>) => Promise<unknown>;

export class ProcessorRegistry {
  private readonly map = new Map<string, Processor<JobKind>>();

  register<K extends JobKind>(kind: K, fn: Processor<K>): void {
    if (this.map.has(kind)) throw new Error(`processor for job kind ${kind} registered twice`);
    this.map.set(kind, fn as unknown as Processor<JobKind>);
  }

  get(kind: string): Processor<JobKind> | undefined {
    return this.map.get(kind);
  }

  kinds(): string[] {
    return [...this.map.keys()];
  }
}
