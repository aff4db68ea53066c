// `npm run eval`: regenerates the dumps when the cache is missing or stale, scores the engine on every
// corpus and prints one table with issue 8's targets beside the measured values.
//
//   npm run eval                      # generate if needed (a few minutes), score, print
//   npm run eval -- --regen           # regenerate every dump first
//   npm run eval -- --only goker      # one corpus (goker, noise, hangs, realdeps)
//   npm run eval -- --verbose         # list every miss and false finding
//   npm run eval -- --evidence        # each evidence row: on how many real leaks, on how many non-leaks
//   npm run eval -- --export-subset   # refresh eval/subset (the CI subset) and its floors
//
// Dumps go to eval/.cache (gitignored); eval/.cache/report.json holds every outcome for inspection.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateGoker, K, loadTable } from './goker.js';
import type { GokerOutcome } from './goker-score.js';
import { gokerCorpus, hangCorpus, noiseCorpus } from './corpus.js';
import { generateHangs, type HangOutcome } from './hangs.js';
import { generateNoise, NOISE_SCENARIOS, NOISE_SOURCES } from './noise-gen.js';
import type { NoiseOutcome } from './noise-score.js';
import { renderEvidence, renderTable, renderTargets, type Row } from './summary.js';
import { exportSubset } from './subset.js';
import { scoreRealdeps } from './realdeps.js';
import { goroot, toolchains, type Toolchain } from './toolchains.js';

const here = dirname(fileURLToPath(import.meta.url));
const cache = join(here, '.cache');
const args = process.argv.slice(2);
const flag = (f: string) => args.includes(f);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',') : ['goker', 'noise', 'hangs', 'realdeps'];
const log = (s: string) => process.stderr.write(`eval: ${s}\n`);

function hashFiles(paths: string[]): string {
  const h = createHash('sha256');
  for (const p of paths) h.update(readFileSync(p));
  return h.digest('hex').slice(0, 16);
}

function goVersions(tcs: Toolchain[]): string {
  return tcs.map((t) => `${t.name}=${execFileSync(t.go, ['env', 'GOVERSION'], { encoding: 'utf8', env: { ...process.env, ...t.env }, timeout: 60_000 }).trim()}`).join(' ');
}

/** Regenerate a corpus when its inputs changed (programs, K, toolchains) or --regen. */
async function ensure(name: string, inputs: string[], extra: string, gen: () => Promise<void>): Promise<void> {
  const stampPath = join(cache, `${name}.stamp`);
  const stamp = `${hashFiles(inputs)} ${extra}`;
  if (!flag('--regen') && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === stamp) return;
  const t0 = Date.now();
  log(`generating ${name} dumps (cache ${cache})`);
  await gen();
  writeFileSync(stampPath, stamp);
  log(`${name}: generated in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

async function main(): Promise<void> {
  mkdirSync(cache, { recursive: true });
  const tcs = toolchains();
  if (tcs.length === 0) throw new Error('no Go toolchain found (need `go` 1.26 and/or /usr/lib/go-1.19/bin/go)');
  const versions = goVersions(tcs);
  const rows: Row[] = [];
  const report: { goker: Record<string, GokerOutcome[]>; noise: NoiseOutcome[]; hangs: HangOutcome[]; notes: string[] } = { goker: {}, noise: [], hangs: [], notes: [] };

  const tablePath = join(goroot(), 'src/runtime/goroutineleakprofile_test.go');
  if (only.includes('goker') && !existsSync(tablePath)) report.notes.push(`GoKer skipped: ${tablePath} does not exist (Go's leak scenarios ship with Go ≥ 1.26; put it first on PATH)`);
  else if (only.includes('goker')) {
    const table = loadTable();
    await ensure('goker', [join(here, 'goker', 'driver.go'), join(here, 'goservice', 'service.go')], `k=${K} ${versions} scenarios=${table.length}`, async () => {
      const r = await generateGoker(cache, tcs, table, log);
      if (r.unregistered.length) log(`table scenarios no program registers: ${r.unregistered.join(' ')}`);
    });
    const gen = JSON.parse(readFileSync(join(cache, 'goker', 'report.json'), 'utf8')) as {
      builds: Array<{ toolchain: string; program: string; excluded: Array<{ file: string; scenarios: string[] }>; failed: string | null }>;
      runFailures: Record<string, string>;
    };
    for (const b of gen.builds) {
      if (b.failed) report.notes.push(`${b.toolchain}/${b.program}: build failed: ${b.failed}`);
      for (const e of b.excluded) report.notes.push(`${b.toolchain}: ${e.file} does not compile, left out (${e.scenarios.join(', ')})`);
    }
    for (const [k, v] of Object.entries(gen.runFailures)) report.notes.push(`${k}: run failed: ${v}`);
    if (!gen.builds.some((b) => b.excluded.length || b.failed)) report.notes.push(`GoKer: all ${table.length} table scenarios compile and run on ${tcs.map((t) => t.name).join(', ')}`);
    const g = gokerCorpus(cache, table, tcs.map((t) => t.name));
    report.goker = g.outcomes;
    rows.push(...g.rows);
    for (const [tc, marks] of Object.entries(g.goMarks)) {
      const obs = marks.reduce((n, m) => n + m.observed, 0);
      const marked = marks.reduce((n, m) => n + m.marked, 0);
      report.notes.push(`reference: Go's own leak profile (${tc}) marked ${marked}/${obs} observed leaks (${((100 * marked) / Math.max(1, obs)).toFixed(1)}%) at t2; the GOLF paper reports 94.8% on GoKer`);
    }
    const others = Object.values(g.outcomes).flat().reduce((n, o) => n + o.others.length, 0);
    report.notes.push(`high/medium findings on scenario code that matches no table entry (not counted as false: the table lists only what Go's detector must report): ${others}`);
    for (const name of table.filter((s) => s.leaks.length === 0).map((s) => s.name)) {
      const loud = Object.entries(g.outcomes).flatMap(([tc, os]) => os.filter((o) => o.scenario === name && o.falses.length).map((o) => `${tc} ${o.format}/${o.mode}`));
      report.notes.push(`no-leak ${name}: ${loud.length ? `high/medium findings in ${loud.join(', ')}` : 'quiet or low everywhere'}`);
    }
  }
  if (only.includes('noise')) {
    await ensure('noise', [...NOISE_SOURCES, join(here, 'goservice', 'service.go')], `${versions} scenarios=${NOISE_SCENARIOS.join(',')}`, () => generateNoise(cache, tcs, log));
    const n = noiseCorpus(cache);
    report.noise = n.outcomes;
    rows.push(...n.rows);
  }
  if (only.includes('hangs')) {
    const plain = tcs.filter((t) => !t.leakProfile);
    await ensure('hangs', ['deadlock/main.go', 'sigquit-lock/main.go', 'sigquit-lone/main.go', 'timeout/drain.go', 'timeout/drain_test.go', 'expect.json'].map((f) => join(here, 'hangs', f)), versions, () =>
      generateHangs(cache, plain, log),
    );
    const h = hangCorpus(cache, plain.map((t) => t.name));
    report.hangs = h.outcomes;
    rows.push(...h.rows);
  }

  writeFileSync(join(cache, 'report.json'), JSON.stringify({ rows, ...report }, null, 1));
  console.log(renderTable(rows));
  console.log('');
  console.log(renderTargets(rows));
  console.log('');
  if (rows.some((r) => r.corpus === 'goker')) console.log(`GoKer: Go's goroutine leak scenarios (${versions}), each with an HTTP server + ${4} keep-alive connections, 8 idle workers, a ticker and a signal loop; t1 after one run, t2 after ${K} more.`);
  if (only.includes('realdeps')) {
    console.log('');
    for (const line of scoreRealdeps(join(here, '..', 'test', 'fixtures', 'dumps', 'realdeps'))) console.log(line);
    console.log("realdeps: services built from real dependencies (gRPC, HTTP/2, fasthttp, quic-go, websockets, errgroup, singleflight, database/sql, badger, pebble, OpenTelemetry, memberlist, raft, etcd, client-go, MQTT, JetStream, sarama, franz-go, worker pools, caches, loggers, …; the table in its README), healthy and with their library's typical leak, captured once on Go 1.26.8 (test/fixtures/dumps/realdeps; longpoll, ttlwarm, ttlwarm40, diodet and imapidle are healthy-only probes); diff = t0+t1, series = t0..t2, single = t2; no target is set for them");
    console.log('');
  }
  console.log('recall: observed expected leaks with a high/medium finding in the top n+2; false: high/medium findings on harness goroutines, no-leak scenarios or healthy services (noise rows: summed over simulated ages 0, 2 h, 1 day for debug2/leak).');
  for (const n of report.notes) console.log(`note: ${n}`);
  console.log(`load average while scoring: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (${cpus().length} cores)`);
  if (flag('--evidence')) {
    console.log('');
    console.log(renderEvidence([...Object.values(report.goker).flat().flatMap((o) => o.labelled), ...report.noise.flatMap((o) => o.labelled)]));
  }
  if (flag('--verbose')) printMisses(report);
  else console.log(`details (every miss and false finding): eval/.cache/report.json or --verbose`);
  if (flag('--export-subset')) exportSubset(cache, rows, log);
}

function printMisses(report: { goker: Record<string, GokerOutcome[]>; noise: NoiseOutcome[]; hangs: HangOutcome[] }): void {
  for (const [tc, os] of Object.entries(report.goker))
    for (const o of os) {
      const missed = o.leaks.filter((l) => !l.found).map((l) => l.leak);
      if (missed.length) console.log(`miss  goker ${tc} ${o.format}/${o.mode} ${o.scenario}: ${missed.join(' ; ')}`);
      for (const f of o.falses) console.log(`false goker ${tc} ${o.format}/${o.mode} ${o.scenario}: ${f}`);
    }
  for (const o of report.noise) {
    if (o.program.startsWith('hidden-') && o.found < o.analyses) console.log(`miss  noise ${o.toolchain} ${o.format}/${o.mode} age ${o.age} ${o.program}`);
    for (const f of o.falses) console.log(`false noise ${o.toolchain} ${o.format}/${o.mode} age ${o.age} ${o.program}: ${f}`);
  }
  for (const o of report.hangs) if (!o.found) console.log(`miss  hangs ${o.toolchain} ${o.name}: ${o.error ?? `top: ${o.top.join(' | ') || 'no findings'}`}`);
}

await main();
