// Byte-order marks: a dump saved by Notepad (UTF-8 with EF BB BF) or by Windows PowerShell's `>`
// (UTF-16LE with FF FE) reads as the same dump, in every format and on every path (bytes in memory,
// a stream in any chunking, the CLI's synchronous feed); UTF-16 is said in a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parseDump, parseDumps, readSnapshots, textFeed, type Snapshot } from '../../../src/engine/index.js';
import { body, said } from './transform.js';

const bytes = (path: string): Buffer => readFileSync(new URL(path, import.meta.url));
/** Real dumps of every text format the readers take. */
const SEEDS: Record<string, Buffer> = {
  debug2: bytes('../../fixtures/dumps/go1.26/leak-chansend.t1.debug2.txt'),
  debug1: bytes('../../fixtures/dumps/go1.26/leak-chansend.t1.debug1.txt'),
  traces: bytes('./samples/real/go126-pprof-traces.txt'),
  crash: bytes('../../fixtures/dumps/go1.26/crash-panic-single.txt'),
  goleak: bytes('./samples/real/go126-goleak.txt'),
  go119: bytes('./samples/real/go119.debug2.txt'),
};

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const utf16le = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b.toString('utf8'), 'utf16le')]);
const utf16be = (b: Buffer): Buffer => {
  const le = Buffer.from(b.toString('utf8'), 'utf16le');
  return Buffer.concat([Buffer.from([0xfe, 0xff]), le.swap16()]);
};

async function streamed(input: Buffer, size: number): Promise<Snapshot[]> {
  return readSnapshots((async function* () {
    for (let i = 0; i < input.length; i += size) yield input.subarray(i, i + size);
  })());
}

/** The first goroutine block of a real debug=2 dump: a dump of one goroutine. */
function firstGoroutine(dump: Buffer): Buffer {
  const t = dump.toString('utf8');
  const start = t.indexOf('goroutine 1 [');
  return Buffer.from(t.slice(start, t.indexOf('\n\n', start) + 1));
}

test('a UTF-8 byte-order mark is read as nothing: the same goroutines and warnings, in every format and on every path', async () => {
  for (const [name, seed] of Object.entries(SEEDS)) {
    const want = parseDumps(seed);
    const input = Buffer.concat([UTF8_BOM, seed]);
    assert.deepEqual(parseDumps(input), want, `${name}: in memory`);
    for (const size of [1, 2, 4, 4096]) assert.deepEqual(await streamed(input, size), want, `${name}: streamed in ${size}-byte chunks`);
    assert.deepEqual(await streamed(gzipSync(input), 7), want, `${name}: gzip'd`);
    const feed = textFeed(input, true);
    assert.ok(feed, `${name}: the CLI's feed takes it`);
    assert.deepEqual(feed.finish(), want, `${name}: the CLI's feed`);
  }
});

test('a one-goroutine dump behind a UTF-8 mark is read, not refused', () => {
  const one = firstGoroutine(SEEDS.debug2!);
  const want = parseDump(one);
  assert.equal(want.total, 1);
  assert.deepEqual(parseDump(Buffer.concat([UTF8_BOM, one])), want);
});

test('UTF-16 with a byte-order mark (LE as PowerShell writes it, and BE) is decoded, read as the same dump, and said', async () => {
  for (const [name, seed] of Object.entries(SEEDS)) {
    const want = parseDump(seed);
    for (const [enc, input] of [['LE', utf16le(seed)], ['BE', utf16be(seed)]] as const) {
      for (const got of [parseDump(input), (await streamed(input, 3)).at(-1)!, (await streamed(gzipSync(input), 1000)).at(-1)!]) {
        assert.deepEqual(body(got), body(want), `${name} UTF-16${enc}`);
        assert.deepEqual(got.warnings.slice(1), want.warnings, `${name} UTF-16${enc}: the other warnings unchanged`);
        assert.ok(said(got, new RegExp(`^read as UTF-16${enc}`)), `${name} UTF-16${enc}: ${got.warnings.join(' | ')}`);
      }
      // The CLI's synchronous feed leaves UTF-16 to the stream reader.
      assert.equal(textFeed(input, true), null);
    }
  }
});

test('UTF-16 streamed in any chunking (a character or the mark split between chunks) reads as the whole input', async () => {
  const input = utf16le(SEEDS.debug2!);
  const want = parseDumps(input);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), async (size) => assert.deepEqual(await streamed(input, size), want)),
    { numRuns: 40 },
  );
});

test('a UTF-16 input that is no dump is refused by what its text says, not as binary data', () => {
  const input = utf16le(Buffer.from('hello\nworld\n'));
  assert.throws(() => parseDump(input), (e: Error) => /line 1 is "hello"/.test(e.message) && !/binary/.test(e.message));
});
