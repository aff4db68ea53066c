import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BENIGN_PATTERNS, PATTERNS, type Frame, type PatternId, type StackGroup } from '../../src/engine/index.js';
import { benignReason, compileIgnore } from '../../src/engine/benign.js';
import { creatorSite, isRequestScoped, isStdFrame, packageOf, readGroup, userSite } from '../../src/engine/patterns.js';

const fr = (func: string, file = '/src/x.go', line = 1): Frame => ({ func, file, line });
type Shape = Pick<StackGroup, 'frames' | 'kind' | 'createdBy' | 'state'>;
const shape = (kind: StackGroup['kind'], state: string, frames: Frame[], createdBy: Frame | null = null): Shape => ({ kind, state, frames, createdBy });

test('package paths and the standard library', () => {
  assert.equal(packageOf('net/http.(*persistConn).readLoop'), 'net/http');
  assert.equal(packageOf('example.com/svc/v2/orders.(*Q[...]).run.func1.2'), 'example.com/svc/v2/orders');
  assert.equal(packageOf('main.main.func3'), 'main');
  for (const f of ['runtime.gopark', 'internal/sync.(*Mutex).lockSlow', 'sync.(*WaitGroup).Wait', 'net.(*conn).Read', 'time.Sleep', 'bufio.(*Reader).ReadString']) {
    assert.ok(isStdFrame(fr(f)), f);
  }
  // Module paths without a dot (go.mod `module leaksvc`) are still the service's code.
  for (const f of ['main.main', 'example.com/svc.run', 'leaksvc/internal/jobs.worker', 'github.com/acme/x.(*T).Do']) {
    assert.ok(!isStdFrame(fr(f)), f);
  }
});

test('the site is the innermost frame of the service; the std call it made is kept too', () => {
  const frames = [
    fr('internal/sync.runtime_SemacquireMutex', '/go/src/runtime/sema.go', 95),
    fr('internal/sync.(*Mutex).lockSlow', '/go/src/internal/sync/mutex.go', 149),
    fr('sync.(*Mutex).Lock', '/go/src/sync/mutex.go', 46),
    fr('example.com/svc/cache.(*C).Put', '/src/cache.go', 64),
    fr('example.com/svc/api.handle', '/src/api.go', 95),
  ];
  assert.equal(userSite(frames)?.line, 64);
  const r = readGroup(shape('mutex', 'sync.Mutex.Lock', frames));
  assert.equal(r.pattern, 'lock-never-released');
  assert.equal(r.site?.func, 'example.com/svc/cache.(*C).Put');
  assert.equal(r.stdSite?.func, 'sync.(*Mutex).Lock');
});

test('Go 1.19 says semacquire: the frames tell Mutex, WaitGroup and Cond apart', () => {
  const user = fr('main.work', '/src/main.go', 9);
  const cases: [string, PatternId][] = [
    ['sync.(*Mutex).Lock', 'lock-never-released'],
    ['sync.(*RWMutex).RLock', 'lock-never-released'],
    ['sync.(*WaitGroup).Wait', 'waitgroup-never-done'],
    ['sync.(*Cond).Wait', 'cond-never-signalled'],
  ];
  for (const [std, pattern] of cases) {
    const r = readGroup(shape('semaphore', 'semacquire', [fr('sync.runtime_Semacquire'), fr(std), user]));
    assert.equal(r.pattern, pattern, std);
  }
  // x/sync's semaphore is a pool of slots, not a sync primitive: waiting in its Acquire is a pool nobody gives back to.
  assert.equal(readGroup(shape('select', 'select', [fr('golang.org/x/sync/semaphore.(*Weighted).Acquire'), user])).pattern, 'pool-exhausted');
  assert.equal(readGroup(shape('semaphore', 'semacquire', [fr('sync.runtime_Semacquire'), fr('example.com/svc/limit.Acquire'), user])).pattern, 'blocked-other');
});

test('debug=1 channel operations of unknown direction are named for what is known', () => {
  const r = readGroup(shape('unknown', 'chan send or receive', [fr('main.consume', '/src/main.go', 12)]));
  assert.equal(r.pattern, 'blocked-other');
  assert.match(r.info.title, /channel \(send or receive/);
});

test('wg.Go and errgroup creators are replaced by the service frame that was started', () => {
  const closure = fr('example.com/svc/batch.Run.func2', '/src/run.go', 47);
  const viaWg = { frames: [closure, fr('sync.(*WaitGroup).Go.func1')], createdBy: fr('sync.(*WaitGroup).Go', '/go/src/sync/waitgroup.go', 238) };
  assert.deepEqual(creatorSite(viaWg), closure);
  const viaErrgroup = { frames: [closure, fr('golang.org/x/sync/errgroup.(*Group).Go.func1')], createdBy: fr('golang.org/x/sync/errgroup.(*Group).Go') };
  assert.deepEqual(creatorSite(viaErrgroup), closure);
  const plain = { frames: [closure], createdBy: fr('example.com/svc/batch.Run', '/src/run.go', 40) };
  assert.equal(creatorSite(plain)?.line, 40);
});

test('request handlers are recognised by their frames or their creator', () => {
  assert.ok(isRequestScoped({ frames: [fr('main.h'), fr('net/http.(*conn).serve')], createdBy: null }));
  assert.ok(isRequestScoped({ frames: [fr('main.h')], createdBy: fr('net/http.(*conn).serve') }));
  assert.ok(!isRequestScoped({ frames: [fr('main.worker')], createdBy: fr('main.main') }));
});

test('every pattern has a title and one paragraph of advice', () => {
  for (const [id, p] of Object.entries(PATTERNS)) {
    assert.equal(p.id, id);
    assert.ok(p.title.length > 5 && p.title.length < 80, id);
    assert.ok(p.advice.length > 100 && !p.advice.includes('\n'), id);
  }
  assert.match(PATTERNS['unclosed-http-body'].title, /unclosed HTTP response body/);
  assert.match(PATTERNS['unclosed-http-body'].advice, /resp\.Body\.Close\(\)/);
  // A dump never shows a select's cases or what a receive waits on: the advice must not claim there
  // is no ctx.Done() case, and must cover a context that is never cancelled (a long-poll handler's
  // select has a ctx case; a WithCancel whose cancel is dropped leaves <-ctx.Done() waiting forever).
  assert.doesNotMatch(PATTERNS['select-no-cancel'].advice, /no case will ever fire/);
  for (const id of ['select-no-cancel', 'chan-recv-never-closed'] as const) {
    assert.match(PATTERNS[id].advice, /context is never cancelled: call (its|the) cancel func/, id);
    assert.match(PATTERNS[id].advice, /defer cancel\(\)/, id);
  }
});

test('benign list: built-ins, user patterns (which always win), and bad regexes', () => {
  assert.ok(BENIGN_PATTERNS.length > 10);
  assert.equal(benignReason({ frames: [fr('runtime.gopark'), fr('runtime.bgsweep')], createdBy: null }), 'benign');
  assert.equal(benignReason({ frames: [fr('os/signal.signal_recv'), fr('os/signal.loop')], createdBy: null }), 'benign');
  assert.equal(benignReason({ frames: [fr('main.worker')], createdBy: null }), null);
  const user = compileIgnore(['^example\\.com/svc/metrics\\.']);
  assert.equal(benignReason({ frames: [fr('example.com/svc/metrics.flush')], createdBy: null }, user), 'ignored');
  assert.equal(benignReason({ frames: [fr('main.f')], createdBy: fr('example.com/svc/metrics.Start') }, user), 'ignored');
  assert.throws(() => compileIgnore(['ok', '[unclosed']), /invalid ignore pattern "\[unclosed"/);
});

test('a sleep pile is not called a loop: a dump shows the sleep, not whether the goroutine loops around it or sleeps once before its work, and the advice covers both', () => {
  const info = PATTERNS['sleep-loop'];
  assert.doesNotMatch(info.title, /^sleep\/poll loop/);
  assert.match(info.title, /poll loop or a long delay/);
  assert.match(info.advice, /time\.After and ctx\.Done\(\)/);
  assert.match(info.advice, /stop signal/);
});

test('a receive that never returns is advised for a context first: the dump does not say which channel', () => {
  // A trial's `<-ctx.Done()` leak (cancel forgotten on the success path) read "Close the channel when
  // the producer is done" first, and the context sentence last of five.
  const advice = PATTERNS['chan-recv-never-closed'].advice;
  const ctx = advice.indexOf('<-ctx.Done()');
  const close = advice.indexOf('close it when the producer is done');
  assert.ok(ctx > 0 && close > ctx, advice);
  assert.match(advice, /the success path too \(defer cancel\(\)\)/);
});
