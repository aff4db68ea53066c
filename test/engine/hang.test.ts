// Crash preambles and hangs on real outputs: the crash programs of test/fixtures/go/cmd (captured by
// test/fixtures/capture.sh under Go 1.19, 1.26 and 1.27), the hang programs of eval/hangs (their dumps
// in the CI subset, eval/subset/hangs, written by `npm run eval -- --export-subset`) and the go test
// timeout of test/fixtures/go/hangtest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { analyze, compare, parseDump, parseDumps, readSnapshot, renderBlocks, renderMarkdown, renderText, toJsonReport, type Analysis } from '../../src/engine/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures', 'dumps');
const hangs = join(here, '..', '..', 'eval', 'subset', 'hangs');
const CRASH_TOOLCHAINS = ['go1.19', 'go1.26', 'go1.27'];
const text = (path: string) => {
  const b = readFileSync(path);
  return (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b).toString('utf8');
};
/** What a person reads: text, Markdown, Slack blocks (JSON carries the fields, checked apart). */
const rendered = (a: Analysis) => [renderText(a, { color: false }), renderMarkdown(a), JSON.stringify(renderBlocks(a, { title: 't' }).blocks)];

test('crash preamble: panic, fatal error, SIGQUIT and test timeout are kept in the parse result, in Go\'s words', () => {
  for (const tc of CRASH_TOOLCHAINS) {
    const panic = parseDump(readFileSync(join(fixtures, tc, 'crash-panic.txt')));
    const { at, ...said } = panic.crash ?? {};
    assert.deepEqual(said, {
      kind: 'panic',
      message: 'runtime error: invalid memory address or nil pointer dereference',
      signal: 'SIGSEGV',
      goroutineId: 1,
    }, tc);
    // Where it stopped: the nil dereference in main.describe (crash-panic/main.go:15).
    assert.equal(at?.func, 'main.describe', tc);
    assert.equal(at.line, 15);
    const dead = parseDump(readFileSync(join(fixtures, tc, 'crash-deadlock.txt')));
    assert.deepEqual(dead.crash, { kind: 'fatal', message: 'all goroutines are asleep - deadlock!', signal: null, goroutineId: null }, tc);
    const quit = parseDump(readFileSync(join(fixtures, tc, 'crash-sigquit.txt')));
    assert.deepEqual(quit.crash, { kind: 'signal', message: 'SIGQUIT: quit', signal: 'SIGQUIT', goroutineId: null }, tc);
    // A profile from /debug/pprof has no preamble.
    assert.equal(parseDump(readFileSync(join(fixtures, tc, 'noise-idlepool.t0.debug2.txt'))).crash, undefined, tc);
  }
  for (const tc of ['go1.19', 'go1.26']) {
    const t = parseDump(text(join(hangs, tc, 'test-timeout.txt'))).crash;
    assert.equal(t?.kind, 'test-timeout', tc);
    assert.equal(t.message, 'test timed out after 3s');
    assert.equal(t.goroutineId, null, 'the [running] goroutine of a timeout is the alarm, not the test');
    // Go 1.20+ lists the tests still running; 1.19 does not.
    assert.deepEqual(t.tests, tc === 'go1.19' ? undefined : ['TestDrain']);
  }
});

test('crash preamble of runtime throws and re-panics (test/fixtures/crashes, Go 1.19 and 1.26): the throwing goroutine, a multi-line value', () => {
  const crashes = join(here, '..', 'fixtures', 'crashes');
  for (const tc of ['go1.19', 'go1.26']) {
    const maps = parseDump(readFileSync(join(crashes, tc, 'mapwrites.txt')));
    assert.equal(maps.crash?.kind, 'fatal', tc);
    assert.equal(maps.crash.message, 'concurrent map writes');
    // The goroutine that wrote the map: Go prints it first, running, inside main.main.func1.
    const writer = maps.groups.find((g) => g.ids?.includes(maps.crash!.goroutineId!));
    assert.ok(writer?.frames.some((f) => f.func === 'main.main.func1'), tc);
    assert.equal(maps.crash.at?.func, 'main.main.func1', 'past internal/runtime/maps.fatal');

    // `runtime:` lines and a `runtime stack:` block come before the goroutines; neither is the message.
    const over = parseDump(readFileSync(join(crashes, tc, 'overflow.txt')));
    assert.deepEqual(over.crash && { ...over.crash, at: over.crash.at?.func }, { kind: 'fatal', message: 'stack overflow', signal: null, goroutineId: 1, at: 'main.f' }, tc);

    // A panic raised while recovering another: both values, each kept whole across its lines.
    const re = analyze(parseDump(readFileSync(join(crashes, tc, 'recovered.txt'))));
    assert.equal(re.snapshots[0]!.crash?.message, 'first\nwith a second line → second: first\nwith a second line', tc);
    assert.ok(renderText(re, { color: false }).includes('panic: first / with a second line → second: first / with a second line'), tc);
  }
});

test('crash preamble survives pastes and streaming: CI prefixes, indentation, small chunks, and stays with its own dump when dumps are concatenated', async () => {
  const raw = readFileSync(join(fixtures, 'go1.26', 'crash-deadlock.txt'), 'utf8');
  const prefixed = raw.split('\n').map((l) => `2026-03-01T10:00:00.1234567Z ${l}`).join('\n');
  assert.deepEqual(parseDump(prefixed).crash, parseDump(raw).crash);
  const indented = raw.split('\n').map((l) => `    ${l}`).join('\n');
  assert.deepEqual(parseDump(indented).crash, parseDump(raw).crash);

  // Streamed in small chunks (a capture, a Slack file): the same preamble.
  const streamed = await readSnapshot((async function* () {
    for (let i = 0; i < raw.length; i += 7) yield Buffer.from(raw.slice(i, i + 7));
  })());
  assert.deepEqual(streamed.crash, parseDump(raw).crash);

  const pprof = readFileSync(join(fixtures, 'go1.26', 'noise-idlepool.t0.debug2.txt'), 'utf8');
  const [first, second] = parseDumps(raw + '\n' + pprof);
  assert.equal(first?.crash, undefined, 'only the last dump carries a preamble');
  assert.equal(second?.crash, undefined, 'the preamble before the first dump is not the second dump\'s');
  const both = parseDumps(pprof + '\n' + raw);
  assert.equal(both.length, 2);
  assert.equal(both[1]!.crash?.message, 'all goroutines are asleep - deadlock!', 'a preamble between dumps belongs to the one after it');
});

test('deadlock: the runtime\'s own report names main, and the hang carries what Go printed', () => {
  for (const tc of CRASH_TOOLCHAINS) {
    const a = analyze(parseDump(readFileSync(join(fixtures, tc, 'crash-deadlock.txt'))));
    const h = a.hangs?.[0];
    assert.equal(h?.reason, 'deadlock', tc);
    assert.equal(h.goroutineId, 1);
    assert.equal(h.crash?.message, 'all goroutines are asleep - deadlock!');
    for (const out of rendered(a)) assert.ok(out.includes('fatal error: all goroutines are asleep - deadlock!'), `${tc}: ${out.slice(0, 200)}`);
    const json = toJsonReport(a);
    assert.equal(json.hangs[0]?.crash?.message, 'all goroutines are asleep - deadlock!');
    assert.equal(json.snapshots[0]?.crash?.kind, 'fatal');
  }
});

test('SIGQUIT dump of a process hung on an RWMutex: the waiters and the holder are named seconds in, and it is no deadlock', () => {
  for (const tc of ['go1.19', 'go1.26']) {
    const a = analyze(parseDump(text(join(hangs, tc, 'sigquit-lock.txt'))));
    assert.ok(!(a.hangs ?? []).some((h) => h.reason === 'deadlock'), `${tc}: the runtime did not say deadlock (a ticker keeps it awake)`);
    const h = a.hangs?.find((x) => x.reason === 'lock-held');
    assert.equal(h?.site?.func, 'main.(*config).get', tc);
    assert.equal(h.waitsOn?.func, 'sync.(*RWMutex).RLock');
    assert.equal(h.holder?.site?.func, 'main.(*config).reload', 'reload holds the write lock while it waits for a reply');
    assert.equal(h.crash?.signal, 'SIGQUIT');
    assert.match(h.title, /waiting in sync\.\(\*RWMutex\)\.RLock when the process was stopped with SIGQUIT; main\.\(\*config\)\.reload/);
    assert.equal(a.hangs!.filter((x) => x.reason === 'lock-held').length, 1, 'one lock, one hang, whichever paths reach it');
    for (const out of rendered(a)) assert.ok(out.includes('SIGQUIT'), tc);
  }
});

test('SIGQUIT of a lone lock waiter with no holder in sight: no hang while the wait is short, named once it is long', () => {
  for (const tc of ['go1.19', 'go1.26']) {
    const raw = text(join(hangs, tc, 'sigquit-lone.txt'));
    assert.deepEqual(analyze(parseDump(raw)).hangs, [], `${tc}: a lock wait of seconds with no holder seen is no hang yet`);
    const aged = raw.replace(/^(goroutine \d+(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[[^\],]+)(?:, \d+ minutes)?\]/gm, '$1, 219 minutes]');
    const h = analyze(parseDump(aged)).hangs?.find((x) => x.reason === 'lock-held');
    assert.equal(h?.site?.func, 'main.(*store).refreshCache', tc);
    assert.equal(h.waitMinutes, 219);
  }
});

test('a panic is no hang: its preamble is shown beside the analysis, and a healthy SIGQUIT dump stays quiet', () => {
  for (const tc of CRASH_TOOLCHAINS) {
    const a = analyze(parseDump(readFileSync(join(fixtures, tc, 'crash-panic.txt'))));
    assert.deepEqual(a.hangs, [], tc);
    assert.equal(a.snapshots[0]!.crash?.kind, 'panic');
    for (const out of rendered(a)) assert.ok(out.includes('panic: runtime error: invalid memory address or nil pointer dereference'), tc);
    for (const out of rendered(a)) assert.ok(out.includes('crash-panic/main.go:15 in main.describe'), `${tc}: where it stopped`);
    assert.equal(toJsonReport(a).snapshots[0]?.crash?.signal, 'SIGSEGV');
    // crash-sigquit holds leaked goroutines but no lock held across a wait: no hang.
    const q = analyze(parseDump(readFileSync(join(fixtures, tc, 'crash-sigquit.txt'))));
    assert.deepEqual(q.hangs, [], tc);
  }
});

test('test timeout: the stuck test is named and the preamble lists the running test', () => {
  for (const tc of ['go1.19', 'go1.26']) {
    const a = analyze(parseDump(text(join(hangs, tc, 'test-timeout.txt'))));
    const h = a.hangs?.[0];
    assert.equal(h?.reason, 'test-timeout', tc);
    assert.equal(h.site?.func, 'leakeval/hangs/timeout.Drain');
    assert.equal(h.crash?.kind, 'test-timeout');
    for (const out of rendered(a)) assert.ok(out.includes('test timed out after 3s'), tc);
  }
  // In a diff the latest snapshot speaks: a second dump without a preamble has no crash.
  const t = parseDump(text(join(hangs, 'go1.26', 'test-timeout.txt')), { capturedAt: 2 });
  const pprof = parseDump(readFileSync(join(fixtures, 'go1.26', 'noise-idlepool.t0.debug2.txt')), { capturedAt: 1 });
  const d = compare([pprof, t]);
  assert.equal(d.snapshots[0]!.crash, undefined);
  assert.equal(d.snapshots[1]!.crash?.kind, 'test-timeout');
  assert.equal(d.hangs?.[0]?.reason, 'test-timeout');
});

// A reader that holds an RWMutex's read lock and asks for it again while a writer waits: realdeps
// rwdead (chi + sync.RWMutex, Go 1.26): (*registry).Get takes RLock at main.go:48 with a deferred
// RUnlock and calls resolveAlias at :51, which takes RLock again at :38; Reload waits in Lock at :61.
const rwBlock = (id: number, stack: string) => `goroutine ${id} [sync.RWMutex.RLock]:\nsync.runtime_SemacquireRWMutexR(0x0?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/sema.go:100 +0x25\nsync.(*RWMutex).RLock(...)\n\t/usr/local/go/src/sync/rwmutex.go:74\n${stack}`;
const getAt = (line: number) => `main.(*registry).Get(0xc000010000, {0xc000020000, 0x7})\n\t/app/main.go:${line} +0x99\nmain.handle()\n\t/app/main.go:80 +0x6f\ncreated by net/http.(*Server).Serve in goroutine 1\n\t/usr/local/go/src/net/http/server.go:3464 +0x485\n`;
const recursion = rwBlock(15, `main.(*registry).resolveAlias(0xc000010000, {0xc000020000, 0x7})\n\t/app/main.go:38 +0x5d\n${getAt(51)}`);
const queued = [20, 21, 22].map((id) => rwBlock(id, getAt(48))).join('\n');
const writer = `goroutine 9 [sync.RWMutex.Lock]:\nsync.runtime_SemacquireRWMutex(0x0?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/sema.go:105 +0x25\nsync.(*RWMutex).Lock(0x0?)\n\t/usr/local/go/src/sync/rwmutex.go:155 +0x6b\nmain.(*registry).Reload(0xc000010000)\n\t/app/main.go:61 +0x225\ncreated by main.main in goroutine 1\n\t/app/main.go:72 +0x12b\n`;
const mainG = `goroutine 1 [IO wait]:\ninternal/poll.runtime_pollWait(0x7f, 0x72)\n\t/usr/local/go/src/runtime/netpoll.go:351 +0x85\nnet/http.(*Server).Serve(0xc000100000, {0x8, 0xc000110000})\n\t/usr/local/go/src/net/http/server.go:3434 +0x30b\nmain.main()\n\t/app/main.go:90 +0x1c9\n`;

test('a recursive read lock with a writer waiting is a deadlock: named with the reader that holds it and the writer', () => {
  const a = analyze(parseDump([mainG, writer, recursion, queued].join('\n')));
  const h = a.hangs?.find((x) => x.reason === 'read-lock-recursion');
  assert.ok(h, JSON.stringify(a.hangs));
  assert.equal(h.goroutineId, 15);
  assert.equal(h.holder?.site?.line, 51);
  assert.equal(h.writer?.goroutineId, 9);
  assert.equal(h.others, 3);
  assert.match(renderText(a, { color: false }), /HANG deadlock: main\.\(\*registry\)\.Get holds a read lock of main\.\(\*registry\) and asks for it again in main\.\(\*registry\)\.resolveAlias/);
  // No writer waiting: the second RLock would have been granted, so a reader parked there is something else.
  assert.ok(!analyze(parseDump([mainG, recursion, queued].join('\n'))).hangs?.some((x) => x.reason === 'read-lock-recursion'));
  // A reader of the type still at work (asleep inside Get) may be whom the writer waits for: a convoy.
  const working = `goroutine 30 [sleep]:\ntime.Sleep(0x3b9aca00)\n\t/usr/local/go/src/runtime/time.go:363 +0x165\n${getAt(50)}`;
  assert.ok(!analyze(parseDump([mainG, writer, recursion, queued, working].join('\n'))).hangs?.some((x) => x.reason === 'read-lock-recursion'));
});

test('realdeps rwdead: every snapshot of the deadlocked service names it; the healthy run does not', () => {
  const dir = join(fixtures, 'realdeps', 'rwdead');
  for (const t of [0, 1, 2]) {
    const a = analyze(parseDump(gunzipSync(readFileSync(join(dir, `leak.t${t}.debug2.txt.gz`)))));
    assert.ok(a.hangs?.some((h) => h.reason === 'read-lock-recursion' && h.writer?.site?.func === 'main.(*registry).Reload'), `t${t}`);
    assert.equal(analyze(parseDump(gunzipSync(readFileSync(join(dir, `healthy.t${t}.debug2.txt.gz`))))).hangs?.length ?? 0, 0, `healthy t${t}`);
  }
});
