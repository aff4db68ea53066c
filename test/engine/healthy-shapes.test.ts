// Healthy shapes of production services (eval/noise/healthy.go, captured by `npm run eval` and kept in
// eval/subset) read the way their evidence says, and the rows that spare them do not spare Go's own
// leak scenarios.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { analyze, compare, matchSeries, parseDump, type Finding, type Snapshot } from '../../src/engine/index.js';
import { ageDump, steadyIds } from '../../eval/age.js';
import { evidenceOf } from '../../src/engine/evidence.js';
import { readGroup } from '../../src/engine/patterns.js';

const subset = join(import.meta.dirname, '..', '..', 'eval', 'subset');
const text = (corpus: string, tc: string, name: string, moment: string) =>
  gunzipSync(readFileSync(join(subset, corpus, tc, `${name}.${moment}.debug2.txt.gz`))).toString('utf8');
/** The three captures of a noise service, aged `minutes` the way the eval ages them (eval/age.ts). */
function series(tc: string, name: string, minutes = 0): Snapshot[] {
  const raw = ['t0', 't1', 't2'].map((m) => text('noise', tc, name, m));
  const ids = steadyIds(raw);
  return raw.map((t, i) => parseDump(ageDump(t, ids, minutes), { capturedAt: 1_000 * (i + 1) }));
}
const signals = (f: Finding) => (f.evidence ?? []).map((e) => e.signal);
const strong = (f: Finding) => f.confidence === 'high' || f.confidence === 'medium';
const entry = (f: Finding) => f.frames[f.frames.length - 1]?.func ?? '';
const onStack = (f: Finding, func: string) => f.frames.some((fr) => fr.func === func);

test("a streaming hub's connection goroutines are per-connection, not per-request, and no pile-up", () => {
  for (const snap of series('go1.26', 'fanout')) {
    const hub = analyze(snap, { maxFindings: 1000 }).findings.filter((f) => entry(f).includes('streamClient'));
    const net = hub.filter((f) => f.kind === 'net-io');
    assert.ok(net.length >= 2, 'reader and writer piles');
    assert.ok(!hub.some(strong), `${hub.filter(strong).map(entry)}`);
    // The heartbeats between two pings were started by the same gone handlers as the readers.
    for (const f of hub.filter((f) => f.kind === 'select')) assert.ok(signals(f).includes('per-connection'), `${signals(f)}`);
    for (const f of net) {
      assert.ok(signals(f).includes('per-connection'), `${entry(f)}: ${signals(f)}`);
      for (const s of ['per-request', 'accumulated', 'accumulated-wait', 'outlived-call']) assert.ok(!signals(f).includes(s as never), `${entry(f)} takes ${s}`);
      assert.ok(!strong(f), `${entry(f)} is ${f.confidence}`);
    }
  }
});

test('goroutines waiting for locks whose holders sit in Write to slow clients take holder-busy, not own-locks, in one snapshot and across three', () => {
  // Where they are listed (on Go 1.26, and on Go 1.19 since the id-less per-connection, they fall below the list).
  const snaps = series('go1.19', 'fanout', 1440);
  for (const s of snaps) assert.ok(s.groups.some((g) => g.kind === 'mutex' && g.frames.some((fr) => fr.func === 'main.(*streamClient).write')), 'the heartbeat or writer waiting for its client lock');
  for (const a of [...snaps.map((s) => analyze(s, { maxFindings: 1000 })), compare(snaps, { maxFindings: 1000 })]) {
    const locks = a.findings.filter((f) => f.kind === 'mutex' && onStack(f, 'main.(*streamClient).write'));
    for (const f of locks) {
      assert.ok(signals(f).includes('holder-busy') && !signals(f).includes('own-locks'), `${signals(f)}`);
      assert.ok(!strong(f), `${entry(f)} is ${f.confidence}`);
    }
  }
});

test("Go's lock leaks keep own-locks: their holders wait on another lock or are gone", () => {
  const a = analyze(parseDump(text('goker', 'go1.26', 'Etcd10492', 't2')), { maxFindings: 1000 });
  const own = a.findings.filter((f) => signals(f).includes('own-locks'));
  assert.ok(own.length >= 1, 'Etcd10492 keeps own-locks');
  assert.ok(own.every((f) => !signals(f).includes('holder-busy')));
  assert.ok(own.some(strong));
});

test('a pool an autoscaler grows and shrinks in bursts does not become a leak with age', () => {
  const snaps = series('go1.26', 'resize', 1440);
  for (const s of snaps) {
    const workers = s.groups.filter((g) => g.frames[g.frames.length - 1]?.func === 'main.(*resizePool).worker');
    assert.ok(workers.reduce((n, g) => n + g.count, 0) >= 16, 'the pool is in every capture');
    assert.ok(workers.some((g) => (g.waitMinutes?.max ?? 0) >= 1440), 'and has idled a day');
  }
  for (const a of [...snaps.map((s) => analyze(s, { maxFindings: 1000 })), compare(snaps, { maxFindings: 1000 })]) {
    // Listed as low or not at all.
    for (const f of a.findings.filter((f) => entry(f) === 'main.(*resizePool).worker')) {
      for (const s of ['long-wait', 'accumulated', 'accumulated-wait']) assert.ok(!signals(f).includes(s as never), `worker pool takes ${s}: ${signals(f)}`);
      assert.ok(!strong(f), `worker pool is ${f.confidence}: ${signals(f)}`);
    }
  }
});

test("per-session watchers started by gone requests are recent arrivals, not a pile-up, while a send leak beside them stays medium", () => {
  for (const snap of series('go1.26', 'sessions')) {
    const watchers = analyze(snap, { maxFindings: 1000 }).findings.filter((f) => entry(f) === 'main.watchSession');
    assert.equal(watchers.length, 1);
    assert.ok(signals(watchers[0]!).includes('per-request') && signals(watchers[0]!).includes('recent'), `${signals(watchers[0]!)}`);
    assert.ok(!strong(watchers[0]!), `watchers are ${watchers[0]!.confidence}`);
  }
  // The hidden twin's leak (senders nobody receives from) is not a rest wait: `recent` leaves it alone.
  const hidden = analyze(series('go1.26', 'hidden-sessions')[2]!, { maxFindings: 1000 }).findings.find((f) => entry(f) === 'main.leakSend');
  assert.ok(hidden && strong(hidden) && !signals(hidden).includes('recent'), `${hidden?.confidence} ${hidden && signals(hidden)}`);
});

test('in-flight fan-out calls whose count wanders by fewer than --min-delta per capture do not grow at every step (debug=1, proto); a leak beside them does', () => {
  for (const fmt of ['debug1.txt.gz', 'pb.gz']) {
    const load = (name: string) => ['t0', 't1', 't2'].map((m, i) => parseDump(readFileSync(join(subset, 'noise', 'go1.19', `${name}.${m}.${fmt}`)), { capturedAt: 1_000 * (i + 1) }));
    const calls = compare(load('fanin'), { maxFindings: 1000 }).findings.filter((f) => onStack(f, 'main.(*fanGroup).Go.func1'));
    assert.ok(calls.length >= 1, 'the shard calls are listed');
    for (const f of calls) {
      assert.ok(!signals(f).includes('grew-every-step'), `${fmt}: ${f.before} → ${f.after}: ${signals(f)}`);
      assert.ok(!strong(f), `${fmt}: shard calls are ${f.confidence}`);
    }
    const leak = compare(load('hidden-fanin'), { maxFindings: 1000 }).findings.find((f) => onStack(f, 'main.leakSend'));
    assert.ok(leak && leak.confidence === 'high' && signals(leak).includes('grew-every-step'), `${fmt}: ${leak?.confidence} ${leak && signals(leak)}`);
  }
});

test('without ids, shard handlers that grew while the connections serving them did not (keep-alive connections moving from waiting for a request to serving one) take moved-in, not growth; Go\'s leaks add goroutines', () => {
  for (const fmt of ['debug1.txt.gz', 'pb.gz']) {
    const load = (name: string) => ['t0', 't1', 't2'].map((m, i) => parseDump(readFileSync(join(subset, 'noise', 'go1.19', `${name}.${m}.${fmt}`)), { capturedAt: 1_000 * (i + 1) }));
    const snaps = load('fanin');
    // The handlers' pile grew by --min-delta or more (else this test would check nothing) while all of
    // net/http.(*conn).serve's goroutines together did not.
    const count = (s: Snapshot, pick: (g: Snapshot['groups'][number]) => boolean) => s.groups.filter(pick).reduce((n, g) => n + g.count, 0);
    const handlers = snaps.map((s) => count(s, (g) => g.frames.some((fr) => fr.func === 'main.shardHandler')));
    const conns = snaps.map((s) => count(s, (g) => g.frames[g.frames.length - 1]?.func === 'net/http.(*conn).serve'));
    assert.ok(handlers[1]! - handlers[0]! >= 5 && conns[1] === conns[0], `${fmt}: handlers ${handlers}, connections ${conns}`);
    for (const part of [snaps.slice(0, 2), snaps]) {
      // The pile's own rows (it is request-scoped, so no finding lists it once its growth counts 0).
      const ctx = { n: part.length, minDelta: 5, minNewcomers: 2, series: part };
      const s = matchSeries(part).find((x) => x.group.frames.some((fr) => fr.func === 'main.shardHandler'))!;
      const rows = evidenceOf(s, readGroup(s.group), ctx).items.map((e) => e.signal);
      assert.ok(rows.includes('moved-in'), `${fmt} ${s.counts}: ${rows}`);
      for (const r of ['grew', 'grew-wait', 'grew-every-step'] as const) assert.ok(!rows.includes(r), `${fmt}: ${rows}`);
      const f = compare(part, { maxFindings: 1000 }).findings.find((x) => onStack(x, 'main.shardHandler'));
      assert.ok(!f || !strong(f), `${fmt}: ${f?.confidence}`);
    }
    // A cut stack (Go's `...additional frames elided...`) hides where its goroutines started: they
    // may be more goroutines of conn.serve, so the count is unknown and the row is not claimed.
    const cut = snaps.map((s, i) => (i < 2 ? s : { ...s, groups: [...s.groups, { ...s.groups[0]!, key: 'cut', coarseKey: 'cut', framesElided: true, frames: s.groups[0]!.frames.slice(0, 1) }] }));
    const s = matchSeries(cut).find((x) => x.group.frames.some((fr) => fr.func === 'main.shardHandler'))!;
    const rows = evidenceOf(s, readGroup(s.group), { n: 3, minDelta: 5, minNewcomers: 2, series: cut }).items.map((e) => e.signal);
    assert.ok(!rows.includes('moved-in'), `${fmt}: ${rows}`);
  }
  // Every leak of Go's scenarios adds goroutines, in every pair of the subset.
  for (const tc of ['go1.19', 'go1.26']) {
    const names = readdirSync(join(subset, 'goker', tc)).filter((f) => f.endsWith('.t2.pb.gz')).map((f) => f.slice(0, -'.t2.pb.gz'.length));
    assert.ok(names.length >= 40, `${tc}: ${names.length} scenarios`);
    for (const name of names) {
      for (const fmt of ['debug1.txt.gz', 'pb.gz']) {
        const pair = ['t1', 't2'].map((m, i) => parseDump(readFileSync(join(subset, 'goker', tc, `${name}.${m}.${fmt}`)), { capturedAt: 1_000 * (i + 1) }));
        const moved = compare(pair, { maxFindings: 1000 }).findings.filter((f) => signals(f).includes('moved-in'));
        assert.deepEqual(moved.map(entry), [], `${tc} ${name} ${fmt}`);
      }
    }
  }
});

test('without ids, a pile whose count fell at a step turned over (publishers under backpressure empty and refill the queue); a leak beside them never falls', () => {
  for (const fmt of ['debug1.txt.gz', 'pb.gz']) {
    const load = (name: string) => ['t0', 't1', 't2'].map((m, i) => parseDump(readFileSync(join(subset, 'noise', 'go1.26', `${name}.${m}.${fmt}`)), { capturedAt: 1_000 * (i + 1) }));
    const snaps = load('backpressure');
    const pubs = compare(snaps, { maxFindings: 1000 }).findings.filter((f) => onStack(f, 'main.publish'));
    for (const f of pubs) assert.ok(signals(f).includes('turned-over') && !strong(f), `${fmt}: ${f.confidence} ${signals(f)}`);
    // The count did fall at a step (else this test would check nothing), and the pile is no finding at all or a low one.
    const counts = snaps.map((s) => s.groups.filter((g) => g.frames.some((fr) => fr.func === 'main.publish')).reduce((n, g) => n + g.count, 0));
    assert.ok(counts.slice(1).some((v, i) => v < counts[i]!), `${fmt}: ${counts}`);
    const leak = compare(load('hidden-backpressure'), { maxFindings: 1000 }).findings.find((f) => onStack(f, 'main.leakSend'));
    assert.ok(leak && leak.confidence === 'high' && !signals(leak).includes('turned-over'), `${fmt}: ${leak?.confidence} ${leak && signals(leak)}`);
  }
});

test("Cond waiters Go's leak profile found reachable lose the 'never signalled' claim; the growth between two captures stays", () => {
  // Long-poll helpers waiting on a sync.Cond for the next event (test/fixtures/noise/README.md): with no
  // event between the captures they kept all and added more, as a leak does, but the GC found the Cond
  // reachable, so "nobody will ever signal it" is the one claim the dump refutes.
  const dir = join(import.meta.dirname, '..', 'fixtures', 'noise', 'go1.26-leakprofile');
  const snaps = ['t0', 't1'].map((m, i) => parseDump(gunzipSync(readFileSync(join(dir, `longpoll.${m}.leak.txt.gz`))), { capturedAt: 1_000 * (i + 1) }));
  assert.ok(snaps.every((s) => s.leakProfile));
  const f = compare(snaps, { maxFindings: 1000 }).findings.find((x) => x.kind === 'cond');
  assert.ok(f, 'the Cond waiters are listed');
  assert.ok(signals(f).includes('kept-and-added') && signals(f).includes('gc-reachable'), `${signals(f)}`);
  assert.ok(!signals(f).includes('intrinsic'), `${signals(f)}`);
  assert.ok(!strong(f), `${f.confidence}: ${signals(f)}`);
});

test("Go 1.19 (no creator ids): a pool its autoscaler grows in batches is not aged into a leak; leftovers of finished calls still pile up", () => {
  // The autoscaler is still in the function that started the workers and their ids come in batches of
  // consecutive ids: the id-less form of a managed pool.
  const snaps = series('go1.19', 'resize', 1440);
  for (const a of [...snaps.map((s) => analyze(s, { maxFindings: 1000 })), compare(snaps.slice(1), { maxFindings: 1000 }), compare(snaps, { maxFindings: 1000 })]) {
    const workers = a.findings.filter((f) => entry(f) === 'main.(*resizePool).worker');
    for (const f of workers) {
      for (const s of ['long-wait', 'accumulated-wait']) assert.ok(!signals(f).includes(s as never), `worker pool takes ${s}: ${signals(f)}`);
      assert.ok(!strong(f), `worker pool is ${f.confidence}: ${signals(f)}`);
    }
  }
  // Go's NoCloseRange: receivers left 3 per run by a function a goroutine is still in, one run after another.
  const leak = analyze(parseDump(text('goker', 'go1.19', 'NoCloseRange', 't2')), { maxFindings: 1000 }).findings.find((f) => f.kind === 'chan-recv' && strong(f));
  assert.ok(leak && signals(leak).includes('accumulated-wait'), `${leak?.confidence} ${leak && signals(leak)}`);
});

test('publishers blocked on a bounded queue, all started recently in a churning process (newest tenth, or filling the newest ids evenly after a longer turnover), are a young burst in one snapshot and across the interval they appeared in; the leak of the twin service is not young', () => {
  for (const tc of ['go1.19', 'go1.26']) {
    const snaps = series(tc, 'backpressure', 1440);
    // The later capture holds the queue backed up (the earlier one caught it drained or nearly).
    const single = analyze(snaps[2]!, { maxFindings: 1000 }).findings.filter((f) => onStack(f, 'main.publish'));
    const pair = compare(snaps.slice(1), { maxFindings: 1000 }).findings.filter((f) => onStack(f, 'main.publish'));
    assert.ok(single.length === 1 && pair.length === 1, `${tc}: publishers listed once each`);
    assert.ok(single[0]!.after >= 100 && pair[0]!.before < 20, `${tc}: ${pair[0]!.before} → ${single[0]!.after}`);
    for (const f of [...single, ...pair]) {
      assert.ok(signals(f).includes('young'), `${tc}: ${signals(f)}`);
      assert.ok(!strong(f), `${tc}: ${f.confidence} ${signals(f)}`);
    }
    if (pair[0]!.before === 0) assert.ok(signals(pair[0]!).includes('young-kept') && !signals(pair[0]!).includes('grew'), `${signals(pair[0]!)}`);
    // The twin's leak piled up over the whole run: not young, and strong alone and across the pair.
    const twin = series(tc, 'hidden-backpressure', 1440);
    // Its publishers, absent at t1 and all started since in a process whose goroutines flow through,
    // are young across the pair by identity, whatever share of the id history they span.
    const twinPubs = compare(twin.slice(1), { maxFindings: 1000 }).findings.filter((f) => onStack(f, 'main.publish'));
    assert.ok(twinPubs.length === 1 && twinPubs[0]!.before === 0, `${tc}: twin publishers appear within t1→t2`);
    assert.ok(signals(twinPubs[0]!).includes('young') && signals(twinPubs[0]!).includes('young-kept') && !strong(twinPubs[0]!), `${tc}: ${twinPubs[0]!.confidence} ${signals(twinPubs[0]!)}`);
    // Alone, its publishers span 10–11 % of the id history (the twin's run started fewer goroutines),
    // but they fill the newest ids evenly, within the newest quarter, after thousands of goroutines
    // came and went without one staying: a burst still arriving.
    const twinAlone = analyze(twin[2]!, { maxFindings: 1000 }).findings.filter((f) => onStack(f, 'main.publish'));
    assert.ok(twinAlone.length === 1 && twinAlone[0]!.after >= 100, `${tc}: twin publishers listed once`);
    const onset = twinAlone[0]!.evidence?.find((e) => e.signal === 'young');
    assert.ok(onset && /arriving throughout/.test(onset.text) && !strong(twinAlone[0]!), `${tc}: ${twinAlone[0]!.confidence} ${signals(twinAlone[0]!)}`);
    for (const a of [analyze(twin[2]!, { maxFindings: 1000 }), compare(twin.slice(1), { maxFindings: 1000 })]) {
      const leak = a.findings.find((f) => onStack(f, 'main.leakSend'));
      assert.ok(leak && strong(leak) && !signals(leak).includes('young'), `${tc}: ${leak?.confidence} ${leak && signals(leak)}`);
    }
  }
});

const fresh = (file: string) =>
  parseDump(gunzipSync(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'dumps', 'noise-fresh', file))).toString('utf8'));

test('a burst within the newest quarter of a young process\'s id history that kept arriving is young; a leak there that struck at a few moments is not (test/fixtures/dumps/noise-fresh)', () => {
  // 130 publishers, ids 3307–3675 of 3675: 10.0 % of the history, one id past the newest tenth, with
  // a gap of 46 ids after the first five (more than a tenth of their window, fewer than a quarter).
  const pubs = analyze(fresh('backpressure-go1.26-leakprofile.t2.debug2.txt.gz'), { maxFindings: 1000 }).findings.filter((f) => onStack(f, 'main.publish'));
  assert.equal(pubs.length, 1);
  const young = pubs[0]!.evidence?.find((e) => e.signal === 'young');
  assert.ok(young && /newest 25 %.*arriving throughout \(no gap wider than 46 ids\)/.test(young.text), `${signals(pubs[0]!)} ${young?.text}`);
  assert.ok(!strong(pubs[0]!), `${pubs[0]!.confidence} ${signals(pubs[0]!)}`);
  // The hidden leak's 30, 10 per capture in a process that started few goroutines: within the newest
  // quarter too, but in three clusters a capture apart. Not young; still found.
  const leak = analyze(fresh('hidden-longpoll-go1.19.t2.debug2.txt.gz'), { maxFindings: 1000 }).findings.find((f) => onStack(f, 'main.leakSend'));
  assert.ok(leak && leak.after === 30 && strong(leak) && !signals(leak).includes('young'), `${leak?.confidence} ${leak && signals(leak)}`);
});

test('without creator ids, a pool its live autoscaler started in batches is managed even when other goroutines were started between its batches (15 runs, 5.6 ids each); the leak beside it is still found', () => {
  const a = analyze(fresh('hidden-resize-go1.19.t2.debug2.txt.gz'), { maxFindings: 1000 });
  const pool = a.findings.filter((f) => onStack(f, 'main.(*resizePool).worker'));
  assert.ok(pool.length === 1 && pool[0]!.after === 84, `${pool.map((f) => f.after)}`);
  assert.ok(!strong(pool[0]!) && !signals(pool[0]!).includes('accumulated-wait'), `${pool[0]!.confidence} ${signals(pool[0]!)}`);
  const leak = a.findings.find((f) => onStack(f, 'main.leakSend'));
  assert.ok(leak && strong(leak), `${leak?.confidence}`);
});

test("Go's own leak scenarios are not young: in a process that started little else, the newest ids say nothing about a burst", () => {
  for (const name of ['ChanSend', 'WaitGroup', 'Etcd10492']) {
    const snaps = ['t1', 't2'].map((m, i) => parseDump(text('goker', 'go1.26', name, m), { capturedAt: 1_000 * (i + 1) }));
    const leak = compare(snaps, { maxFindings: 1000 }).findings.find((f) => entry(f).startsWith(`main.${name}`));
    assert.ok(leak && strong(leak), `${name}: ${leak?.confidence}`);
    assert.ok(!signals(leak).includes('young') && !signals(leak).includes('young-kept'), `${name}: ${signals(leak)}`);
  }
  // These leave 10 goroutines that fill the newest ids evenly (46–73 of 73 on Go 1.19), the shape of a
  // recent onset; but before them the process turned over a few dozen goroutines at most, fewer than it
  // started since: no turnover to measure an onset against.
  for (const tc of ['go1.19', 'go1.26']) {
    for (const name of ['DoubleSend', 'Kubernetes25331', 'Moby25348']) {
      const piles = analyze(parseDump(text('goker', tc, name, 't2')), { maxFindings: 1000 }).findings.filter((f) => f.after >= 10 && strong(f));
      assert.ok(piles.length >= 1, `${tc} ${name}: the leak is found alone`);
      for (const f of piles) assert.ok(!signals(f).includes('young'), `${tc} ${name}: ${signals(f)}`);
    }
  }
});

test('long-poll waiters on a sync.Cond that was woken hundreds of times before are cond-signalled, not a leak, across an interval with no event; Go\'s Cond leak (ticket 0 on a Cond of its own) is not', () => {
  for (const tc of ['go1.19', 'go1.26']) {
    const snaps = series(tc, 'longpoll');
    // The parser reads each waiter's Cond and ticket (sync.runtime_notifyListWait(l, t)).
    const waiters = snaps[1]!.groups.filter((g) => g.kind === 'cond' && g.frames.some((fr) => fr.func === 'main.waitVersion'));
    assert.equal(waiters.length, 1, `${tc}: one pile of Cond waiters`);
    const t = waiters[0]!.condTickets;
    assert.ok(t && t.object !== null && t.goroutines === waiters[0]!.count && t.min >= waiters[0]!.count, `${tc}: ${JSON.stringify(t)}`);
    for (const w of [[0, 1], [1, 2], [0, 1, 2]]) {
      const a = compare(w.map((i) => snaps[i]!), { maxFindings: 1000 });
      for (const f of a.findings.filter((f) => f.kind === 'cond')) {
        assert.ok(signals(f).includes('cond-signalled') && !signals(f).includes('intrinsic'), `${tc} ${w}: ${signals(f)}`);
        assert.ok(!strong(f), `${tc} ${w}: ${f.confidence} ${signals(f)}`);
      }
    }
  }
  const goker = ['t1', 't2'].map((m, i) => parseDump(text('goker', 'go1.26', 'Cond', m), { capturedAt: 1_000 * (i + 1) }));
  assert.ok(goker[1]!.groups.some((g) => g.kind === 'cond' && g.condTickets?.min === 0), 'each leaked waiter holds ticket 0 of its own Cond');
  const leak = compare(goker, { maxFindings: 1000 }).findings.find((f) => f.kind === 'cond');
  assert.ok(leak && strong(leak) && !signals(leak).includes('cond-signalled'), `${leak?.confidence} ${leak && signals(leak)}`);
});

test('Go 1.19 (no creator ids): a stream heartbeat started back to back with its connection\'s reader by a handler that returned is per-connection, not a pile-up', () => {
  // A capture with heartbeats between two pings (test/fixtures/noise/README.md); the subset's have none listed.
  const fixture = gunzipSync(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'noise', 'go1.19', 'fanout.t2.debug2.txt.gz'))).toString('utf8');
  const captures = [parseDump(fixture), ...series('go1.19', 'fanout', 1440)];
  // The fixture holds 4 heartbeats between two pings, ids spread over the run (they were medium:
  // accumulated-wait + creator-returned); now per-connection (0) and, under 5, not listed at all.
  assert.ok(captures[0]!.groups.some((g) => g.kind === 'select' && g.count >= 3 && g.frames[0]?.func === 'main.(*streamClient).heartbeat'));
  for (const snap of captures) {
    const hub = analyze(snap, { maxFindings: 1000 }).findings.filter((f) => entry(f).includes('streamClient'));
    for (const f of hub) assert.ok(!strong(f), `${entry(f)} ${f.kind} is ${f.confidence}: ${signals(f)}`);
    for (const f of hub.filter((f) => f.kind === 'select')) {
      assert.ok(signals(f).includes('per-connection'), `${signals(f)}`);
      for (const s of ['accumulated-wait', 'creator-returned']) assert.ok(!signals(f).includes(s as never), `heartbeat takes ${s}`);
    }
  }
  // Go's leak scenarios start no connections: none of their leaks is tied to one.
  for (const name of ['ChanSend', 'Cockroach1055', 'Etcd10492']) {
    const f = analyze(parseDump(text('goker', 'go1.19', name, 't2')), { maxFindings: 1000 }).findings.filter((x) => entry(x).toLowerCase().includes(name.toLowerCase()));
    assert.ok(f.length >= 1 && f.every((x) => !signals(x).includes('per-connection')), `${name}: ${f.map((x) => signals(x))}`);
  }
});

test('Go 1.19 (no creator ids): a connection pile of 300,000 goroutines does not overflow the stack when heartbeats beside it are checked', () => {
  // A big server's idle keep-alive connections: the id-less per-connection check reads every id of the
  // network-waiting piles its creator started (spreading them into push() threw RangeError past ~150k).
  const snap = parseDump(gunzipSync(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'noise', 'go1.19', 'fanout.t2.debug2.txt.gz'))));
  const hb = snap.groups.find((g) => g.kind === 'select' && g.frames[0]?.func === 'main.(*streamClient).heartbeat')!;
  const conns = snap.groups.find((g) => g.kind === 'net-io' && g.createdBy?.func === hb.createdBy?.func && g.ids)!;
  assert.ok(conns, 'the fixture holds the connections the heartbeats were started beside');
  const far = Math.max(...snap.groups.flatMap((g) => g.ids ?? [])) + 1_000;
  for (let i = 0; i < 300_000; i++) conns.ids!.push(far + i);
  const f = analyze(snap, { maxFindings: 1000 }).findings.find((x) => x.kind === 'select' && entry(x).includes('streamClient'));
  assert.ok(!f || signals(f).includes('per-connection'), `${f && signals(f)}`);
});

test('proto (no lock addresses): heartbeats waiting for their clients\' locks while as many writers sit in Write take holder-busy; Go\'s lock leaks have no moving holders', () => {
  // Two proto captures of the streaming hub on Go 1.26 1 s apart in which the lock waiters grew (test/fixtures/noise/README.md).
  const dir = join(import.meta.dirname, '..', 'fixtures', 'noise', 'go1.26');
  const snaps = ['t1', 't2'].map((m, i) => parseDump(readFileSync(join(dir, `fanout.${m}.pb.gz`)), { capturedAt: 1_000 * (i + 1) }));
  assert.ok(snaps.every((s) => s.format === 'proto'));
  // The waiters grew by 5 (25 → 30 on the heartbeat's path): grew-wait made them medium before.
  const waiting = snaps.map((s) => s.groups.filter((g) => g.kind === 'mutex' && g.frames.some((fr) => fr.func === 'main.(*streamClient).heartbeat')).reduce((n, g) => n + g.count, 0));
  assert.ok(waiting[1]! - waiting[0]! >= 5, `${waiting}`);
  const locks = compare(snaps, { maxFindings: 1000 }).findings.filter((f) => f.kind === 'mutex' && onStack(f, 'main.(*streamClient).write'));
  for (const f of locks) {
    assert.ok(signals(f).includes('holder-busy'), `${signals(f)}`);
    assert.ok(!strong(f), `${f.confidence}: ${signals(f)}`);
  }
  for (const name of ['Etcd10492', 'RWMutexLock']) {
    const load = (m: string) => parseDump(readFileSync(join(subset, 'goker', 'go1.26', `${name}.${m}.pb.gz`)));
    const leak = compare([load('t1'), load('t2')], { maxFindings: 1000 }).findings.find((f) => f.kind === 'mutex' || f.kind === 'rwmutex');
    assert.ok(leak && !signals(leak).includes('holder-busy'), `${name}: ${leak && signals(leak)}`);
  }
});

test('a streaming hub whose viewers join a little faster than they leave is not a leak: connections come and go at their peers\' pace', () => {
  // test/fixtures/dumps/fanout-churn: readers 42 → 45 → 47, 6 and 7 left, 9 and 9 came (medium before:
  // kept-most-and-added).
  const dir = join(import.meta.dirname, '..', 'fixtures', 'dumps', 'fanout-churn');
  const snaps = [0, 1, 2].map((t) => parseDump(readFileSync(join(dir, `fanout.t${t}.debug2.txt.gz`)), { capturedAt: 1_000 * (t + 1) }));
  const readers = (s: Snapshot) => s.groups.filter((g) => g.kind === 'net-io' && g.frames.some((f) => f.func === 'main.(*streamClient).readPump'));
  assert.deepEqual(snaps.map((s) => readers(s).reduce((n, g) => n + g.count, 0)), [42, 45, 47]);
  const ids = snaps.map((s) => new Set(readers(s).flatMap((g) => g.ids ?? [])));
  for (const k of [1, 2]) {
    const left = [...ids[k - 1]!].filter((id) => !ids[k]!.has(id)).length;
    const came = [...ids[k]!].filter((id) => !ids[k - 1]!.has(id)).length;
    assert.ok(left > 0 && came > left, `step ${k}: ${left} left, ${came} came`);
  }
  const a = compare(snaps, { maxFindings: 1000 });
  for (const f of a.findings.filter((x) => onStack(x, 'main.(*streamClient).readPump'))) {
    assert.ok(!signals(f).includes('kept-most-and-added') && !strong(f), `${f.confidence} ${signals(f)}`);
  }
  assert.ok(!a.findings.some(strong), `${a.findings.filter(strong).map((f) => `${entry(f)} ${f.confidence} ${signals(f)}`)}`);
});
