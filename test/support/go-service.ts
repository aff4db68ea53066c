// The real leaking Go service (test/fixtures/go/leaksvc) for tests and benchmarks: built once per
// Go toolchain and source hash into os.tmpdir(), started on a free loopback port, and always killed
// when the test process ends (it also exits by itself when its stdin, our pipe, closes).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnDaemon } from './daemon.js';

const run = promisify(execFile);

/** test/fixtures/go: the Go module holding leaksvc, the fixture programs and their shared packages. */
export const goModuleDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'go');

/** Debian's Go 1.19 (always installed on our machines). */
export const go119 = '/usr/lib/go-1.19/bin/go';

export interface GoBuildOptions {
  /** The go command; default `go` (1.26 here). */
  goBin?: string;
  /** Extra environment for the build, e.g. { GOTOOLCHAIN: 'go1.27.0' }. */
  env?: Record<string, string>;
  /** Build with GOEXPERIMENT=goroutineleakprofile (Go 1.26), so /debug/pprof/goroutineleak is served. */
  experiment?: boolean;
}

export interface GoBuild {
  binary: string;
  /** `go1.26.8` etc. */
  goVersion: string;
  /** Whether the binary serves /debug/pprof/goroutineleak. */
  leakProfile: boolean;
}

/** A hash of the fixture module's Go sources: cache keys for binaries and benchmark dumps. */
export function sourceHash(): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'bin') walk(p);
      } else if (name.endsWith('.go') || name === 'go.mod') {
        h.update(relative(goModuleDir, p)).update('\0').update(readFileSync(p)).update('\0');
      }
    }
  };
  walk(goModuleDir);
  return h.digest('hex').slice(0, 16);
}

const builds = new Map<string, Promise<GoBuild>>();

/** Builds `./<pkg>` of the fixture module (default leaksvc), reusing a cached binary when the
 *  sources and toolchain are unchanged. Safe to call from several processes at once. */
export function buildGoProgram(pkg = 'leaksvc', opts: GoBuildOptions = {}): Promise<GoBuild> {
  const goBin = opts.goBin ?? 'go';
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, GOFLAGS: '-buildvcs=false' };
  if (opts.experiment) env.GOEXPERIMENT = 'goroutineleakprofile';
  const memo = JSON.stringify([pkg, goBin, opts.env ?? {}, !!opts.experiment]);
  let p = builds.get(memo);
  if (!p) {
    p = (async () => {
      const { stdout } = await run(goBin, ['env', 'GOVERSION'], { env, cwd: goModuleDir, timeout: 300_000 });
      const goVersion = stdout.trim();
      const key = createHash('sha256').update(memo).update(goVersion).update(sourceHash()).digest('hex').slice(0, 20);
      const dir = join(tmpdir(), 'leakbot-go-build', key);
      const binary = join(dir, pkg.replaceAll('/', '_'));
      if (!existsSync(binary)) {
        mkdirSync(dir, { recursive: true });
        const tmp = `${binary}.${process.pid}.tmp`;
        await run(goBin, ['build', '-o', tmp, `./${pkg}`], { env, cwd: goModuleDir, timeout: 600_000 });
        renameSync(tmp, binary); // atomic: a concurrent builder never sees half a binary
      }
      const minor = Number(/^go1\.(\d+)/.exec(goVersion)?.[1] ?? 0);
      return { binary, goVersion, leakProfile: minor >= 27 || (minor === 26 && !!opts.experiment) };
    })();
    builds.set(memo, p);
    p.catch(() => builds.delete(memo));
  }
  return p;
}

export type LeakPattern =
  | 'chansend' | 'chanrecv' | 'select' | 'nilchan' | 'selectnocases' | 'waitgroup'
  | 'mutex' | 'rwmutex' | 'cond' | 'httpbody' | 'netread' | 'sleep' | 'generic';

export const leakPatterns: LeakPattern[] = [
  'chansend', 'chanrecv', 'select', 'nilchan', 'selectnocases', 'waitgroup',
  'mutex', 'rwmutex', 'cond', 'httpbody', 'netread', 'sleep', 'generic',
];

/** Where a pattern's goroutines block, as leaksvc computed it from its own source. */
export interface PatternSite {
  func: string;
  file: string;
  line: number;
  /** For httpbody: the net/http frame that piles up instead of the user's frame. */
  stdFunc?: string;
}

export interface GoService extends GoBuild {
  url: string;
  pid: number;
  /** Leaks n goroutines with the pattern; resolves once they are blocked, with the goroutine count. */
  leak(pattern: LeakPattern, n: number): Promise<number>;
  pool(n: number): Promise<number>;
  surge(n: number, ms: number): Promise<number>;
  convoy(n: number, rounds: number, ms: number): Promise<number>;
  /** Parks n more goroutines over `stacks` distinct stacks (benchmarks). */
  bulk(n: number, stacks?: number, depth?: number): Promise<number>;
  count(): Promise<number>;
  patterns(): Promise<Record<LeakPattern, PatternSite>>;
  /** Every pprof response waits ms first (0 turns it off). */
  slow(ms: number): Promise<void>;
  /** /debug/pprof/goroutine* returns an endless body. */
  huge(): Promise<void>;
  /** /debug/pprof/* returns an HTML page. */
  notPprof(): Promise<void>;
  /** /debug/pprof/* returns plain text that is no profile (`text`, else a status page). */
  garbage(text?: string): Promise<void>;
  /** /debug/pprof/goroutine?debug=0 returns a gzip'd profile.proto of identical samples inflating to
   *  `mib` MiB (a decompression bomb); resolves with its gzip'd size in bytes. */
  bomb(mib: number): Promise<number>;
  /** /debug/pprof/* answers 302 to `to`. */
  redirect(to: string): Promise<void>;
  /** /debug/pprof/* answers 401 unless the header has this value. */
  requireHeader(name: string, value: string): Promise<void>;
  /** Headers of the last /debug/pprof/* request (lower-case names). */
  seenHeaders(): Promise<Record<string, string>>;
  /** Path and query of the last 200 /debug/pprof/* requests, oldest first. */
  requests(): Promise<string[]>;
  /** Turns off slow/huge/notPprof/garbage/bomb/redirect/requireHeader and clears requests(). */
  reset(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export interface StartGoServiceOptions extends GoBuildOptions {
  args?: string[];
}

export async function startGoService(opts: StartGoServiceOptions = {}): Promise<GoService> {
  const build = await buildGoProgram('leaksvc', opts);
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  // stdin open: -die-with-parent exits when it closes.
  const d = spawnDaemon('leaksvc', build.binary, ['-die-with-parent', ...(opts.args ?? [])], { env, stdin: true, stdout: true });
  const child = d.child;

  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail(new Error('leaksvc printed no LISTENING line within 60 s')), 60_000);
    const early = (code: number | null): void => fail(new Error(`leaksvc exited with ${code} before listening`));
    function fail(err: Error): void {
      clearTimeout(timer);
      child.off('exit', early);
      lines.close();
      child.kill('SIGKILL');
      reject(new Error(`${err.message}${d.log() ? `\n${d.log()}` : ''}`));
    }
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.off('exit', early);
      const m = /^LISTENING (http:\/\/\S+)$/.exec(line);
      if (m) resolve(m[1]!);
      else fail(new Error(`unexpected first line from leaksvc: ${line}`));
    });
    child.once('exit', early);
  });

  async function call(method: 'GET' | 'POST', path: string, params: Record<string, string | number> = {}): Promise<unknown> {
    const qs = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
    const res = await fetch(`${url}${path}${qs.size ? `?${qs}` : ''}`, { method, signal: AbortSignal.timeout(120_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`leaksvc ${method} ${path}: ${res.status} ${text.trim()}`);
    return text ? JSON.parse(text) : undefined;
  }
  const counted = async (path: string, params: Record<string, string | number>): Promise<number> =>
    ((await call('POST', path, params)) as { count: number }).count;

  return {
    ...build,
    url,
    pid: child.pid!,
    leak: (pattern, n) => counted('/leak', { pattern, n }),
    pool: (n) => counted('/noise/pool', { n }),
    surge: (n, ms) => counted('/noise/surge', { n, ms }),
    convoy: (n, rounds, ms) => counted('/noise/convoy', { n, rounds, ms }),
    bulk: (n, stacks, depth) =>
      counted('/bulk', { n, ...(stacks !== undefined && { stacks }), ...(depth !== undefined && { depth }) }),
    count: async () => ((await call('GET', '/count')) as { count: number }).count,
    patterns: async () => (await call('GET', '/patterns')) as Record<LeakPattern, PatternSite>,
    slow: async (ms) => void (await call('POST', '/slow', { ms })),
    huge: async () => void (await call('POST', '/huge')),
    notPprof: async () => void (await call('POST', '/notpprof')),
    garbage: async (text) => void (await call('POST', '/garbage', text ? { text } : {})),
    bomb: async (mib) => ((await call('POST', '/bomb', { mib })) as { bytes: number }).bytes,
    requests: async () => (await call('GET', '/requests')) as string[],
    redirect: async (to) => void (await call('POST', '/redirect', { to })),
    requireHeader: async (header, value) => void (await call('POST', '/require', { header, value })),
    seenHeaders: async () => {
      const h = (await call('GET', '/seen')) as Record<string, string[]>;
      return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v.join(', ')]));
    },
    reset: async () => void (await call('POST', '/reset')),
    stop: d.stop,
    kill: d.kill,
  };
}
