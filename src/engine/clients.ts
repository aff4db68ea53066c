// HTTP/1 handlers whose clients have hung up. While a handler runs, net/http reads the connection in
// the background (net/http/server.go: (*connReader).startBackgroundRead, started once the request
// body is read, backgroundRead) to notice the client going away: when the client closes the
// connection that read ends and cancels the request's context. So a snapshot holds one
// `(*connReader).backgroundRead` goroutine per handler whose client is still there, started by the
// handler's own goroutine (conn.serve runs the handler); a handler none of them names as its creator
// still waits for a client that has left, ignoring its request's context. Read from one snapshot's
// stacks and creator ids (which also set hijacked connections aside).
import type { Snapshot, StackGroup } from './model.js';
import { perSnapshot } from './memo.js';

const SERVE = 'net/http.(*conn).serve';
const HANDLER = 'net/http.serverHandler.ServeHTTP';
const BACKGROUND_READ = 'net/http.(*connReader).backgroundRead';

/** Whether a group's goroutines run an HTTP/1 handler (net/http's conn.serve, inside serverHandler). */
function inHttp1Handler(g: Pick<StackGroup, 'frames'>): boolean {
  let serve = false;
  let handler = false;
  for (const f of g.frames) {
    if (f.func === SERVE) serve = true;
    else if (f.func === HANDLER) handler = true;
  }
  return serve && handler;
}

interface ClientView {
  /** Goroutines reading a handler's connection in the background: handlers whose client is there. */
  reading: number;
  /** Their creators' ids: the handlers (each runs in its connection's conn.serve goroutine, which
   *  starts that read) whose client is there. */
  readFor: Set<number>;
  /** Ids of goroutines that started a goroutine now waiting on the network (a hijacked connection's
   *  handler that started its reader or writer: a websocket serves its client from there). */
  netStarters: Set<number>;
}

const clientView = perSnapshot((snap): ClientView => {
  let reading = 0;
  const readFor = new Set<number>();
  const netStarters = new Set<number>();
  for (const g of snap.groups) {
    // The background read is the handler's own (started by its conn.serve goroutine): not a hijack.
    if (g.frames.some((f) => f.func === BACKGROUND_READ)) {
      reading += g.count;
      if (g.creatorIds) for (const id of g.creatorIds) readFor.add(id);
    } else if (g.kind === 'net-io' && g.creatorIds) for (const id of g.creatorIds) netStarters.add(id);
  }
  return { reading, readFor, netStarters };
});

/** For a pile (3+) of HTTP/1 handlers not waiting on the network, in a dump with goroutine and creator
 *  ids (debug=2, Go ≥ 1.21): how many of them have no client left (no background read started by
 *  their goroutine; go-broadcast's 8 of 16 stuck handlers beside 200 live streams' 208 reads, which a
 *  count of the process's reads hid), and how many background reads the process has. Handlers that
 *  started a goroutine waiting on the network are left out: a hijacked connection (a websocket) has
 *  no background read and serves its client through those. Null when the pile is not such a pile or
 *  none is without its client. Units: goroutines. */
export function handlersWithoutClients(g: StackGroup, snap: Snapshot): { gone: number; reading: number } | null {
  if (g.kind === 'net-io' || g.count < 3 || !inHttp1Handler(g)) return null;
  const view = clientView(snap);
  // Without ids (debug=1, proto, Go < 1.21) no read names its handler, but each handler has one at
  // most: at least count − reads of the pile's handlers have none.
  if (!g.ids || !g.creatorIds) return g.count > view.reading ? { gone: g.count - view.reading, reading: view.reading } : null;
  let gone = 0;
  for (const id of g.ids) if (!view.netStarters.has(id) && !view.readFor.has(id)) gone++;
  return gone > 0 ? { gone, reading: view.reading } : null;
}
