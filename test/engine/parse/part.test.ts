// A debug=2 dump read in two parts (parse/part.ts: the CLI reads the part after a goroutine boundary
// in a second thread) must read exactly as the whole dump read in one pass: the same snapshots,
// groups, frames, creators, ids and warnings. A part that is not plain goroutines is refused and its
// bytes are read in turn, so mangled, cut, concatenated and crash dumps read the same too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseDumps, PartReader, partStart, textFeed, type Snapshot } from '../../../src/engine/index.js';
import { ciPrefix, crlf, exitTrailer, noFinalNewline, quote, reindent, shortenArgs, tabsToSpaces } from './transform.js';

const root = fileURLToPath(new URL('../../fixtures/dumps/', import.meta.url));
const samples = fileURLToPath(new URL('./samples/', import.meta.url));

function textFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? textFiles(p) : f.endsWith('.txt') ? [p] : [];
  });
}
/** Every dump of the corpus with goroutine headers in it (debug=2, crashes, goleak, test timeouts). */
const DUMPS = [...textFiles(root), ...textFiles(samples)].map((p) => ({ p, b: readFileSync(p) })).filter(({ b }) => partStart(b) > 0);

/** Reads `input` as the CLI's two threads do when the part starts at `at`: the bytes before it
 *  through textFeed, the part through a PartReader in `chunk`-byte pushes, adopted or else pushed.
 *  Null when the head shows no text dump (the CLI reads those otherwise). */
function inTwoParts(input: Buffer, at: number, chunk = 1 << 16): { snaps: Snapshot[]; adopted: boolean } | null {
  const feed = textFeed(input.subarray(0, at), false);
  if (feed === null) return null;
  const reader = new PartReader();
  for (let i = at; i < input.length; i += chunk) reader.push(input.subarray(i, Math.min(input.length, i + chunk)));
  // A structured clone, as the worker's message makes it.
  const part = structuredClone(reader.finish());
  const adopted = feed.adopt(part);
  if (!adopted) feed.push(input.subarray(at));
  return { snaps: feed.finish(), adopted };
}

test('a debug=2 dump read in two parts reads as in one pass, wherever it is split', () => {
  assert.ok(DUMPS.length >= 100, `corpus: ${DUMPS.length} dumps`);
  let adopted = 0;
  let splits = 0;
  for (const { p, b } of DUMPS) {
    const want = parseDumps(b);
    for (const frac of [0, 0.3, 0.5, 0.8]) {
      const at = partStart(b, Math.floor(b.length * frac));
      if (at < 0) continue;
      const got = inTwoParts(b, at);
      if (got === null) continue;
      splits++;
      if (got.adopted) adopted++;
      assert.deepEqual(got.snaps, want, `${p} split at byte ${at}`);
    }
  }
  // Most of the corpus is plain goroutines: the part is taken, not read again.
  assert.ok(adopted > splits / 2, `${adopted} of ${splits} parts adopted`);
});

test('a plain part is adopted; one that repeats an id, is cut, or holds other text is read in turn', () => {
  const leak = DUMPS.find(({ p }) => p.endsWith('go1.26/leak-chansend.t1.debug2.txt'))!.b;
  const text = leak.toString('utf8');
  const half = partStart(leak, leak.length / 2);
  const cases: Array<[string, string, boolean]> = [
    ['plain', text, true],
    ['no final newline', noFinalNewline(text), true],
    // Split in the first dump, the part holds the second: its ids repeat within it.
    ['two dumps one after another', text + '\n' + text, false],
    // Split in the second dump, after its first goroutine: the part's ids are new in that dump.
    ['two dumps, split inside the second', text + '\n' + text.slice(0, half) + text.slice(half), true],
    ['cut mid-goroutine', text.slice(0, text.length - 40), false],
    ['exit status after the dump (read as in one pass: the last block ends there)', exitTrailer(text), true],
    ['a race report in the part', `${text.slice(0, half)}goroutine 999 [running]:\nmain.f()\n\t/src/a.go:1 +0x1\n\nWARNING: DATA RACE\n\n${text.slice(half)}`, false],
  ];
  for (const [what, s, adopt] of cases) {
    const b = Buffer.from(s);
    const got = inTwoParts(b, what.includes('inside the second') ? partStart(b, text.length + 1 + half) : half)!;
    assert.equal(got.adopted, adopt, what);
    assert.deepEqual(got.snaps, parseDumps(b), what);
  }
});

test('split anywhere after any paste transformation, the two-part read equals the one-pass read', () => {
  const seeds = DUMPS.filter(({ b }) => b.length > 2000).map(({ b }) => b.toString('utf8'));
  fc.assert(
    fc.property(
      fc.constantFrom(...seeds),
      fc.constantFrom((s: string) => s, (s: string) => tabsToSpaces(s, 4), (s: string) => reindent(s, 2), noFinalNewline, exitTrailer, shortenArgs, quote, ciPrefix, crlf, (s: string) => s + s),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 1, max: 5000 }),
      (seed, transform, frac, chunk) => {
        const b = Buffer.from(transform(seed));
        const at = partStart(b, Math.floor(b.length * frac));
        if (at < 0) return;
        const got = inTwoParts(b, at, chunk);
        if (got === null) return;
        assert.deepEqual(got.snaps, parseDumps(b));
      },
    ),
    { numRuns: 200 },
  );
});
