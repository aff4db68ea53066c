// Benchmark inputs captured from the real leaksvc (test/fixtures/go/leaksvc), cached under
// bench/out/ (gitignored) per Go source hash, so `npm run bench` pays for them once:
// - debug=2 of 40,000 goroutines over 200 distinct stacks, 10 user frames deep (≈ 60 MB, just under
//   Go's 64 MiB cap on debug=2),
// - debug=1 and proto of 100,000 goroutines, each captured twice: the second after a leak of 1,500
//   goroutines and 2,000 more parked ones, so a diff bench compares two 100k snapshots with growth.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { sourceHash, startGoService, type GoService } from '../test/support/go-service.js';

export interface BenchDump {
  file: string;
  bytes: number;
  /** Goroutines in the service when captured (runtime.NumGoroutine just before). */
  goroutines: number;
  capturedAt: number;
}

export interface BenchDumps {
  goVersion: string;
  /** Distinct stacks the bulk goroutines are spread over. */
  stacks: number;
  debug2: string;
  debug2Goroutines: number;
  debug2Bytes: number;
  debug1: string;
  debug1Later: string;
  proto: string;
  protoLater: string;
  /** Goroutines at the first and second 100k captures. */
  goroutines: number;
  goroutinesLater: number;
  dumps: Record<'debug2' | 'debug1' | 'debug1Later' | 'proto' | 'protoLater', BenchDump>;
}

const PARAMS = { debug2: 40_000, big: 100_000, stacks: 200, depth: 10, leak: 1_500, growth: 2_000 };
const outRoot = join(dirname(fileURLToPath(import.meta.url)), 'out');

async function save(svc: GoService, path: string, file: string): Promise<BenchDump> {
  const goroutines = await svc.count();
  const capturedAt = Date.now();
  const res = await fetch(`${svc.url}${path}`, { signal: AbortSignal.timeout(600_000) });
  if (res.status !== 200 || !res.body) throw new Error(`leaksvc ${path}: HTTP ${res.status}`);
  const tmp = `${file}.tmp`;
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(tmp));
  renameSync(tmp, file);
  return { file, bytes: statSync(file).size, goroutines, capturedAt };
}

async function waitForCount(svc: GoService, atLeast: number): Promise<void> {
  for (let i = 0; i < 6000 && (await svc.count()) < atLeast; i++) await sleep(50);
}

/** Builds and runs leaksvc to capture the benchmark dumps, unless they are already cached. */
export async function ensureBenchDumps(log: (msg: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<BenchDumps> {
  const key = createHash('sha256').update(sourceHash()).update(JSON.stringify(PARAMS)).digest('hex').slice(0, 12);
  const dir = join(outRoot, `dumps-${key}`);
  const metaFile = join(dir, 'meta.json');
  if (existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as BenchDumps;
    if (Object.values(meta.dumps).every((d) => existsSync(d.file) && statSync(d.file).size === d.bytes)) return meta;
  }
  // Dumps of older sources are ~60 MB each and never read again.
  if (existsSync(outRoot)) {
    for (const old of readdirSync(outRoot)) if (old.startsWith('dumps-') && join(outRoot, old) !== dir) rmSync(join(outRoot, old), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  const args = (n: number): string[] => ['-goroutines', String(n), '-stacks', String(PARAMS.stacks), '-depth', String(PARAMS.depth)];

  log(`bench fixtures: starting leaksvc with ${PARAMS.debug2} goroutines for the debug=2 dump…`);
  const a = await startGoService({ args: args(PARAMS.debug2) });
  let debug2: BenchDump;
  try {
    await waitForCount(a, PARAMS.debug2);
    debug2 = await save(a, '/debug/pprof/goroutine?debug=2', join(dir, 'goroutines-40k.debug2.txt'));
  } finally {
    await a.stop();
  }

  log(`bench fixtures: starting leaksvc with ${PARAMS.big} goroutines for debug=1 and proto…`);
  const b = await startGoService({ args: args(PARAMS.big) });
  let debug1: BenchDump, proto: BenchDump, debug1Later: BenchDump, protoLater: BenchDump;
  try {
    await waitForCount(b, PARAMS.big);
    debug1 = await save(b, '/debug/pprof/goroutine?debug=1', join(dir, 'goroutines-100k.t0.debug1.txt'));
    proto = await save(b, '/debug/pprof/goroutine?debug=0', join(dir, 'goroutines-100k.t0.pb.gz'));
    await b.leak('chansend', PARAMS.leak);
    await b.bulk(PARAMS.growth, 20, PARAMS.depth);
    await waitForCount(b, PARAMS.big + PARAMS.leak + PARAMS.growth);
    debug1Later = await save(b, '/debug/pprof/goroutine?debug=1', join(dir, 'goroutines-100k.t1.debug1.txt'));
    protoLater = await save(b, '/debug/pprof/goroutine?debug=0', join(dir, 'goroutines-100k.t1.pb.gz'));
  } finally {
    await b.stop();
  }

  const meta: BenchDumps = {
    goVersion: a.goVersion,
    stacks: PARAMS.stacks,
    debug2: debug2.file,
    debug2Goroutines: debug2.goroutines,
    debug2Bytes: debug2.bytes,
    debug1: debug1.file,
    debug1Later: debug1Later.file,
    proto: proto.file,
    protoLater: protoLater.file,
    goroutines: debug1.goroutines,
    goroutinesLater: debug1Later.goroutines,
    dumps: { debug2, debug1, debug1Later, proto, protoLater },
  };
  writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  log(`bench fixtures: debug=2 ${(debug2.bytes / 2 ** 20).toFixed(1)} MiB (${debug2.goroutines} goroutines), 100k debug=1/proto ×2 in ${dir}`);
  return meta;
}

/**
 * A debug=2 dump of leaksvc holding `goroutines` parked goroutines over the same 200 stacks as the
 * 40k dump (for the peer comparison at a second size), cached in bench/out/debug2-<n>-<key>/.
 * Returns the file and what it holds; throws when leaksvc cannot be built or answers an error.
 */
export async function ensureDebug2Dump(goroutines: number, log: (msg: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<BenchDump> {
  const params = { goroutines, stacks: PARAMS.stacks, depth: PARAMS.depth };
  const key = createHash('sha256').update(sourceHash()).update(JSON.stringify(params)).digest('hex').slice(0, 12);
  const dir = join(outRoot, `debug2-${goroutines}-${key}`);
  const metaFile = join(dir, 'meta.json');
  if (existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as BenchDump;
    if (existsSync(meta.file) && statSync(meta.file).size === meta.bytes) return meta;
  }
  if (existsSync(outRoot)) {
    for (const old of readdirSync(outRoot)) if (old.startsWith(`debug2-${goroutines}-`) && join(outRoot, old) !== dir) rmSync(join(outRoot, old), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  log(`bench fixtures: starting leaksvc with ${goroutines} goroutines for a debug=2 dump…`);
  const svc = await startGoService({ args: ['-goroutines', String(goroutines), '-stacks', String(params.stacks), '-depth', String(params.depth)] });
  let dump: BenchDump;
  try {
    await waitForCount(svc, goroutines);
    dump = await save(svc, '/debug/pprof/goroutine?debug=2', join(dir, `goroutines-${goroutines / 1000}k.debug2.txt`));
  } finally {
    await svc.stop();
  }
  writeFileSync(metaFile, `${JSON.stringify(dump, null, 2)}\n`);
  return dump;
}

// `node --import tsx bench/fixtures.ts` prepares (or shows) the cached dumps.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await ensureBenchDumps(), null, 2));
}
