// Profile decoding and analysis in worker threads (node:worker_threads), so that
// - a 40 MB debug=1 profile of 1,000,000 goroutines is parsed while the main thread keeps answering
//   Slack's 3 s acks and /healthz (issue 12, item 3), in every role;
// - a hostile profile that slips past the decode limits (src/capture/limits.ts) can only exhaust its
//   worker's heap (resourceLimits.maxOldGenerationSizeMb): that task fails with ProfileLimitError
//   ('memory'), the worker is replaced, and the process lives on (item 2).
// The engine stays pure; this is the adapter that runs it elsewhere. Tasks queue FIFO when every
// worker is busy. Workers start on first use and never hold the process open while idle.
import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { DumpFormatError, type Analysis, type AnalyzeOptions, type Snapshot } from '../engine/index.js';
import { ProfileLimitError, type DecodeOptions } from '../capture/limits.js';
import type { Logger } from '../log.js';
import { attachStoredForm, storedFormOf } from '../store/snapshot-data.js';
import type { DecodeReply, TaskReply, TaskRequest } from './protocol.js';
import type { DumpInput, SeriesOptions, SeriesResult } from './series.js';

export interface AnalysisPoolOptions {
  /** Worker threads (default: 2, or 1 on a single-core machine). */
  size?: number;
  /** V8 old-generation heap cap per worker, in MiB (default 2048; env LEAKBOT_PARSE_MEMORY_MB). */
  memoryMb?: number;
  /** A task running longer than this (ms) is abandoned and its worker replaced (default 180 s). */
  taskTimeoutMs?: number;
  log?: Logger;
}

type Task = { req: DistributiveOmit<TaskRequest, 'id'>; transfer: ArrayBuffer[]; resolve(v: unknown): void; reject(e: Error): void };
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

interface Slot {
  worker: Worker | null;
  task: (Task & { id: number; timer: NodeJS.Timeout }) | null;
}

/** Spawns the worker script: the compiled worker.js next to this file, or — when running from the
 *  TypeScript sources (tsx) — worker.ts behind tsx's loader, which worker threads do not inherit
 *  from `register()`. */
function spawnWorker(resourceLimits: ResourceLimits): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const target = new URL('./worker.ts', here).href;
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
    return new Worker(boot, { eval: true, resourceLimits, stdout: false, stderr: false });
  }
  return new Worker(new URL('./worker.js', here), { resourceLimits, stdout: false, stderr: false });
}

export class AnalysisPool {
  private readonly slots: Slot[];
  private readonly queue: Task[] = [];
  private readonly limits: ResourceLimits;
  private readonly timeoutMs: number;
  private nextId = 1;
  private closed = false;
  /** Workers lost to a heap limit, a timeout or a crash (for /metrics and tests). */
  crashes = 0;

  constructor(private readonly opts: AnalysisPoolOptions = {}) {
    const size = Math.max(1, opts.size ?? Math.min(2, availableParallelism()));
    this.slots = Array.from({ length: size }, () => ({ worker: null, task: null }));
    this.limits = { maxOldGenerationSizeMb: opts.memoryMb ?? 2048, maxYoungGenerationSizeMb: 64 };
    this.timeoutMs = opts.taskTimeoutMs ?? 180_000;
  }

  /** Decodes a captured profile (see decodeProfile). Rejects with ProfileLimitError (limits, worker
   *  heap or time exceeded) or DumpFormatError (not a goroutine profile). `bytes` is copied, so the
   *  caller keeps its buffer. With `storedForm` (a capture that SnapshotStore.save will store) the
   *  worker also encodes the snapshot as stored (src/store/snapshot-data.ts) and attaches it, so
   *  this thread does not serialise it again. */
  async decode(bytes: Uint8Array, opts: DecodeOptions, o: { storedForm?: boolean } = {}): Promise<Snapshot> {
    const copy = ownCopy(bytes);
    const r = (await this.submit({ op: 'decode', bytes: copy, opts, ...(o.storedForm ? { storedForm: true } : {}) }, [copy.buffer])) as DecodeReply;
    if (r.data) attachStoredForm(r.snapshot, r.data);
    return r.snapshot;
  }

  /** decode() then analyze() of that one snapshot, in one task: for a profile that is not stored
   *  (a dump handed over in Slack), so the snapshot never comes to this thread and back. Rejects as
   *  decode() and analyze() do. `bytes` is copied. */
  analyzeProfile(bytes: Uint8Array, opts: DecodeOptions, analyzeOpts: AnalyzeOptions = {}): Promise<Analysis> {
    const copy = ownCopy(bytes);
    return this.submit({ op: 'analyzeProfile', bytes: copy, opts, analyze: analyzeOpts }, [copy.buffer]) as Promise<Analysis>;
  }

  /** Reads several dump inputs (each may hold several dumps) and analyses them as one series, as
   *  `leakbot diff` does (src/analysis/series.ts analyzeDumps): inputs that are no goroutine dump
   *  or break a limit come back in `failed`. Rejects with ProfileLimitError when the worker runs out
   *  of heap or time. The bytes are copied. */
  analyzeDumps(inputs: DumpInput[], opts: SeriesOptions): Promise<SeriesResult> {
    const copies = inputs.map((i) => ({ name: i.name, bytes: ownCopy(i.bytes) }));
    return this.submit({ op: 'analyzeDumps', inputs: copies, opts }, copies.map((c) => c.bytes.buffer)) as Promise<SeriesResult>;
  }

  /** analyze() for one snapshot, compare() for a series (oldest first). Rejects with
   *  ProfileLimitError when the worker runs out of heap or time. A snapshot with a stored form
   *  (decoded for storage, or loaded from the store) travels as those bytes: the worker inflates
   *  it, and this thread does not serialise the object graph. */
  analyze(snapshots: Snapshot[], opts: AnalyzeOptions = {}): Promise<Analysis> {
    if (snapshots.length === 0) return Promise.reject(new Error('analyze: no snapshots'));
    return this.submit({ op: 'analyze', snapshots: snapshots.map((s) => storedFormOf(s) ?? s), opts }, []) as Promise<Analysis>;
  }

  /** Tasks running and waiting. */
  stats(): { busy: number; queued: number; workers: number; crashes: number } {
    return { busy: this.slots.filter((s) => s.task).length, queued: this.queue.length, workers: this.slots.filter((s) => s.worker).length, crashes: this.crashes };
  }

  /** Stops every worker; running and queued tasks reject. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('analysis pool closed'));
    await Promise.all(
      this.slots.map(async (s) => {
        const w = s.worker;
        s.worker = null;
        if (s.task) this.finish(s, new Error('analysis pool closed'));
        if (w) await w.terminate().catch(() => 0);
      }),
    );
  }

  private submit(req: Task['req'], transfer: ArrayBuffer[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('analysis pool closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ req, transfer, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0 || this.closed) return;
      if (slot.task) continue;
      const t = this.queue.shift()!;
      const id = this.nextId++;
      const w = slot.worker ?? this.start(slot);
      const timer = setTimeout(() => this.abandon(slot, new ProfileLimitError('time', this.timeoutMs, `decoding or analysing the profile took longer than ${Math.round(this.timeoutMs / 1000)} s and was stopped.`)), this.timeoutMs);
      timer.unref();
      slot.task = { ...t, id, timer };
      w.ref();
      w.postMessage({ ...t.req, id } as TaskRequest, t.transfer);
    }
  }

  private start(slot: Slot): Worker {
    const w = spawnWorker(this.limits);
    slot.worker = w;
    w.on('message', (reply: TaskReply) => {
      if (slot.worker !== w || !slot.task || slot.task.id !== reply.id) return;
      if (reply.ok) this.finish(slot, null, reply.value);
      else this.finish(slot, rebuild(reply.error));
      w.unref();
      this.pump();
    });
    w.on('error', (err: Error & { code?: string }) => {
      if (slot.worker !== w) return;
      const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.opts.log?.warn({ code: err.code, err: err.message }, oom ? 'analysis worker ran out of its heap limit; replacing it' : 'analysis worker crashed; replacing it');
      this.lose(
        slot,
        oom
          ? new ProfileLimitError('memory', this.limits.maxOldGenerationSizeMb!, `decoding or analysing the profile needed more than the ${this.limits.maxOldGenerationSizeMb} MiB allowed (LEAKBOT_PARSE_MEMORY_MB) and was stopped.`)
          : new Error(`analysis worker crashed: ${err.message}`),
      );
    });
    w.on('exit', (code) => {
      if (slot.worker !== w) return;
      this.lose(slot, new Error(`analysis worker exited (code ${code})`));
    });
    return w;
  }

  /** The worker is gone (or must go): fail its task, forget it, serve the queue with a new one. */
  private lose(slot: Slot, err: Error): void {
    const w = slot.worker;
    slot.worker = null;
    this.crashes++;
    if (slot.task) this.finish(slot, err);
    if (w) void w.terminate().catch(() => 0);
    this.pump();
  }

  private abandon(slot: Slot, err: Error): void {
    this.opts.log?.warn({ ms: this.timeoutMs }, 'analysis task timed out; replacing its worker');
    this.lose(slot, err);
  }

  private finish(slot: Slot, err: Error | null, value?: unknown): void {
    const t = slot.task;
    if (!t) return;
    slot.task = null;
    clearTimeout(t.timer);
    if (err) t.reject(err);
    else t.resolve(value);
  }
}

/** The bytes in an ArrayBuffer of their own, to transfer to a worker (the caller keeps its buffer). */
function ownCopy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

function rebuild(e: { name: string; message: string; what?: ProfileLimitError['what']; limit?: number }): Error {
  if (e.name === 'DumpFormatError') return new DumpFormatError(e.message);
  if (e.name === 'ProfileLimitError' && e.what) return new ProfileLimitError(e.what, e.limit ?? 0, e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
