// textFeed, the synchronous reader the CLI drives with one reused buffer (src/read-dump.ts), must read
// exactly what parseDumps reads from the whole input: no reader may keep a view of a chunk after the
// call, so the buffer is overwritten after every push here; cut anywhere, in any sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parseDumps, readSnapshots, textFeed, type Snapshot } from '../../../src/engine/index.js';
import { ciPrefix, exitTrailer, noFinalNewline, quote, reindent, shortenArgs, tabsToSpaces } from './transform.js';

const bytes = (path: string): Buffer => readFileSync(new URL(path, import.meta.url));
const SEEDS = [
  bytes('./samples/real/go126-labels.debug2.txt'),
  bytes('./samples/real/go126-crash-otherthread.txt'),
  bytes('./samples/real/go126-goleak.txt'),
  bytes('../../fixtures/dumps/go1.19/crash-panic.txt'),
  bytes('../../fixtures/dumps/go1.19/leak-chanrecv.t0.debug2.txt'),
  bytes('../../fixtures/dumps/go1.19/leak-chanrecv.t0.debug1.txt'),
];

/** Feeds `input` cut at `cuts` through one buffer that is overwritten after each chunk. */
function fed(input: Buffer, cuts: number[], opts = {}): Snapshot[] | null {
  const buf = Buffer.alloc(input.length + 1);
  const at = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b).filter((c) => c > 0);
  const ends = [...at, input.length];
  let from = 0;
  let feed: ReturnType<typeof textFeed> = null;
  for (const end of ends) {
    if (end <= from && feed !== null) continue;
    input.copy(buf, 0, from, end);
    const chunk = buf.subarray(0, end - from);
    if (feed === null) {
      feed = textFeed(chunk, end === input.length, opts);
      if (feed === null) return null;
    } else if (!feed.push(chunk)) break;
    buf.fill(0x61);
    from = end;
  }
  return feed!.finish();
}

test('textFeed reads what parseDumps reads, however the input is cut and its buffer reused', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SEEDS),
      fc.constantFrom((s: string) => s, (s: string) => tabsToSpaces(s, 4), (s: string) => reindent(s, 2), noFinalNewline, exitTrailer, shortenArgs, quote, ciPrefix),
      fc.array(fc.nat(), { maxLength: 30 }),
      (seed, transform, cuts) => {
        const input = Buffer.from(transform(seed.toString('utf8')));
        const got = fed(input, cuts);
        if (got === null) return; // head too short to tell the format: the CLI hands those to readSnapshots
        assert.deepEqual(got, parseDumps(input));
      },
    ),
    { numRuns: 300 },
  );
});

test('textFeed stops at the byte cap as readSnapshots does, and declines gzip and profile.proto', async () => {
  const input = SEEDS[4]!;
  const max = Math.floor(input.length / 3);
  const viaStream = await readSnapshots((async function* () { yield input.subarray(0, 1000); yield input.subarray(1000); })(), { maxBytes: max });
  assert.deepEqual(fed(input, [1000, 5000], { maxBytes: max }), viaStream);
  assert.equal(viaStream.at(-1)!.truncated, true);
  assert.equal(textFeed(gzipSync(input), true), null);
  assert.equal(textFeed(bytes('../../fixtures/dumps/go1.19/hidden-surge.t1.pb.gz'), true), null);
});
