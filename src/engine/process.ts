// Whether two debug=2 dumps can be of one process, read from the goroutines both list under one id.
//
// In one process a goroutine keeps its id for life and ids are never reused (runtime/proc.go
// newproc1), and a goroutine still parked in the same call prints the same arguments (group.ts
// callOf). Two runs of one program number their goroutines alike (the same start-up hands out the same
// ids), so an id with the same stack in two dumps does not make them one process; its arguments
// usually differ across processes: they hold heap and stack addresses, which Go 1.26 and later place
// at a random base in every process, and which drift apart once two runs diverge in older Go too.
// Where runs start exactly alike in older Go the arguments may match across processes: then this
// cannot tell, and callers take the dumps as one process (`--separate-processes` says otherwise).
import { callHash, idOfCall, NO_CALL } from './group.js';
import { hashArgs } from './intern.js';
import type { Snapshot } from './model.js';

/** The call hash of a frame that prints `()`: no arguments, so nothing that differs per process. */
const NO_ARGS = hashArgs(new TextEncoder().encode('()'), 0, 2);

/** Whether `b` cannot be a later dump of `a`'s process: some goroutines both list under one id with
 *  one stack printed their call's arguments in both, and every one of them printed other arguments.
 *  In one process the long-lived goroutines (main, a server's accept loop, idle workers, ticker loops)
 *  keep theirs, so some match: 14 or more in each of the 612 same-process pairs of the eval corpora, 2
 *  or more in the fixtures' (measured when this was written). Across processes of the eval's GoKer
 *  harness (one binary, identical start-up): 80 of 83 pairs told apart on Go 1.26 (the other 3 list no
 *  goroutine to compare), 31 of 83 on Go 1.19. A frame that prints `()` says nothing either way. False
 *  when either dump has no ids (debug=1, proto) or no such goroutine exists. Pure. */
export function otherProcess(a: Snapshot, b: Snapshot): boolean {
  if (a.format !== 'debug2' || b.format !== 'debug2') return false;
  const before = new Map<number, { key: string; hash: number }>();
  for (const g of a.groups) for (const c of g.calls ?? []) before.set(idOfCall(c), { key: g.key, hash: callHash(c) });
  let differ = 0;
  for (const g of b.groups) {
    for (const c of g.calls ?? []) {
      const was = before.get(idOfCall(c));
      const hash = callHash(c);
      if (was === undefined || was.key !== g.key || hash === NO_CALL || was.hash === NO_CALL || hash === NO_ARGS) continue;
      if (was.hash === hash) return false;
      differ++;
    }
  }
  return differ > 0;
}
