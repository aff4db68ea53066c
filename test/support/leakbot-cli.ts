// How tests start the `leakbot` command: the TypeScript sources through tsx, so a test always runs the
// code it sits beside (dist/ may be stale or absent in a working tree). The compiled package that
// bin/leakbot.js runs is tested on its own in test/package.test.ts.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (holds package.json, src/, bin/). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** [executable, argv] that run `leakbot <args…>` from src/cli.ts; pass them to spawn/execFile. */
export function leakbotCommand(args: readonly string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli.ts'), ...args]];
}
