// The second thread of a big dump's read (read-dump.ts): finds the first goroutine boundary at or
// after the share of the file it was given, reads from there to the end with the engine's
// PartReader and posts the DumpPart back (its arrays transferred, not copied), with where it
// started. A failure is posted as { error }; no boundary as a null part. The main thread then
// reads those bytes itself.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { DumpPart } from './engine/index.js';
import { loadEngine } from './load-engine.js';
import { PROBE, probeFrom } from './read-dump.js';

/** What read-dump.ts hands the worker: the file, its size, and the share of it the main thread reads. */
export interface PartJob {
  path: string;
  size: number;
  share: number;
}

/** What the worker posts back: the part, from byte `start` to the end. */
export interface PartResult {
  start: number;
  part: DumpPart;
}

const CHUNK = 1 << 20;

try {
  const job = workerData as PartJob;
  const { PartReader, partStart } = await loadEngine();
  const fd = openSync(job.path, 'r');
  try {
    const buf = Buffer.allocUnsafeSlow(Math.max(CHUNK, PROBE));
    const from = probeFrom(job);
    const k = partStart(buf.subarray(0, readSync(fd, buf, 0, PROBE, from)));
    if (k < 0) throw new Error('no goroutine boundary');
    const start = from + k;
    const reader = new PartReader();
    for (let pos = start; ; ) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      if (n === 0) break;
      reader.push(buf.subarray(0, n));
      pos += n;
    }
    const part = reader.finish();
    const result: PartResult = { start, part };
    parentPort!.postMessage(result, [part.rows.buffer as ArrayBuffer, part.stackFrames.buffer as ArrayBuffer, part.stackEnds.buffer as ArrayBuffer]);
  } finally {
    closeSync(fd);
  }
} catch (e) {
  parentPort!.postMessage({ error: String((e as Error)?.message ?? e) });
}
