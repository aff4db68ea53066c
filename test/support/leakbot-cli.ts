// How tests start the `leakbot` command: the TypeScript sources through tsx, so a test always runs the
// code it sits beside (dist/ may be stale or absent in a working tree). The compiled package that
// bin/leakbot.js runs is tested on its own in test/package.test.ts.
import { execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);

/** The repository root (holds package.json, src/, bin/). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** [executable, argv] that run `leakbot <args…>` from src/cli.ts; pass them to spawn/execFile. */
export function leakbotCommand(args: readonly string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli.ts'), ...args]];
}

/** Runs `leakbot <args…>` to its end (from the repository root, NO_COLOR): its exit code and output.
 *  A non-zero exit is a result, not an error. */
export async function runLeakbot(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, argv] = leakbotCommand(args);
  try {
    const r = await run(cmd, argv, { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Runs `leakbot <args…>` with `stdin` on a pipe that is then closed (as in `curl … | leakbot analyze`;
 *  empty when not given); `onStderr` sees stderr as it grows (to act between two live captures).
 *  Resolves at exit with the code (null when killed by a signal) and the output. */
export function spawnLeakbot(args: readonly string[], stdin?: string | Buffer, onStderr?: (all: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = leakbotCommand(args);
    const child = spawn(cmd, argv, { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      onStderr?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
