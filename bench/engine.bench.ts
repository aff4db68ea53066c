// Engine figures on real leaksvc dumps (bench/fixtures.ts): parse+group of the ≈60 MB debug=2
// dump against a bare Node pass that streams the file and counts its newline bytes (issue 9's
// "bare Node newline count"; also read the CLI's way, and counted as lines by readline), peak RSS of the
// parse (measured in a fresh child process), parse time of the 100k debug=1 and proto dumps, and
// the diff of two 100k snapshots. Targets (issue 2): parse ≤ 2× the line count, peak RSS
// ≤ 150 MB, diff < 1 s. The machine is shared, so every figure is a median of several runs and
// CPU time is printed beside wall time (CPU time is what contention distorts least).
import { execFile } from 'node:child_process';
import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureBenchDumps } from './fixtures.js';
import * as engine from '../src/engine/index.js';
import { readDumpFile } from '../src/read-dump.js';
import { loadEngine } from '../src/load-engine.js';

const { compare, parseDump, readSnapshot } = engine;

const CHILD_ENV = 'LEAKBOT_ENGINE_BENCH_CHILD';
/** Same read size for the parse and the bare passes: Node's default, like an HTTP body stream. */
const CHUNK = 64 * 1024;
const REPS = 5;

interface ChildResult {
  wallMs: number;
  cpuMs: number;
  maxRssMB: number;
  vmHwmMB: number | null;
  lines?: number;
  goroutines?: number;
  groups?: number;
  truncated?: boolean;
}

/** Child side: one measurement in a fresh process, printed as JSON. */
async function child(mode: string, file: string): Promise<void> {
  const compiled = mode === 'feed' ? await loadEngine(new URL('../dist/src/', import.meta.url)) : null;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out: Partial<ChildResult> = {};
  if (mode === 'lines') {
    let n = 0;
    for await (const _line of createInterface({ input: createReadStream(file, { highWaterMark: CHUNK }), crlfDelay: Infinity })) n++;
    out.lines = n;
  } else if (mode === 'bytes') {
    let n = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
    }
    out.lines = n;
  } else if (mode === 'bytes-sync') {
    // The raw count read the way the CLI reads (readSync into one reused 1 MiB buffer).
    const buf = Buffer.allocUnsafeSlow(1 << 20);
    const fd = openSync(file, 'r');
    let n = 0;
    for (let r = readSync(fd, buf, 0, buf.length, null); r > 0; r = readSync(fd, buf, 0, buf.length, null)) {
      for (let i = buf.indexOf(10); i >= 0 && i < r; i = buf.indexOf(10, i + 1)) n++;
    }
    closeSync(fd);
    out.lines = n;
  } else if (mode === 'feed') {
    // What `leakbot analyze <file>` does (src/read-dump.ts: readSync + the engine's textFeed), with
    // the compiled engine the CLI loads (npm run bench builds it first).
    const [s] = (await readDumpFile(file, compiled!)).slice(-1);
    out.goroutines = s!.total;
    out.groups = s!.groups.length;
    out.truncated = s!.truncated;
  } else if (mode === 'parse') {
    const s = await readSnapshot(createReadStream(file, { highWaterMark: CHUNK }));
    out.goroutines = s.total;
    out.groups = s.groups.length;
    out.truncated = s.truncated;
  } // mode 'idle': the process with the engine loaded, nothing parsed
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  const res: ChildResult = {
    ...out,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    vmHwmMB: hwm ? Number(hwm[1]) / 1024 : null,
  };
  process.stdout.write(JSON.stringify(res));
}

async function inChild(mode: string, file: string): Promise<ChildResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD_ENV]: JSON.stringify({ mode, file }) },
    maxBuffer: 1 << 20,
    timeout: 600_000,
  });
  return JSON.parse(stdout) as ChildResult;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const ms = (x: number): string => `${x.toFixed(0)} ms`;
const mb = (x: number): string => `${x.toFixed(0)} MB`;

function timeIt<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

export async function run(): Promise<void> {
  const d = await ensureBenchDumps();
  console.log(`dumps: Go ${d.goVersion}, ${d.stacks} distinct stacks`);

  // 1. debug=2 parse+group vs a bare line count, alternating so load spikes hit both alike.
  const lines: ChildResult[] = [];
  const bytes: ChildResult[] = [];
  const bytesSync: ChildResult[] = [];
  const parses: ChildResult[] = [];
  const feeds: ChildResult[] = [];
  for (let i = 0; i < REPS; i++) {
    lines.push(await inChild('lines', d.debug2));
    bytes.push(await inChild('bytes', d.debug2));
    bytesSync.push(await inChild('bytes-sync', d.debug2));
    parses.push(await inChild('parse', d.debug2));
    feeds.push(await inChild('feed', d.debug2));
  }
  const idle = await inChild('idle', d.debug2);
  const p = parses[0]!;
  const [lw, lc, pw, pc] = [median(lines.map((r) => r.wallMs)), median(lines.map((r) => r.cpuMs)), median(parses.map((r) => r.wallMs)), median(parses.map((r) => r.cpuMs))];
  console.log(`debug=2: ${(d.debug2Bytes / 1e6).toFixed(1)} MB, ${lines[0]!.lines} lines, ${p.goroutines} goroutines → ${p.groups} groups${p.truncated ? ' (TRUNCATED)' : ''}`);
  const [bw, bc] = [median(bytes.map((r) => r.wallMs)), median(bytes.map((r) => r.cpuMs))];
  const [sw, sc] = [median(bytesSync.map((r) => r.wallMs)), median(bytesSync.map((r) => r.cpuMs))];
  const [fw, fc] = [median(feeds.map((r) => r.wallMs)), median(feeds.map((r) => r.cpuMs))];
  console.log(`  bare newline-byte count (stream, 64 KiB chunks): wall ${ms(bw)}  cpu ${ms(bc)}   (median of ${REPS})`);
  console.log(`  bare newline-byte count (readSync, 1 MiB):       wall ${ms(sw)}  cpu ${ms(sc)}`);
  console.log(`  bare line count (stream + readline):             wall ${ms(lw)}  cpu ${ms(lc)}`);
  console.log(`  parse + group, the CLI's read (readDumpFile):    wall ${ms(fw)}  cpu ${ms(fc)}`);
  console.log(`  parse + group, from a stream (readSnapshot):     wall ${ms(pw)}  cpu ${ms(pc)}`);
  console.log(`  ratio parse / bare newline count (issue 9, target ≤ 2×): CLI read ${(fw / bw).toFixed(2)}× wall, ${(fc / bc).toFixed(2)}× cpu; like for like (both readSync) ${(fw / sw).toFixed(2)}× wall; from a stream ${(pw / bw).toFixed(2)}× wall`);
  console.log(`  ratio parse / readline line count: ${(fw / lw).toFixed(2)}× wall (CLI read), ${(pw / lw).toFixed(2)}× (stream)`);
  const peak = Math.max(...parses.map((r) => r.vmHwmMB ?? r.maxRssMB), ...feeds.map((r) => r.vmHwmMB ?? r.maxRssMB));
  console.log(`  peak RSS of the parsing process: ${mb(peak)} (VmHWM, worst of ${REPS}; node+tsx with the engine loaded and idle: ${mb(idle.vmHwmMB ?? idle.maxRssMB)}; bare pass: ${mb(median(lines.map((r) => r.vmHwmMB ?? r.maxRssMB)))})   target ≤ 150 MB`);

  // 2. 100k aggregated dumps: parse time in this process.
  const bufs = {
    debug1: readFileSync(d.debug1),
    debug1Later: readFileSync(d.debug1Later),
    proto: readFileSync(d.proto),
    protoLater: readFileSync(d.protoLater),
  };
  for (const name of ['debug1', 'proto'] as const) {
    const runs = Array.from({ length: REPS }, () => timeIt(() => parseDump(bufs[name], { capturedAt: d.dumps[name].capturedAt })));
    const s = runs[0]!.value;
    console.log(`${name}: ${(bufs[name].length / 1e3).toFixed(0)} kB, ${s.total} goroutines → ${s.groups.length} groups: parse ${ms(median(runs.map((r) => r.ms)))} (median of ${REPS})`);
  }

  // 3. diff of two 100k snapshots with H1b's compare.
  for (const [a, b] of [['debug1', 'debug1Later'], ['proto', 'protoLater']] as const) {
    const before = parseDump(bufs[a], { capturedAt: d.dumps[a].capturedAt });
    const after = parseDump(bufs[b], { capturedAt: d.dumps[b].capturedAt });
    const runs = Array.from({ length: REPS }, () => timeIt(() => compare([before, after])));
    const an = runs[0]!.value;
    console.log(`diff ${a}: ${before.total} → ${after.total} goroutines, ${an.findings.length} findings: ${ms(median(runs.map((r) => r.ms)))} (median of ${REPS})   target < 1 s`);
  }
}

const childSpec = process.env[CHILD_ENV];
if (childSpec) {
  const { mode, file } = JSON.parse(childSpec) as { mode: string; file: string };
  await child(mode, file);
}
