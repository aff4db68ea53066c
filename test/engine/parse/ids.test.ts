// IdSet: the ids of one dump, bitmap for small ids and a Set beyond; a second dump starts when one repeats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdSet } from '../../../src/engine/parse/ids.js';
import { parseDumps } from '../../../src/engine/ingest.js';

test('IdSet answers like a Set for small, word-edge and huge ids, and after clear()', () => {
  const ids = new IdSet();
  const ref = new Set<number>();
  const sample = [0, 1, 31, 32, 33, 1023, 40_000, (1 << 26) - 1, 1 << 26, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
  for (const id of sample) {
    assert.equal(ids.has(id), false, `${id} before add`);
    ids.add(id);
    ref.add(id);
  }
  for (let id = 0; id < 70_000; id += 7) assert.equal(ids.has(id), ref.has(id), `${id}`);
  for (const id of sample) assert.equal(ids.has(id), true, `${id} after add`);
  ids.clear();
  for (const id of sample) assert.equal(ids.has(id), false, `${id} after clear`);
});

test('a repeated huge goroutine id starts a second dump, as a small one does', () => {
  const dump = (id: number) => `goroutine ${id} [select]:\nmain.f()\n\t/x.go:1 +0x1\ncreated by main.main in goroutine 1\n\t/x.go:9 +0x2\n\n`;
  for (const id of [5, 2 ** 40]) {
    const snaps = parseDumps(dump(id) + dump(id + 1) + dump(id));
    assert.deepEqual(snaps.map((s) => s.total), [2, 1], `id ${id}`);
  }
});
