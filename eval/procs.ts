// Every process the eval starts goes through here, so none outlives it: each has a time limit
// (SIGKILL past it), and an interrupted eval (SIGINT, SIGTERM) kills whatever is still running.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;

function track(p: ChildProcess): void {
  live.add(p);
  p.on('exit', () => live.delete(p));
  if (hooked) return;
  hooked = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      for (const c of live) c.kill('SIGKILL');
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
}

export interface RunResult {
  /** Exit code; null when the process was killed (time limit) or could not start. */
  code: number | null;
  out: string;
}

/** Run to completion (stdout + stderr), killed after `timeoutMs`. Never throws. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : null, out: `${stdout}${stderr}` });
      },
    );
    track(p);
  });
}

/** Start a program, send it `signal` once it printed `ready` on stdout, return its stderr. Rejects
 *  (after killing it) when it does not get ready within `timeoutMs`. */
export function signalWhenReady(cmd: string, env: Record<string, string>, ready: string, signal: NodeJS.Signals, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    track(p);
    let err = '';
    let out = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cmd}: not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    p.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (out.includes(ready)) p.kill(signal);
    });
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', () => {
      clearTimeout(timer);
      resolve(err);
    });
  });
}
