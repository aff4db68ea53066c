// Evidence → confidence, through one table. Each signal a series shows adds its points (negative
// points only for signals that show goroutines leaving the pile, a pile shaped like a pool, or
// something that can still wake it: a chain's tail, a signalled Cond, a lock holder that moves); the sum
// picks the confidence. The same table is printed in README "How it decides" (`evidenceTableMarkdown`),
// so what the code weighs and what the user reads cannot drift apart.
//
// Monotone by construction: a second snapshot can only add rows. The rows it adds are positive (kept
// and added, grew) or zero (kept all, moved in, consumer busy, plateau, young-kept), except `turned-over` and `drained`, which say
// the pile is emptying, `flowing`, which says its oldest goroutines end while the count holds level, `young`, which says all of it arrived since the snapshot before while the
// process's other goroutines came and went, `settled`, which says a library's resting pile has none
// among the newest ids a pile still growing would have reached, and `held-still`, which says 3+ snapshots saw a resting
// pile neither grow nor change (the leak this tool looks for keeps its goroutines and adds more); each is named in the finding. Identity outweighs shape: a pile that kept all and added
// more loses its pool rows, so debug=2 never scores below debug=1 / proto of the same moments
// (test/engine/formats.test.ts).
import type { Confidence, EvidenceItem, SignalId } from './model.js';

export interface EvidenceRow {
  points: number;
  /** What the signal is, for the README table. */
  meaning: string;
  /** Formats and modes where it can be seen. */
  needs: string;
}

/** The evidence table: signal → points. Sources: issue 8 (what was seen), the fixture programs in
 *  test/fixtures/go and, when present, `npm run eval`. */
export const EVIDENCE: Readonly<Record<SignalId, EvidenceRow>> = {
  'leak-mark': {
    points: 10,
    meaning: "Go's goroutine leak profile marked the goroutines `(leaked)` (GC-proven unreachable): ground truth",
    needs: 'Go ≥ 1.26 with the leak profile',
  },
  goleak: {
    points: 10,
    meaning: 'go.uber.org/goleak reported the goroutines as outliving their test (its failure output lists only those): a leak by its definition',
    needs: "goleak's failure output",
  },
  'kept-and-added': {
    points: 4,
    meaning: 'every goroutine of the earlier snapshot is still there, or all but fewer than a tenth, or all but its newest (fewer left than stayed, every one younger than every one that stayed: calls in flight finishing beside a core that stays; not on the network, where long-lived connections beside short ones look the same) (same id, same stack, same call: the arguments its innermost frame prints that Go does not mark uncertain, fewer than half of them changed, as a loop that reassigns a parameter changes one) and new ones arrived: one by one, at every snapshot, or as one batch that a pool resizing does not explain (on a lock, send or WaitGroup, one per request or from a returned creator, or beside goroutines not started together; else kept-and-added-batch). Goroutines that were in the process before on other stacks count as arrivals when they went into a wait inside their work (a pool\'s task stuck on a reply), not when they went back to their loop\'s idle wait; a library pool\'s idle pile needs --min-delta goroutines new to the process',
    needs: 'debug=2, 2+ snapshots',
  },
  'grew-every-step': {
    points: 4,
    meaning: 'the count grew at every step of 3+ snapshots and never went down (without ids: by --min-delta or more at each step; in-flight work wanders by a few between captures, and outbound HTTP calls waiting for their responses rise with a slow backend: theirs is grew)',
    needs: '3+ snapshots, any format (with ids: kept all and added at every step)',
  },
  'never-wakes': {
    points: 4,
    meaning: 'two or more parked on a nil channel or in `select {}`: Go guarantees nothing ever wakes them (main\'s own `select {}` is benign)',
    needs: 'debug=2, proto; debug=1 when its PCs tell (two park sites of one channel direction, `select {}` beside a select)',
  },
  crowd: {
    points: 3,
    meaning: "1,000+ goroutines parked on one lock, send, WaitGroup or Cond: the crowd size Uber's LeakProf flags",
    needs: 'any',
  },
  'crowd-idle': {
    points: 1,
    meaning: '1,000+ goroutines on a receive, a select or a sleep: big idle pools rest there too; or 1,000+ bound to open connections (per-connection) in any wait: a busy server\'s size',
    needs: 'any',
  },
  'per-request': {
    points: 2,
    meaning: "2+ distinct creators and most of them gone: goroutines that outlived the requests that started them (3+ of them where idle loops rest — a receive, a select, a sleep — as a daemon started once per tenant or server through a task runner is two such loops; a lock or a send pile of two can be a deadlock); not for library code started by library code (a client's dialer that starts its connection's reader and exits), whose creators are the library's own short-lived goroutines",
    needs: 'debug=2, Go ≥ 1.21',
  },
  'per-connection': {
    points: 0,
    meaning:
      "2+ distinct creators, most of them gone, waiting on the network or started by the same gone handlers as goroutines that are (nine in ten of its creators or more: a writer whose connection's reader has exited is no connection's; without creator ids: half or more started within 2 ids of a network-waiting goroutine by the same function, which is on no stack), or started by 2+ creators that are all alive and waiting on the network, at most 2 per creator (a handler that reads its connection beside the writer it started): each connection's reader, writer or heartbeat outlives the handler that accepted or upgraded it by design (websocket hubs, streams, gRPC transports) and ends with the connection; growth across snapshots still counts. In debug=1 and proto, which name no creator: the pile runs a function literal of F (`F.func2`) and as many goroutines (nine in ten or more) run other literals of F of which some wait on the network — the connection's reader beside its writer (nats' readLoop and writeLoop)",
    needs: 'debug=2; debug=1 and proto through literal names',
  },
  'outlived-call': {
    points: 1,
    meaning:
      "their creator still runs but has returned from the function that started them (it is no longer on the creator's stack), and either several calls left goroutines behind (ids spread, not bunched), or they wait where healthy code does not pile up or each on a lock of its own: left behind like a finished request's goroutines (not for sleepers, which wake by themselves)",
    needs: 'debug=2, Go ≥ 1.21',
  },
  'creator-returned': {
    points: 1,
    meaning:
      "no goroutine's stack holds the function that started them (the dump prints no creator ids, so outlived-call cannot be told), or (with creator ids) the one goroutine that started them has exited, which per-request (2+ creators) does not cover: every call that started them has returned, and either several calls left goroutines behind (ids spread, not bunched), or they wait where healthy code does not pile up or each on a lock of its own (not for sleepers, which wake by themselves)",
    needs: 'debug=2',
  },
  'literal-returned': {
    points: 1,
    meaning:
      "they run a function literal of F (Go names a `go func(){…}()` after the function it is written in: F.func1), yet no goroutine is inside F: the calls that started them returned and left them behind (creator-returned without creator frames), when they wait where healthy code does not pile up, or were there at the first snapshot and grew on a channel operation of their own code (later calls left more). Not for a pile that appeared between the snapshots (a surge in flight) nor a receive inside a library call (an HTTP round trip); for a literal of library code (standard library or a dependency), whose constructors return and leave their goroutines by design, only the growth form",
    needs: 'debug=1 / proto (growth: 2+ snapshots)',
  },
  'one-shot-receive': {
    points: 1,
    meaning:
      'a pile already there at the first snapshot grew by more than a tenth, each parked in a one-shot receive of its own code (`<-ch`: runtime.chanrecv1), waiting for one reply or signal: pool workers range over their channel (`for range`, `v, ok := <-ch`: chanrecv2) and loops select',
    needs: 'proto; debug=1 when the dump shows both receive wrappers; 2+ snapshots',
  },
  'grew-wait': {
    points: 2,
    meaning: 'the count grew by --min-delta or more on a lock, a send, a WaitGroup, a Cond or a pool slot (callers of an exhausted pool: database/sql, a semaphore, redigo) (no ids): pools do not fill up there',
    needs: 'debug=1 / proto, 2 snapshots',
  },
  'own-locks': {
    points: 1,
    meaning:
      'parked at one line, each on a lock of its own (as many lock addresses as goroutines): not a convoy, whose waiters share one lock and move on as its holder releases it',
    needs: 'debug=2 (Mutex.Lock, whose address Go prints)',
  },
  'no-holder': {
    points: 2,
    meaning:
      "3+ parked on a Mutex or RWMutex while no goroutine inside the locking code (the function that called Lock, or another method of its type; for a plain function, which usually locks a package-level variable, any function of its package) is running, asleep or waiting on I/O, and none inside the very function that called Lock waits on a channel (a reply awaited under the lock): nobody in sight can release it — the call that took it returned without unlocking, or its holders are parked on another lock (a lock-order deadlock). A convoy's holder is inside that code and moving",
    needs: 'any',
  },
  'kept-and-added-batch': {
    points: 1,
    meaning: 'kept all and grew by one batch started together, where the pile already was one (or its live manager, still in the loop that starts them, grows it in bursts): a pool resizing looks like this, and so does a leak that adds a batch at a time (it keeps adding: grew-every-step)',
    needs: 'debug=2, 2+ snapshots',
  },
  grew: {
    points: 1,
    meaning: 'the count grew by --min-delta or more, with no ids to tell a leak from a surge',
    needs: 'debug=1 / proto, 2 snapshots',
  },
  'accumulated-wait': {
    points: 2,
    meaning:
      "ids spread over a quarter or more of the id history with gaps, reaching back past its newest quarter (a pile within it is among recent arrivals), on a wait whose healthy crowds are recent arrivals (a convoy, a burst, callers waiting for a pool slot): piled up over time. Not for a library's pile, or one resting in a wait pools idle in (a receive, a select, a sleep), at two ends of the history (a set started early plus a few lately, one stretch of 40 % or more of the ids empty between: per-object goroutines of clients and connections made at setup), nor for connections (goroutines waiting on the network, handlers of keep-alive HTTP/gRPC connections), whose ids spread by design",
    needs: 'debug=2',
  },
  accumulated: {
    points: 1,
    meaning:
      "ids spread over a quarter or more of the process's id history, reaching back past its newest quarter, with gaps, in a pile one live goroutine may have grown as a pool, or asleep: piled up over time (not for a library's pile, or one resting in a wait pools idle in (a receive, a select, a sleep), at two ends of the history, a set started early plus a few lately with one stretch of 40 % or more of the ids empty between; not for a pool whose live manager, still in the loop that starts them, grows it in bursts; without creator ids: a goroutine is still in the function that started them, and their ids come in batches of 5+ consecutive ids on average)",
    needs: 'debug=2',
  },
  'long-wait': {
    points: 1,
    meaning:
      'waiting 10+ minutes, in a pile not shaped like a pool (an idle pool, an idle keep-alive connection and a pool its live manager grows in bursts wait forever by design)',
    needs: 'debug=2',
  },
  intrinsic: {
    points: 1,
    meaning: "a wait healthy code does not pile up in (send nobody receives, nil channel, select {}, WaitGroup.Wait, Cond.Wait, unread HTTP body); not where Go's leak profile found what they wait on reachable (gc-reachable), which refutes 'nobody will end this wait'; nor for goroutines bound to open connections (per-connection), which wait for their connection's next message however the wait is spelled",
    needs: 'any',
  },
  recent: {
    points: -1,
    meaning:
      "per-request orphans resting on a receive or a select (where a request's helper waits for its context, a timer or a reply), every id among the newest quarter of the process's goroutine history and none waiting 10+ minutes: recent arrivals, like per-session watchers inside their deadline; a leak resting there piles up over time (accumulated-wait), and a second snapshot tells (kept and added)",
    needs: 'debug=2, Go ≥ 1.21',
  },
  young: {
    points: -2,
    meaning:
      "a pile (3+) on a send, a lock, a WaitGroup or a Cond that is the recent part of a flow: its ids all sit in the newest tenth of the process's goroutine history, or in the newest quarter arriving throughout (no gap wider than a quarter of their window: a leak that struck at a few moments leaves wider ones), or fill the newest ids evenly (no gap wider than a tenth of that window) after the process turned over at least as many goroutines before them, none staying (a recent onset, measured by turnover rather than by a share of the history), or (with a snapshot before) none of it was there and all of it was started since, its ids in the newest quarter; and most goroutines the process started since have exited; none waiting 10+ minutes: a burst of recent arrivals (publishers blocked on a bounded queue while its consumer hiccups, waiters of an event due in seconds). A leak there piles up over time (accumulated-wait) and keeps its goroutines across a later capture, so the finding says capture again. Not where nearly every goroutine started since is alive (a process that started little else), nor for HTTP/1 handlers whose clients have hung up (clients-gone): they waited past their clients' patience",
    needs: 'debug=2',
  },
  'young-kept': {
    points: 0,
    meaning:
      'a young pile (see young) that appeared since the earlier snapshot: none of it was there to survive, so nothing yet shows it keeps its goroutines (a burst filling a queue within one interval looks the same); replaces grew until a later capture shows survivors (kept-and-added) or departures (turned-over)',
    needs: 'debug=2, 2+ snapshots',
  },
  'kept-all': {
    points: 0,
    meaning: 'kept all its goroutines and added none (traffic stopped, or a steady pool): the verdict stays where the shape puts it',
    needs: 'debug=2, 2+ snapshots',
  },
  'in-flight': {
    points: 0,
    meaning:
      'with ids: a pile waiting on the network that kept its goroutines and added some, but not at every step, each started by a goroutine of its own (2+ creators, at most 2 goroutines each) and every one of those still running (a session mid-login, a watcher holding its connection): connections their openers still hold, which end when they close them; replaces kept-and-added until a later capture shows growth at every step. A leaked connection\'s opener has gone, and an accept or dialing loop opens many',
    needs: 'debug=2, Go ≥ 1.21, 2+ snapshots',
  },
  'moved-in': {
    points: 0,
    meaning:
      'without ids: the pile grew, but the goroutines running its function (its outermost frame) did not grow by --min-delta at any step, so it grew by goroutines of that function moving in from its other stacks (a keep-alive connection going from waiting for a request to serving one), not by new goroutines; replaces the growth rows, as debug=2 does not count goroutines that only moved in from another stack as newcomers. With ids: a pile that appeared whose goroutines, all but fewer than --min-delta, were in the process at the snapshot before on other stacks (a pool\'s workers going from a task to their idle wait)',
    needs: 'any, 2+ snapshots',
  },
  'consumer-busy': {
    points: 0,
    meaning:
      'without ids: a send pile that appeared between the last two snapshots while every goroutine of a loop of 1–4 that waited in a receive at the earlier one, run by a package on the send pile\'s stack, now runs, sleeps or does I/O instead (a consumer that took an item and went to work on it; a pool whose workers shift between receiving and working does not count): senders queueing behind a busy consumer, a bounded queue backing up; replaces the growth rows until a later capture shows the pile kept growing',
    needs: 'debug=1 / proto, 2+ snapshots',
  },
  plateau: {
    points: 0,
    meaning: 'grew, then stopped growing at the last step (a pool that grew once looks like this); with ids, only on a wait pools rest in (receive, select): a lock, send or WaitGroup pile that kept every goroutine keeps kept-and-added',
    needs: '3+ snapshots',
  },
  'clients-gone': {
    points: 3,
    meaning:
      "HTTP/1 handlers, half of them or more (and 5 or more) with no client left: net/http reads each running handler's connection in the background (a goroutine the handler's own goroutine starts, as its creator id says) and that read ends when the client hangs up, cancelling the request's context, so a handler with no background read of its own waits for a client that has left: it ignores its request's context, and each abandoned request keeps its goroutine and connection. Handlers that started a goroutine waiting on the network (a hijacked connection: a websocket) are left out; a handler that has not yet read its request body to the end has no background read either, so the row needs half the pile. Without ids (debug=1, proto, Go < 1.21) no read names its handler, but a handler has one at most: the pile's handlers beyond the process's background reads have none",
    needs: 'any (debug=2 with Go ≥ 1.21 tells each handler; other dumps count)',
  },
  'request-scoped': {
    points: -1,
    meaning: 'goroutines serving HTTP/gRPC requests: in-flight handlers come and go with traffic',
    needs: 'any',
  },
  chain: {
    points: -3,
    meaning: 'half or more of its creators are in the pile itself (without creator ids: half or more were started by the function they run): a chain or tree each waiting on the goroutine it started, which unwinds when its tail does (the tail is judged on its own)',
    needs: 'debug=2',
  },
  'sleeping-tail': {
    points: -4,
    meaning:
      'sleepers started by the function a chain of goroutines runs (each waiting on the one it started): the chain\'s tail, which wakes by itself and lets the chain unwind; a leak only if it sleeps in a loop',
    needs: 'debug=2',
  },
  'parent-of-sleeper': {
    points: -3,
    meaning:
      'parked on a receive or a select in F while goroutines running a function literal of F (F.func1) sleep: they wait for children that wake by themselves, like a chain waiting for its sleeping tail (debug=1 and proto have no creator frames to show chain and sleeping-tail)',
    needs: 'debug=1 / proto',
  },
  'gc-reachable': {
    points: 0,
    meaning:
      "Go's leak profile covered these goroutines, parked on a channel or a sync primitive, and did not mark them: the GC found what they wait on reachable, so something may still wake them. It takes intrinsic's 'nothing will end this wait' away and moves nothing else: Go cannot mark a loop with a ticker or timer in its select, a wait a goroutine reading the network may end, or anything a long-lived object holds (a pool, a map, a global, a service-wide context), so on Go 1.27.4 builds of the 69 realdeps services its silence fell on 46 of their leaks; weighed −3, it cost 38 of 57 leaks found in one snapshot and 5 in a pair to avoid 2 false alarms. Network waits, sleeps and an HTTP connection's readLoop it never marks: there it is not shown",
    needs: 'the leak profile (debug=2 form)',
  },
  'cond-signalled': {
    points: -3,
    meaning:
      "Cond waiters all on one sync.Cond whose lowest ticket (notifyListWait's second argument) is at least their number and lower than any other waiter's on it, or each on a Cond of its own (a subscription's) holding ticket 1 or more with no other stack on those Conds: Cond.Wait draws tickets in order and Signal/Broadcast wake them in order, so that many earlier waits were woken — the Cond is signalled, these wait for the next one; refutes intrinsic's 'never signalled' (and, unlike gc-reachable, weighs: tickets show wakes that happened)",
    needs: 'debug=2',
  },
  'started-together': {
    points: -2,
    meaning: 'ids consecutive but for Go\'s id-cache jumps: started at once, like a pool (no live creator to confirm it: Go 1.19, or a starter that returned); not for a pile that kept all and added more, which is not at rest',
    needs: 'debug=2',
  },
  'kept-most-and-added': {
    points: 2,
    meaning:
      'at every step no more of the pile left than stayed (same ids) and 2 or more were added net, while it grew by --min-delta or more in all: goroutines that stay and keep coming beside ones of the same stack that come and go (a leaked stream beside streams re-opened), where turned-over alone would call the pile busy; for a pool whose live manager grows and shrinks it (an autoscaler), only at every step of 3+ snapshots; never for a pile waiting on the network, whose connections come and go at their peers\' pace',
    needs: 'debug=2, 2+ snapshots',
  },
  'in-library-call': {
    points: -2,
    meaning:
      "all of them run a dependency's code (a module-cache path, module@version; no frame of the service's own), each started by that library for a goroutine of its own that is still running inside the same module (a stream's context watcher while its caller reads the stream, a subscription's delivery loop): helpers of calls still in progress, not left behind; a leaked stream's caller has moved on, which this does not excuse; replaces outlived-call",
    needs: 'debug=2, Go ≥ 1.21',
  },
  'holder-stuck': {
    points: 2,
    meaning:
      "across 2+ snapshots the goroutines holder-busy would count as the lock's moving holders (inside the locking code, on I/O, asleep or running) are the same goroutines in the same call at the first and the last, and none of the pile's waiters got through: the lock has not changed hands in that time — a write or read with no deadline to a peer that stalled; replaces holder-busy",
    needs: 'debug=2, 2+ snapshots',
  },
  'parked-creator': {
    points: -3,
    meaning:
      "all but a few (2, or 5 %) of 3+ were started by goroutines now parked for good — in `select {}` or on a nil channel, where Go guarantees nothing wakes them, as a service's main ends once it has started everything: a set made before they parked (at boot), which they can add nothing to; not for a pile that kept all and added more",
    needs: 'debug=2, Go ≥ 1.21',
  },
  'started-first': {
    points: -2,
    meaning:
      "2+ started by main's goroutine (goroutine 1) before anything else it started: lower ids than every other goroutine it created, so package init or main's first lines made them (a library's default logger, a flush daemon), once; not for a pile that kept all and added more, nor when goroutine 1 started nothing else to compare with",
    needs: 'debug=2, Go ≥ 1.21',
  },
  'one-live-creator': {
    points: -2,
    meaning:
      'all started together by one goroutine that is still running, or by one still in the function that started them (a manager or autoscaler loop growing its pool in bursts): a pool; not for a pile that kept all and added more one by one (a consumer starting a goroutine per event has one live creator too)',
    needs: 'debug=2, Go ≥ 1.21',
  },
  'holder-busy': {
    points: -3,
    meaning:
      "parked on locks whose holders are in sight and moving: at least as many goroutines running the same locking code (the function that called Lock is on their stacks, at or past the first line where the pile waits to lock: a call still above its Lock, backing off or yielding, holds nothing) wait on the network or a file, sleep or run — a slow peer holds the lock (a stream's writer blocked on a slow client while its heartbeat waits), and it changes hands when that returns; own-locks does not apply",
    needs: 'any (debug=1 / proto print no lock addresses: as many moving goroutines as waiters)',
  },
  'turned-over': {
    points: -4,
    meaning: 'more than 10 % of the goroutines left the pile between snapshots (surge, convoy, busy pool): they are not stuck (not when only its newest left and every older one stayed, off the network: see kept-and-added). Without ids, a count that fell by more than 10 % (2+) at some step says at least that many left: a leak never loses any. Not across a restart (dumps of different processes): the earlier process\'s goroutines died with it, and with no growth to show the later dump is judged as one snapshot',
    needs: '2+ snapshots, any format (debug=2: departures by id)',
  },
  flowing: {
    points: -3,
    meaning:
      "across snapshots goroutines left the pile, every one from its older half (the lower half of its ids at that step's start), and others came while the count held level (within --min-delta): each waits a while and then ends, in the order it began (scheduled retries and timers firing, long polls timing out) — a flow at its steady size, not a pile-up. A leak never loses any; one beside a flow on the same stack keeps its oldest, where only the newest leave",
    needs: 'debug=2, 2+ snapshots',
  },
  'held-still': {
    points: -2,
    meaning:
      'across 3+ snapshots a pile in a wait where healthy code rests (a receive, a select, a sleep, a network wait; not a send, a lock, a WaitGroup or a Cond, not per-request orphans nor callers of an exhausted pool) held still: none came at any step, though some may have left (with ids), or the count never rose (without ids): a set built once (a cache per tenant, a pool grown to its size) or a leak that has stopped for now, not a pile growing; it weighs against the shape rows of one snapshot, and a later capture that shows growth outweighs it',
    needs: '3+ snapshots, any format',
  },
  settled: {
    points: -2,
    meaning:
      "a pile resting in a wait where healthy code rests (a receive, a select, a Cond, a sleep, the network; not callers of an exhausted pool), none of whose goroutines is among the newest stretch of the process's id history that a pile still growing would have reached: a quarter of it at least, wider for a small pile (n ids started evenly leave the newest share g empty with chance (1 − g)^n ≤ 1 %: 37 % for 10 goroutines). A set that stopped growing, like per-object goroutines made while the service warmed up (a cache per tenant, a node per peer, the sessions a client opened at start); it weighs against the shape rows of one snapshot, and a capture that shows growth outweighs it (not for a pile that kept all and added more)",
    needs: 'debug=2',
  },
  drained: {
    points: -6,
    meaning: 'the count fell 30 % or more from its peak: the pile is draining (not across a restart, which empties every pile)',
    needs: '2+ snapshots, any format',
  },
};

/** Points at or above which a finding is high / medium / low (below it is not listed). Turnover and
 *  draining (−4, −6) drop a pile unless strong shape evidence (a crowd, per-request orphans) keeps it
 *  in view. */
export const THRESHOLDS = { high: 4, medium: 2, low: 0, lowSingle: -2 } as const;

/** Confidence of a sum of evidence points. A single snapshot without Go's leak mark shows no growth,
 *  so it stops at medium; it lists pool-shaped piles as low down to `lowSingle` (one snapshot of leaks
 *  started in one loop looks like a pool at rest), where a series has seen them hold still. Null: not
 *  a suspect. */
export function confidenceOf(points: number, opts: { single: boolean; leakMark: boolean }): Confidence | null {
  if (opts.leakMark) return 'high';
  if (points >= THRESHOLDS.high) return opts.single ? 'medium' : 'high';
  if (points >= THRESHOLDS.medium) return 'medium';
  if (points >= (opts.single ? THRESHOLDS.lowSingle : THRESHOLDS.low)) return 'low';
  return null;
}

/** An applied row with its text. */
export function item(signal: SignalId, text: string): EvidenceItem {
  return { signal, points: EVIDENCE[signal].points, text };
}

export const pointsOf = (items: readonly EvidenceItem[]) => items.reduce((n, e) => n + e.points, 0);

/** The table as Markdown, for README "How it decides" (test/engine/verdict.test.ts checks they agree). */
export function evidenceTableMarkdown(): string {
  const rows = Object.entries(EVIDENCE)
    .sort((a, b) => b[1].points - a[1].points)
    .map(([id, r]) => `| \`${id}\` | ${r.points > 0 ? '+' : ''}${r.points} | ${r.meaning} | ${r.needs} |`);
  return ['| signal | points | what it means | seen in |', '|---|---|---|---|', ...rows].join('\n');
}
