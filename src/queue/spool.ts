// Requests held while Redis is unreachable, on local disk (issue 12, item 5): a held job must survive
// the web process that accepted it, or the person who asked is promised a reply nobody will send.
//
// Each process appends to its own JSON-lines file (0600: it holds response_urls) under
// LEAKBOT_SPOOL_DIR, one `hold` line per held job and one `done` line once BullMQ has it. A process
// starting with the same Redis URL and key prefix claims every file left in the directory (atomic
// rename), re-holds what was never done, and deletes the claimed file. If two live processes end up
// replaying the same job, BullMQ's job-id dedupe keeps it one job. Jobs older than MAX_AGE_MS are
// dropped on load: their response_url has long expired (Slack keeps it 30 minutes).
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobsOptions } from 'bullmq';
import type { Logger } from '../log.js';

/** One held job, as written to the spool. */
export interface SpooledJob {
  kind: string;
  data: unknown;
  opts: JobsOptions;
  /** When it was held (ms since epoch). */
  at: number;
}

type Line = ({ op: 'hold' } & SpooledJob) | { op: 'done'; jobId: string };

const MAX_AGE_MS = 24 * 3600_000;

export function defaultSpoolDir(): string {
  return join(tmpdir(), 'leakbot-spool');
}

export class HeldJobSpool {
  private readonly file: string;
  private readonly tag: string;

  /** `redisUrl` and `prefix` name the queue the jobs belong to; only files of that queue are claimed. */
  constructor(
    private readonly dir: string,
    redisUrl: string,
    prefix: string,
    private readonly log: Logger,
  ) {
    this.tag = createHash('sha256').update(`${redisUrl}\n${prefix}`).digest('hex').slice(0, 16);
    this.file = join(dir, `held-${this.tag}-${randomUUID()}.jsonl`);
  }

  /** Records a held job (synchronously: it is on disk before the user is told it is held). */
  hold(job: SpooledJob): void {
    this.append({ op: 'hold', ...job });
  }

  /** Records that a held job reached BullMQ. */
  done(jobId: string): void {
    this.append({ op: 'done', jobId });
  }

  /** Nothing is held any more: drop our file. */
  clear(): void {
    rmSync(this.file, { force: true });
  }

  /** Claims the spool files of this queue left by earlier (or other) processes and returns the jobs
   *  they still hold, oldest first. Unreadable lines are skipped and logged. */
  claim(now = Date.now()): SpooledJob[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const held = new Map<string, SpooledJob>();
    for (const name of names) {
      if (!name.startsWith(`held-${this.tag}-`) || join(this.dir, name) === this.file) continue;
      const claimed = join(this.dir, `claimed-${randomUUID()}.jsonl`);
      try {
        renameSync(join(this.dir, name), claimed);
      } catch {
        continue; // another process claimed it first
      }
      for (const raw of readFileSync(claimed, 'utf8').split('\n')) {
        if (!raw.trim()) continue;
        try {
          const l = JSON.parse(raw) as Line;
          if (l.op === 'hold' && typeof l.opts?.jobId === 'string') held.set(l.opts.jobId, { kind: l.kind, data: l.data, opts: l.opts, at: l.at });
          else if (l.op === 'done') held.delete(l.jobId);
        } catch {
          this.log.warn({ file: claimed }, 'unreadable line in the held-jobs spool; skipped');
        }
      }
      rmSync(claimed, { force: true });
    }
    const fresh = [...held.values()].filter((j) => now - j.at < MAX_AGE_MS).sort((a, b) => a.at - b.at);
    if (fresh.length < held.size) this.log.warn({ dropped: held.size - fresh.length }, 'held jobs older than a day dropped from the spool');
    for (const j of fresh) this.hold(j);
    return fresh;
  }

  private append(l: Line): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      appendFileSync(this.file, `${JSON.stringify(l)}\n`, { mode: 0o600 });
    } catch (err) {
      this.log.error({ err: (err as Error).message, dir: this.dir }, 'cannot write the held-jobs spool: held jobs only live in memory');
    }
  }
}
