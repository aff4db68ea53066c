import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseHeader } from '../../../src/engine/parse/debug2.js';
import { parseDump } from '../../../src/engine/ingest.js';

const sample = (name: string) => readFileSync(new URL(`./samples/${name}`, import.meta.url));

test('header: plain, minutes, locked to thread', () => {
  assert.deepEqual(parseHeader('goroutine 18 [chan receive, 37 minutes, locked to thread]:'), {
    id: 18, state: 'chan receive', leaked: false, waitMinutes: 37, lockedToThread: true, bubble: null, labels: {},
  });
  const h = parseHeader('goroutine 7 [select]:')!;
  assert.equal(h.waitMinutes, null, 'absent minutes mean unknown, not zero');
  assert.equal(h.lockedToThread, false);
});

test('header: wait reasons with parentheses', () => {
  assert.equal(parseHeader('goroutine 3 [select (no cases)]:')!.state, 'select (no cases)');
  assert.equal(parseHeader('goroutine 3 [chan send (nil chan), 2 minutes]:')!.state, 'chan send (nil chan)');
  assert.equal(parseHeader('goroutine 3 [chan receive (nil chan)]:')!.waitMinutes, null);
});

test('header: (leaked) marker, (scan), (durable) and synctest bubble', () => {
  const l = parseHeader('goroutine 21 [chan send (leaked), 5 minutes]:')!;
  assert.equal(l.state, 'chan send');
  assert.equal(l.leaked, true);
  assert.equal(l.waitMinutes, 5);
  assert.equal(parseHeader('goroutine 4 [select (no cases) (leaked)]:')!.state, 'select (no cases)');
  assert.equal(parseHeader('goroutine 4 [IO wait (scan)]:')!.state, 'IO wait');
  const d = parseHeader('goroutine 21 [chan receive (durable), synctest bubble 1]:')!;
  assert.equal(d.state, 'chan receive (durable)');
  assert.equal(d.bubble, 1);
});

test('header: crash / SIGQUIT form with gp= m= mp=', () => {
  const h = parseHeader('goroutine 1 gp=0xc000002380 m=6 mp=0xc000100008 [running]:')!;
  assert.equal(h.id, 1);
  assert.equal(h.state, 'running');
  assert.equal(parseHeader('goroutine 2 gp=0x1aecc89fcd20 m=nil [force gc (idle)]:')!.state, 'force gc (idle)');
});

test('header: Go 1.27 pprof labels, bare and quoted', () => {
  const h = parseHeader('goroutine 34 [chan receive] {handler: /api/order, tenant: "a\\"b", "k y": "v, }"}:')!;
  assert.deepEqual(h.labels, { handler: '/api/order', tenant: 'a"b', 'k y': 'v, }' });
  assert.deepEqual(parseHeader('goroutine 34 [chan receive, 3 minutes] {}:')!.labels, {});
});

test('header: not a header', () => {
  for (const s of [
    'goroutine profile: total 3',
    'goroutine running on other thread; stack unavailable',
    'goroutine 1 [running]',
    'goroutine x [running]:',
    'goroutine 1 [running]: extra',
    'goroutine 1 [running] {broken:',
    'goroutine 1 []:',
  ]) assert.equal(parseHeader(s), null, s);
});

const DUMP = `goroutine 1 [running]:
main.main()
	/src/main.go:10 +0x1d

goroutine 18 [chan receive, 37 minutes]:
example.com/svc/pool.(*Pool[...]).worker.func1.2(0xc000010000, {0x1, 0x2}, ...)
	/src/pool/pool.go:42 +0x1d
example.com/svc/pool.(*Pool[...]).worker.gowrap1()
	/src/pool/pool.go:40 +0x25
created by example.com/svc/pool.New in goroutine 1
	/src/pool/pool.go:30 +0x45

goroutine 19 [chan receive, 12 minutes]:
example.com/svc/pool.(*Pool[...]).worker.func1.2(0xc000010100, {0x1, 0x2}, ...)
	/src/pool/pool.go:42 +0x1d
example.com/svc/pool.(*Pool[...]).worker.gowrap1()
	/src/pool/pool.go:40 +0x25
created by example.com/svc/pool.New in goroutine 77
	/src/pool/pool.go:30 +0x45

goroutine 20 [select]:
main.deep(...)
	/src/main.go:81
main.deep(0x0?)
	/src/main.go:78 +0x27
...additional frames elided...
created by main.start
	/src/main.go:12 +0x45

goroutine 21 [select]:
main.deep(0x0?)
	/src/main.go:78 +0x27
...21 frames elided...
main.deep(0x0?)
	/src/main.go:78 +0x27
created by main.start
	/src/main.go:12 +0x45
`;

test('frames: methods on generic types, closures, inlined frames, created by in both forms', () => {
  const s = parseDump(DUMP);
  assert.equal(s.format, 'debug2');
  assert.equal(s.total, 5);
  assert.equal(s.truncated, false);
  const pool = s.groups.find((g) => g.frames[0]!.func.includes('Pool'))!;
  assert.equal(pool.count, 2);
  assert.deepEqual(pool.frames[0], { func: 'example.com/svc/pool.(*Pool[...]).worker.func1.2', file: '/src/pool/pool.go', line: 42 });
  assert.deepEqual(pool.frames[1], { func: 'example.com/svc/pool.(*Pool[...]).worker.gowrap1', file: '/src/pool/pool.go', line: 40 });
  assert.deepEqual(pool.createdBy, { func: 'example.com/svc/pool.New', file: '/src/pool/pool.go', line: 30 });
  assert.deepEqual(pool.waitMinutes, { min: 12, max: 37 });
  assert.equal(pool.kind, 'chan-recv');
  assert.equal(pool.orphans, 1, 'goroutine 77 is not in the dump');
  assert.equal(pool.exampleId, 18);
  const elided = s.groups.filter((g) => g.frames[0]!.func === 'main.deep');
  assert.equal(elided.length, 2);
  assert.ok(elided.every((g) => g.framesElided));
  assert.deepEqual(elided.find((g) => g.frames[0]!.line === 81)!.frames[1], { func: 'main.deep', file: '/src/main.go', line: 78 });
  assert.equal(elided[0]!.createdBy!.func, 'main.start');
  assert.equal(elided[0]!.orphans, 0, 'old `created by f` has no creator id');
});

test('crash output: preamble, fp/sp/pc suffixes, register dump and exit status are skipped', () => {
  const crash = `panic: boom

goroutine 1 gp=0xc000002380 m=0 mp=0x5a3fa0 [running]:
panic({0x665cc8?, 0x5329b0?})
	/go/src/runtime/panic.go:878 +0x159 fp=0xc000047d80 sp=0xc000047cd8 pc=0x486939
main.main()
	/src/main.go:72 +0x534 fp=0xc000047eb8 sp=0xc000047d80 pc=0x5246f4
runtime.goexit({})
	/go/src/runtime/asm_amd64.s:1264 +0x1 fp=0xc000047fe8 sp=0xc000047fe0 pc=0x48d481

goroutine 5 gp=0xc000003000 m=nil [chan send, 2 minutes]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	/go/src/runtime/proc.go:474 +0xca fp=0xc000032fa8 sp=0xc000032f88 pc=0x486daa
main.leak()
	/src/main.go:20 +0x1f fp=0xc000032fe0 sp=0xc000032fa8 pc=0x450853
created by main.main in goroutine 1
	/src/main.go:19 +0x1a
rax    0x0
rbx    0x6
exit status 2
`;
  const s = parseDump(crash);
  assert.equal(s.total, 2);
  const leak = s.groups.find((g) => g.kind === 'chan-send')!;
  assert.deepEqual(leak.frames, [{ func: 'main.leak', file: '/src/main.go', line: 20 }], 'leading runtime frames and goexit drop out of the signature');
  assert.deepEqual(leak.createdBy, { func: 'main.main', file: '/src/main.go', line: 19 });
  const main = s.groups.find((g) => g.kind === 'running')!;
  assert.equal(main.frames.at(-1)!.func, 'main.main');
});

test('fatal error: all goroutines are asleep', () => {
  const s = parseDump(`fatal error: all goroutines are asleep - deadlock!

goroutine 1 [semacquire]:
sync.runtime_Semacquire(0xc0000a4010?)
	/usr/lib/go-1.19/src/runtime/sema.go:62 +0x25
sync.(*WaitGroup).Wait(0x0?)
	/usr/lib/go-1.19/src/sync/waitgroup.go:139 +0x52
main.main()
	/src/main.go:14 +0x1d
exit status 2
`);
  assert.equal(s.total, 1);
  assert.equal(s.groups[0]!.kind, 'waitgroup');
  assert.equal(s.groups[0]!.state, 'semacquire', 'the printed wait reason stays as Go printed it');
  assert.equal(s.groups[0]!.stateInferred, false);
});

test('truncated: a dump cut mid-goroutine is analysed as far as it goes', () => {
  const full = Buffer.from(DUMP);
  for (const cut of [DUMP.indexOf('goroutine 19') + 60, DUMP.indexOf('/src/pool/pool.go:30', DUMP.indexOf('goroutine 19')) - 2, DUMP.length - 30]) {
    const s = parseDump(full.subarray(0, cut));
    assert.equal(s.truncated, true, `cut at ${cut}`);
    assert.ok(s.warnings.some((w) => w.includes('truncated')));
    assert.ok(s.total >= 2);
  }
});

test('CRLF line endings (dumps pasted from Windows tools)', () => {
  const s = parseDump(DUMP.replace(/\n/g, '\r\n'));
  assert.equal(s.total, 5);
  assert.equal(s.groups.find((g) => g.count === 2)!.frames[0]!.line, 42);
});

test('real Go 1.27: labels printed in headers reach the groups', () => {
  const s = parseDump(sample('labels-header.go127.txt'));
  const g = s.groups.find((x) => Object.keys(x.labels).length > 0)!;
  assert.deepEqual(g.labels, { handler: ['/api/order'], tenant: ['a"b'] });
  assert.equal(g.kind, 'chan-recv');
  const locked = s.groups.find((x) => x.lockedToThread > 0)!;
  assert.equal(locked.state, 'chan receive');
  const wg = s.groups.find((x) => x.createdBy?.func === 'sync.(*WaitGroup).Go');
  assert.ok(wg, 'WaitGroup.Go creator kept as printed');
});

test('real Go 1.27: goroutineleak profile marks and is recognised', () => {
  const s = parseDump(sample('leak.go127.txt'));
  assert.equal(s.leakProfile, true);
  const leaked = s.groups.filter((g) => g.leaked > 0);
  assert.ok(leaked.length >= 6);
  assert.ok(leaked.some((g) => g.kind === 'select-nocases'));
  assert.ok(leaked.some((g) => g.kind === 'nil-chan'));
  assert.ok(s.groups.every((g) => !g.state.includes('(leaked)')));
});

test('real Go 1.27: synctest bubbles and durable waits', () => {
  const s = parseDump(sample('bubble.go127.txt'));
  const states = new Map(s.groups.map((g) => [g.state, g.kind]));
  assert.equal(states.get('chan receive (durable)'), 'chan-recv');
  assert.equal(states.get('sync.WaitGroup.Wait (durable)'), 'waitgroup');
  assert.equal(states.get('sleep (durable)'), 'sleep');
  assert.equal(states.get('select (durable)'), 'select');
  assert.equal(states.get('synctest.Run (durable)'), 'sync-other');
});

test('a goroutine running on another thread has no stack but still counts', () => {
  const s = parseDump(`goroutine 1 [running]:
main.main()
	/src/main.go:10 +0x1d

goroutine 9 [running]:
	goroutine running on other thread; stack unavailable

goroutine 10 [chan send]:
main.leak()
	/src/main.go:20 +0x1f
created by main.main in goroutine 1
	/src/main.go:9 +0x25
`);
  assert.equal(s.total, 3);
  assert.equal(s.truncated, false);
  assert.equal(s.groups.find((g) => g.frames.length === 0)!.count, 1);
  assert.equal(s.groups.find((g) => g.kind === 'chan-send')!.count, 1);
});
