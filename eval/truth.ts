// Ground truth read straight from a debug=2 goroutine dump, independent of the engine under test:
// which goroutines exist, their entry function (the frame above "created by", as Go's own leak test
// reads it), their wait reason with Go 1.19's "semacquire" named after the sync primitive whose
// frame is on the stack, and whether Go's leak profile marked them "(leaked)".
// Format: runtime/traceback.go (goroutineheader, traceback1) and runtime/pprof's debug=2 writer.

export interface TruthGoroutine {
  id: number;
  /** Wait reason without ", N minutes", ", locked to thread" and " (leaked)". */
  reason: string;
  minutes: number | null;
  leaked: boolean;
  /** Function names, innermost first. */
  funcs: string[];
  /** Bottom frame: the function the goroutine was started with (null when frames were elided). */
  entry: string | null;
  createdBy: string | null;
  creatorId: number | null;
}

const HEADER = /^goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[([^\]]*)\]/;
const SYNC_WAIT = /^sync\.\(\*(Mutex|RWMutex|WaitGroup|Cond)\)\.(Lock|RLock|Wait)$/;

/** Parse every goroutine of a debug=2 dump (or a crash/SIGQUIT traceback). */
export function readGoroutines(text: string): TruthGoroutine[] {
  const out: TruthGoroutine[] = [];
  let cur: TruthGoroutine | null = null;
  let elided = false;
  const finish = (): void => {
    if (!cur) return;
    cur.entry = elided ? null : (cur.funcs[cur.funcs.length - 1] ?? null);
    if (cur.reason === 'semacquire') cur.reason = syncReason(cur.funcs) ?? cur.reason;
    out.push(cur);
    cur = null;
  };
  for (const line of text.split('\n')) {
    const h = HEADER.exec(line);
    if (h) {
      finish();
      elided = false;
      let reason = h[2]!;
      const leaked = reason.includes(' (leaked)');
      reason = reason.replace(' (leaked)', '');
      const min = /, (\d+) minutes/.exec(reason);
      reason = reason.replace(/, \d+ minutes/, '').replace(', locked to thread', '');
      cur = { id: Number(h[1]), reason, minutes: min ? Number(min[1]) : null, leaked, funcs: [], entry: null, createdBy: null, creatorId: null };
      continue;
    }
    if (!cur || line === '' || line.startsWith('\t')) {
      if (line === '') finish();
      continue;
    }
    if (line.startsWith('...')) {
      elided = true;
      continue;
    }
    const c = /^created by (\S+?)(?: in goroutine (\d+))?$/.exec(line);
    if (c) {
      cur.createdBy = c[1]!;
      cur.creatorId = c[2] ? Number(c[2]) : null;
      continue;
    }
    // "pkg.(*T).Method(0x1, {0x2, 0x3})": the argument list is the last parenthesis.
    const open = line.endsWith(')') ? line.lastIndexOf('(') : -1;
    cur.funcs.push(open > 0 ? line.slice(0, open) : line);
  }
  finish();
  return out;
}

/** Go ≤ 1.20 prints every sync wait as "semacquire"; name it the way Go 1.26 does from the innermost
 *  sync.(*T).Method frame (an RWMutex.Lock blocked on its inner Mutex is "sync.Mutex.Lock" there too). */
function syncReason(funcs: string[]): string | null {
  for (const f of funcs) {
    const m = SYNC_WAIT.exec(f);
    if (m) return `sync.${m[1]}.${m[2]}`;
  }
  return null;
}
