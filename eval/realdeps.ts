// The realdeps corpus: services built from real dependencies, healthy and with one leak each, captured
// once and kept in the repository (test/fixtures/dumps/realdeps, README there). No generation: scored
// as they are, per format and mode, beside the generated corpora.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compare, parseDump, type Finding } from '../src/engine/index.js';

const FILE = { debug2: 'debug2.txt.gz', debug1: 'debug1.txt.gz', proto: 'pb.gz' } as const;
const MODES = { single: [2], diff: [0, 1], series: [0, 1, 2] } as const;
const strong = (f: Finding) => f.confidence === 'high' || f.confidence === 'medium';

/** One line per format × mode: the services whose leak reached high/medium on its own stack, and the
 *  high/medium findings on the healthy runs (named by service). Throws when the fixtures are missing. */
export function scoreRealdeps(dir: string): string[] {
  const services = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const lines: string[] = [];
  for (const [fmt, file] of Object.entries(FILE)) {
    for (const [mode, moments] of Object.entries(MODES)) {
      const found: string[] = [];
      const falses: string[] = [];
      for (const svc of services) {
        const stack = new RegExp(readFileSync(join(dir, svc, 'leakre.txt'), 'utf8').trim());
        const run = (kind: string) =>
          compare(
            moments.map((t) => parseDump(readFileSync(join(dir, svc, `${kind}.t${t}.${file}`)), { capturedAt: 1_000 * (t + 1) })),
            { maxFindings: 1000 },
          ).findings.filter(strong);
        // A probe has no leak run: a healthy program whose piles look like one (README there).
        const probe = !existsSync(join(dir, svc, `leak.t0.${file}`));
        if (!probe && run('leak').some((f) => f.frames.some((fr) => stack.test(fr.func)) || (f.createdBy !== null && stack.test(f.createdBy.func)))) found.push(svc);
        const loud = run('healthy').length;
        if (loud > 0) falses.push(`${svc} ${loud}`);
      }
      const leaking = services.filter((svc) => existsSync(join(dir, svc, `leak.t0.${file}`))).length;
      lines.push(`realdeps ${fmt.padEnd(7)} ${mode.padEnd(7)} leaks found ${found.length}/${leaking} (${found.join(' ') || '-'}); false ${falses.length ? falses.join(', ') : 0}`);
    }
  }
  return lines;
}
