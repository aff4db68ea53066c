// Noise and hidden-leak cases from the dumps the tests already keep (test/fixtures/dumps, captured from
// the programs in test/fixtures/go/cmd by test/fixtures/capture.sh; see its manifest.json).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HangCase } from './hangs.js';
import type { NoiseCase, NoiseFormat } from './noise-score.js';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURE_DUMPS = join(here, '..', 'test', 'fixtures', 'dumps');

interface Manifest {
  programs: Record<
    string,
    {
      noise: boolean;
      expect: { func: string } | null;
      captures: Record<string, Array<{ capturedAt: number; files: Record<string, string> }>>;
    }
  >;
  crashes: Record<string, Record<string, string>>;
}

const KEYS: Record<string, NoiseFormat> = { 'debug2.txt': 'debug2', 'debug1.txt': 'debug1', 'pb.gz': 'proto', 'leak.txt': 'leak' };

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

/** Healthy services (noise-*) and leaks hidden in noise (hidden-*). */
export function fixtureNoiseCases(dir = FIXTURE_DUMPS): NoiseCase[] {
  const out: NoiseCase[] = [];
  for (const [program, p] of Object.entries(manifest(dir).programs)) {
    const hidden = program.startsWith('hidden-');
    if (!p.noise && !hidden) continue;
    for (const [toolchain, moments] of Object.entries(p.captures)) {
      out.push({
        program,
        toolchain,
        expectFunc: hidden ? (p.expect?.func ?? null) : null,
        moments: moments.map((m) => ({
          capturedAt: m.capturedAt,
          files: Object.fromEntries(
            Object.entries(m.files)
              .filter(([k, rel]) => KEYS[k] && existsSync(join(dir, rel)))
              .map(([k, rel]) => [KEYS[k]!, join(dir, rel)]),
          ),
        })),
      });
    }
  }
  return out;
}

/** The runtime's deadlock report of test/fixtures/go/cmd/crash-deadlock, every toolchain. */
export function fixtureHangCases(dir = FIXTURE_DUMPS): HangCase[] {
  const out: HangCase[] = [];
  for (const [toolchain, rel] of Object.entries(manifest(dir).crashes['crash-deadlock'] ?? {})) {
    out.push({ name: 'deadlock (fixture)', toolchain, file: join(dir, rel), stuck: ['main.main', 'main.collect'], age: 0 });
  }
  return out;
}
