import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, inferFromFrames, kindOfState } from '../../src/engine/classify.js';
import type { Frame, RecvForm } from '../../src/engine/model.js';

const fr = (...funcs: (string | [string, number])[]): Frame[] =>
  funcs.map((f) => (typeof f === 'string' ? { func: f, file: '/x.go', line: 1 } : { func: f[0], file: '/x.go', line: f[1] }));

test('wait reasons of Go 1.19 and 1.26+ map to the same kinds', () => {
  assert.equal(kindOfState('chan receive'), 'chan-recv');
  assert.equal(kindOfState('chan send'), 'chan-send');
  assert.equal(kindOfState('chan receive (nil chan)'), 'nil-chan');
  assert.equal(kindOfState('chan send (nil chan)'), 'nil-chan');
  assert.equal(kindOfState('select (no cases)'), 'select-nocases');
  assert.equal(kindOfState('sync.Mutex.Lock'), 'mutex');
  assert.equal(kindOfState('sync.RWMutex.RLock'), 'rwmutex');
  assert.equal(kindOfState('sync.WaitGroup.Wait'), 'waitgroup');
  assert.equal(kindOfState('sync.WaitGroup.Wait (durable)'), 'waitgroup');
  assert.equal(kindOfState('sync.Cond.Wait'), 'cond');
  assert.equal(kindOfState('GC worker (idle)'), 'runtime');
  assert.equal(kindOfState('semacquire'), null, 'Go 1.19 semacquire needs the frames');
  // Go 1.19 `semacquire` refined by the frames beneath it.
  const mutex = fr('sync.runtime_SemacquireMutex', 'sync.(*Mutex).lockSlow', 'sync.(*Mutex).Lock', 'main.f');
  assert.deepEqual(classify('semacquire', mutex), { kind: 'mutex', state: 'semacquire', inferred: false });
  const rlock = fr('sync.runtime_SemacquireMutex', 'sync.(*RWMutex).RLock', 'main.f');
  assert.equal(classify('semacquire', rlock).kind, 'rwmutex');
  const wg = fr('sync.runtime_Semacquire', 'sync.(*WaitGroup).Wait', 'main.f');
  assert.equal(classify('semacquire', wg).kind, 'waitgroup');
  assert.equal(classify('semacquire', fr('sync.runtime_Semacquire', 'golang.org/x/sync/semaphore.f')).kind, 'semaphore');
  assert.equal(classify('IO wait', fr('internal/poll.runtime_pollWait', 'internal/poll.(*FD).Read', 'os.(*File).Read')).kind, 'file-io');
  assert.equal(classify('IO wait', fr('internal/poll.runtime_pollWait', 'internal/poll.(*FD).Read', 'net.(*conn).Read')).kind, 'net-io');
  assert.equal(classify('some future reason', fr('main.f')).kind, 'unknown');
});

test('frames alone (debug=1, proto) land in the same kinds, with the state in Go’s words', () => {
  const cases: [Frame[], string, string, RecvForm?][] = [
    [fr('runtime.gopark', ['runtime.chansend', 283], ['runtime.chansend1', 161], 'main.f'), 'chan-send', 'chan send'],
    [fr('runtime.gopark', ['runtime.chanrecv', 667], ['runtime.chanrecv1', 509], 'main.f'), 'chan-recv', 'chan receive', 'once'],
    [fr('runtime.gopark', ['runtime.chanrecv', 667], ['runtime.chanrecv2', 515], 'main.f'), 'chan-recv', 'chan receive', 'loop'],
    [fr('runtime.gopark', ['runtime.chansend', 181], ['runtime.chansend1', 161], 'main.f'), 'nil-chan', 'chan send (nil chan)'],
    [fr('runtime.gopark', ['runtime.chanrecv', 536], ['runtime.chanrecv2', 515], 'main.f'), 'nil-chan', 'chan receive (nil chan)'],
    [fr('runtime.gopark', 'runtime.selectgo', 'main.f'), 'select', 'select'],
    [fr('runtime.gopark', 'runtime.block', 'main.f'), 'select-nocases', 'select (no cases)'],
    [fr('runtime.gopark', 'runtime.goparkunlock', 'runtime.semacquire1', 'internal/sync.runtime_SemacquireMutex', 'internal/sync.(*Mutex).lockSlow', 'sync.(*Mutex).Lock', 'main.f'), 'mutex', 'sync.Mutex.Lock'],
    [fr('runtime.gopark', 'runtime.semacquire1', 'sync.runtime_SemacquireRWMutex', 'sync.(*RWMutex).Lock', 'main.f'), 'rwmutex', 'sync.RWMutex.Lock'],
    [fr('runtime.gopark', 'runtime.semacquire1', 'sync.runtime_SemacquireWaitGroup', 'sync.(*WaitGroup).Wait', 'main.f'), 'waitgroup', 'sync.WaitGroup.Wait'],
    [fr('runtime.gopark', 'runtime.notifyListWait', 'sync.(*Cond).Wait', 'main.f'), 'cond', 'sync.Cond.Wait'],
    [fr('runtime.gopark', 'runtime.netpollblock', 'internal/poll.runtime_pollWait', 'net.(*conn).Read'), 'net-io', 'IO wait'],
    [fr('runtime.gopark', 'time.Sleep', 'main.f'), 'sleep', 'sleep'],
    [fr('syscall.Syscall6', 'os.(*Process).wait'), 'syscall', 'syscall'],
    [fr('runtime.gopark', 'runtime.gcBgMarkWorker'), 'runtime', 'GC worker (idle)'],
    [fr('runtime.gopark', 'runtime.goparkunlock', 'runtime.forcegchelper'), 'runtime', 'force gc (idle)'],
    [fr('runtime/pprof.writeRuntimeProfile', 'runtime/pprof.writeGoroutine', 'main.main'), 'running', 'running'],
  ];
  for (const [frames, kind, state, recv] of cases) {
    assert.deepEqual(classify(null, frames), { kind, state, ...(recv ? { recv } : {}), inferred: true }, frames.map((f) => f.func).join(' < '));
  }
  assert.equal(inferFromFrames(fr('main.compute', 'main.main')), null);
  assert.deepEqual(classify(null, fr('main.compute')), { kind: 'runnable', state: 'runnable', inferred: true });
});

test('a printed reason always wins over the frames', () => {
  const frames = fr('runtime.gopark', 'runtime.selectgo', 'main.f');
  assert.deepEqual(classify('select (no cases)', frames), { kind: 'select-nocases', state: 'select (no cases)', inferred: false });
});

test('a goroutine asleep in flock(2) waits for a file lock, like one on a Mutex; other syscalls stay syscalls', () => {
  const flock = fr('syscall.Syscall', 'golang.org/x/sys/unix.Flock', 'github.com/gofrs/flock.(*Flock).lock', 'main.export');
  assert.deepEqual(classify('syscall', flock), { kind: 'mutex', state: 'syscall', inferred: false });
  assert.deepEqual(classify(null, flock), { kind: 'mutex', state: 'file lock (flock)', inferred: true });
  assert.equal(classify(null, fr('syscall.Syscall', 'syscall.Flock', 'main.lockFile')).kind, 'mutex');
  const read = fr('syscall.Syscall', 'syscall.read', 'os.(*File).Read', 'main.f');
  assert.equal(classify('syscall', read).kind, 'syscall');
  assert.equal(classify(null, read).kind, 'syscall');
});
