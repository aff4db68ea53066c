// Stacks that are steady parts of a healthy Go process and never findings. Users extend the list with
// regexes over function names (config `ignore`, CLI --ignore), matched against every frame and the
// created-by function, like goleak's IgnoreAnyFunction.
//
// Stacks made only of standard-library frames (accept loops, keep-alive connections, signal handling,
// GC workers, database/sql openers) are treated as benign in rank.ts without needing a rule here; this
// list is for what a service's dependencies keep running.
import type { Frame, StackGroup } from './model.js';

/** Daemons a dependency runs once per process or per long-lived object (a provider, a logger, a cache,
 *  a client, a pool): healthy in ones and twos, a leak when the service makes them again and again
 *  (rank.ts judges them then: evidence.ts multipliedDaemon, rank.ts daemonGrowing). */
export const OBJECT_DAEMONS: readonly RegExp[] = [
  /^go\.opencensus\.io\/stats\/view\.\(\*worker\)\.start$/,
  /^go\.opencensus\.io\/trace\.\(\*defaultIDGenerator\)/,
  /^k8s\.io\/klog(\/v2)?\.\(\*loggingT\)\.flushDaemon$/,
  /^k8s\.io\/klog(\/v2)?\.\(\*flushDaemon\)\.run/,
  /^github\.com\/golang\/glog\.\(\*fileSink\)\.flushDaemon$/,
  /^go\.opentelemetry\.io\/otel\/sdk\/(trace\.\(\*batchSpanProcessor\)\.processQueue|metric\.\(\*PeriodicReader\)\.run)$/,
  /^github\.com\/patrickmn\/go-cache\.\(\*janitor\)\.Run$/,
  /^go\.uber\.org\/zap\/zapcore\.\(\*BufferedWriteSyncer\)\.flushLoop$/,
  /^github\.com\/hashicorp\/golang-lru\/v2\/expirable\.NewLRU\.func1$/,
  /^google\.golang\.org\/grpc\/internal\/grpcsync\.\(\*CallbackSerializer\)\.run$/,
  /^github\.com\/redis\/go-redis\/v9\/internal\/pool\.\(\*ConnPool\)\.reaper$/,
  /^github\.com\/jackc\/pgx\/v5\/pgxpool\.\(\*Pool\)\.backgroundHealthCheck$/,
];

export const BENIGN_PATTERNS: readonly RegExp[] = [
  // runtime and profiling machinery
  /^runtime\.(main|gcBgMarkWorker|bgsweep|bgscavenge|forcegchelper|runfinq|runCleanups|ensureSigM)$/,
  /^runtime\/pprof\.profileWriter$/,
  /^runtime\/trace\./,
  /^os\/signal\.(signal_recv|loop|watchSignalLoop)$/,
  // test runners
  /^testing\.(tRunner|runTests|\(\*T\)\.Run|\(\*M\)\.Run)$/,
  // well-known daemons of common dependencies: flushers, collectors, per-object loops
  ...OBJECT_DAEMONS,
  // a gRPC server's and connection's own goroutines (one per server or connection)
  /^google\.golang\.org\/grpc\.\(\*Server\)\.(Serve|serveStreams)/,
  /^google\.golang\.org\/grpc\/internal\/transport\.\(\*(http2Client|http2Server)\)\.(reader|keepalive)$/,
  /^google\.golang\.org\/grpc\/internal\/transport\.\(\*controlBuffer\)\.get$/,
];

/** Compile user patterns; an invalid one is a clear error naming it (the CLI exits 2 on it). */
export function compileIgnore(patterns: readonly string[]): RegExp[] {
  return patterns.map((p) => {
    try {
      return new RegExp(p);
    } catch (e) {
      throw new SyntaxError(`invalid ignore pattern ${JSON.stringify(p)}: ${(e as Error).message}`);
    }
  });
}

const matchesFrame = (res: readonly RegExp[], f: Frame | null) => f !== null && res.some((re) => re.test(f.func));

/** Whether a pile runs one of OBJECT_DAEMONS. */
export const isObjectDaemon = (g: Pick<StackGroup, 'frames'>): boolean => g.frames.some((f) => matchesFrame(OBJECT_DAEMONS, f));

/** 'ignored' when a user pattern matches a frame or the creator (always wins), 'benign' when a built-in
 *  one matches a frame (Go's own leak marker overrides that), null otherwise. */
export function benignReason(
  g: Pick<StackGroup, 'frames' | 'createdBy'>,
  extra: readonly RegExp[] = [],
): 'ignored' | 'benign' | null {
  if (extra.length && (matchesFrame(extra, g.createdBy) || g.frames.some((f) => matchesFrame(extra, f)))) return 'ignored';
  return g.frames.some((f) => matchesFrame(BENIGN_PATTERNS, f)) ? 'benign' : null;
}
