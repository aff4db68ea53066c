// Single-snapshot shape evidence on real dumps of Go's own leak scenarios (eval/subset, Go 1.26 with
// creator ids): who started a pile, and whether that creator is still inside the call that did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { analyze, compare, parseDump, type Finding, type Snapshot } from '../../src/engine/index.js';
import { bunched, twoEnds } from '../../src/engine/id-history.js';

const subset = join(import.meta.dirname, '..', '..', 'eval', 'subset', 'goker', 'go1.26');
const load = (scenario: string, moment: string): Snapshot =>
  parseDump(gunzipSync(readFileSync(join(subset, `${scenario}.${moment}.debug2.txt.gz`))));
const entry = (f: Finding) => f.frames[f.frames.length - 1]?.func ?? '';
const signals = (f: Finding | undefined) => (f?.evidence ?? []).map((e) => e.signal);

test('a creator still inside the call that started a pile counts as in the call; one that returned does not', () => {
  const snap = load('Syncthing5795', 't2');
  // net/http's Server.Serve loops for ever, so every connection goroutine's creator is still in it.
  const conns = snap.groups.find((g) => g.frames.some((f) => f.func === 'net/http.(*conn).serve'));
  assert.ok(conns && conns.liveCreators! >= 1, 'connection goroutines with a live creator');
  assert.equal(conns.creatorsInCall, conns.liveCreators);
  // The service's worker pool was started by a function main called and returned from.
  const pool = snap.groups.find((g) => g.createdBy?.func === 'main.bgStart' && g.count >= 3);
  assert.ok(pool, 'the background pool');
  assert.equal(pool.liveCreators, 1);
  assert.equal(pool.creatorsInCall, 0);
});

test('goroutines left behind by several calls of a function their creator returned from are a claim; a pool its constructor started is not', () => {
  for (const scenario of ['Syncthing5795', 'Moby30408']) {
    const a = analyze(load(scenario, 't2'));
    // Ten runs of the scenario from main, each leaving goroutines behind: ids spread over the runs.
    const left = a.findings.find((f) => f.createdBy?.func === `main.${scenario}` && signals(f).includes('outlived-call'));
    assert.ok(left, `${scenario}: a pile created by main.${scenario} carries outlived-call: ${a.findings.map((f) => `${entry(f)} ${signals(f)}`).join('; ')}`);
    assert.equal(left.confidence, 'medium', `${scenario}: ${signals(left)}`);
    // The background pool: started together by bgStart, which returned too, but resting where pools rest.
    const pool = a.findings.find((f) => f.createdBy?.func === 'main.bgStart' && entry(f) === 'main.bgWorker');
    assert.ok(!pool || pool.confidence === 'low', `${scenario}: pool is ${pool?.confidence}`);
    assert.ok(!signals(pool).includes('outlived-call'), `${scenario}: pool rows ${signals(pool)}`);
  }
});

test('two goroutines each left by a different creator that is gone are per-request, in a single snapshot and in a diff', () => {
  // Moby28462 leaks now and then (Go's test repeats it): in this kept run two runs left their pair behind.
  const kept = join(import.meta.dirname, '..', 'fixtures', 'dumps', 'goker', 'go1.26');
  const read = (m: string) => parseDump(gunzipSync(readFileSync(join(kept, `Moby28462.${m}.debug2.txt.gz`))));
  const t1 = read('t1');
  const t2 = read('t2');
  for (const a of [analyze(t2), compare([t1, t2])]) {
    const left = a.findings.filter((f) => f.createdBy?.func === 'main.Moby28462.func2');
    assert.ok(left.length >= 1, `findings: ${a.findings.map((f) => `${entry(f)} ${f.confidence}`).join('; ')}`);
    for (const f of left) {
      assert.ok(signals(f).includes('per-request'), `${entry(f)}: ${signals(f)}`);
      assert.notEqual(f.confidence, 'low', `${entry(f)}: ${signals(f)}`);
    }
  }
});

test("a chain's sleeping tail lets the chain unwind: DaisyChain is no claim in a single snapshot or a diff", () => {
  // Go's no-leak DaisyChain: each run builds a chain of 1,001 goroutines, each waiting on the one it
  // started; the last one sleeps an hour and then lets the whole chain drain.
  const kept = join(import.meta.dirname, '..', 'fixtures', 'dumps', 'goker', 'go1.26');
  const read = (m: string) => parseDump(gunzipSync(readFileSync(join(kept, `DaisyChain.${m}.debug2.txt.gz`))));
  const t1 = read('t1');
  const t2 = read('t2');
  const sleepers = t2.groups.find((g) => g.kind === 'sleep' && g.createdBy?.func === 'main.DaisyChain.func2');
  assert.ok(sleepers && sleepers.count >= 2, 'the sleeping tails are in the dump');
  for (const a of [analyze(t2), compare([t1, t2])]) {
    assert.deepEqual(a.findings.filter((f) => f.confidence !== 'low').map((f) => `${entry(f)} ${f.confidence} ${signals(f)}`), []);
    const tail = a.findings.find((f) => f.kind === 'sleep' && f.createdBy?.func === 'main.DaisyChain.func2');
    assert.ok(!tail || signals(tail).includes('sleeping-tail'), `tail: ${signals(tail)}`);
    assert.ok(!tail || !signals(tail).includes('per-request'), 'a tail outlives the chain link that started it by design');
  }
  // The same sleepers without the chain in the dump (its goroutines gone) are judged on their own.
  const alone = { ...t2, groups: t2.groups.filter((g) => g.frames[g.frames.length - 1]?.func !== 'main.DaisyChain.func2') };
  const own = analyze(alone).findings.find((f) => f.kind === 'sleep' && f.createdBy?.func === 'main.DaisyChain.func2');
  assert.ok(own && !signals(own).includes('sleeping-tail'), `without the chain: ${signals(own)}`);
});

test("Go's leak profile: a channel pile it listed and did not mark was found reachable, which takes the 'never woken' claim only; an unread HTTP body it never marks", () => {
  // Go's no-leak NoLeakGlobal: one goroutine per run parked on a channel a global holds. In plain debug=2
  // it looks exactly like a leak that kept all and added more. The leak profile's silence says the GC
  // found the channel reachable: that refutes 'nobody will ever send' (intrinsic), not the pile that
  // keeps its goroutines and adds one per call. It used to weigh −3 and outvote that growth: on Go
  // 1.27.4 builds of the realdeps services (leak profile by default) it cost 38 of 57 leaks found in
  // one snapshot and 5 in a pair to avoid 2 false alarms; Go cannot mark a loop with a ticker in its
  // select, a wait woken from a network reader, or anything a long-lived object holds.
  const dir = join(import.meta.dirname, '..', 'fixtures', 'dumps', 'goker', 'go1.26-leakprofile');
  const read = (f: string) => parseDump(gunzipSync(readFileSync(join(dir, `NoLeakGlobal.${f}.txt.gz`))));
  const pile = (a: ReturnType<typeof compare>) => a.findings.find((f) => f.createdBy?.func === 'main.NoLeakGlobal');
  const plain = pile(compare([read('t1.debug2'), read('t2.debug2')]));
  assert.ok(plain && plain.confidence === 'high', `plain debug=2 cannot tell: ${plain?.confidence} ${signals(plain)}`);
  const checked = compare([read('t1.leak'), read('t2.leak')]);
  assert.ok(checked.snapshots.every((s) => s.leakProfile));
  const f = pile(checked);
  assert.ok(f, 'still listed');
  assert.ok(signals(f).includes('kept-and-added') && signals(f).includes('gc-reachable') && !signals(f).includes('intrinsic'), `${signals(f)}`);
  assert.equal(f.evidence?.find((e) => e.signal === 'gc-reachable')?.points, 0);
  // One snapshot: the shape alone, without 'healthy code does not pile up here'.
  const one = pile(compare([read('t2.leak')]));
  assert.ok(one && !signals(one).includes('intrinsic') && signals(one).includes('gc-reachable'), `${signals(one)}`);
  // readLoop of an unread body sits in a select the Transport keeps reachable: silence proves nothing.
  const dumps = join(import.meta.dirname, '..', 'fixtures', 'dumps', 'go1.26-leakprofile');
  const body = analyze(parseDump(readFileSync(join(dumps, 'leak-httpbody.t2.leak.txt')))).findings.find((x) => x.pattern === 'unclosed-http-body');
  assert.ok(body, 'the unread body is found');
  assert.ok(!signals(body).includes('gc-reachable'));
  assert.notEqual(body.confidence, 'low', `${signals(body)}`);
});

test('ids started in one loop are bunched, allowing a leftover batch; ten bursts with wide gaps between them are not', () => {
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  // A pool of 100 whose creator's P first used up an old batch (10–16), then took fresh ones.
  assert.equal(bunched([...range(10, 16), ...range(50, 142)]), true);
  // 2,000 workers from one loop, one jump where another P took a batch.
  assert.equal(bunched([...range(48, 1000), ...range(1018, 2064)]), true);
  // Ten runs of a loop that starts 200 goroutines and leaves 100 each time: ten blocks, gaps of 100.
  assert.equal(bunched(Array.from({ length: 10 }, (_, run) => range(50 + run * 200, 149 + run * 200)).flat()), false);
  // One per request: a gap between almost every two ids.
  assert.equal(bunched(Array.from({ length: 30 }, (_, i) => 100 + i * 7)), false);
  // Go's id cache jumps only at the end of a batch (ids 16k+1 … 16k+16): three calls of a quiet
  // process, each starting a batch, leave jumps in the middle of batches, where the same P started
  // other goroutines in between (hidden-pool on Go 1.26: 114–123, 127–141, 147–166). One such jump is
  // a loop that was descheduled once (a pool of 2,000 shows one); two are three starts.
  assert.equal(bunched([...range(114, 123), ...range(127, 141), ...range(147, 166)]), false);
  assert.equal(bunched([...range(114, 123), ...range(127, 141)]), true);
  assert.equal(bunched([...range(20, 49), ...range(66, 2035)]), true);
  // Built with cgo, the runtime's extra M takes id 17 after main's batch, so later batches end at
  // 16k+1 (a Go 1.26 CGO_ENABLED=1 pool of 200 started beside a busy P jumped 81→210, 225→258,
  // 273→306, 321→418): a pool of 200 from one loop whose P twice found another P's batch next.
  assert.equal(bunched([...range(22, 81), ...range(98, 225), ...range(242, 253)]), true);
  // Three starts stay three starts under either alignment.
  assert.equal(bunched([...range(115, 124), ...range(128, 142), ...range(148, 167)]), false);
});

test('without creator ids (Go ≤ 1.20 prints `created by F` alone) a chain is told by goroutines started by the function they run', () => {
  const kept = join(import.meta.dirname, '..', 'fixtures', 'dumps', 'goker', 'go1.26');
  // The Go 1.26 DaisyChain dumps as Go 1.19 would print them: no ` in goroutine N` after `created by`.
  const read = (m: string) =>
    parseDump(gunzipSync(readFileSync(join(kept, `DaisyChain.${m}.debug2.txt.gz`))).toString('utf8').replace(/^(created by \S+) in goroutine \d+$/gm, '$1'));
  const t1 = read('t1');
  const t2 = read('t2');
  const chain = t2.groups.find((g) => g.kind === 'chan-recv' && g.frames[g.frames.length - 1]?.func === 'main.DaisyChain.func2');
  assert.ok(chain && chain.distinctCreators === undefined && (chain.selfStarted ?? 0) * 2 >= chain.count, `selfStarted ${chain?.selfStarted} of ${chain?.count}`);
  for (const a of [analyze(t2), compare([t1, t2])]) {
    assert.deepEqual(a.findings.filter((f) => f.confidence !== 'low').map((f) => `${entry(f)} ${f.confidence} ${signals(f)}`), []);
    const tail = a.findings.find((f) => f.kind === 'sleep');
    assert.ok(!tail || signals(tail).includes('sleeping-tail'), `tail: ${signals(tail)}`);
  }
});

test('a lock convoy waits on one lock; goroutines each stuck on a lock of their own are not a convoy', () => {
  const fixtures = join(import.meta.dirname, '..', 'fixtures', 'dumps');
  for (const tc of ['go1.19', 'go1.26']) {
    // noise-convoy: 39 goroutines queue for one hot mutex while one holds it (sleeping inside).
    const convoy = parseDump(readFileSync(join(fixtures, tc, 'noise-convoy.t0.debug2.txt'))).groups.find((g) => g.kind === 'mutex' && g.count >= 30);
    assert.ok(convoy, `${tc}: the convoy`);
    assert.deepEqual(convoy.waitObjects, { goroutines: convoy.count, distinct: 1 }, tc);
    const a = analyze(parseDump(readFileSync(join(fixtures, tc, 'noise-convoy.t0.debug2.txt'))));
    assert.ok(a.findings.every((f) => !signals(f).includes('own-locks')), `${tc}: ${a.findings.map((f) => signals(f)).join('; ')}`);
  }
  // Go's RWMutexLock scenario: each run locks a mutex of its own and starts a goroutine that waits for it.
  const snap = load('RWMutexLock', 't2');
  const pile = snap.groups.find((g) => g.createdBy?.func === 'main.RWMutexLock');
  assert.ok(pile && pile.count >= 3, 'the pile');
  assert.deepEqual(pile.waitObjects, { goroutines: pile.count, distinct: pile.count });
  const f = analyze(snap).findings.find((x) => x.createdBy?.func === 'main.RWMutexLock');
  assert.ok(f && signals(f).includes('own-locks') && signals(f).includes('outlived-call'), `${signals(f)}`);
  assert.equal(f.confidence, 'medium');
  // An RLock is inlined (`RLock(...)`) and its semaphore printed with `?`: no address is taken from it.
  const rlock = load('RWMutexRLock', 't2').groups.find((g) => g.createdBy?.func === 'main.RWMutexRLock');
  assert.ok(rlock && rlock.waitObjects === undefined, `${JSON.stringify(rlock?.waitObjects)}`);
});

test('without creator ids, goroutines whose starting function no goroutine is inside any more outlived its calls (creator-returned): leaks hidden in Go 1.19 noise', () => {
  const noise = join(import.meta.dirname, '..', '..', 'eval', 'subset', 'noise');
  const read = (go: string, name: string, moment: string) => parseDump(gunzipSync(readFileSync(join(noise, go, `${name}.${moment}.debug2.txt.gz`))));
  for (const name of ['hidden-busypool', 'hidden-bigpool']) {
    const snap = read('go1.19', name, 't2');
    const leak = analyze(snap).findings.find((f) => entry(f) === 'main.leakSend');
    assert.ok(leak && signals(leak).includes('creator-returned'), `${name}: ${signals(leak)}`);
    assert.equal(leak.confidence, 'medium', `${name}: ${signals(leak)}`);
    // The same dump with one request still inside the function that starts the senders: that call has
    // not returned, so nothing says the pile outlived its calls (an answer may still be read).
    const text = gunzipSync(readFileSync(join(noise, 'go1.19', `${name}.t2.debug2.txt.gz`))).toString('utf8');
    const file = /\t(\S+main\.go):\d+/.exec(text)![1]!;
    const inCall = `${text.trimEnd()}\n\ngoroutine 999999 [select]:\nmain.leakFetch()\n\t${file}:71 +0x8e\nmain.handleRequests.func1()\n\t${file}:88 +0x4f\ncreated by main.handleRequests\n\t${file}:86 +0x3c\n`;
    const still = analyze(parseDump(Buffer.from(inCall))).findings.find((f) => entry(f) === 'main.leakSend');
    assert.ok(still && !signals(still).includes('creator-returned'), `${name} with a call in flight: ${signals(still)}`);
    assert.equal(still.confidence, 'low');
  }
  // Healthy services: pools their constructor started and returned from rest where pools rest, with
  // bunched ids; none of their piles takes the row, at any moment.
  for (const name of ['busypool', 'bigpool', 'quiet']) {
    for (const moment of ['t0', 't1', 't2']) {
      const rows = analyze(read('go1.19', name, moment)).findings.filter((f) => signals(f).includes('creator-returned'));
      assert.deepEqual(rows.map((f) => entry(f)), [], `${name} ${moment}`);
    }
  }
  // With creator ids (Go ≥ 1.21) outlived-call and per-request say it; the id-less row never applies.
  const withIds = analyze(read('go1.26', 'hidden-busypool', 't2')).findings;
  assert.ok(withIds.every((f) => !signals(f).includes('creator-returned')));
});

test('a set started early plus a few started lately sits at two ends of the id history; a leak fills the history between', () => {
  // memberlist's packet listeners in a healthy 6-second-old process (142 ids): five nodes made at boot,
  // one restarted since (test/fixtures/dumps/realdeps/mlist).
  assert.equal(twoEnds([8, 25, 33, 50, 60, 134], 142), true);
  // fsnotify: one long-lived watcher and two a request holds now.
  assert.equal(twoEnds([21, 326, 327], 333), true);
  // The same listener leaking a node per 300 ms: no stretch of 40 % is empty.
  assert.equal(twoEnds(Array.from({ length: 27 }, (_, i) => 8 + i * 13), 368), false);
  // Go's leak scenarios run once and then three more times: gaps far below 40 % of the history.
  assert.equal(twoEnds([40, 41, 70, 95, 120], 140), false);
  // Too few ids to tell.
  assert.equal(twoEnds([1, 100], 100), false);
});
