// Loaded into every test file's process (`--import` in package.json's test script). node's runner
// has no per-file exit: a file whose tests and after-hooks have all finished but that left a handle
// open (a socket, a retry timer) never exits, and the run reports it 300 s later as a timeout with no
// clue. Once the file's last after-hook has run, this waits (unref'd, so it never keeps the process
// alive itself) and, if the process is still there, names what holds it open and ends it with the
// exit code the tests earned. The tests' verdicts are already reported by then; only the hang goes.
import { after } from 'node:test';
import { basename } from 'node:path';

/** How long a finished file may take to exit by itself (ms): sockets and child processes closing. */
const EXIT_GRACE_MS = 20_000;

// Only in the runner's child processes (one per file), never in the parent that runs them.
if (process.env.NODE_TEST_CONTEXT?.startsWith('child')) {
  after(() => {
    setTimeout(() => {
      const file = basename(process.argv[1] ?? 'test file');
      const resources = process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap');
      // _getActiveHandles is undocumented but the only way to say which socket or child is left.
      const handles = ((process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? []).map(describeHandle).filter(Boolean);
      process.stderr.write(`exit-guard: ${file} finished its tests ${EXIT_GRACE_MS / 1000} s ago but still holds ${resources.join(', ') || 'nothing visible'}${handles.length ? ` (${handles.join('; ')})` : ''}; ending it\n`);
      process.exit();
    }, EXIT_GRACE_MS).unref();
  });
}

function describeHandle(h: unknown): string {
  const o = h as { constructor?: { name?: string }; remoteAddress?: string; remotePort?: number; localPort?: number; spawnfile?: string; pid?: number; fd?: number };
  const kind = o.constructor?.name ?? 'handle';
  if (o.remotePort) return `${kind} to ${o.remoteAddress}:${o.remotePort}`;
  if (o.spawnfile) return `${kind} ${o.spawnfile} pid ${o.pid}`;
  if (kind === 'Server') return 'Server';
  if (kind === 'Socket' && (o.fd === 1 || o.fd === 2)) return '';
  return kind === 'WriteStream' || kind === 'ReadStream' ? '' : kind;
}
