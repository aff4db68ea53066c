// Random and mutated input never crashes a reader or hangs it: the only error is DumpFormatError,
// and whatever parses is a coherent Snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { DumpFormatError, parseDump, readSnapshot } from '../../../src/engine/ingest.js';
import type { Snapshot } from '../../../src/engine/model.js';

const sample = (name: string) => readFileSync(new URL(`./samples/${name}`, import.meta.url));
const SEEDS = {
  debug2: sample('labels-header.go127.txt'),
  leak: sample('leak.go127.txt'),
  bubble: sample('bubble.go127.txt'),
  debug1: sample('labels.go127.debug1.txt'),
  proto: gunzipSync(sample('labels.go127.pb.gz')),
};

function coherent(s: Snapshot): void {
  assert.ok(Number.isSafeInteger(s.total) && s.total >= 0);
  assert.equal(s.groups.reduce((n, g) => n + g.count, 0), s.total);
  for (const g of s.groups) {
    assert.ok(g.count > 0);
    assert.ok(g.orphans <= g.count && g.leaked <= g.count);
    assert.equal(typeof g.key, 'string');
    for (const f of g.frames) assert.ok(typeof f.func === 'string' && Number.isFinite(f.line));
  }
  assert.equal(new Set(s.groups.map((g) => g.key)).size, s.groups.length, 'keys unique');
}

function check(input: Uint8Array | string): void {
  try {
    coherent(parseDump(input));
  } catch (e) {
    if (!(e instanceof DumpFormatError)) throw e;
  }
}

/** One edit of a real dump: cut, delete, insert, duplicate or flip. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({ op: fc.constant('text' as const), at: fc.nat(), text: fc.constantFrom('\n', '\n\n', 'goroutine ', '[', ']:', ' {', '"', '\t', '(', ')', 'created by ', ' in goroutine ', '...', ' @ ', '# labels: {', '#\t0x', ':', ' minutes', '\r') }),
  fc.record({ op: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(buf: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Buffer.from(buf);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.op) {
      case 'cut': b = b.subarray(0, at); break;
      case 'delete': b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]); break;
      case 'insert': b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]); break;
      case 'text': b = Buffer.concat([b.subarray(0, at), Buffer.from(m.text), b.subarray(at)]); break;
      case 'dup': b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]); break;
      case 'flip': if (b.length > 0) { b = Buffer.from(b); b[at] = b[at]! ^ (1 << m.bit); } break;
    }
  }
  return b;
}

test('random bytes and strings', { timeout: 300_000 }, () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), check), { numRuns: 500 });
  fc.assert(fc.property(fc.string({ maxLength: 2000 }), check), { numRuns: 500 });
  // Random bytes behind the real magic numbers and headers reach the deeper readers.
  const prefixes = ['goroutine 1 [running]:\n', 'goroutine profile: total 5\n', '\x0a\x0d'];
  fc.assert(fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 2000 }), (p, b) => check(Buffer.concat([Buffer.from(p, 'latin1'), b]))), { numRuns: 500 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), (b) => check(Buffer.concat([Buffer.from([0x1f, 0x8b]), b]))), { numRuns: 300 });
});

for (const [name, seed] of Object.entries(SEEDS)) {
  test(`mutated real ${name} dumps`, { timeout: 300_000 }, () => {
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => check(mutate(seed, ms))), { numRuns: 300 });
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => check(gzipSync(mutate(seed, ms)))), { numRuns: 60 });
  });
}

test('mutated dumps streamed in random chunks behave like the in-memory parse', { timeout: 300_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.values(SEEDS)), fc.array(mutation, { maxLength: 4 }), fc.integer({ min: 1, max: 5000 }), async (seed, ms, size) => {
      const buf = mutate(seed, ms);
      let sync: Snapshot | Error;
      try { sync = parseDump(buf); } catch (e) { sync = e as Error; }
      async function* gen() { for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size); }
      let streamed: Snapshot | Error;
      try { streamed = await readSnapshot(gen()); } catch (e) { streamed = e as Error; }
      if (sync instanceof Error || streamed instanceof Error) {
        assert.ok(sync instanceof DumpFormatError, String(sync));
        assert.ok(streamed instanceof DumpFormatError, String(streamed));
      } else {
        assert.deepEqual(streamed, sync);
      }
    }),
    { numRuns: 200 },
  );
});
