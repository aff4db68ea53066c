import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDump, DumpFormatError } from '../../../src/engine/ingest.js';
import { parseJsonishLabels } from '../../../src/engine/parse/debug1.js';

const sample = (name: string) => readFileSync(new URL(`./samples/${name}`, import.meta.url));

const PROFILE = `goroutine profile: total 14
10 @ 0x43a056 0x406dec 0x40699d 0x4ed9c5 0x466401
#	0x4ed9c4	example.com/svc.(*Srv).handle.func1+0x24	/src/svc/srv.go:28

3 @ 0x43a056 0x44a6b8 0x44a68f 0x46293b 0x4ed767 0x466401
# labels: {"handler":"/api/order", "tenant":"a\\"b"}
#	0x46293a	sync.runtime_SemacquireMutex+0x3a	/go/src/runtime/sema.go:77
#	0x4ed766	sync.(*Mutex).lockSlow+0x165		/go/src/sync/mutex.go:171
#	0x4ed766	sync.(*Mutex).Lock+0x96			/go/src/sync/mutex.go:90
#	0x4ed767	example.com/svc.update+0x1f		/src/svc/update.go:12

1 @ 0x43a056 0x449f12 0x4ecd65 0x466401
#	0x4ecd64	example.com/svc.loop+0x24	/src/svc/loop.go:34
`;

test('records: counts, frames, labels; runtime frames hidden by Go', () => {
  const s = parseDump(PROFILE);
  assert.equal(s.format, 'debug1');
  assert.equal(s.total, 14);
  assert.equal(s.truncated, false);
  const [chan, mutex, sel] = s.groups;
  assert.equal(chan!.count, 10);
  assert.deepEqual(chan!.frames, [{ func: 'example.com/svc.(*Srv).handle.func1', file: '/src/svc/srv.go', line: 28 }]);
  assert.equal(chan!.exampleId, null);
  assert.equal(chan!.waitMinutes, null);
  // Three hidden runtime PCs (gopark, chansend/chanrecv, chansend1/chanrecv1): a channel op, direction unknown.
  assert.equal(chan!.kind, 'unknown');
  assert.equal(chan!.state, 'chan send or receive');
  assert.equal(chan!.stateInferred, true);
  assert.equal(mutex!.kind, 'mutex');
  assert.equal(mutex!.state, 'sync.Mutex.Lock');
  assert.deepEqual(mutex!.labels, { handler: ['/api/order'], tenant: ['a"b'] });
  assert.equal(mutex!.frames.length, 4);
  // Two hidden (gopark, selectgo): a select.
  assert.equal(sel!.kind, 'select');
});

test('goroutineleak?debug=1: every record is leaked; an empty one is a valid, empty profile', () => {
  const s = parseDump(PROFILE.replace('goroutine profile', 'goroutineleak profile'));
  assert.equal(s.leakProfile, true);
  assert.ok(s.groups.every((g) => g.leaked === g.count));
  const empty = parseDump('goroutineleak profile: total 0\n');
  assert.equal(empty.total, 0);
  assert.deepEqual(empty.groups, []);
  assert.equal(empty.leakProfile, true);
});

test('truncated: fewer goroutines than declared', () => {
  const cut = PROFILE.slice(0, PROFILE.indexOf('3 @'));
  const s = parseDump(cut);
  assert.equal(s.truncated, true);
  assert.equal(s.total, 10);
  assert.match(s.warnings.join(' '), /declares 14/);
});

test('labels: Go-quoted strings, malformed tails tolerated', () => {
  assert.deepEqual(parseJsonishLabels('{"a":"1", "b":"x\\ty\\u00e9"}'), { a: '1', b: 'x\ty\u00e9' });
  assert.deepEqual(parseJsonishLabels('{"a":"1", "b":'), { a: '1' });
  assert.deepEqual(parseJsonishLabels('nonsense'), {});
});

test('real Go 1.27 debug=1 with pprof.Do labels', () => {
  const s = parseDump(sample('labels.go127.debug1.txt'));
  const g = s.groups.find((x) => Object.keys(x.labels).length > 0)!;
  assert.deepEqual(g.labels, { handler: ['/api/order'], tenant: ['a"b'] });
  const running = s.groups.find((x) => x.frames.some((f) => f.func === 'runtime/pprof.writeRuntimeProfile'))!;
  assert.equal(running.kind, 'running');
});

test('text that only resembles a debug=1 header is refused', () => {
  assert.throws(() => parseDump('goroutine profile: nope\n'), DumpFormatError);
});
