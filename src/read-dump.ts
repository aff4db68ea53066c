// Reading a dump file for the CLI. A text dump is read with readSync into one reused 1 MiB buffer
// and parsed as it comes: no stream and no fresh buffer per chunk, so a 60 MB dump does not cost
// 60 MB of newly touched pages (a stream's or readFileSync's) plus the stream's async machinery
// — about 40 ms of a 40,000-goroutine dump's run here. Gzip and profile.proto, which the engine
// reads from a stream, get the bytes already read and the rest of the file as one.
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import type { IngestOptions, Snapshot } from './engine/index.js';

type Engine = Pick<typeof import('./engine/index.js'), 'readSnapshots' | 'textFeed'>;

/** Bytes read at a time (and the stream's chunk size for the rest). */
const CHUNK = 1 << 20;

/** Every dump in the file at `path`, oldest first, exactly as `engine.readSnapshots` reads the
 *  file's bytes (`opts`: its cap; a regular file's size is added as `inputBytes`, so a dump cut at
 *  the cap says how much was left unread). Throws the engine's DumpFormatError, and fs errors
 *  (ENOENT, EISDIR, EACCES…) as node:fs throws them. A pipe (`<(zcat dump.gz)`) works too: nothing
 *  is read twice. */
export async function readDumpFile(path: string, engine: Engine, opts: IngestOptions = {}): Promise<Snapshot[]> {
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
    while (n === CHUNK) {
      n = fill(fd, buf);
      if (n === 0 || !feed.push(buf.subarray(0, n))) break;
    }
    return feed.finish();
  } finally {
    if (owned) closeSync(fd);
  }
}

/** `opts` with the size of the file open at `fd` as `inputBytes`, when it is a regular file (a
 *  pipe's size is not known before it is read). */
export function withSize(fd: number, opts: IngestOptions): IngestOptions {
  const st = fstatSync(fd);
  return st.isFile() ? { ...opts, inputBytes: st.size } : opts;
}

/** Reads until `buf` is full or the file ends; the number of bytes read. */
function fill(fd: number, buf: Buffer): number {
  let n = 0;
  while (n < buf.length) {
    const r = readSync(fd, buf, n, buf.length - n, null);
    if (r === 0) break;
    n += r;
  }
  return n;
}

async function* withHead(head: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  yield* rest;
}
