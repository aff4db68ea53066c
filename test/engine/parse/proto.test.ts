import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { parseDump, DumpFormatError } from '../../../src/engine/ingest.js';
import { elideTypeArgs } from '../../../src/engine/parse/proto.js';

const sample = (name: string) => readFileSync(new URL(`./samples/${name}`, import.meta.url));

/** A small goroutine profile built the way runtime/pprof lays it out. */
function buildProfile(type = 'goroutine'): Uint8Array {
  const st = new StringTable();
  const fn = (id: number, name: string, file: string) => new PFunction({ id, name: st.dedup(name), filename: st.dedup(file) });
  const functions = [
    fn(1, 'runtime.gopark', '/go/src/runtime/proc.go'),
    fn(2, 'runtime.chanrecv', '/go/src/runtime/chan.go'),
    fn(3, 'runtime.chanrecv1', '/go/src/runtime/chan.go'),
    fn(4, 'example.com/svc.(*Pool[go.shape.string]).worker', '/src/svc/pool.go'),
    fn(5, 'example.com/svc.(*Pool[go.shape.string]).worker.func1', '/src/svc/pool.go'),
    fn(6, 'runtime.goexit', '/go/src/runtime/asm_amd64.s'),
  ];
  const loc = (id: number, ...lines: [number, number][]) =>
    new Location({ id, address: 0x400000 + id, line: lines.map(([functionId, line]) => new Line({ functionId, line })) });
  const locations = [loc(1, [1, 435]), loc(2, [2, 667]), loc(3, [3, 509]), loc(4, [5, 42], [4, 40]), loc(5, [6, 1700])];
  const samples = [
    new Sample({ locationId: [1, 2, 3, 4, 5], value: [7], label: [new Label({ key: st.dedup('handler'), str: st.dedup('/api') })] }),
  ];
  const p = new Profile({
    sampleType: [new ValueType({ type: st.dedup(type), unit: st.dedup('count') })],
    sample: samples,
    location: locations,
    function: functions,
    stringTable: st,
  });
  return gzipSync(p.encode());
}

test('samples → goroutines: inlined lines innermost first, runtime frames classify then drop out', () => {
  const s = parseDump(buildProfile());
  assert.equal(s.format, 'proto');
  assert.equal(s.total, 7);
  const g = s.groups[0]!;
  assert.equal(g.kind, 'chan-recv');
  assert.equal(g.state, 'chan receive');
  assert.equal(g.stateInferred, true);
  assert.deepEqual(g.frames, [
    { func: 'example.com/svc.(*Pool[...]).worker.func1', file: '/src/svc/pool.go', line: 42 },
    { func: 'example.com/svc.(*Pool[...]).worker', file: '/src/svc/pool.go', line: 40 },
  ]);
  assert.deepEqual(g.labels, { handler: ['/api'] });
  assert.equal(s.leakProfile, false);
});

test('goroutineleak proto is recognised; other profiles are refused by name', () => {
  const s = parseDump(buildProfile('goroutineleak'));
  assert.equal(s.leakProfile, true);
  assert.equal(s.groups[0]!.leaked, 7);
  assert.throws(() => parseDump(buildProfile('alloc_space')), (e: Error) => e instanceof DumpFormatError && /alloc_space/.test(e.message));
});

test('type arguments are elided the way the text formats print them', () => {
  assert.equal(elideTypeArgs('main.(*Pool[go.shape.string]).worker'), 'main.(*Pool[...]).worker');
  assert.equal(elideTypeArgs('main.Map[go.shape.map[string]int,go.shape.int].Get'), 'main.Map[...].Get');
  assert.equal(elideTypeArgs('main.plain'), 'main.plain');
});

test('real Go 1.27 proto with pprof.Do labels', () => {
  const s = parseDump(sample('labels.go127.pb.gz'));
  const g = s.groups.find((x) => Object.keys(x.labels).length > 0)!;
  assert.deepEqual(g.labels, { handler: ['/api/order'], tenant: ['a"b'] });
  assert.equal(g.kind, 'chan-recv');
  assert.ok(s.groups.some((x) => x.kind === 'nil-chan' && x.state === 'chan send (nil chan)'));
  assert.ok(s.groups.some((x) => x.kind === 'nil-chan' && x.state === 'chan receive (nil chan)'));
  assert.ok(s.groups.some((x) => x.kind === 'select-nocases'));
});
