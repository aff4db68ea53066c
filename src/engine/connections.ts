// Goroutines bound to open connections. A server's long-lived connections keep their readers,
// writers and per-connection helpers for as long as the peer keeps the connection open, so such
// piles spread over the id history by design; they end when the connection does. Read from one
// snapshot's stacks and creator ids.
import type { Snapshot, StackGroup } from './model.js';
import { perSnapshot } from './memo.js';
import { onSomeStack } from './aggregated.js';

/** Ids of the gone creators of goroutines waiting on the network in a snapshot: the handlers that
 *  accepted or upgraded a connection and left its reader/writer behind. Memoised per snapshot. */
const connectionCreators = perSnapshot((snap) => {
  const ids = new Set<number>();
  for (const g of snap.groups) {
    if (g.kind !== 'net-io' || g.orphans === 0 || !g.creatorIds) continue;
    for (const id of g.creatorIds) ids.add(id);
  }
  if (ids.size > 0) for (const g of snap.groups) for (const id of g.ids ?? []) ids.delete(id); // live: not gone
  return ids;
});

/** Nine in ten or more of a pile's creators also started goroutines now waiting on the network: the
 *  pile is part of those connections (a stream's heartbeat beside its reader and writer) and lives as
 *  long. A writer whose connection's reader has exited belongs to no open connection (gobwas/ws: a
 *  close path that skips the hub's remove left 74 of 374 writers without a reader), so more than a
 *  tenth of those is no connection's set; a tenth allows for connections closing as the dump is taken. */
export function boundToConnections(g: StackGroup, snap: Snapshot): boolean {
  if (!g.creatorIds || g.creatorIds.length < 2) return false;
  const conn = connectionCreators(snap);
  return g.creatorIds.filter((id) => conn.has(id)).length >= 0.9 * g.creatorIds.length;
}

/** Ids of the goroutines waiting on the network in a snapshot (a connection's reader, a handler in its
 *  read). Memoised per snapshot. */
const networkWaiters = perSnapshot((snap) => {
  const ids = new Set<number>();
  for (const g of snap.groups) if (g.kind === 'net-io') for (const id of g.ids ?? []) ids.add(id);
  return ids;
});

export const HELPERS_PER_CONNECTION = 2;

/** Every one of a pile's (2+) creators is alive and waiting on the network, and it holds at most
 *  HELPERS_PER_CONNECTION per creator: each started its helper (a
 *  connection's writer, a heartbeat) and went on to read its connection, which is still open, so the
 *  helper lives as long as that connection (x/net/websocket: the handler reads, its writer waits for
 *  messages). Not for goroutines that wait on the network themselves (they are the connections). */
export function helpersOfOpenConnections(g: StackGroup, snap: Snapshot): boolean {
  if (g.kind === 'net-io' || !g.creatorIds || g.creatorIds.length < 2) return false;
  // A connection's helpers are one or two (a writer, a heartbeat); a handler that left 16 behind on
  // one keep-alive connection leaks one per request it served.
  if (g.count > HELPERS_PER_CONNECTION * g.creatorIds.length) return false;
  const net = networkWaiters(snap);
  return g.creatorIds.every((id) => net.has(id));
}

/** Ids apart that two goroutines one call started back to back may be (a P's id cache hands out
 *  consecutive ids; a stream handler starts its writer, heartbeat and reader in a row). */
export const BESIDE_IDS = 2;

/** Without creator ids (Go ≤ 1.20), the id-less form of boundToConnections: how many of a pile's (2+)
 *  goroutines sit within BESIDE_IDS ids of a goroutine waiting on the network that the same function
 *  started, when that is half or more of them and the function is on no stack (every call of it
 *  returned, leaving the connection's goroutines behind); else null. Such a goroutine (a stream's
 *  heartbeat between two pings) was started by the same call as the connection's reader and lives as
 *  long as the connection. */
export function besideConnections(g: StackGroup, snap: Snapshot): number | null {
  if (g.distinctCreators !== undefined || !g.ids || g.createdBy === null || g.count < 2 || g.kind === 'net-io') return null;
  const f = g.createdBy.func;
  const net: number[] = [];
  // One by one: spreading a big pile's ids into push() overflows the stack (a server with 150k+ connections).
  for (const h of snap.groups) if (h.kind === 'net-io' && h.createdBy?.func === f && h.ids) for (const id of h.ids) net.push(id);
  if (net.length === 0) return null;
  net.sort((a, b) => a - b);
  let beside = 0;
  let j = 0;
  for (const id of g.ids) {
    while (j < net.length && net[j]! < id - BESIDE_IDS) j++;
    if (j < net.length && net[j]! <= id + BESIDE_IDS) beside++;
  }
  return beside * 2 >= g.count && !onSomeStack(f, snap) ? beside : null;
}
