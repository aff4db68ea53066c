// The stored form of a parsed Snapshot — the `{p}:snap:{svc}:{seq}:data` value of SnapshotStore:
// gzip'd JSON. A 1,000,000-goroutine snapshot is ≈ 100 MB of JSON (≈ 1 s of JSON.stringify on an idle core), so
// the analysis worker that decodes a captured profile encodes it too (src/analysis/pool.ts), and
// the thread answering Slack and /healthz only moves the bytes into Redis.
import { promisify } from 'node:util';
import { constants as zlibConstants, gunzip as gunzipCb, gunzipSync, gzip as gzipCb, gzipSync } from 'node:zlib';
import type { Snapshot } from '../engine/index.js';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);
const LEVEL = { level: zlibConstants.Z_BEST_SPEED };

/** Snapshot → gzip'd JSON, synchronously (for worker threads; SnapshotStore gzips asynchronously
 *  when no stored form came with the snapshot). Fastest compression: at 1,000,000 goroutines the
 *  default level took 1.8 times as long (stringify included) for 12.8 MB instead of 13.9 MB, and
 *  the user waits for it. */
export function encodeSnapshotData(s: Snapshot): Buffer {
  return gzipSync(JSON.stringify(s), LEVEL);
}

/** encodeSnapshotData with the compression off this thread (libuv's pool): for SnapshotStore when
 *  no stored form came with the snapshot. */
export function encodeSnapshotDataAsync(s: Snapshot): Promise<Buffer> {
  return gzip(JSON.stringify(s), LEVEL);
}

/** encodeSnapshotData reversed. Throws on bytes that are not gzip'd JSON. */
export function decodeSnapshotData(data: Uint8Array): Snapshot {
  return JSON.parse(gunzipSync(data).toString('utf8')) as Snapshot;
}

/** decodeSnapshotData with the decompression off this thread. Rejects on bytes that are not gzip'd JSON. */
export async function decodeSnapshotDataAsync(data: Uint8Array): Promise<Snapshot> {
  return JSON.parse((await gunzip(data)).toString('utf8')) as Snapshot;
}

const storedForms = new WeakMap<Snapshot, Uint8Array>();

/** Keeps `data` (encodeSnapshotData of `s`, made elsewhere) for SnapshotStore.save. Whoever
 *  attaches it promises `s` does not change afterwards. */
export function attachStoredForm(s: Snapshot, data: Uint8Array): void {
  storedForms.set(s, data);
}

/** The stored form attached to `s`, as a Buffer over the same bytes, or undefined. */
export function storedFormOf(s: Snapshot): Buffer | undefined {
  const d = storedForms.get(s);
  return d && Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}
