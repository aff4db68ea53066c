// HTTP/1 handlers whose clients have hung up. While a handler runs, net/http reads the connection in
// the background (net/http/server.go: (*connReader).startBackgroundRead, started once the request
// body is read, backgroundRead) to notice the client going away: when the client closes the
// connection that read ends and cancels the request's context. So a snapshot holds one
// `(*connReader).backgroundRead` goroutine per handler whose client is still there; handlers beyond
// that count still wait for a client that has left, ignoring their request's context. Read from one
// snapshot's stacks (and creator ids, to set hijacked connections aside).
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
  /** Ids of goroutines that started a goroutine now waiting on the network (a hijacked connection's
   *  handler that started its reader or writer: a websocket serves its client from there). */
  netStarters: Set<number>;
}

const clientView = perSnapshot((snap): ClientView => {
  let reading = 0;
  const netStarters = new Set<number>();
  for (const g of snap.groups) {
    // The background read is the handler's own (started by its conn.serve goroutine): not a hijack.
    if (g.frames.some((f) => f.func === BACKGROUND_READ)) reading += g.count;
    else if (g.kind === 'net-io' && g.creatorIds) for (const id of g.creatorIds) netStarters.add(id);
  }
  return { reading, netStarters };
});

/** For a pile (3+) of HTTP/1 handlers not waiting on the network, in a dump with goroutine and creator
 *  ids (debug=2, Go ≥ 1.21): how many of them at least have no client left, counting every background
 *  read in the process as one of theirs (the fewest it can be), and how many background reads there
 *  are. Handlers that started a goroutine waiting on the network are left out: a hijacked connection
 *  (a websocket) has no background read and serves its client through those. Null when the pile is
 *  not such a pile or none is without its client. Units: goroutines. */
export function handlersWithoutClients(g: StackGroup, snap: Snapshot): { gone: number; reading: number } | null {
  if (g.kind === 'net-io' || g.count < 3 || !g.ids || !g.creatorIds || !inHttp1Handler(g)) return null;
  const view = clientView(snap);
  let handlers = 0;
  for (const id of g.ids) if (!view.netStarters.has(id)) handlers++;
  const gone = handlers - view.reading;
  return gone > 0 ? { gone, reading: view.reading } : null;
}
