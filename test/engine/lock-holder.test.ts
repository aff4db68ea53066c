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

/** One more Get, holding the package lock while it waits for a reply. */
const holder =
  'goroutine 4000 [chan receive]:\nexample.com/shop/internal/prices.fetchRemote(0xc000200000)\n\t/src/shop/internal/prices/remote.go:18 +0x45\n' +
  'example.com/shop/internal/prices.Get(0xfa0)\n\t/src/shop/internal/prices/prices.go:52 +0x6e\n' +
  'example.com/shop/internal/orders.(*Checkout).price(0xc000123000)\n\t/src/shop/internal/orders/checkout.go:77 +0x40\n' +
  'created by example.com/shop/internal/orders.(*Checkout).Run in goroutine 1\n\t/src/shop/internal/orders/checkout.go:60 +0x33\n';

test('a holder in sight inside the locking function, parked on a channel (an RPC reply awaited under the lock), is not "nobody can release it"', () => {
  // Get's waiters on the package lock, and the holder.
  const pile = analyze(parseDump(Buffer.from(`${packageLockDump(12, false)}\n${holder}`))).findings.find((f) => f.site?.func === 'example.com/shop/internal/prices.Get' && f.kind === 'mutex');
  assert.ok(pile, 'the waiters are listed');
  assert.ok(!signals(pile).includes('no-holder'), `${signals(pile)}`);
});

const realdeps = join(import.meta.dirname, '..', 'fixtures', 'dumps', 'realdeps');

test("a lock whose holder is in sight and parked names the holder's wait (heldBy), the line to fix: gcache's eviction callback blocked on a full channel under the cache's lock", async () => {
  const { renderText, renderBlocks } = await import('../../src/engine/index.js');
  const a = analyze(parseDump(readFileSync(join(realdeps, 'gcache', 'leak.t2.debug2.txt.gz'))));
  const pile = a.findings.find((f) => f.kind === 'mutex' && f.frames.some((fr) => fr.func === 'github.com/bluele/gcache.(*LRUCache).getValue'));
  assert.ok(pile, 'the lock pile is listed');
  assert.equal(pile.heldBy?.at.func, 'main.(*store).onEvict');
  assert.equal(pile.heldBy?.at.line, 40);
  assert.equal(pile.heldBy?.kind, 'chan-send');
  assert.equal(pile.heldBy?.id, 5941);
  assert.equal(pile.heldBy?.inside.func, 'github.com/bluele/gcache.(*LRUCache).removeElement');
  assert.match(pile.advice, /likely holder is in sight: a goroutine \(5941\) waits on a channel send at main\.\(\*store\)\.onEvict \(.*main\.go:40\)/);
  assert.match(renderText(a, { color: false }), /lock likely held by goroutine 5941, waiting in chan send at .*main\.go:40 in main\.\(\*store\)\.onEvict/);
  assert.match(JSON.stringify(renderBlocks(a, { title: 't' })), /lock likely held by goroutine 5941/);
});

test('a holder inside the locking function awaiting a reply is named as the wait to look at; a lock-order holder as the other lock', () => {
  const pile = analyze(parseDump(Buffer.from(`${packageLockDump(12, false)}\n${holder}`))).findings.find((f) => f.site?.func === 'example.com/shop/internal/prices.Get' && f.kind === 'mutex');
  assert.equal(pile?.heldBy?.at.func, 'example.com/shop/internal/prices.fetchRemote');
  assert.equal(pile?.heldBy?.state, 'chan receive');
  // Put holds the store's lock and waits for the index's: Get's waiters wait behind a lock-order wait.
  const lockOrder =
    'goroutine 4001 [sync.Mutex.Lock]:\ninternal/sync.runtime_SemacquireMutex(0xc000300008?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/sema.go:95 +0x25\n' +
    'internal/sync.(*Mutex).lockSlow(0xc000300008)\n\t/usr/local/go/src/internal/sync/mutex.go:149 +0x15d\n' +
    'sync.(*Mutex).Lock(...)\n\t/usr/local/go/src/sync/mutex.go:46\n' +
    'example.com/shop/internal/index.(*Index).Update(0xc000300000)\n\t/src/shop/internal/index/index.go:30 +0x2e\n' +
    'example.com/shop/internal/prices.Put(0xfa1)\n\t/src/shop/internal/prices/prices.go:61 +0x6e\n' +
    'example.com/shop/internal/orders.(*Checkout).price(0xc000123000)\n\t/src/shop/internal/orders/checkout.go:79 +0x40\n' +
    'created by example.com/shop/internal/orders.(*Checkout).Run in goroutine 1\n\t/src/shop/internal/orders/checkout.go:60 +0x33\n';
  const behind = analyze(parseDump(Buffer.from(`${packageLockDump(12, false).replaceAll('prices.Get(', 'prices.Put(').replaceAll('prices.go:50', 'prices.go:58')}\n${lockOrder}`))).findings.find(
    (f) => f.site?.func === 'example.com/shop/internal/prices.Put' && f.after === 12,
  );
  assert.equal(behind?.heldBy?.at.func, 'example.com/shop/internal/index.(*Index).Update');
  assert.match(behind?.advice ?? '', /waits on another lock at example\.com\/shop\/internal\/index\.\(\*Index\)\.Update .*take them in one order everywhere/);
});

test("a type's own loop idle in its select is no holder of the type's lock, nor is a goroutine waiting to take it; with a holder moving in the code nothing parked is named", () => {
  const waiters = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      `goroutine ${500 + i} [sync.Mutex.Lock]:\ninternal/sync.runtime_SemacquireMutex(0xc000100008?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/sema.go:95 +0x25\n` +
        'internal/sync.(*Mutex).lockSlow(0xc000100008)\n\t/usr/local/go/src/internal/sync/mutex.go:149 +0x15d\n' +
        'sync.(*Mutex).Lock(...)\n\t/usr/local/go/src/sync/mutex.go:46\n' +
        `example.com/shop/internal/cache.(*Cache).Get(0xc000100000, 0x${i.toString(16)})\n\t/src/shop/internal/cache/cache.go:40 +0x2e\n` +
        'example.com/shop/internal/orders.(*Checkout).price(0xc000123000)\n\t/src/shop/internal/orders/checkout.go:77 +0x40\n' +
        'created by example.com/shop/internal/orders.(*Checkout).Run in goroutine 1\n\t/src/shop/internal/orders/checkout.go:60 +0x33\n',
    ).join('\n');
  const janitor =
    'goroutine 9 [select]:\nexample.com/shop/internal/cache.(*Cache).janitor(0xc000100000)\n\t/src/shop/internal/cache/cache.go:70 +0x9e\n' +
    'created by example.com/shop/internal/cache.New in goroutine 1\n\t/src/shop/internal/cache/cache.go:20 +0x1d\n';
  const refreshing =
    'goroutine 10 [IO wait]:\ninternal/poll.runtime_pollWait(0x7f2c, 0x72)\n\t/usr/local/go/src/runtime/netpoll.go:351 +0x85\n' +
    'net.(*conn).Read(0xc000012345, {0xc0001b0000?, 0x1000?, 0x1000?})\n\t/usr/local/go/src/net/net.go:196 +0x44\n' +
    'example.com/shop/internal/cache.(*Cache).refresh(0xc000100000)\n\t/src/shop/internal/cache/cache.go:55 +0x55\n' +
    'example.com/shop/internal/orders.(*Checkout).warm(0xc000123000)\n\t/src/shop/internal/orders/checkout.go:90 +0x40\n' +
    'created by example.com/shop/internal/orders.(*Checkout).Run in goroutine 1\n\t/src/shop/internal/orders/checkout.go:61 +0x33\n';
  const replyUnderLock =
    'goroutine 11 [chan receive]:\nexample.com/shop/internal/cache.(*Cache).load(0xc000100000)\n\t/src/shop/internal/cache/cache.go:48 +0x45\n' +
    'example.com/shop/internal/orders.(*Checkout).fill(0xc000123000)\n\t/src/shop/internal/orders/checkout.go:95 +0x40\n' +
    'created by example.com/shop/internal/orders.(*Checkout).Run in goroutine 1\n\t/src/shop/internal/orders/checkout.go:62 +0x33\n';
  const pile = (dump: string) => analyze(parseDump(Buffer.from(dump))).findings.find((f) => f.site?.func === 'example.com/shop/internal/cache.(*Cache).Get');
  assert.ok(pile(`${waiters(12)}\n${janitor}`), 'the waiters are listed');
  assert.equal(pile(`${waiters(12)}\n${janitor}`)!.heldBy, undefined);
  assert.equal(pile(`${waiters(12)}\n${janitor}\n${replyUnderLock}`)?.heldBy?.at.func, 'example.com/shop/internal/cache.(*Cache).load');
  assert.equal(pile(`${waiters(12)}\n${janitor}\n${replyUnderLock}\n${refreshing}`)?.heldBy, undefined);
});
