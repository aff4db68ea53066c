// A server process for tests (dnsmasq, Prometheus, Alertmanager, redis-server, redis-sentinel):
// spawned with its stderr kept as a log tail for failure messages, polled until it is ready,
// stopped by SIGTERM (SIGKILL if it lingers), and killed when the test process exits even if a test
// forgot to stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const live = new Set<ChildProcess>();

/** The process ended before it was ready (e.g. its port was taken between freePort() and its bind). */
export class DaemonExitedError extends Error {
  override name = 'DaemonExitedError';
}
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** How long stop() waits after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 10_000;
/** How much of stderr log() keeps (characters). */
const LOG_TAIL = 8000;

export interface Daemon {
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** The last 8,000 characters of its stderr (empty when spawned with `log: false`). */
  log(): string;
  /**
   * Calls `ok` every `everyMs` (default 100) until it answers true; a rejection counts as false.
   * Throws, with the log tail, when the process exits first or `timeoutMs` (default 30 s) passes.
   */
  until(what: string, ok: () => Promise<boolean>, o?: { timeoutMs?: number; everyMs?: number }): Promise<void>;
  /** until() for its readiness after the spawn; on failure the process is killed, then the error thrown. */
  started(what: string, ok: () => Promise<boolean>, o?: { timeoutMs?: number; everyMs?: number }): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it exited (at once if it already had). */
  stop(): Promise<void>;
  /** SIGKILL; resolves once it exited. */
  kill(): Promise<void>;
}

export interface DaemonOptions {
  /** Keep stderr for log() (default true). */
  log?: boolean;
  /** Pipes to its stdin and stdout (child.stdin, child.stdout); default: ignored. */
  stdin?: boolean;
  stdout?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Spawns `bin args` as a test's server process named `name` (in messages). */
export function spawnDaemon(name: string, bin: string, args: string[], o: DaemonOptions = {}): Daemon {
  const pipe = (on: boolean | undefined) => (on ? 'pipe' : 'ignore');
  const child = spawn(bin, args, { stdio: [pipe(o.stdin), pipe(o.stdout), pipe(o.log ?? true)], ...(o.env ? { env: o.env } : {}) });
  live.add(child);
  let tail = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    tail = (tail + d).slice(-LOG_TAIL);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => (live.delete(child), resolve())));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const signal = async (sig: NodeJS.Signals) => {
    if (gone()) return;
    child.kill(sig);
    await exited;
  };
  const until: Daemon['until'] = async (what, ok, { timeoutMs = 30_000, everyMs = 100 } = {}) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (gone()) throw new DaemonExitedError(`${name} exited with ${child.exitCode ?? child.signalCode} before ${what}\n${tail}`);
      if (await ok().catch(() => false)) return;
      await sleep(everyMs);
    }
    throw new Error(`${name}: ${what} not reached within ${Math.round(timeoutMs / 1000)} s\n${tail}`);
  };
  return {
    child,
    exited,
    log: () => tail,
    until,
    async started(what, ok, o) {
      try {
        await until(what, ok, o);
      } catch (err) {
        await signal('SIGKILL');
        throw err;
      }
    },
    async stop() {
      if (gone()) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await signal('SIGTERM');
      clearTimeout(timer);
    },
    kill: () => signal('SIGKILL'),
  };
}
