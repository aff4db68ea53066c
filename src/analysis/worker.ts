// The worker-thread side of src/analysis/pool.ts: decodes profiles and runs the engine's analysis
// off the thread that answers Slack and health checks. One task at a time; a task that throws
// answers with the error's name and message (the pool rebuilds the error types callers check).
import { parentPort } from 'node:worker_threads';
import { decodeProfile, ProfileLimitError } from '../capture/limits.js';
import { analyze, compare } from '../engine/index.js';
import type { TaskReply, TaskRequest } from './protocol.js';

function run(req: TaskRequest): unknown {
  switch (req.op) {
    case 'decode':
      return decodeProfile(req.bytes, req.opts);
    case 'analyze':
      return req.snapshots.length > 1 ? compare(req.snapshots, req.opts) : analyze(req.snapshots[0]!, req.opts);
  }
}

parentPort!.on('message', (req: TaskRequest) => {
  let reply: TaskReply;
  try {
    reply = { id: req.id, ok: true, value: run(req) };
  } catch (err) {
    const e = err as Error;
    reply = {
      id: req.id,
      ok: false,
      error: { name: e?.name ?? 'Error', message: e?.message ?? String(err), ...(err instanceof ProfileLimitError ? { what: err.what, limit: err.limit } : {}) },
    };
  }
  parentPort!.postMessage(reply);
});
