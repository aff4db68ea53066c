// The worker-thread side of src/analysis/pool.ts: decodes profiles and runs the engine's analysis
// off the thread that answers Slack and health checks. One task at a time; a task that throws
// answers with the error's name and message (the pool rebuilds the error types callers check).
import { parentPort } from 'node:worker_threads';
import { decodeProfile, ProfileLimitError } from '../capture/limits.js';
import { analyze, compare } from '../engine/index.js';
import { decodeSnapshotData, encodeSnapshotData } from '../store/snapshot-data.js';
import type { DecodeReply, TaskReply, TaskRequest } from './protocol.js';
import { analyzeDumps } from './series.js';

/** The task's answer, and the buffers to transfer with it rather than copy. */
function run(req: TaskRequest): { value: unknown; transfer: ArrayBuffer[] } {
  switch (req.op) {
    case 'decode': {
      const snapshot = decodeProfile(req.bytes, req.opts);
      if (!req.storedForm) return { value: { snapshot } satisfies DecodeReply, transfer: [] };
      const data = new Uint8Array(encodeSnapshotData(snapshot)); // own ArrayBuffer, so it can be transferred
      return { value: { snapshot, data } satisfies DecodeReply, transfer: [data.buffer] };
    }
    case 'analyzeDumps':
      return { value: analyzeDumps(req.inputs, req.opts), transfer: [] };
    case 'analyzeProfile':
      return { value: analyze(decodeProfile(req.bytes, req.opts), req.analyze), transfer: [] };
    case 'analyze': {
      const snapshots = req.snapshots.map((s) => (s instanceof Uint8Array ? decodeSnapshotData(s) : s));
      return { value: snapshots.length > 1 ? compare(snapshots, req.opts) : analyze(snapshots[0]!, req.opts), transfer: [] };
    }
  }
}

parentPort!.on('message', (req: TaskRequest) => {
  let reply: TaskReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const r = run(req);
    transfer = r.transfer;
    reply = { id: req.id, ok: true, value: r.value };
  } catch (err) {
    const e = err as Error;
    reply = {
      id: req.id,
      ok: false,
      error: { name: e?.name ?? 'Error', message: e?.message ?? String(err), ...(err instanceof ProfileLimitError ? { what: err.what, limit: err.limit } : {}) },
    };
  }
  parentPort!.postMessage(reply, transfer);
});
