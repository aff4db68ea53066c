// Reading a dump file for the CLI. A text dump is read with readSync into one reused 1 MiB buffer
// and parsed as it comes: no stream and no fresh buffer per chunk, so a 60 MB dump does not cost
// 60 MB of newly touched pages (a stream's or readFileSync's) plus the stream's async machinery
// — about 40 ms of a 40,000-goroutine dump's run here. Gzip and profile.proto, which the engine
// reads from a stream, get the bytes already read and the rest of the file as one.
//
// A big text dump is read in two parts at once on two threads: the part from the first goroutine
// boundary past `share` of the file goes to a worker (parse-worker.ts), whose goroutines the main
// thread's reader then adopts as if it had read them (engine: parse/part.ts); when it cannot (no
// debug=2, text between goroutines, a repeated id…) it reads those bytes itself, so the result is
// always the one-pass read's. `leakbot analyze` starts the worker before the CLI's own modules load
// (bin/leakbot.js → prestartPart), so the worker's start-up overlaps them.
import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DumpPart, IngestOptions, Snapshot } from './engine/index.js';
import type { PartJob, PartResult } from './parse-worker.js';

type Engine = Pick<typeof import('./engine/index.js'), 'readSnapshots' | 'textFeed' | 'partStart'>;

/** Bytes read at a time (and the stream's chunk size for the rest). */
const CHUNK = 1 << 20;

/** Files from this size on are read on two threads. Below it the worker's start (~40 ms of wall
 *  time before it reads a byte, and its own JIT warm-up) costs more than half the parse saves. */
export const TWO_THREADS_MIN_BYTES = 24 << 20;

/** Share of the file the main thread reads when it starts the worker itself: the worker needs
 *  ~40 ms before it reads a byte. Started early (prestartPart), it reads half. */
const MAIN_SHARE = 0.6;
const MAIN_SHARE_PRESTARTED = 0.5;

/** Whether a second thread can run beside this one: a core is free by the 1-minute load average
 *  (as `make -l` decides). On a busy machine (a shared CI runner; the 2-core bench machine under
 *  other work, load 3-4) both threads fight for one core: measured there, the two-thread read cost
 *  ~130-190 ms more CPU and was no faster. */
export function coreFree(): boolean {
  return availableParallelism() >= 2 && loadavg()[0]! < availableParallelism() - 0.5;
}

/** How readDumpFile reads (tests). */
export interface ReadOptions {
  /** File size from which two threads read it (TWO_THREADS_MIN_BYTES); they do only when a core is
   *  free (coreFree), unless this is given. */
  twoThreadsMinBytes?: number;
  /** Share of the file the main thread reads (MAIN_SHARE). */
  mainShare?: number;
  /** Called when two threads read the file: whether the worker's part was adopted. */
  onTwoThreads?: (adopted: boolean) => void;
}

interface Started {
  job: PartJob;
  worker: Worker;
  result: Promise<PartResult | null>;
}

/** A worker started by prestartPart, until readDumpFile takes it. */
let prestarted: Started | null = null;

/** `leakbot analyze <file>`: when exactly one argument names a regular file big enough for two
 *  threads, starts the worker on its second half now, before the CLI's modules load; readDumpFile
 *  takes it when it reads that file (else it is left to die with the process: it is unref'd). Any
 *  error here only means no early start. `args`: the command line after `leakbot`. */
export function prestartPart(args: string[]): void {
  try {
    if (args[0] !== 'analyze') return;
    const big = args.slice(1).filter((a) => !a.startsWith('-') && isBigFile(a));
    if (big.length !== 1 || !coreFree()) return;
    const path = big[0]!;
    prestarted = startPart({ path, size: statSync(path).size, share: MAIN_SHARE_PRESTARTED });
  } catch {
    prestarted = null;
  }
}

function isBigFile(path: string): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  return st !== undefined && st.isFile() && st.size >= TWO_THREADS_MIN_BYTES;
}

/** Every dump in the file at `path`, oldest first, exactly as `engine.readSnapshots` reads the
 *  file's bytes (`opts`: its cap; a regular file's size is added as `inputBytes`, so a dump cut at
 *  the cap says how much was left unread). Throws the engine's DumpFormatError, and fs errors
 *  (ENOENT, EISDIR, EACCES…) as node:fs throws them. A pipe (`<(zcat dump.gz)`) works too: nothing
 *  is read twice. */
export async function readDumpFile(path: string, engine: Engine, opts: IngestOptions = {}, how: ReadOptions = {}): Promise<Snapshot[]> {
  const fd = openSync(path, 'r');
  let owned = true;
  try {
    opts = withSize(fd, opts);
    const buf = Buffer.allocUnsafeSlow(CHUNK);
    let n = fill(fd, buf);
    const feed = engine.textFeed(buf.subarray(0, n), n < CHUNK, opts);
    if (feed === null) {
      owned = false; // the stream closes it
      const rest = createReadStream('', { fd, highWaterMark: CHUNK });
      try {
        return await engine.readSnapshots(withHead(Buffer.from(buf.subarray(0, n)), rest), opts);
      } finally {
        rest.destroy();
      }
    }
    const size = opts.inputBytes ?? 0;
    const twoThreads = how.twoThreadsMinBytes !== undefined ? size >= how.twoThreadsMinBytes : size >= TWO_THREADS_MIN_BYTES && (prestarted?.job.path === path || coreFree());
    const started = n === CHUNK && twoThreads && size <= (opts.maxBytes ?? Infinity) ? workerFor(path, size, how) : null;
    if (started !== null) {
      const at = partAt(fd, started.job, engine);
      let pos = n;
      while (pos < at) {
        const r = fill(fd, buf, at - pos);
        if (r === 0) break;
        feed.push(buf.subarray(0, r));
        pos += r;
      }
      started.worker.ref(); // the process waits for it now
      const got = await started.result;
      started.worker.unref();
      // Both threads found the boundary from the same bytes; a file that changed meanwhile is read here.
      const adopted = at > n && pos === at && got !== null && got.start === at && feed.adopt(got.part);
      how.onTwoThreads?.(adopted);
      if (adopted) return feed.finish();
      if (pos < at) n = 0; // the file ended before the boundary: nothing more to read
      else n = CHUNK; // read the part here after all
    }
    while (n === CHUNK) {
      n = fill(fd, buf);
      if (n === 0 || !feed.push(buf.subarray(0, n))) break;
    }
    return feed.finish();
  } finally {
    if (owned) closeSync(fd);
  }
}

/** The prestarted worker when it reads this file, else one started now (its own is dropped). */
function workerFor(path: string, size: number, how: ReadOptions): Started {
  const p = prestarted;
  prestarted = null;
  if (p !== null && p.job.path === path && p.job.size === size && how.mainShare === undefined) return p;
  void p?.worker.terminate();
  return startPart({ path, size, share: how.mainShare ?? MAIN_SHARE });
}

/** Where the worker's part starts, found as the worker finds it (PartJob), or -1 for none. */
function partAt(fd: number, job: PartJob, engine: Engine): number {
  const probe = Buffer.allocUnsafe(PROBE);
  const from = probeFrom(job);
  const n = readSync(fd, probe, 0, PROBE, from);
  const k = engine.partStart(probe.subarray(0, n));
  return k < 0 ? -1 : from + k;
}

/** Bytes searched for a goroutine boundary (a goroutine block is at most a few kB… or 100 frames). */
export const PROBE = 1 << 18;

/** Where both threads look for the boundary. */
export const probeFrom = (job: PartJob): number => Math.floor(job.size * job.share);

/** A worker reading the part of the file that `job` says, unref'd (see prestartPart); its result
 *  is null when it failed or found no boundary. */
function startPart(job: PartJob): Started {
  const worker = import.meta.url.endsWith('.ts')
    ? // Under tsx (tests) the worker is TypeScript too: a worker's first module is loaded before tsx's
      // --import could hook it, so it registers tsx itself.
      new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(new URL('./parse-worker.ts', import.meta.url).href)}); })`,
        { eval: true, workerData: job },
      )
    : new Worker(new URL('./parse-worker.js', import.meta.url), { workerData: job });
  worker.unref();
  const result = new Promise<PartResult | null>((resolve) => {
    worker.once('message', (m: PartResult | { error: string }) => resolve('error' in m ? null : m));
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
  return { job, worker, result };
}

/** `opts` with the size of the file open at `fd` as `inputBytes`, when it is a regular file (a
 *  pipe's size is not known before it is read). */
export function withSize(fd: number, opts: IngestOptions): IngestOptions {
  const st = fstatSync(fd);
  return st.isFile() ? { ...opts, inputBytes: st.size } : opts;
}

/** Reads until `buf` holds `max` bytes (its size by default) or the file ends; the number of bytes read. */
function fill(fd: number, buf: Buffer, max = buf.length): number {
  let n = 0;
  const want = Math.min(max, buf.length);
  while (n < want) {
    const r = readSync(fd, buf, n, want - n, null);
    if (r === 0) break;
    n += r;
  }
  return n;
}

async function* withHead(head: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  yield* rest;
}
