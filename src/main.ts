// Process entry points used by `leakbot start|web|worker` (src/cli.ts): read and check the
// environment, load the config, compose, and shut down gracefully on SIGTERM/SIGINT.
import { createLeakbot, type Leakbot } from './app.js';
import { logLevelOf, readStartup, StartupError, type Role } from './env.js';
import { createLogger, scrubSecrets, type Logger } from './log.js';

export { readConfig, readEnv, readStartup, StartupError } from './env.js';

/** EADDRINUSE from listen() as a sentence that says what to change; null for any other error. */
export function portInUse(err: unknown, port: number, role: Role): StartupError | null {
  if ((err as NodeJS.ErrnoException | null)?.code !== 'EADDRINUSE') return null;
  return new StartupError(
    `leakbot cannot start: port ${port} is already in use (PORT=${port}). Another process — often a second leakbot: ` +
      `\`leakbot web\` and \`leakbot worker\` on one host each serve /healthz and /metrics — is listening there. ` +
      `Give this ${role === 'all' ? 'process' : role} its own PORT (e.g. PORT=${port + 1}), or PORT=0 for any free port.`,
  );
}

export interface Running {
  leakbot: Leakbot;
  port: number;
  stop(): Promise<void>;
}

/** Starts a process of the given role; on bad env/config prints the reason and exits 1. */
export async function run(role: Role, env: NodeJS.ProcessEnv = process.env, opts: { exitOnError?: boolean; signals?: boolean } = {}): Promise<Running> {
  const log = createLogger({ level: logLevelOf(env) });
  let leakbot: Leakbot;
  let port: number;
  try {
    const { config, env: e } = readStartup(env, role);
    leakbot = await createLeakbot({ config, env: e, logger: log.child({ role }), role });
    // Every role serves /healthz and /metrics (the Docker HEALTHCHECK runs in web and worker).
    try {
      port = await leakbot.startWeb();
    } catch (err) {
      await leakbot.stop().catch(() => {});
      throw portInUse(err, e.port, role) ?? err;
    }
    if (role !== 'web') await leakbot.startWorker();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (opts.exitOnError ?? true) {
      process.stderr.write(`${scrubSecrets(msg)}\n`);
      log.flush?.();
      process.exit(1);
    }
    throw err;
  }
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => (stopping ??= leakbot.stop());
  if (opts.signals ?? true) {
    // Nothing a client or a library throws may end an incident bot: every request path answers on
    // its own (src/web/server.ts), and whatever still escapes is logged (errors serialized without
    // req/res, headers redacted: src/log.ts) while the process keeps serving. A supervisor that
    // wants a restart can watch leakbot_uncaught_errors_total.
    const uncaught = leakbot.ctx.metrics.uncaughtErrors;
    process.on('unhandledRejection', (err) => {
      uncaught.inc({ kind: 'rejection' });
      log.error({ err }, 'unhandled promise rejection; still serving');
    });
    process.on('uncaughtException', (err) => {
      uncaught.inc({ kind: 'exception' });
      log.fatal({ err }, 'uncaught exception; still serving');
    });
    // Under `npm start` the parent is npm: the start script execs node so npm's forwarded SIGTERM
    // reaches us, and if npm itself dies without forwarding (SIGKILL) we must not serve on as an orphan.
    if (env.npm_lifecycle_event) {
      const parent = process.ppid;
      setInterval(() => {
        if (process.ppid === parent) return;
        log.warn({ parent }, 'npm, the parent process, is gone; shutting down');
        void stop().finally(() => process.exit(0));
      }, 1000).unref();
    }
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.once(sig, () => {
        log.info({ signal: sig }, 'signal received');
        stop().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  }
  return { leakbot, port, stop };
}

export const runAll = (env?: NodeJS.ProcessEnv): Promise<Running> => run('all', env);
export const runWeb = (env?: NodeJS.ProcessEnv): Promise<Running> => run('web', env);
export const runWorker = (env?: NodeJS.ProcessEnv): Promise<Running> => run('worker', env);

export type { Logger };
