// Before/after check for speed work on the readers: prints one digest per input and way of reading
// it, so two builds of the engine can be compared byte for byte (`diff` the two outputs).
//
//   node --import tsx bench/same-output.ts <dist dir> [--bin] [--every=N] > digests.txt
//
// Inputs: every dump under test/fixtures and eval/.cache (gzip'd ones decompressed first, as zcat
// would). For each: `analyze --json` of the engine in <dist dir> (as the CLI loads it) on the
// whole bytes, on the same bytes streamed in random chunks (1 byte to 256 KiB, seeded by the input's
// index, so both builds see the same cuts), and the text report. With --bin, also the real command,
// `node <dist dir>/../bin/leakbot.js analyze --json <file>` on the decompressed file (slow: one process
// per input). An input that is no dump digests its error message.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const [distArg, ...flags] = process.argv.slice(2);
if (!distArg) throw new Error('usage: same-output.ts <dist dir> [--bin]');
const dist = resolve(distArg);
const withBin = flags.includes('--bin');
/** `--every=N`: only every Nth input (the --bin pass runs a process per input). */
const every = Number(flags.find((f) => f.startsWith('--every='))?.slice(8) ?? 1);
type Engine = typeof import('../src/engine/index.js');
type Snapshot = import('../src/engine/index.js').Snapshot;
// The engine as the CLI loads it: the one-module bundle when the build made one (src/load-engine.ts).
const bundle = join(dist, 'src', 'engine', 'bundle.js');
const eng = (await import(pathToFileURL(existsSync(bundle) ? bundle : join(dist, 'src', 'engine', 'index.js')).href)) as Engine;
const root = resolve(import.meta.dirname, '..');

const SKIP = /\.(go|sh|md|mod|sum|ts|stamp)$|report\.json$/;
function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) yield* files(p);
    else if (!SKIP.test(e)) yield p;
  }
}

/** xorshift32: the same chunk sizes for the same seed in both builds. */
function rng(seed: number): () => number {
  let x = seed * 2654435761 + 1 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

async function* chunks(b: Buffer, seed: number): AsyncGenerator<Uint8Array> {
  const r = rng(seed);
  for (let i = 0; i < b.length; ) {
    // Mostly small cuts (lines split anywhere), sometimes big ones (the fast path runs).
    const n = r() < 0.5 ? 1 + Math.floor(r() * 200) : 1 + Math.floor(r() * 256 * 1024);
    yield b.subarray(i, Math.min(b.length, i + n));
    i += n;
  }
}

/** The input through textFeed as the CLI reads a file: one reused buffer, overwritten after each
 *  chunk (so a reader keeping a view of it would show), cut at seeded random sizes. */
async function fed(b: Buffer, seed: number): Promise<Snapshot[]> {
  const r = rng(seed + 7);
  const buf = Buffer.alloc(256 * 1024);
  const size = (): number => (r() < 0.5 ? 1 + Math.floor(r() * 200) : 1 + Math.floor(r() * buf.length));
  let i = Math.min(b.length, size());
  b.copy(buf, 0, 0, i);
  const feed = eng.textFeed(buf.subarray(0, i), i === b.length);
  if (feed === null) return eng.readSnapshots(b);
  buf.fill(0xaa);
  while (i < b.length) {
    const n = Math.min(b.length - i, size());
    b.copy(buf, 0, i, i + n);
    i += n;
    if (!feed.push(buf.subarray(0, n))) break;
    buf.fill(0xaa);
  }
  return feed.finish();
}

const digest = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

async function report(read: () => Promise<Snapshot[]>): Promise<string> {
  try {
    const snaps = await read();
    const a = eng.analyze(snaps.at(-1)!, {});
    return eng.renderJson(a, snaps) + eng.renderText(a, { color: false });
  } catch (e) {
    if (e instanceof eng.DumpFormatError) return `error: ${e.message}`;
    throw e;
  }
}

const tmp = withBin ? mkdtempSync(join(tmpdir(), 'same-output-')) : '';
let n = 0;
for (const dir of ['test/fixtures', 'eval/.cache']) {
  for (const p of files(join(root, dir))) {
    if (n++ % every !== 0) continue;
    const raw = readFileSync(p);
    let bytes = raw;
    if (raw[0] === 0x1f && raw[1] === 0x8b) {
      try {
        bytes = gunzipSync(raw);
      } catch {
        bytes = raw; // a deliberately cut or corrupt .gz fixture: read as is
      }
    }
    const name = relative(root, p);
    const whole = await report(() => eng.readSnapshots(bytes));
    const streamed = await report(() => eng.readSnapshots(chunks(bytes, n)));
    let line = `${name} whole=${digest(whole)} stream=${digest(streamed)}`;
    if (eng.textFeed !== undefined && (await report(() => fed(bytes, n))) !== whole) line += ' feed=DIFFERS';
    if (withBin) {
      const f = join(tmp, 'dump');
      writeFileSync(f, bytes);
      const r = spawnSync(process.execPath, [join(dist, '..', 'bin', 'leakbot.js'), 'analyze', '--json', f], { encoding: 'utf8', maxBuffer: 1 << 28 });
      line += ` bin=${digest(`${r.status}\n${r.stdout}\n${r.stderr.replaceAll(f, 'FILE')}`)}`;
    }
    console.log(line);
  }
}
if (tmp) rmSync(tmp, { recursive: true, force: true });
console.error(`${Math.ceil(n / every)} of ${n} inputs`);
