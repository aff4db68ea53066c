// debug=1 and proto carry no goroutine ids and no `created by` frames; what they still carry (every
// function on every stack, Go's names for function literals) must bring their 2-snapshot verdicts to
// debug=2's on Go's own leak scenarios, and keep healthy piles where they were. Real dumps: eval/subset
// (written by `npm run eval -- --export-subset`), test/fixtures/dumps (captured by capture.sh) and
// test/fixtures/dumps/goker (README there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { compare, parseDump, type Finding } from '../../src/engine/index.js';
import { enclosingFunc } from '../../src/engine/aggregated.js';

const root = join(import.meta.dirname, '..', '..');
const FILE = { debug1: 'debug1.txt.gz', proto: 'pb.gz' } as const;
type Fmt = keyof typeof FILE;
/** The eval writes debug=1 gzipped, capture.sh does not. */
const file = (dir: string, name: string, m: string, fmt: Fmt) => {
  const p = join(dir, `${name}.${m}.${FILE[fmt]}`);
  return existsSync(p) ? p : p.replace(/\.gz$/, '');
};
const pair = (dir: string, name: string, fmt: Fmt, moments = ['t1', 't2']) =>
  compare(
    moments.map((m, i) => parseDump(readFileSync(file(dir, name, m, fmt)), { capturedAt: 1_000 * (i + 1) })),
    { maxFindings: 1000 },
  );
const signals = (f: Finding) => (f.evidence ?? []).map((e) => e.signal);
const strong = (f: Finding) => f.confidence === 'high' || f.confidence === 'medium';
const entry = (f: Finding) => f.frames[f.frames.length - 1]?.func ?? '';

test('a function literal names the function it is written in', () => {
  assert.equal(enclosingFunc('main.ChanRecv.func1'), 'main.ChanRecv');
  assert.equal(enclosingFunc('main.DaisyChain.func2.1'), 'main.DaisyChain.func2');
  assert.equal(enclosingFunc('main.(*worker).Start.func1'), 'main.(*worker).Start');
  assert.equal(enclosingFunc('example.com/x/pkg.F.gowrap3'), 'example.com/x/pkg.F');
  assert.equal(enclosingFunc('main.bgWorker'), null);
  assert.equal(enclosingFunc('example.com/v2.func1'), null, 'a package path is no function');
});

for (const fmt of ['debug1', 'proto'] as const) {
  test(`${fmt}: Go's ChanRecv leak (1 → 10 on a receive, the starter returned) reaches medium in a diff, as debug=2 does`, () => {
    const a = pair(join(root, 'eval', 'subset', 'goker', 'go1.19'), 'ChanRecv', fmt);
    const leak = a.findings.find((f) => f.kind === 'chan-recv' && f.before === 1 && f.after === 10);
    assert.ok(leak, 'the pile is listed');
    // `<-make(chan int)` in a literal of ChanRecv: both the literal's gone starter and the one-shot receive.
    assert.deepEqual(signals(leak).sort(), ['grew', 'literal-returned', 'one-shot-receive']);
    assert.equal(leak.confidence, 'medium');
    // The driver's idle pool beside it did not grow and stays low.
    for (const f of a.findings.filter((f) => f !== leak)) assert.ok(!strong(f), `${entry(f)} is ${f.confidence}`);
  });

  test(`${fmt}: a surge of handlers that appeared between two snapshots stays low (no literal-returned)`, () => {
    const a = pair(join(root, 'test', 'fixtures', 'dumps', 'go1.19'), 'noise-surge', fmt, ['t0', 't1']);
    const surge = a.findings.filter((f) => f.kind === 'select' && f.before === 0 && f.after >= 100);
    assert.ok(surge.length >= 1, 'the surge is listed');
    for (const f of surge) {
      assert.ok(!signals(f).includes('literal-returned'), `${signals(f)}`);
      assert.ok(!strong(f), `${entry(f)} is ${f.confidence}`);
    }
  });

  test(`${fmt}: fan-out helpers waiting inside an HTTP round trip stay low though their starter returned`, () => {
    const a = pair(join(root, 'eval', 'subset', 'noise', 'go1.19'), 'fanin', fmt, ['t0', 't1']);
    const helpers = a.findings.filter((f) => f.frames.some((fr) => fr.func === 'net/http.(*Transport).roundTrip'));
    assert.ok(helpers.some((f) => f.after > f.before && f.before > 0), 'the helpers grew');
    for (const f of helpers) assert.ok(!signals(f).includes('literal-returned') && !strong(f), `${f.confidence} ${signals(f)}`);
  });

  test(`${fmt}: outbound HTTP calls in flight that rose by 5+ at every step stay low, named as HTTP calls`, () => {
    const dir = join(root, 'test', 'fixtures', 'dumps', 'fanin-rising');
    const a = compare(
      ['t0', 't1', 't2'].map((m, i) => parseDump(readFileSync(join(dir, `fanin.${m}.${FILE[fmt]}`)), { capturedAt: 1_000 * (i + 1) })),
      { maxFindings: 1000 },
    );
    const calls = a.findings.find((f) => f.frames[0]?.func === 'net/http.(*persistConn).roundTrip');
    assert.ok(calls, 'the calls are listed');
    // debug=1 counted 18 → 28 → 37, the proto captured beside it 17 → 28 → 36.
    assert.ok(calls.series.length === 3 && calls.series.every((v, i) => i === 0 || v - calls.series[i - 1]! >= 5), `${calls.series}`);
    assert.equal(calls.pattern, 'http-call-no-timeout');
    assert.ok(signals(calls).includes('grew') && !signals(calls).includes('grew-every-step'), `${signals(calls)}`);
    assert.ok(!a.findings.some(strong), `${a.findings.filter(strong).map((f) => `${entry(f)} ${f.confidence} ${signals(f)}`)}`);
  });

  test(`${fmt}: DaisyChain's chain waits for its sleeping tail: not listed, though it grew by 9,000`, () => {
    const a = pair(join(root, 'test', 'fixtures', 'dumps', 'goker', 'go1.26'), 'DaisyChain', fmt);
    assert.ok(!a.findings.some(strong), `${a.findings.filter(strong).map((f) => `${entry(f)} ${f.confidence} ${signals(f)}`)}`);
    // The raw material is there: the chain grew 1,000 → 10,000 and its literal sleeps.
    const snap = parseDump(readFileSync(file(join(root, 'test', 'fixtures', 'dumps', 'goker', 'go1.26'), 'DaisyChain', 't2', fmt)));
    const chain = snap.groups.find((g) => g.kind === 'chan-recv' && g.count >= 10_000);
    assert.ok(chain, 'the chain pile');
    assert.ok(snap.groups.some((g) => g.kind === 'sleep' && enclosingFunc(g.frames[g.frames.length - 1]!.func) === chain.frames[chain.frames.length - 1]!.func));
  });
}

test('debug=1 tells a one-shot receive from a loop by its two neighbouring wrapper PCs, as proto names them', () => {
  const dir = join(root, 'eval', 'subset', 'goker', 'go1.19');
  const forms = (fmt: Fmt) =>
    Object.fromEntries(
      parseDump(readFileSync(file(dir, 'Cockroach13197', 't2', fmt)))
        .groups.filter((g) => g.kind === 'chan-recv')
        .map((g) => [g.frames[g.frames.length - 1]!.func, g.recv]),
    );
  const proto = forms('proto');
  assert.equal(proto['main.(*Tx_cockroach13197).awaitDone'], 'once', 'runtime.chanrecv1 in the proto');
  assert.equal(proto['main.bgWorker'], 'loop', 'for range: runtime.chanrecv2');
  assert.deepEqual(forms('debug1'), proto);
});

for (const fmt of ['debug1', 'proto'] as const) {
  test(`${fmt}: a method left waiting in a one-shot receive (Cockroach13197, 1 → 10) reaches medium in a diff, as debug=2 does`, () => {
    const a = pair(join(root, 'eval', 'subset', 'goker', 'go1.19'), 'Cockroach13197', fmt);
    const leak = a.findings.find((f) => entry(f) === 'main.(*Tx_cockroach13197).awaitDone');
    assert.ok(leak);
    assert.deepEqual(signals(leak).sort(), ['grew', 'one-shot-receive']);
    assert.equal(leak.confidence, 'medium');
  });

  test(`${fmt}: per-session watchers on <-ctx.Done() that wander by a few stay low`, () => {
    const dir = join(root, 'eval', 'subset', 'noise', 'go1.19');
    let grew = 0;
    for (const w of [['t0', 't1'], ['t1', 't2']]) {
      const watchers = pair(dir, 'sessions', fmt, w).findings.filter((f) => entry(f) === 'main.watchSession');
      for (const f of watchers) {
        if (f.after > f.before) grew++;
        assert.ok(!signals(f).includes('one-shot-receive') && !strong(f), `${f.before}→${f.after} ${f.confidence} ${signals(f)}`);
      }
    }
    assert.ok(grew >= 1, 'the watchers grew in some window');
  });
}

test("debug=1 tells `select {}` from a select by its park PC (block lies just below selectgo), as proto names them", () => {
  for (const tc of ['go1.19', 'go1.26']) {
    const dir = join(root, 'eval', 'subset', 'goker', tc);
    const kinds = (fmt: Fmt) =>
      Object.fromEntries(
        parseDump(readFileSync(file(dir, 'SelectNoCases', 't2', fmt)))
          .groups.filter((g) => g.kind === 'select' || g.kind === 'select-nocases')
          .map((g) => [g.frames[g.frames.length - 1]!.func, g.kind]),
      );
    const proto = kinds('proto');
    assert.equal(proto['main.SelectNoCases.func1'], 'select-nocases', `${tc}: runtime.block in the proto`);
    assert.equal(proto['main.bgTicker'], 'select');
    assert.deepEqual(kinds('debug1'), proto, tc);
  }
  // One park site alone (no select{} beside it) stays a select.
  const alone = parseDump(readFileSync(file(join(root, 'eval', 'subset', 'goker', 'go1.19'), 'Select', 't2', 'debug1')));
  assert.ok(alone.groups.some((g) => g.kind === 'select') && !alone.groups.some((g) => g.kind === 'select-nocases'));
});

for (const fmt of ['debug1', 'proto'] as const) {
  test(`${fmt}: one snapshot of Go's ChanSend leak names the literal's returned starter beside the send nobody receives: medium`, () => {
    const snap = parseDump(readFileSync(file(join(root, 'eval', 'subset', 'goker', 'go1.19'), 'ChanSend', 't2', fmt)));
    const leak = compare([snap], { maxFindings: 1000 }).findings.find((f) => entry(f) === 'main.ChanSend.func1');
    assert.ok(leak);
    assert.deepEqual(signals(leak).sort(), ['intrinsic', 'literal-returned']);
    assert.equal(leak.confidence, 'medium');
  });

  test(`${fmt}: in single snapshots of the healthy noise services no literal-returned pile reaches medium`, () => {
    const services = join(root, 'eval', 'subset', 'noise', 'go1.26');
    const fixtures = join(root, 'test', 'fixtures', 'dumps', 'go1.26');
    const cases = [
      ...['busypool', 'quiet', 'bigpool', 'fanout', 'backpressure', 'longpoll', 'fanin', 'sessions', 'resize'].map((n) => [services, n] as const),
      ...['noise-surge', 'noise-idlepool', 'noise-convoy', 'noise-growonce'].map((n) => [fixtures, n] as const),
    ];
    let literals = 0;
    for (const [dir, name] of cases) {
      for (const m of ['t0', 't1', 't2']) {
        const snap = parseDump(readFileSync(file(dir, name, m, fmt)));
        literals += snap.groups.filter((g) => enclosingFunc(g.frames[g.frames.length - 1]?.func ?? '') !== null).length;
        for (const f of compare([snap], { maxFindings: 1000 }).findings) {
          assert.ok(!(signals(f).includes('literal-returned') && strong(f)), `${name} ${m}: ${entry(f)} ${f.confidence} ${signals(f)}`);
        }
      }
    }
    assert.ok(literals >= 6, `piles running function literals are there to judge (${literals})`);
  });
}

test('without ids, publishers that appeared on a send while the queue\'s consumer went from its receive to work are not claimed; a send leak beside them, there before, still is', () => {
  let checked = 0;
  for (const toolchain of ['go1.19', 'go1.26']) {
    const dir = join(root, 'eval', 'subset', 'noise', toolchain);
    for (const fmt of ['debug1', 'proto'] as const) {
      for (const name of ['backpressure', 'hidden-backpressure']) {
        const a = pair(dir, name, fmt);
        const publishers = a.findings.find((f) => entry(f) === 'main.publish');
        if (!publishers || !signals(publishers).includes('consumer-busy')) continue;
        // The consumer (main.ingestConsumer) waited in `<-ingestQueue` at t1 and sleeps in its hiccup at t2.
        assert.ok(!strong(publishers), `${toolchain} ${fmt} ${name}: publishers ${publishers.confidence} ${signals(publishers)}`);
        assert.ok(!signals(publishers).includes('grew-wait'), `${toolchain} ${fmt} ${name}: ${signals(publishers)}`);
        if (name === 'hidden-backpressure') {
          const leak = a.findings.find((f) => entry(f) === 'main.leakSend');
          assert.ok(leak && strong(leak), `${toolchain} ${fmt}: the send leak (there at t1 too) stays a claim: ${leak?.confidence} ${leak && signals(leak)}`);
          assert.ok(!signals(leak).includes('consumer-busy'));
        }
        checked++;
      }
    }
  }
  assert.ok(checked >= 4, `pairs where the consumer went to work while publishers appeared: ${checked}`);
});

test('consumer-busy needs a consumer loop that left its receive, not a pool whose workers shift between receiving and working', () => {
  const dir = join(root, 'eval', 'subset', 'noise', 'go1.26');
  const text = (m: string) => gunzipSync(readFileSync(file(dir, 'backpressure', m, 'debug1'))).toString();
  const recv = /^1 (@ [^\n]+\n#\t\S+\tmain\.ingestConsumer\+0x33\t[^\n]+\n)/m;
  const [t1, t2] = [text('t1'), text('t2')];
  const recvRecord = recv.exec(t1);
  assert.ok(recvRecord, 'the consumer waits in its receive at t1');
  // The same service, but its consumer is a pool of 16: all receiving at t1; at t2 ten still receive
  // and six sleep in the hiccup, as a busy pool's workers come and go between captures.
  const poolT1 = t1.replace(recv, '16 $1');
  const poolT2 = t2.replace(/^1 (@ [^\n]+\n#\t\S+\ttime\.Sleep[^\n]+\n#\t\S+\tmain\.ingestConsumer\+)/m, `6 $1`) + `\n10 ${recvRecord[1]}`;
  const a = compare([poolT1, poolT2].map((t, i) => parseDump(Buffer.from(t), { capturedAt: 1_000 * (i + 1) })), { maxFindings: 1000 });
  const publishers = a.findings.find((f) => entry(f) === 'main.publish');
  assert.ok(publishers, 'the publishers are listed');
  assert.ok(!signals(publishers).includes('consumer-busy'), `a pool's partial shift is no consumer going to work: ${signals(publishers)}`);
  // The real pair (one consumer, gone from its receive to its sleep) still takes the row.
  const real = compare([t1, t2].map((t, i) => parseDump(Buffer.from(t), { capturedAt: 1_000 * (i + 1) })), { maxFindings: 1000 });
  assert.ok(signals(real.findings.find((f) => entry(f) === 'main.publish')!).includes('consumer-busy'));
});

test('consumer-busy needs the consumer loop in a package of the send pile: a send leak of another package that appeared while the queue\'s consumer went to work keeps its growth row', () => {
  const dir = join(root, 'eval', 'subset', 'noise', 'go1.26');
  const text = (m: string) => gunzipSync(readFileSync(file(dir, 'backpressure', m, 'debug1'))).toString();
  // A notifier started per order whose reader gave up: 40 goroutines on a send, new at t2, in package orders.
  const leak = '\n40 @ 0x48656e 0x417a7c 0x417677 0x7c4cd1 0x48df21\n#\t0x7c4cd0\texample.com/shop/orders.notifyLoop+0x30\t/src/shop/orders/notify.go:88\n';
  const a = compare([text('t1'), text('t2') + leak].map((t, i) => parseDump(Buffer.from(t), { capturedAt: 1_000 * (i + 1) })), { maxFindings: 1000 });
  const notifier = a.findings.find((f) => entry(f) === 'example.com/shop/orders.notifyLoop');
  assert.ok(notifier, 'the notifier pile is listed');
  assert.ok(!signals(notifier).includes('consumer-busy') && signals(notifier).includes('grew-wait'), `${signals(notifier)}`);
  // main.publish, whose consumer main.ingestConsumer went from its receive to its sleep, still takes it.
  assert.ok(signals(a.findings.find((f) => entry(f) === 'main.publish')!).includes('consumer-busy'));
});

test('no pile of Go\'s leak scenarios takes consumer-busy (eval subset, debug=1 and proto, t1 → t2 and t0 → t2)', () => {
  for (const toolchain of ['go1.19', 'go1.26']) {
    const dir = join(root, 'eval', 'subset', 'goker', toolchain);
    const scenarios = readdirSync(dir).filter((f) => f.endsWith('.meta.json')).map((f) => f.replace('.meta.json', ''));
    assert.ok(scenarios.length > 20);
    for (const s of scenarios)
      for (const fmt of ['debug1', 'proto'] as const)
        for (const moments of [['t1', 't2'], ['t0', 't2']])
          for (const f of pair(dir, s, fmt, moments).findings) assert.ok(!signals(f).includes('consumer-busy'), `${toolchain} ${s} ${fmt} ${moments}: ${entry(f)}`);
  }
});
