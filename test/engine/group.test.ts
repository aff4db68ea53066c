import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coarseKey, exactKey, foldClosure, MAX_LABEL_VALUES, SnapshotBuilder, significantFrames } from '../../src/engine/group.js';
import type { Frame, Goroutine } from '../../src/engine/model.js';

const f = (func: string, line: number, file = '/src/a.go'): Frame => ({ func, file, line });

function g(over: Partial<Goroutine>): Goroutine {
  return {
    id: 1, count: 1, state: 'chan receive', stateInferred: false, kind: 'chan-recv', waitMinutes: null,
    lockedToThread: false, leaked: false, labels: {}, frames: [f('main.worker', 10)], framesElided: false,
    createdBy: null, creatorId: null, ...over,
  };
}

test('exact grouping: same frames group, counts and wait-minute range, first example id', () => {
  const b = new SnapshotBuilder();
  b.add(g({ id: 5, waitMinutes: 3 }));
  b.add(g({ id: 6, waitMinutes: null }));
  b.add(g({ id: 7, waitMinutes: 40, leaked: true, lockedToThread: true }));
  b.add(g({ id: 8, frames: [f('main.worker', 11)] }));
  const s = b.finish({ format: 'debug2', capturedAt: 1000 });
  assert.equal(s.total, 4);
  assert.equal(s.capturedAt, 1000);
  assert.equal(s.groups.length, 2);
  const [big, small] = s.groups;
  assert.equal(big!.count, 3);
  assert.deepEqual(big!.waitMinutes, { min: 3, max: 40 });
  assert.equal(big!.exampleId, 5);
  assert.equal(big!.leaked, 1);
  assert.equal(big!.lockedToThread, 1);
  assert.equal(small!.waitMinutes, null, 'no printed minutes: unknown');
  assert.notEqual(big!.key, small!.key);
  assert.equal(big!.coarseKey, small!.coarseKey, 'line numbers do not split coarse groups');
});

test('aggregated records add their counts', () => {
  const b = new SnapshotBuilder();
  b.add(g({ id: null, count: 40_000 }));
  b.add(g({ id: null, count: 2 }));
  const s = b.finish({ format: 'debug1' });
  assert.equal(s.total, 40_002);
  assert.equal(s.groups[0]!.count, 40_002);
  assert.equal(s.groups[0]!.exampleId, null);
});

test('orphans: creator id absent from the whole dump, wherever it appears', () => {
  const b = new SnapshotBuilder();
  b.add(g({ id: 10, creatorId: 99 })); // 99 never appears: orphan
  b.add(g({ id: 11, creatorId: 12 })); // 12 appears later: not an orphan
  b.add(g({ id: 12, frames: [f('main.parent', 3)], creatorId: 1 })); // 1 absent too
  b.add(g({ id: 2 ** 40 + 1, creatorId: 2 ** 40 + 1 }));
  const s = b.finish({ format: 'debug2' });
  const worker = s.groups.find((x) => x.frames[0]!.func === 'main.worker')!;
  assert.equal(worker.orphans, 1);
  assert.equal(s.groups.find((x) => x.frames[0]!.func === 'main.parent')!.orphans, 1);
});

test('labels: distinct values per key, capped', () => {
  const b = new SnapshotBuilder();
  for (let i = 0; i < 50; i++) b.add(g({ id: i, labels: { tenant: `t${i % 30}`, handler: '/x' } }));
  const s = b.finish({ format: 'debug2' });
  assert.equal(s.groups[0]!.labels.tenant!.length, MAX_LABEL_VALUES);
  assert.deepEqual(s.groups[0]!.labels.handler, ['/x']);
});

test('keys leave out the kind so formats match; same stack with different waits gets disambiguated', () => {
  const b = new SnapshotBuilder();
  b.add(g({ id: 1 }));
  b.add(g({ id: 2, kind: 'nil-chan', state: 'chan receive (nil chan)' }));
  const s = b.finish({ format: 'debug2' });
  assert.equal(s.groups.length, 2);
  assert.notEqual(s.groups[0]!.key, s.groups[1]!.key);
  assert.equal(exactKey([f('main.worker', 10)]), exactKey([f('main.worker', 10)]));
});

test('closure suffixes fold; runtime park frames and goexit leave the signature', () => {
  assert.equal(foldClosure('main.run.func1.2'), 'main.run');
  assert.equal(foldClosure('main.(*S).serve.gowrap1'), 'main.(*S).serve');
  assert.equal(foldClosure('main.(*Pool[...]).worker.func3'), 'main.(*Pool[...]).worker');
  assert.equal(foldClosure('main.run.deferwrap2'), 'main.run');
  assert.equal(foldClosure('main.func1x'), 'main.func1x');
  assert.equal(
    coarseKey([f('main.run.func1', 10), f('main.run', 5)]),
    coarseKey([f('main.run.func2', 99), f('main.run', 7)]),
    'a redeploy that renumbers closures and moves lines keeps the coarse key',
  );
  assert.notEqual(coarseKey([f('main.run', 1)]), coarseKey([f('main.walk', 1)]));
  const withRuntime = [f('runtime.gopark', 1), f('runtime.chanrecv1', 2), f('main.w', 3), f('runtime.goexit', 4)];
  assert.deepEqual(significantFrames(withRuntime), [f('main.w', 3)]);
  const allRuntime = [f('runtime.gopark', 1), f('runtime.bgsweep', 2)];
  assert.deepEqual(significantFrames(allRuntime), allRuntime);
});

test('frames equal as text group together whoever made them; a blank in func or file keeps text equality', () => {
  const b = new SnapshotBuilder();
  b.add(g({ id: 1, frames: [f('main.worker', 10), f('main.main', 3)] }));
  b.add(g({ id: 2, frames: [f('main.worker', 10), f('main.main', 3)] })); // other objects, same frames
  b.add(g({ id: 3, frames: [f('main.worker', 10), f('main.main', 4)] }));
  b.add(g({ id: 4, frames: [{ func: 'main.worker', file: '/src/a.go', line: 0, lineText: '123456789012345678901' }] }));
  b.add(g({ id: 5, frames: [{ func: 'main.worker', file: '/src/a.go', line: 0, lineText: '123456789012345678901' }] }));
  // `a b c:1` either way: the text is what a frame is keyed on, as before frames were compared by parts.
  b.add(g({ id: 6, frames: [{ func: 'type:.eq.struct { a', file: 'int }', line: 1 }] }));
  b.add(g({ id: 7, frames: [{ func: 'type:.eq.struct {', file: 'a int }', line: 1 }] }));
  const s = b.finish({ format: 'debug2' });
  assert.deepEqual(s.groups.map((x) => x.ids!.join()).sort(), ['1,2', '3', '4,5', '6,7']);
});
