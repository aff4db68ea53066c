// Builds Go's goroutine leak scenarios from GOROOT (never copied into this repository) with
// eval/goker/driver.go as their main, runs each scenario under every toolchain and writes its
// goroutine profiles into the cache: <cache>/goker/<toolchain>/<Scenario>.<t1|t2>.<format>.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseGoTable, type GoScenario } from './gotable.js';
import { run } from './procs.js';
import { goroot, type Toolchain } from './toolchains.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Runs between the two moments: t2 holds 1 + K runs' leaks, ten in all (Go's test repeats a flaky
 *  scenario ten times). */
export const K = 9;
/** One scenario process may not take longer (it is killed, and the scenario counted as failed). */
const RUN_TIMEOUT_MS = 90_000;
const PARALLEL = 2;

export interface GokerBuildReport {
  toolchain: string;
  program: 'main' | 'goker';
  /** Source files left out because this toolchain cannot compile them, with the first error. */
  excluded: Array<{ file: string; error: string; scenarios: string[] }>;
  failed: string | null;
}

export interface GokerGenReport {
  builds: GokerBuildReport[];
  /** Scenario runs that crashed or timed out: toolchain/name → reason. */
  runFailures: Record<string, string>;
  /** Table scenarios no program registers. */
  unregistered: string[];
}

/** The scenario table of the Go on PATH. */
export function loadTable(): GoScenario[] {
  return parseGoTable(readFileSync(join(goroot(), 'src/runtime/goroutineleakprofile_test.go'), 'utf8'));
}

/** Copy one scenario folder of GOROOT into dir with the driver as main. */
function prepare(src: string, dir: string, goLine: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(src)) {
    if (!f.endsWith('.go') || f === 'main.go') continue;
    const text = readFileSync(join(src, f), 'utf8');
    // The scenarios write Go's leak profile themselves; the driver captures at its own moments.
    writeFileSync(join(dir, f), text.replaceAll('pprof.Lookup("goroutineleak")', 'evalLeakProfile(pprof.Lookup, "goroutineleak")'));
  }
  cpSync(join(here, 'goker', 'driver.go'), join(dir, 'driver.go'));
  cpSync(join(here, 'goservice', 'service.go'), join(dir, 'evalservice.go'));
  writeFileSync(join(dir, 'go.mod'), `module leakeval\n\n${goLine}\n`);
}

/** Build, leaving out the files this toolchain rejects (reported). */
async function build(tc: Toolchain, dir: string, program: 'main' | 'goker'): Promise<GokerBuildReport> {
  const report: GokerBuildReport = { toolchain: tc.name, program, excluded: [], failed: null };
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = await run(tc.go, ['build', '-o', 'driver.bin', '.'], { cwd: dir, env: { ...tc.env, GOFLAGS: '-buildvcs=false' }, timeoutMs: 300_000 });
    if (r.code === 0) return report;
    const bad = new Map<string, string>();
    for (const m of r.out.matchAll(/^\.?\/?([\w.-]+\.go):\d+:\d+: (.*)$/gm)) if (m[1] !== 'driver.go' && m[1] !== 'evalservice.go' && !bad.has(m[1]!)) bad.set(m[1]!, m[2]!);
    if (bad.size === 0) {
      report.failed = r.out.trim().split('\n').slice(0, 5).join(' | ');
      return report;
    }
    for (const [file, error] of bad) {
      const text = readFileSync(join(dir, file), 'utf8');
      const scenarios = [...text.matchAll(/register(?:Init)?\("(\w+)"/g)].map((m) => m[1]!);
      report.excluded.push({ file, error, scenarios });
      rmSync(join(dir, file));
    }
  }
  report.failed = 'too many build attempts';
  return report;
}

function registered(dir: string): Set<string> {
  const names = new Set<string>();
  for (const f of readdirSync(dir)) if (f.endsWith('.go')) for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/register(?:Init)?\("(\w+)"/g)) names.add(m[1]!);
  return names;
}

/** Generate every scenario's dumps for the given toolchains into <cache>/goker/<toolchain>/. */
export async function generateGoker(cache: string, tcs: Toolchain[], table: GoScenario[], log: (s: string) => void): Promise<GokerGenReport> {
  const root = join(goroot(), 'src/runtime/testdata/testgoroutineleakprofile');
  const tmp = mkdtempSync(join(tmpdir(), 'leakbot-eval-'));
  const report: GokerGenReport = { builds: [], runFailures: {}, unregistered: [] };
  try {
    const all = new Set<string>();
    for (const tc of tcs) {
      const out = join(cache, 'goker', tc.name);
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      const jobs: Array<() => Promise<void>> = [];
      for (const program of ['main', 'goker'] as const) {
        const dir = join(tmp, tc.name, program);
        prepare(program === 'main' ? root : join(root, 'goker'), dir, tc.goLine);
        const b = await build(tc, dir, program);
        report.builds.push(b);
        log(`${tc.name}/${program}: built${b.excluded.length ? `, left out ${b.excluded.map((e) => e.file).join(' ')}` : ''}${b.failed ? ` FAILED ${b.failed}` : ''}`);
        if (b.failed) continue;
        const names = registered(dir);
        for (const n of names) all.add(n);
        for (const s of table.filter((s) => s.program === program && names.has(s.name))) {
          jobs.push(async () => {
            // Go's test runs every scenario with async preemption off, the simple ones on one P.
            const env: Record<string, string> = { ...tc.env, GODEBUG: 'asyncpreemptoff=1' };
            if (s.simple) env['GOMAXPROCS'] = '1';
            const r = await run(join(dir, 'driver.bin'), [s.name, '-out', out, '-k', String(K)], { env, timeoutMs: RUN_TIMEOUT_MS });
            if (r.code !== 0 || !existsSync(join(out, `${s.name}.meta.json`))) {
              report.runFailures[`${tc.name}/${s.name}`] = r.code === null ? 'killed (time limit) or did not start' : `exit ${r.code}: ${r.out.trim().split('\n').slice(0, 2).join(' | ').slice(0, 200)}`;
            }
          });
        }
      }
      let next = 0;
      let done = 0;
      await Promise.all(
        Array.from({ length: PARALLEL }, async () => {
          while (next < jobs.length) {
            await jobs[next++]!();
            if (++done % 20 === 0) log(`${tc.name}: ${done}/${jobs.length} scenarios`);
          }
        }),
      );
    }
    report.unregistered = table.filter((s) => !all.has(s.name)).map((s) => s.name);
    writeFileSync(join(cache, 'goker', 'report.json'), JSON.stringify({ k: K, table, ...report }, null, 2));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return report;
}
