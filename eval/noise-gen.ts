// Runs the healthy services of eval/noise (and their hidden-leak twins) under every toolchain:
// <cache>/noise/<toolchain>/<scenario>.t<i>.<format> and <scenario>.meta.json.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NoiseCase, NoiseFormat } from './noise-score.js';
import { run } from './procs.js';
import type { Toolchain } from './toolchains.js';

const here = dirname(fileURLToPath(import.meta.url));
const HEALTHY = ['busypool', 'quiet', 'bigpool', 'fanout', 'backpressure', 'longpoll', 'fanin', 'sessions', 'resize'];
export const NOISE_SCENARIOS = [...HEALTHY, ...HEALTHY.map((s) => `hidden-${s}`)];
/** The Go files of the noise program (eval/noise/*.go), for building it and for the cache stamp. */
export const NOISE_SOURCES = readdirSync(join(here, 'noise'))
  .filter((f) => f.endsWith('.go'))
  .sort()
  .map((f) => join(here, 'noise', f));
/** The function the hidden leak's goroutines block in (eval/noise/main.go). */
export const NOISE_LEAK_FUNC = 'main.leakSend';
const TIMEOUT_MS = 120_000;

async function exec(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<{ ok: boolean; out: string }> {
  const r = await run(cmd, args, { cwd, env, timeoutMs: TIMEOUT_MS });
  return { ok: r.code === 0, out: r.out };
}

export async function generateNoise(cache: string, tcs: Toolchain[], log: (s: string) => void): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'leakbot-eval-noise-'));
  try {
    for (const tc of tcs) {
      const out = join(cache, 'noise', tc.name);
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      const src = join(tmp, `src-${tc.name}`);
      mkdirSync(src);
      for (const f of NOISE_SOURCES) cpSync(f, join(src, basename(f)));
      cpSync(join(here, 'goservice', 'service.go'), join(src, 'service.go'));
      writeFileSync(join(src, 'go.mod'), `module leakeval/noise\n\n${tc.goLine}\n`);
      const bin = join(tmp, `noise-${tc.name}`);
      const b = await exec(tc.go, ['build', '-o', bin, '.'], src, { ...tc.env, GOFLAGS: '-buildvcs=false' });
      if (!b.ok) {
        log(`noise ${tc.name}: build failed: ${b.out.trim().slice(0, 300)}`);
        continue;
      }
      // Two at a time: the machine is shared.
      const queue = [...NOISE_SCENARIOS];
      await Promise.all(
        [0, 1].map(async () => {
          for (let s = queue.shift(); s; s = queue.shift()) {
            const r = await exec(bin, ['-scenario', s, '-out', out], tmp, tc.env);
            if (!r.ok) log(`noise ${tc.name}/${s}: failed: ${r.out.trim().slice(0, 300)}`);
          }
        }),
      );
      log(`noise ${tc.name}: ${NOISE_SCENARIOS.length} scenarios`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Cases for scoreNoise from <root>/noise/<toolchain>/. */
export function generatedNoiseCases(root: string): NoiseCase[] {
  const out: NoiseCase[] = [];
  const dir = join(root, 'noise');
  if (!existsSync(dir)) return out;
  for (const toolchain of readdirSync(dir).sort()) {
    for (const scenario of NOISE_SCENARIOS) {
      const metaPath = join(dir, toolchain, `${scenario}.meta.json`);
      if (!existsSync(metaPath)) continue;
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { moments: Array<{ capturedAt: number; files: Partial<Record<NoiseFormat, string>> }> };
      out.push({
        program: scenario.startsWith('hidden-') ? scenario : `noise-${scenario}`,
        toolchain,
        expectFunc: scenario.startsWith('hidden-') ? NOISE_LEAK_FUNC : null,
        moments: meta.moments.map((m) => ({
          capturedAt: m.capturedAt,
          files: Object.fromEntries(Object.entries(m.files).map(([k, f]) => [k, join(dir, toolchain, f!)])) as Partial<Record<NoiseFormat, string>>,
        })),
      });
    }
  }
  return out;
}
