// Hand-written debug=2 goroutine dumps for engine tests, in the exact shape Go prints them: a header
// `goroutine N [state, M minutes]:`, frames as `func(...)` + `\tfile:line +0xoff`, and `created by`.
// Stacks below are copied from real Go 1.26 dumps (paths shortened to /src/svc and /usr/local/go).

export interface G {
  id: number;
  state: string;
  minutes?: number;
  leaked?: boolean;
  /** Innermost first: `func file:line`. */
  frames: string[];
  /** `func file:line` */
  createdBy?: string;
  /** `in goroutine N` (Go ≥ 1.21); omitted → the Go 1.19 form. */
  creator?: number;
}

function frameText(spec: string): string {
  const at = spec.lastIndexOf(' ');
  const func = spec.slice(0, at);
  return `${func}(...)\n\t${spec.slice(at + 1)} +0x1d`;
}

export function debug2(gs: G[]): string {
  return gs
    .map((g) => {
      const attrs = [g.state + (g.leaked ? ' (leaked)' : ''), ...(g.minutes !== undefined ? [`${g.minutes} minutes`] : [])];
      const lines = [`goroutine ${g.id} [${attrs.join(', ')}]:`, ...g.frames.map(frameText)];
      if (g.createdBy) {
        const at = g.createdBy.lastIndexOf(' ');
        const inG = g.creator !== undefined ? ` in goroutine ${g.creator}` : '';
        lines.push(`created by ${g.createdBy.slice(0, at)}${inG}\n\t${g.createdBy.slice(at + 1)} +0x5f`);
      }
      return lines.join('\n') + '\n';
    })
    .join('\n');
}

let nextId = 100;
/** n goroutines of one shape with fresh ids; `creator(i)` picks each one's creator goroutine. */
export function many(n: number, shape: Omit<G, 'id' | 'creator'>, creator?: (i: number) => number): G[] {
  return Array.from({ length: n }, (_, i) => ({ ...shape, id: nextId++, ...(creator ? { creator: creator(i) } : {}) }));
}

export const main1: G = {
  id: 1,
  state: 'select',
  frames: ['main.main /src/svc/main.go:40'],
};

// --- leaks (per-request: each created by a request goroutine that has returned) ---

export const chanSendLeak: Omit<G, 'id'> = {
  state: 'chan send',
  frames: ['example.com/svc/orders.fetchResult /src/svc/orders/fetch.go:31'],
  createdBy: 'example.com/svc/orders.FetchWithTimeout /src/svc/orders/fetch.go:22',
};

export const chanRecvLeak: Omit<G, 'id'> = {
  state: 'chan receive',
  frames: ['example.com/svc/events.consume /src/svc/events/consume.go:18'],
  createdBy: 'example.com/svc/events.Start /src/svc/events/consume.go:11',
};

// --- noise ---

export const poolWorker: Omit<G, 'id'> = {
  state: 'chan receive',
  frames: ['example.com/svc/pool.worker /src/svc/pool/pool.go:30'],
  createdBy: 'example.com/svc/pool.Start /src/svc/pool/pool.go:22',
};

/** A request handler in flight: the goroutine net/http started for the connection. */
export const handlerInFlight: Omit<G, 'id'> = {
  state: 'select',
  frames: [
    'example.com/svc/api.callBackend /src/svc/api/backend.go:57',
    'example.com/svc/api.(*Server).handleOrder /src/svc/api/orders.go:88',
    'net/http.HandlerFunc.ServeHTTP /usr/local/go/src/net/http/server.go:2322',
    'net/http.serverHandler.ServeHTTP /usr/local/go/src/net/http/server.go:3340',
    'net/http.(*conn).serve /usr/local/go/src/net/http/server.go:2109',
  ],
  createdBy: 'net/http.(*Server).Serve /usr/local/go/src/net/http/server.go:3464',
};

export const convoyWaiter: Omit<G, 'id'> = {
  state: 'sync.Mutex.Lock',
  frames: [
    'internal/sync.runtime_SemacquireMutex /usr/local/go/src/runtime/sema.go:95',
    'internal/sync.(*Mutex).lockSlow /usr/local/go/src/internal/sync/mutex.go:149',
    'internal/sync.(*Mutex).Lock /usr/local/go/src/internal/sync/mutex.go:70',
    'sync.(*Mutex).Lock /usr/local/go/src/sync/mutex.go:46',
    'example.com/svc/cache.(*Cache).Put /src/svc/cache/cache.go:64',
    'example.com/svc/api.(*Server).handleOrder /src/svc/api/orders.go:95',
    'net/http.HandlerFunc.ServeHTTP /usr/local/go/src/net/http/server.go:2322',
    'net/http.serverHandler.ServeHTTP /usr/local/go/src/net/http/server.go:3340',
    'net/http.(*conn).serve /usr/local/go/src/net/http/server.go:2109',
  ],
  createdBy: 'net/http.(*Server).Serve /usr/local/go/src/net/http/server.go:3464',
};

/** A read on a TCP connection, innermost first, as every connection's reader shows it. */
const connRead = [
  'internal/poll.runtime_pollWait /usr/local/go/src/runtime/netpoll.go:351',
  'internal/poll.(*pollDesc).wait /usr/local/go/src/internal/poll/fd_poll_runtime.go:84',
  'internal/poll.(*FD).Read /usr/local/go/src/internal/poll/fd_unix.go:165',
  'net.(*netFD).Read /usr/local/go/src/net/fd_posix.go:68',
  'net.(*conn).Read /usr/local/go/src/net/net.go:196',
];

/** net/http's background read of a running handler's connection (one per handler whose client is
 *  still there; it ends when the client hangs up). Started by the handler's conn.serve goroutine. */
export const backgroundRead: Omit<G, 'id'> = {
  state: 'IO wait',
  frames: [
    ...connRead,
    'net/http.(*connReader).backgroundRead /usr/local/go/src/net/http/server.go:702',
  ],
  createdBy: 'net/http.(*connReader).startBackgroundRead /usr/local/go/src/net/http/server.go:698',
};

export const acceptLoop: G = {
  id: 8,
  state: 'IO wait',
  frames: [
    'internal/poll.runtime_pollWait /usr/local/go/src/runtime/netpoll.go:351',
    'internal/poll.(*pollDesc).wait /usr/local/go/src/internal/poll/fd_poll_runtime.go:84',
    'internal/poll.(*FD).Accept /usr/local/go/src/internal/poll/fd_unix.go:613',
    'net.(*netFD).accept /usr/local/go/src/net/fd_unix.go:150',
    'net.(*TCPListener).accept /usr/local/go/src/net/tcpsock_posix.go:159',
    'net.(*TCPListener).Accept /usr/local/go/src/net/tcpsock.go:387',
    'net/http.(*Server).Serve /usr/local/go/src/net/http/server.go:3434',
    'net/http.(*Server).ListenAndServe /usr/local/go/src/net/http/server.go:3363',
    'main.main.func1 /src/svc/main.go:31',
  ],
  createdBy: 'main.main /src/svc/main.go:30',
  creator: 1,
};

export const signalLoop: G = {
  id: 6,
  state: 'syscall',
  frames: ['os/signal.signal_recv /usr/local/go/src/runtime/sigqueue.go:152', 'os/signal.loop /usr/local/go/src/os/signal/signal_unix.go:23'],
  createdBy: 'os/signal.Notify.func1.1 /usr/local/go/src/os/signal/signal.go:152',
  creator: 1,
};

export const keepAliveConn: Omit<G, 'id'> = {
  state: 'IO wait',
  frames: [
    ...connRead,
    'net/http.(*connReader).Read /usr/local/go/src/net/http/server.go:812',
    'bufio.(*Reader).fill /usr/local/go/src/bufio/bufio.go:113',
    'bufio.(*Reader).Peek /usr/local/go/src/bufio/bufio.go:152',
    'net/http.(*conn).serve /usr/local/go/src/net/http/server.go:2103',
  ],
  createdBy: 'net/http.(*Server).Serve /usr/local/go/src/net/http/server.go:3464',
  creator: 8,
};

export const readLoop: Omit<G, 'id'> = {
  state: 'select',
  frames: ['net/http.(*persistConn).readLoop /usr/local/go/src/net/http/transport.go:2450'],
  createdBy: 'net/http.(*Transport).dialConn /usr/local/go/src/net/http/transport.go:1994',
};

export const writeLoop: Omit<G, 'id'> = {
  state: 'select',
  frames: ['net/http.(*persistConn).writeLoop /usr/local/go/src/net/http/transport.go:2652'],
  createdBy: 'net/http.(*Transport).dialConn /usr/local/go/src/net/http/transport.go:1995',
};

export const gcWorker: Omit<G, 'id'> = {
  state: 'GC worker (idle)',
  frames: ['runtime.gopark /usr/local/go/src/runtime/proc.go:435', 'runtime.gcBgMarkWorker /usr/local/go/src/runtime/mgc.go:1463'],
  createdBy: 'runtime.gcBgMarkStartWorkers /usr/local/go/src/runtime/mgc.go:1373',
  creator: 1,
};

/** One pile across snapshots of one process: snapshot i holds counts[i] goroutines, and later
 *  snapshots keep the earlier goroutines (same ids) as a leak does; a pile that shrinks keeps a
 *  prefix. Fresh ids at every snapshot would be a pile that turned over completely (a surge). */
export function kept(counts: number[], shape: Omit<G, 'id' | 'creator'>, creator?: (i: number) => number): G[][] {
  return keptPiles([{ counts, shape, creator }]).map((snap) => snap[0]!);
}

/** Several piles of one process, snapshot by snapshot: ids are handed out in time order (every
 *  pile's goroutines of snapshot i before any of snapshot i+1), as Go does. Result: [snapshot][pile]. */
export function keptPiles(piles: { counts: number[]; shape: Omit<G, 'id' | 'creator'>; creator?: (i: number) => number }[]): G[][][] {
  const cur: G[][] = piles.map(() => []);
  const n = Math.max(...piles.map((p) => p.counts.length));
  const out: G[][][] = [];
  for (let t = 0; t < n; t++) {
    piles.forEach((p, k) => {
      const want = p.counts[t] ?? 0;
      const have = cur[k]!;
      const creator = p.creator;
      cur[k] = want <= have.length ? have.slice(0, want) : [...have, ...many(want - have.length, p.shape, creator && ((i) => creator(have.length + i)))];
    });
    out.push(cur.map((c) => c));
  }
  return out;
}
