// Issue 8 "What was seen", one test per example, on dumps of real Go programs: test/fixtures/go/cmd/issue8
// (one -case per example) and test/fixtures/go/hangtest, captured under Go 1.19 and Go 1.26 by
// test/fixtures/capture-issue8.sh into test/fixtures/dumps/issue8/. The deadlock dumps are the crash
// outputs test/fixtures/capture.sh keeps. Where an example needs age (pools idle for days, a lock
// waited on for 219 minutes), the test rewrites the wait minutes in the real dump's headers: Go prints
// them as `[state, N minutes]`, and waiting hours for a fixture is not an option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  analyze,
  compare,
  parseDump,
  renderBlocks,
  renderMarkdown,
  renderText,
  toJsonReport,
  type Analysis,
  type Confidence,
  type Finding,
  type Snapshot,
} from '../../src/engine/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'dumps');
const TOOLCHAINS = ['go1.19', 'go1.26'] as const;

/** A dump of test/fixtures/dumps/issue8/<toolchain>/<name>.gz; `age` rewrites every header's wait. */
function dump(tc: string, name: string, age?: number): Snapshot {
  const raw = readFileSync(join(fixtures, 'issue8', tc, `${name}.gz`));
  if (age === undefined) return parseDump(raw);
  const text = gunzipSync(raw).toString('utf8').replace(/^(goroutine \d+ \[[^\],]+)(?:, \d+ minutes)?\]/gm, `$1, ${age} minutes]`);
  return parseDump(text);
}
const pair = (tc: string, c: string, fmt = 'debug2') => [dump(tc, `${c}.t0.${fmt}.txt`), dump(tc, `${c}.t1.${fmt}.txt`)];

const RANK: Record<Confidence, number> = { high: 2, medium: 1, low: 0 };
const actionable = (a: Analysis) => a.findings.filter((f) => f.confidence !== 'low');
const at = (a: Analysis, func: string): Finding | undefined => a.findings.find((f) => f.site?.func === func);
const show = (f: Finding | undefined) => (f ? `${f.confidence} ${JSON.stringify(f.series)} ${f.evidence?.map((e) => e.signal).join(',')}` : 'none');

test('1. a pile that keeps its goroutines and grows 1 → 26 in 0.5 s is a leak (chan receive, select, Mutex, RWMutex; Go 1.19 and 1.26)', () => {
  const cases = { 'growth-chanrecv': 'main.recvForever', 'growth-select': 'main.selectForever', 'growth-mutex': 'main.lockForever', 'growth-rwmutex': 'main.rlockForever' };
  for (const tc of TOOLCHAINS) {
    for (const [c, func] of Object.entries(cases)) {
      const a = compare(pair(tc, c));
      const top = a.findings[0];
      assert.equal(top?.site?.func, func, `${tc} ${c}: ${show(top)}`);
      assert.deepEqual(top.series, [1, 26]);
      assert.equal(top.confidence, 'high', `${tc} ${c}: ${show(top)}`);
      assert.deepEqual(top.identity && [top.identity.survivors, top.identity.newcomers, top.identity.departures], [1, 25, 0]);
      assert.ok(top.signals.some((s) => s.includes('kept the goroutine of the first snapshot')), top.signals.join('; '));
      assert.doesNotMatch(renderText(a, { color: false }), /No likely goroutine leak/);
    }
  }
});

test('1. a Mutex pile growing 1000 → 2000 with its goroutines kept is high; the one snapshot alone is medium', () => {
  for (const tc of TOOLCHAINS) {
    const [t0, t1] = pair(tc, 'growth-mutex-1000');
    const diff = at(compare([t0!, t1!]), 'main.lockForever');
    assert.equal(diff?.confidence, 'high', `${tc}: ${show(diff)}`);
    assert.deepEqual(diff.series, [1000, 2000]);
    assert.equal(at(analyze(t1!), 'main.lockForever')?.confidence, 'medium', tc);
  }
});

test('1. the later snapshot alone: 26 goroutines from 26 requests are medium (Go 1.26: creators gone; Go 1.19: ids spread with gaps)', () => {
  for (const c of ['growth-chanrecv', 'growth-select', 'growth-mutex', 'growth-rwmutex']) {
    const f = analyze(dump('go1.26', `${c}.t1.debug2.txt`)).findings[0];
    assert.equal(f?.confidence, 'medium', `${c}: ${show(f)}`);
    assert.ok(f.evidence?.some((e) => e.signal === 'per-request'));
    // Go 1.19 prints no creator ids; one request at a time left a gap between every two leaked ids.
    const old = analyze(dump('go1.19', `${c}.t1.debug2.txt`)).findings[0];
    assert.equal(old?.confidence, 'medium', `go1.19 ${c}: ${show(old)}`);
    assert.ok(old.evidence?.some((e) => e.signal === 'accumulated-wait'), show(old));
  }
});

test('2. a second snapshot with flat traffic never lowers the verdict on 101 sends nobody receives', () => {
  for (const tc of TOOLCHAINS) {
    for (const fmt of ['debug2', 'debug1']) {
      const [t0, t1] = pair(tc, 'flat-chansend', fmt);
      const single = at(analyze(t1!), 'main.fetchResult');
      const diff = at(compare([t0!, t1!]), 'main.fetchResult');
      assert.ok(single && diff, `${tc} ${fmt}`);
      assert.ok(RANK[diff.confidence] >= RANK[single.confidence], `${tc} ${fmt}: single ${show(single)}, diff ${show(diff)}`);
      if (fmt === 'debug2') assert.notEqual(single.confidence, 'low', `${tc}: analyze says ${show(single)}`);
      if (fmt === 'debug2') assert.ok(diff.evidence?.some((e) => e.signal === 'kept-all'), show(diff));
    }
  }
  // The creators are counted, not capped: 101 requests, 101 creators, all gone.
  const f = at(analyze(dump('go1.26', 'flat-chansend.t1.debug2.txt')), 'main.fetchResult')!;
  assert.ok(f.signals.some((s) => s.includes('101 of 101 outlived') && s.includes('101 distinct creators')), f.signals.join('; '));
});

test('3. an idle pool of 16 workers is never high or medium, at any age, alone or in a series', () => {
  for (const tc of TOOLCHAINS) {
    for (const age of [0, 15, 600, 4320]) {
      const t0 = dump(tc, 'idle-pool.t0.debug2.txt', age);
      const t1 = dump(tc, 'idle-pool.t1.debug2.txt', age);
      for (const [what, a] of [['single', analyze(t1)], ['diff', compare([t0, t1])]] as const) {
        assert.deepEqual(actionable(a).map(show), [], `${tc} ${what} at ${age} min`);
        const pool = at(a, 'main.poolWorker');
        if (pool) assert.match(pool.advice, /^Shaped like a pool at rest/, `${tc} ${what}: no "close the channel" advice for a pool`);
      }
    }
    assert.deepEqual(actionable(compare(pair(tc, 'idle-pool', 'debug1'))).map(show), [], `${tc} debug=1`);
  }
});

test('4. hangs are their own finding: deadlock, test timeout, a lone goroutine on a lock for 219 minutes (and who holds it)', () => {
  for (const tc of TOOLCHAINS) {
    const dead = analyze(parseDump(readFileSync(join(fixtures, tc, 'crash-deadlock.txt'))));
    assert.equal(dead.hangs?.[0]?.reason, 'deadlock', tc);
    assert.equal(dead.hangs[0]!.goroutineId, 1);
    assert.equal(dead.hangs[0]!.site?.line, 30);
    assert.match(dead.hangs[0]!.title, /all goroutines are asleep/);

    const timeout = analyze(dump(tc, 'test-timeout.txt'));
    const h = timeout.hangs?.[0];
    assert.equal(h?.reason, 'test-timeout', tc);
    assert.equal(timeout.hangs!.length, 1, 'only the test, not the runner waiting for it');
    assert.match(h.title, /TestCheckoutWaits is stuck in sync\.\(\*WaitGroup\)\.Wait/);
    assert.equal(h.site?.func, 'example.com/fixtures/hangtest.TestCheckoutWaits');
    assert.equal(h.waitsOn?.func, 'sync.(*WaitGroup).Wait');

    const lock = analyze(dump(tc, 'lock-waiter.t0.debug2.txt', 219));
    const l = lock.hangs?.find((x) => x.reason === 'lock-held');
    assert.equal(l?.site?.func, 'main.rlockForever', tc);
    assert.equal(l.waitsOn?.func, 'sync.(*RWMutex).RLock');
    assert.equal(l.waitMinutes, 219);
    assert.ok(l.goroutineId !== null && l.goroutineId > 0);
    // Readers stuck behind a method that took the lock and waits on a channel: the holder is named.
    const held = analyze(dump(tc, 'lock-holder.t0.debug2.txt', 219)).hangs?.find((x) => x.reason === 'lock-held');
    assert.equal(held?.site?.func, 'main.(*store).get', tc);
    assert.equal(held.holder?.site?.func, 'main.(*store).reload');
    assert.match(held.title, /^2 goroutines have waited 219 min in sync\.\(\*RWMutex\)\.RLock; main\.\(\*store\)\.reload .* likely holds it/);
    assert.deepEqual(analyze(dump(tc, 'lock-holder.t0.debug2.txt')).hangs, [], 'no hang before the wait is long');
    // Not a leak: no high or medium finding, and the exit code of --fail-on-leak is not touched.
    for (const a of [dead, timeout, lock]) assert.deepEqual(actionable(a).map(show), []);

    // Every renderer names the stuck goroutine and what it waits on.
    for (const [a, needle] of [[timeout, 'TestCheckoutWaits'], [lock, 'sync.(*RWMutex).RLock'], [dead, 'crash-deadlock/main.go']] as const) {
      assert.ok(renderText(a, { color: false }).includes(needle), `${tc} text: ${needle}`);
      assert.ok(renderMarkdown(a).includes(needle), `${tc} markdown: ${needle}`);
      assert.ok(JSON.stringify(renderBlocks(a, { title: 't' }).blocks).includes(needle), `${tc} blocks: ${needle}`);
      assert.ok(JSON.stringify(toJsonReport(a).hangs).includes(needle), `${tc} json: ${needle}`);
    }
  }
});

test('5. a dominant debug=1 pile (4,407 of 4,960 on one Mutex.Lock) is not low', () => {
  for (const tc of TOOLCHAINS) {
    const snap = dump(tc, 'dominant-mutex.t0.debug1.txt');
    assert.equal(snap.total, 4960);
    const f = analyze(snap).findings[0];
    assert.equal(f?.site?.func, 'main.lockForever', tc);
    assert.equal(f.after, 4407);
    assert.equal(f.confidence, 'medium', `${tc}: ${show(f)}`);
    assert.ok(f.signals.some((s) => s.includes('LeakProf')));
  }
});

test('6. a finding merged from two call paths names both paths', () => {
  for (const tc of TOOLCHAINS) {
    for (const a of [compare(pair(tc, 'merged-paths')), analyze(dump(tc, 'merged-paths.t1.debug2.txt')), compare(pair(tc, 'merged-paths', 'debug1'))]) {
      const f = at(a, 'main.sendReply');
      assert.ok(f, tc);
      assert.deepEqual(f.paths?.map((p) => p.distinct?.func).sort(), ['main.orderHandler', 'main.quoteHandler'], `${tc}: ${JSON.stringify(f.paths)}`);
      assert.equal(f.after, 58);
      for (const out of [renderText(a, { color: false }), renderMarkdown(a), JSON.stringify(renderBlocks(a, { title: 't' }).blocks)]) {
        assert.ok(out.includes('quoteHandler') && out.includes('orderHandler'), `${tc}: both paths rendered`);
      }
    }
  }
});

test('7. --max-findings never changes the verdict: counts come from before the cut', () => {
  const snaps = pair('go1.26', 'flat-chansend');
  const full = compare(snaps);
  const none = compare(snaps, { maxFindings: 0 });
  assert.equal(none.findings.length, 0);
  assert.deepEqual(none.counts, full.counts);
  assert.ok((none.counts?.high ?? 0) + (none.counts?.medium ?? 0) > 0);
  const text = renderText(none, { color: false });
  assert.doesNotMatch(text, /No suspected goroutine leaks/);
  assert.match(text, /1 suspected leak site \(1 high\)\. None listed/);
  // The dump's idle pool (poolWorker, none of it among the newest ids) is settled and not counted.
  const one = analyze(dump('go1.26', 'dominant-mutex.t0.debug2.txt'), { maxFindings: 1 });
  assert.equal(one.findings.length, 1);
  assert.equal(one.counts?.total, 2);
  assert.match(renderText(one, { color: false }), /^2 suspected leak sites \(1 medium, 1 low\)\. Only 1 listed/);
});

test('more evidence never weakens a claim: on every example, the diff is at least the later snapshot alone unless the pile drained', () => {
  const cases = ['growth-chanrecv', 'growth-select', 'growth-mutex', 'growth-rwmutex', 'growth-mutex-1000', 'flat-chansend', 'idle-pool', 'merged-paths'];
  let compared = 0;
  for (const tc of TOOLCHAINS) {
    for (const c of cases) {
      const [t0, t1] = pair(tc, c);
      const diff = compare([t0!, t1!]);
      for (const f of analyze(t1!).findings) {
        const d = diff.findings.find((x) => x.groupKey === f.groupKey);
        const drained = d?.evidence?.some((e) => e.signal === 'drained' || e.signal === 'turned-over');
        if (drained) continue;
        compared++;
        // A pool seen at rest in both snapshots may drop out of the list; a suspect never drops a tier.
        if (f.confidence === 'low' && !d) continue;
        assert.ok(d && RANK[d.confidence] >= RANK[f.confidence], `${tc} ${c}: single ${show(f)} → diff ${show(d)}`);
      }
    }
  }
  assert.ok(compared > 10);
});

test("calls backing off above a lock's Lock line hold nothing: a lock an error path left locked stays a finding (holder-busy needs a goroutine at or past the Lock)", () => {
  // test/fixtures/go/cmd/issue8 -case lock-backoff: 6 → 12 waiters on a Mutex an error path returned
  // holding, while as many calls of the same function sleep in their backoff on the line above the Lock.
  for (const tc of TOOLCHAINS) {
    for (const fmt of ['debug2', 'debug1']) {
      const snaps = pair(tc, 'lock-backoff', fmt);
      const sleepers = snaps[1]!.groups.filter((g) => g.kind === 'sleep' && g.frames.some((f) => f.func === 'main.retryLocked'));
      assert.equal(sleepers.reduce((n, g) => n + g.count, 0), 12, `${tc} ${fmt}: the backing-off calls are in the dump`);
      const single = at(analyze(snaps[1]!, { maxFindings: 100 }), 'main.retryLocked');
      const diff = at(compare(snaps, { maxFindings: 100 }), 'main.retryLocked');
      for (const f of [single, diff]) assert.ok(f && !f.evidence?.some((e) => e.signal === 'holder-busy'), `${tc} ${fmt}: ${show(f)}`);
      // debug=2 reads the spread-out arrivals in one snapshot and the kept-and-added pile in two.
      if (fmt === 'debug2') {
        assert.equal(single!.confidence, 'medium', `${tc} single: ${show(single)}`);
        assert.equal(diff!.confidence, 'high', `${tc} diff: ${show(diff)}`);
      } else assert.notEqual(diff!.confidence, 'low', `${tc} debug1 diff: ${show(diff)}`);
    }
  }
});
