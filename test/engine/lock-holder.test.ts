// A pile on a lock with nobody in sight who can release it (no-holder) against a convoy whose holder is
// inside the locking code, sleeping (holder in sight): real dumps of the fixture programs
// (test/fixtures/dumps, captured by capture.sh) in every format, one snapshot at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, parseDump, type Finding } from '../../src/engine/index.js';
import { methodOwner } from '../../src/engine/lock-holders.js';

const dumps = join(import.meta.dirname, '..', 'fixtures', 'dumps');
const FORMATS = ['debug1.txt', 'pb.gz', 'debug2.txt'];
const signals = (f: Finding | undefined) => (f?.evidence ?? []).map((e) => e.signal);
const entry = (f: Finding) => f.frames[f.frames.length - 1]?.func ?? '';

test('a lock a returned call kept (hidden-convoy at t2, the convoy gone) is claimed from one snapshot in every format; the convoy, whose holder sleeps inside the locking code, is not', () => {
  let checked = 0;
  for (const toolchain of ['go1.19', 'go1.26', 'go1.27']) {
    for (const format of FORMATS) {
      const path = (program: string, moment: string) => join(dumps, toolchain, `${program}.${moment}.${format}`);
      if (!existsSync(path('hidden-convoy', 't2'))) continue;
      const a = analyze(parseDump(readFileSync(path('hidden-convoy', 't2'))));
      const leak = a.findings.find((f) => entry(f).endsWith('leaks.updateShared'));
      assert.ok(leak, `${toolchain} ${format}: the lock leak is listed`);
      assert.ok(signals(leak).includes('no-holder'), `${toolchain} ${format}: ${signals(leak)}`);
      // Medium at least (Go 1.27's debug=2 also carries the leak profile's marks: high).
      assert.ok(leak.confidence === 'medium' || leak.confidence === 'high', `${toolchain} ${format}: ${leak.signals.join('; ')}`);
      assert.equal(a.findings[0], leak, `${toolchain} ${format}: the lock leak comes first`);
      for (const moment of ['t0', 't1']) {
        const convoy = analyze(parseDump(readFileSync(path('noise-convoy', moment)))).findings.find((f) => entry(f).endsWith('leaks.Convoy.func1'));
        assert.ok(!signals(convoy).includes('no-holder'), `${toolchain} ${format} ${moment}: convoy ${signals(convoy)}`);
        assert.ok(!convoy || convoy.confidence === 'low', `${toolchain} ${format} ${moment}: convoy ${convoy?.confidence}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 6, `checked ${checked} toolchain × format pairs`);
});

test('the locking code of a method is its type: the type of pkg.(*T).M, pkg.T.M and their literals; none for a plain function', () => {
  assert.equal(methodOwner('main.(*Store_cockroach10214).sendQueuedHeartbeats'), 'main.(*Store_cockroach10214)');
  assert.equal(methodOwner('example.com/x/leaks.(*T).M.func2'), 'example.com/x/leaks.(*T)');
  assert.equal(methodOwner('github.com/a/b.T.M'), 'github.com/a/b.T');
  assert.equal(methodOwner('example.com/fixtures/internal/leaks.(*Stage[...]).forward'), 'example.com/fixtures/internal/leaks.(*Stage[...])');
  for (const plain of ['main.F', 'main.F.func1', 'main.F.func1.2', 'main.F.gowrap1', 'example.com/x/leaks.updateShared']) assert.equal(methodOwner(plain), null, plain);
});

/** A debug=2 dump of a package-level mutex: `waiters` goroutines in prices.Get's Lock, and (when
 *  `holder`) prices.refresh holding it over a network read, as a cache package's refresh loop does
 *  (`holder` 'method': the refresh loop is a method of a type of package prices; 'gc-assist': refresh
 *  is held by the runtime for a GC assist as it allocates). */
function packageLockDump(waiters: number, holder: boolean | 'method' | 'gc-assist'): string {
  const fn = holder === 'method' ? 'prices.(*Loader).' : 'prices.';
  const out = ['goroutine 1 [select, 30 minutes]:\nmain.main()\n\t/src/shop/cmd/shop/main.go:20 +0x1d\n'];
  if (holder === 'gc-assist') {
    // refresh holds the lock while it allocates, and the GC makes it assist (memory pressure).
    out.push(
      'goroutine 7 [GC assist wait]:\nruntime.gcParkAssist()\n\t/usr/local/go/src/runtime/mgcmark.go:717 +0xd5\n' +
        'runtime.gcAssistAlloc(0xc000102a80)\n\t/usr/local/go/src/runtime/mgcmark.go:612 +0x1b3\n' +
        'runtime.mallocgc(0x8000, 0x0, 0x0)\n\t/usr/local/go/src/runtime/malloc.go:1091 +0x75\n' +
        'runtime.makeslice(0x0?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/slice.go:116 +0x49\n' +
        'example.com/shop/internal/prices.refresh()\n\t/src/shop/internal/prices/prices.go:41 +0x55\n' +
        'example.com/shop/internal/prices.loop()\n\t/src/shop/internal/prices/prices.go:30 +0x22\n' +
        'created by example.com/shop/internal/prices.Start in goroutine 1\n\t/src/shop/internal/prices/prices.go:25 +0x1a\n',
    );
  } else if (holder) {
    out.push(
      'goroutine 7 [IO wait]:\ninternal/poll.runtime_pollWait(0x7f2c, 0x72)\n\t/usr/local/go/src/runtime/netpoll.go:351 +0x85\n' +
        'internal/poll.(*pollDesc).wait(0xc0001a0000?, 0xc0001b0000?, 0x0)\n\t/usr/local/go/src/internal/poll/fd_poll_runtime.go:84 +0x27\n' +
        'net.(*conn).Read(0xc000012345, {0xc0001b0000?, 0x1000?, 0x1000?})\n\t/usr/local/go/src/net/net.go:196 +0x44\n' +
        `example.com/shop/internal/${fn}refresh()\n\t/src/shop/internal/prices/prices.go:40 +0x55\n` +
        `example.com/shop/internal/${fn}loop()\n\t/src/shop/internal/prices/prices.go:30 +0x22\n` +
        'created by example.com/shop/internal/prices.Start in goroutine 1\n\t/src/shop/internal/prices/prices.go:25 +0x1a\n',
    );
  }
  for (let i = 0; i < waiters; i++) {
    const id = 4990 + i;
    out.push(
      `goroutine ${id} [sync.Mutex.Lock]:\ninternal/sync.runtime_SemacquireMutex(0xc000100008?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/sema.go:95 +0x25\n` +
        'internal/sync.(*Mutex).lockSlow(0xc000100008)\n\t/usr/local/go/src/internal/sync/mutex.go:149 +0x15d\n' +
        'sync.(*Mutex).Lock(...)\n\t/usr/local/go/src/sync/mutex.go:46\n' +
        `example.com/shop/internal/prices.Get(0x${id.toString(16)})\n\t/src/shop/internal/prices/prices.go:50 +0x2e\n` +
        'example.com/shop/internal/orders.(*Checkout).price(0xc000123000)\n\t/src/shop/internal/orders/checkout.go:77 +0x40\n' +
        'created by example.com/shop/internal/orders.(*Checkout).Run in goroutine 1\n\t/src/shop/internal/orders/checkout.go:60 +0x33\n',
    );
  }
  return out.join('\n');
}

test("a package-level lock's holder is any function of its package: Get's waiters while refresh holds it over I/O are not claimed; with nobody of the package moving they are", () => {
  const pile = (dump: string) => analyze(parseDump(Buffer.from(dump))).findings.find((f) => f.site?.func === 'example.com/shop/internal/prices.Get');
  const convoy = pile(packageLockDump(12, true));
  assert.ok(!signals(convoy).includes('no-holder'), `${signals(convoy)}`);
  assert.ok(!convoy || convoy.confidence === 'low', `${convoy?.confidence}: ${convoy?.signals.join('; ')}`);
  const kept = pile(packageLockDump(12, false));
  assert.ok(signals(kept).includes('no-holder'), `${signals(kept)}`);
});

test("a package-level lock's holder may be a method of its package: Get's waiters while (*Loader).refresh holds it over I/O are not claimed", () => {
  const convoy = analyze(parseDump(Buffer.from(packageLockDump(12, 'method')))).findings.find((f) => f.site?.func === 'example.com/shop/internal/prices.Get');
  assert.ok(!signals(convoy).includes('no-holder'), `${signals(convoy)}`);
  assert.ok(!convoy || convoy.confidence === 'low', `${convoy?.confidence}: ${convoy?.signals.join('; ')}`);
});

test("a holder the runtime holds for a moment (GC assist as it allocates under the lock) is in sight: the waiters are not claimed", () => {
  const convoy = analyze(parseDump(Buffer.from(packageLockDump(12, 'gc-assist')))).findings.find((f) => f.site?.func === 'example.com/shop/internal/prices.Get');
  assert.ok(!signals(convoy).includes('no-holder'), `${signals(convoy)}`);
  assert.ok(!convoy || convoy.confidence === 'low', `${convoy?.confidence}: ${convoy?.signals.join('; ')}`);
});

test('a holder in sight inside the locking function, parked on a channel (an RPC reply awaited under the lock), is not "nobody can release it"', () => {
  // Get's waiters on the package lock, and one more Get that holds it while it waits for a reply.
  const holder =
    'goroutine 4000 [chan receive]:\nexample.com/shop/internal/prices.fetchRemote(0xc000200000)\n\t/src/shop/internal/prices/remote.go:18 +0x45\n' +
    'example.com/shop/internal/prices.Get(0xfa0)\n\t/src/shop/internal/prices/prices.go:52 +0x6e\n' +
    'example.com/shop/internal/orders.(*Checkout).price(0xc000123000)\n\t/src/shop/internal/orders/checkout.go:77 +0x40\n' +
    'created by example.com/shop/internal/orders.(*Checkout).Run in goroutine 1\n\t/src/shop/internal/orders/checkout.go:60 +0x33\n';
  const pile = analyze(parseDump(Buffer.from(`${packageLockDump(12, false)}\n${holder}`))).findings.find((f) => f.site?.func === 'example.com/shop/internal/prices.Get' && f.kind === 'mutex');
  assert.ok(pile, 'the waiters are listed');
  assert.ok(!signals(pile).includes('no-holder'), `${signals(pile)}`);
});
