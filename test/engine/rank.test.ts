import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, compare, parseDump, type Analysis } from '../../src/engine/index.js';
import { pathsLine } from '../../src/engine/render/format.js';
import {
  acceptLoop,
  backgroundRead,
  chanRecvLeak,
  chanSendLeak,
  convoyWaiter,
  debug2,
  gcWorker,
  handlerInFlight,
  keepAliveConn,
  kept,
  keptPiles,
  main1,
  many,
  poolWorker,
  readLoop,
  signalLoop,
  writeLoop,
  type G,
} from './dumps.js';

// One process: the same healthy goroutines (same ids) in every snapshot, started before anything else.
const HEALTHY: G[] = [main1, acceptLoop, signalLoop, ...many(4, gcWorker, () => 1), ...many(30, keepAliveConn, () => 8)];
const healthy = (): G[] => HEALTHY;
const snap = (gs: G[]) => parseDump(debug2([...healthy(), ...gs]));
const gone = (i: number) => 50_000 + i;
const actionable = (a: Analysis) => a.findings.filter((f) => f.confidence !== 'low');

test('a healthy process has no findings at all', () => {
  const a = analyze(snap([]));
  assert.deepEqual(a.findings, []);
  assert.equal(a.mode, 'single');
});

test('single snapshot: per-request goroutines that outlived many creators are a medium finding', () => {
  const a = analyze(snap(many(40, chanSendLeak, gone)));
  const f = a.findings[0];
  assert.ok(f);
  assert.equal(f.pattern, 'chan-send-no-receiver');
  assert.equal(f.confidence, 'medium');
  assert.deepEqual(f.site, { func: 'example.com/svc/orders.fetchResult', file: '/src/svc/orders/fetch.go', line: 31 });
  assert.equal(f.createdBy?.func, 'example.com/svc/orders.FetchWithTimeout');
  assert.equal(f.after, 40);
  assert.ok(f.signals.some((s) => s.includes('outlived')), f.signals.join('; '));
  assert.match(f.advice, /buffer of 1|ctx\.Done/);
});

test('single snapshot: a big idle pool and requests in flight are never high or medium', () => {
  // Each handler in flight has its client: net/http reads its connection in the background, a read
  // the handler's own goroutine starts.
  const handlers = [...many(300, handlerInFlight, () => 8), ...many(80, convoyWaiter, () => 8)];
  const a = analyze(snap([...many(500, poolWorker, () => 1), ...handlers, ...many(380, backgroundRead, (i) => handlers[i]!.id)]));
  assert.deepEqual(actionable(a), []);
});

test('single snapshot: handlers waiting on a lock after their clients hung up are medium (clients-gone)', () => {
  // 80 handlers on one lock, 10 of them with the background read of their connection: 70 clients
  // have left.
  const waiters = many(80, convoyWaiter, () => 8);
  const a = analyze(snap([...waiters, ...many(10, backgroundRead, (i) => waiters[i]!.id)]));
  const f = a.findings.find((x) => x.kind === 'mutex');
  assert.ok(f && f.confidence === 'medium', `${f?.confidence} ${f?.signals.join('; ')}`);
  assert.ok(f.evidence?.some((e) => e.signal === 'clients-gone' && /^70 of these 80 handlers have lost their client/.test(e.text)), `${f.evidence?.map((e) => e.text)}`);
  // The reads are the handlers': 80 reads of other handlers' connections (live streams) leave these
  // 80 without a client all the same.
  const others = many(80, handlerInFlight, () => 8);
  const beside = analyze(snap([...waiters, ...others, ...many(80, backgroundRead, (i) => others[i]!.id)])).findings.find((x) => x.kind === 'mutex');
  assert.ok(beside?.evidence?.some((e) => e.signal === 'clients-gone' && /^80 of these 80/.test(e.text)), `${beside?.evidence?.map((e) => e.text)}`);
});

test('single snapshot: a crowd of 1000+ parked on one send is medium even without orphans; a pool that size is not', () => {
  const crowd = analyze(snap(many(1200, chanSendLeak, () => 1)));
  assert.equal(crowd.findings[0]?.confidence, 'medium');
  assert.ok(crowd.findings[0]?.signals.some((s) => s.includes('LeakProf')));
  assert.deepEqual(actionable(analyze(snap(many(1200, poolWorker, () => 1)))), []);
});

test('a lazily started pool (one creator, gone) is not a per-request leak', () => {
  const a = analyze(snap(many(64, poolWorker, () => 9_999)));
  assert.deepEqual(actionable(a), []);
});

test('series: a pool at its size is steady, a pool that grew once and stays is at most low', () => {
  const steady = compare([0, 1, 2].map(() => snap(many(200, poolWorker, () => 1))));
  assert.deepEqual(steady.findings, []);
  const grewOnce = compare([10, 100, 100].map((n) => snap(many(n, poolWorker, () => 1))));
  assert.deepEqual(actionable(grewOnce), []);
});

test('series: a lock convoy under load comes and goes', () => {
  const a = compare([120, 30, 90, 10].map((n) => snap(many(n, convoyWaiter, () => 8))));
  assert.deepEqual(actionable(a), []);
});

test('series: growth of a leak with orphans between two snapshots is high', () => {
  const a = compare(kept([20, 220], chanRecvLeak, gone).map(snap));
  assert.equal(a.findings[0]?.confidence, 'high');
  assert.equal(a.findings[0]?.pattern, 'chan-recv-never-closed');
  assert.equal(a.findings[0]?.delta, 200);
});

test("Go's (leaked) marker is ground truth, even in one snapshot", () => {
  const a = analyze(snap(many(3, { ...chanRecvLeak, leaked: true }, () => 1)));
  assert.equal(a.findings[0]?.confidence, 'high');
  assert.equal(a.findings[0]?.leaked, 3);
});

test('long waits with orphans rank above a large pile without evidence', () => {
  const a = analyze(snap([...many(900, poolWorker, () => 1), ...many(12, { ...chanSendLeak, minutes: 42 }, gone)]));
  assert.equal(a.findings[0]?.pattern, 'chan-send-no-receiver');
  assert.ok(a.findings[0]?.signals.some((s) => s.includes('42 min')));
});

test('unclosed response bodies: readLoops in select become one finding naming the cause', () => {
  const piles = keptPiles([
    { counts: [5, 150], shape: readLoop, creator: gone },
    { counts: [5, 150], shape: writeLoop, creator: gone },
  ]);
  const a = compare(piles.map((p) => snap(p.flat())));
  assert.equal(a.findings.length, 1, 'the writeLoops are folded into the readLoop finding');
  const f = a.findings[0]!;
  assert.equal(f.pattern, 'unclosed-http-body');
  assert.equal(f.patternTitle, 'unclosed HTTP response body');
  assert.equal(f.site, null);
  assert.equal(f.stdSite?.func, 'net/http.(*persistConn).readLoop');
  assert.equal(f.createdBy?.func, 'net/http.(*Transport).dialConn');
  assert.match(f.advice, /resp\.Body\.Close/);
  assert.ok(f.signals.some((s) => s.includes('150 writeLoop')));
  assert.notEqual(f.confidence, 'low');
});

test('idle keep-alive client connections (readLoop in a network read) are not a finding', () => {
  const idle: Omit<G, 'id'> = {
    state: 'IO wait',
    frames: [
      'internal/poll.runtime_pollWait /usr/local/go/src/runtime/netpoll.go:351',
      'net.(*conn).Read /usr/local/go/src/net/net.go:196',
      'net/http.(*persistConn).Read /usr/local/go/src/net/http/transport.go:2122',
      'bufio.(*Reader).Peek /usr/local/go/src/bufio/bufio.go:152',
      'net/http.(*persistConn).readLoop /usr/local/go/src/net/http/transport.go:2275',
    ],
    createdBy: readLoop.createdBy,
  };
  const a = compare([snap(many(20, idle, gone)), snap(many(90, idle, gone))]);
  assert.deepEqual(a.findings, []);
});

test('goroutines started with wg.Go name the first frame of the service as creator', () => {
  const viaGo: Omit<G, 'id'> = {
    state: 'chan receive',
    frames: ['example.com/svc/batch.Run.func2 /src/svc/batch/run.go:47', 'sync.(*WaitGroup).Go.func1 /usr/local/go/src/sync/waitgroup.go:258'],
    createdBy: 'sync.(*WaitGroup).Go /usr/local/go/src/sync/waitgroup.go:238',
  };
  const a = compare(kept([10, 50], viaGo, gone).map(snap));
  assert.deepEqual(a.findings[0]?.createdBy, { func: 'example.com/svc/batch.Run.func2', file: '/src/svc/batch/run.go', line: 47 });
});

test('--ignore drops matching stacks; a bad regex is a clear error', () => {
  const snaps = kept([20, 90], chanSendLeak, gone).map(snap);
  assert.equal(compare(snaps).findings.length, 1);
  assert.deepEqual(compare(snaps, { ignore: ['orders\\.fetchResult$'] }).findings, []);
  assert.throws(() => compare(snaps, { ignore: ['(unclosed'] }), /invalid ignore pattern "\(unclosed"/);
});

test('findings come best first and respect maxFindings', () => {
  const pool = many(300, poolWorker, () => 1);
  const piles = keptPiles([
    { counts: [10, 40], shape: chanRecvLeak, creator: () => 1 },
    { counts: [5, 400], shape: chanSendLeak, creator: gone },
  ]);
  const a = compare(piles.map((p) => snap([...p.flat(), ...pool])));
  assert.equal(a.findings[0]?.pattern, 'chan-send-no-receiver');
  const scores = a.findings.map((f) => f.score);
  assert.deepEqual(scores, [...scores].sort((x, y) => y - x));
  assert.equal(compare([snap([]), snap(many(40, chanSendLeak, gone))], { maxFindings: 0 }).findings.length, 0);
});

test('one leaking line reached through several call paths is one finding with the figures added up', () => {
  const viaA: Omit<G, 'id'> = { ...chanSendLeak, frames: [...chanSendLeak.frames, 'example.com/svc/api.quote /src/svc/api/quote.go:20'] };
  const viaB: Omit<G, 'id'> = { ...chanSendLeak, frames: [...chanSendLeak.frames, 'example.com/svc/api.order /src/svc/api/order.go:77'] };
  // A third path through the same line drains: it must neither be reported nor hide the others.
  const draining: Omit<G, 'id'> = { ...chanSendLeak, frames: [...chanSendLeak.frames, 'example.com/svc/api.batch /src/svc/api/batch.go:9'] };
  const piles = keptPiles([
    { counts: [10, 60], shape: viaA, creator: gone },
    { counts: [5, 45], shape: viaB, creator: gone },
    { counts: [300, 20], shape: draining, creator: gone },
  ]);
  const a = compare(piles.map((p) => snap(p.flat())));
  assert.equal(a.findings.length, 1, JSON.stringify(a.findings.map((f) => [f.pattern, f.series])));
  const f = a.findings[0]!;
  assert.equal(f.site?.line, 31);
  assert.deepEqual(f.series, [15, 105]);
  assert.equal(f.delta, 90);
  assert.equal(f.confidence, 'high');
  assert.match(f.signals[0]!, /^2 call paths block at this line: 15 → 105 together; via api\.(quote|order) \(\d+\), api\.(quote|order)/);
  // Every path keeps the frame that tells it apart: the function to fix is often there.
  assert.deepEqual(f.paths?.map((p) => p.distinct?.func).sort(), ['example.com/svc/api.order', 'example.com/svc/api.quote']);
  assert.deepEqual(f.paths?.map((p) => p.count).sort((x, y) => x - y), [45, 60]);
});

test('a pile over many call paths names the biggest five and counts the rest; paths no frame tells apart are counted, not named', () => {
  const paths = Array.from({ length: 12 }, (_, i): Omit<G, 'id'> => ({ ...chanSendLeak, frames: [...chanSendLeak.frames, `example.com/svc/api.h${i} /src/svc/api/h${i}.go:${10 + i}`] }));
  const piles = keptPiles(paths.map((shape, i) => ({ counts: [2, 10 + i], shape, creator: gone })));
  const f = compare(piles.map((p) => snap(p.flat())), { maxFindings: 1 }).findings[0]!;
  assert.equal(f.paths?.length, 12, 'every path is kept in the JSON');
  const line = pathsLine(f)!;
  assert.equal(line.split('; ').length, 6, line);
  assert.match(line, /^api\.h11 at svc\/api\/h11\.go:21 \(21\); api\.h10 at svc\/api\/h10\.go:20 \(20\);/);
  assert.match(line, /… 7 more paths \(91\)$/);
  assert.match(f.signals[0]!, /via api\.h11 \(21\), api\.h10 \(20\), api\.h9 \(19\), api\.h8 \(18\), api\.h7 \(17\) and 7 more$/);

  // The same two helpers in either order: every frame is on both paths, so neither can be named.
  const a = 'example.com/svc/api.decode /src/svc/api/codec.go:5';
  const b = 'example.com/svc/api.encode /src/svc/api/codec.go:9';
  const swapped = keptPiles([
    { counts: [3, 30], shape: { ...chanSendLeak, frames: [...chanSendLeak.frames, a, b] }, creator: gone },
    { counts: [3, 30], shape: { ...chanSendLeak, frames: [...chanSendLeak.frames, b, a] }, creator: gone },
  ]);
  const g = compare(swapped.map((p) => snap(p.flat()))).findings[0]!;
  assert.equal(pathsLine(g), '2 paths (60) (no single frame tells them apart: they combine the same functions differently)');
  assert.match(g.signals[0]!, /no single frame tells the 2 paths apart$/);
});

test('ids reaching back exactly to the newest quarter of the history are recent arrivals, not piled up', () => {
  // 11 per-session watchers, creators gone, ids evenly from `first` to 4000 (the process's newest id).
  const watchers = (first: number): G[] =>
    Array.from({ length: 11 }, (_, i) => ({
      id: Math.round(first + ((4000 - first) * i) / 10),
      state: 'chan receive',
      frames: ['main.watchSession /src/svc/main.go:479', 'main.loginHandler.gowrap1 /src/svc/main.go:487'],
      createdBy: 'main.loginHandler /src/svc/main.go:487',
      creator: 60_000 + i,
    }));
  const signalsAt = (first: number) => {
    const f = analyze(parseDump(debug2([main1, ...watchers(first)])), { maxFindings: 100 }).findings.find((x) => x.frames[0]?.func === 'main.watchSession');
    assert.ok(f, `watchers from ${first} listed`);
    return (f.evidence ?? []).map((e) => e.signal);
  };
  // From 3000 of 4000 they span a quarter, all within the newest quarter: `recent`, not accumulated.
  const at = signalsAt(3000);
  assert.ok(at.includes('recent') && !at.includes('accumulated-wait') && !at.includes('accumulated'), `${at}`);
  // One id older than the newest quarter: piled up over time.
  const past = signalsAt(2999);
  assert.ok(past.includes('accumulated-wait') && !past.includes('recent'), `${past}`);
});
