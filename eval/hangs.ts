// Hangs: what Go prints when a program cannot proceed — the runtime's deadlock report, a
// `go test -timeout` panic, a SIGQUIT dump of a service stuck on a lock — from the real programs in
// eval/hangs (and the crash-deadlock fixture). Scored found when one of the engine's first 3 hangs
// (Analysis.hangs) or first 3 findings (any confidence) has on its stack a function the program's
// design says is stuck (eval/hangs/expect.json).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, parseDump } from '../src/engine/index.js';
import { ageDump, idsOf } from './age.js';
import { namesFunc } from './match.js';
import { run, signalWhenReady } from './procs.js';
import type { Toolchain } from './toolchains.js';

const here = dirname(fileURLToPath(import.meta.url));
const hangsDir = join(here, 'hangs');
const TIMEOUT_MS = 120_000;

export interface HangCase {
  name: string;
  toolchain: string;
  file: string;
  stuck: string[];
  /** Minutes added to every wait (age.ts), 0 for the dump as captured. */
  age: number;
}

export interface HangOutcome extends HangCase {
  found: boolean;
  top: string[];
  error: string | null;
}

interface Expect {
  hangs: Record<string, { kind: string; stuck: string[]; ages?: number[] }>;
}

export function hangExpectations(): Expect['hangs'] {
  return (JSON.parse(readFileSync(join(hangsDir, 'expect.json'), 'utf8')) as Expect).hangs;
}

async function exec(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<string> {
  return (await run(cmd, args, { cwd, env, timeoutMs: TIMEOUT_MS })).out;
}

/** Write <cache>/hangs/<toolchain>/<name>.txt for every hang program. */
export async function generateHangs(cache: string, tcs: Toolchain[], log: (s: string) => void): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'leakbot-eval-hangs-'));
  try {
    for (const tc of tcs.filter((t) => !t.leakProfile)) {
      const out = join(cache, 'hangs', tc.name);
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      const env = { ...tc.env, GOFLAGS: '-buildvcs=false' };
      const bin = join(tmp, tc.name);
      mkdirSync(bin, { recursive: true });
      const built = await exec(tc.go, ['build', '-o', bin + '/', './deadlock', './sigquit-lock', './sigquit-lone'], hangsDir, env);
      if (built.trim()) log(`hangs ${tc.name}: build said ${built.trim().slice(0, 300)}`);
      writeFileSync(join(out, 'deadlock.txt'), await exec(join(bin, 'deadlock'), [], tmp, tc.env));
      writeFileSync(join(out, 'sigquit-lock.txt'), await signalWhenReady(join(bin, 'sigquit-lock'), tc.env, 'READY\n', 'SIGQUIT', TIMEOUT_MS));
      writeFileSync(join(out, 'sigquit-lone.txt'), await signalWhenReady(join(bin, 'sigquit-lone'), tc.env, 'READY\n', 'SIGQUIT', TIMEOUT_MS));
      writeFileSync(join(out, 'test-timeout.txt'), await exec(tc.go, ['test', '-count=1', '-timeout', '3s', './timeout'], hangsDir, env));
      log(`hangs ${tc.name}: 4 dumps`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function scoreHangs(cases: HangCase[]): HangOutcome[] {
  return cases.map((c) => {
    try {
      let text = readFileSync(c.file, 'utf8');
      if (c.age > 0) text = ageDump(text, idsOf(text), c.age, null);
      const a = analyze(parseDump(text), { maxFindings: 1000 });
      // The engine's own hang findings first (Analysis.hangs), then the first 3 leak findings.
      const hangs = (a.hangs ?? []).slice(0, 3);
      const top = a.findings.slice(0, 3);
      const hangNames = hangs.some((h) => c.stuck.some((fn) => h.frames.some((x) => x.func === fn) || h.site?.func === fn));
      return {
        ...c,
        found: hangNames || top.some((f) => c.stuck.some((fn) => namesFunc(f, fn))),
        top: [
          ...hangs.map((h) => `hang ${h.reason} ${h.state} ${h.site?.func ?? h.frames[h.frames.length - 1]?.func ?? '?'}`),
          ...top.map((f) => `${f.confidence} ${f.state} ${f.frames[f.frames.length - 1]?.func ?? '?'}`),
        ],
        error: null,
      };
    } catch (e) {
      return { ...c, found: false, top: [], error: (e as Error).message };
    }
  });
}
