// Random and mutated input never crashes a reader or hangs it: the only error is DumpFormatError,
// and whatever parses is a coherent Snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { DumpFormatError, parseDump, readSnapshot } from '../../../src/engine/ingest.js';
import type { Snapshot } from '../../../src/engine/model.js';
import { body, bodyWithoutArgs, ciPrefix, crlf, eatStars, exitTrailer, noFinalNewline, quote, reindent, shortenArgs, stripHash, tabsToSpaces } from './transform.js';

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

// Paste transformations of real dumps (issue 9): the parse of a transformed dump equals the parse
// of the original, or carries a warning that says why not.
const realText = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');
const PASTE_SEEDS_D2 = [
  realText('./samples/real/go126-labels.debug2.txt'),
  realText('./samples/real/go119.debug2.txt'),
  realText('./samples/real/go126-crash-otherthread.txt'),
  realText('./samples/real/go126-test-timeout.txt'),
  realText('./samples/leak.go127.txt'),
  realText('../../fixtures/dumps/go1.19/crash-sigquit.txt'),
];
const PASTE_SEEDS_D1 = [
  realText('./samples/real/go126-labels.debug1.txt'),
  realText('./samples/real/go119.debug1.txt'),
  realText('./samples/labels.go127.debug1.txt'),
];

/** One paste transformation; `repair`: the reader must say it repaired something. */
const pasteOp = fc.oneof(
  fc.record({ op: fc.constant('indent' as const), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('tabs' as const), width: fc.integer({ min: 0, max: 8 }) }),
  fc.record({ op: fc.constantFrom('quote' as const, 'ci' as const, 'args' as const, 'nonewline' as const, 'trailer' as const, 'crlf' as const, 'hash' as const, 'stars' as const) }),
  // How the paste was saved: a byte-order mark in front (Notepad's UTF-8, PowerShell's UTF-16LE).
  fc.record({ op: fc.constantFrom('bom' as const, 'utf16le' as const) }),
);
type PasteOp = typeof pasteOp extends fc.Arbitrary<infer T> ? T : never;

function paste(t: string, ops: PasteOp[], debug1: boolean): { text: string | Buffer; repaired: boolean } {
  let repaired = false;
  let saved: 'bom' | 'utf16le' | null = null;
  for (const o of ops) {
    switch (o.op) {
      case 'indent': t = reindent(t, o.n); repaired = true; break;
      case 'tabs': t = tabsToSpaces(t, debug1 ? Math.max(1, o.width) : o.width); repaired ||= t.includes(' '); break;
      case 'quote': t = quote(t); repaired = true; break;
      case 'ci': t = ciPrefix(t); repaired = true; break;
      case 'args': t = shortenArgs(t); break;
      case 'nonewline': t = noFinalNewline(t); break;
      case 'trailer': t = exitTrailer(t); break;
      case 'crlf': t = crlf(t); break;
      case 'stars': repaired ||= t.includes('(*'); t = eatStars(t); break; // Markdown eats `*…*` pairs
      case 'hash': if (debug1) { t = stripHash(t); repaired = true; } break; // Markdown eats debug=1's '#'
      case 'bom': case 'utf16le': saved = o.op; break; // the file is saved once, after the edits
    }
  }
  if (saved === 'bom') return { text: `\uFEFF${t}`, repaired };
  // Decoding UTF-16 is said.
  if (saved === 'utf16le') return { text: Buffer.from(`\uFEFF${t}`, 'utf16le'), repaired: true };
  return { text: t, repaired };
}

test('pasted real dumps (re-indent, tabs→spaces, quote, CI prefix, # eaten, (...) args, no final newline, exit trailer, CRLF, byte-order mark, UTF-16) read as the original', { timeout: 300_000 }, () => {
  for (const [seeds, debug1] of [[PASTE_SEEDS_D2, false], [PASTE_SEEDS_D1, true]] as const) {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(pasteOp, { minLength: 1, maxLength: 5 }), (seed, ops) => {
        const want = parseDump(seed);
        const { text, repaired } = paste(seed, ops, debug1);
        const got = parseDump(text);
        // `(...)` arguments drop the lock addresses some frames print, and nothing else.
        const read = ops.some((o) => o.op === 'args') ? bodyWithoutArgs : body;
        assert.deepEqual(read(got), read(want));
        if (repaired) assert.ok(got.warnings.length > want.warnings.length, `a repair is said: ${JSON.stringify(ops)} → ${got.warnings.join(' | ')}`);
      }),
      { numRuns: 150 },
    );
  }
});

/** Goroutine blocks of a clean debug=2 text: where each starts, where its last file line's
 *  ` +0x` offset starts (a cut before it leaves the goroutine incomplete), and where it ends. */
function blocksOf(t: string): { start: number; safe: number; end: number }[] {
  const out: { start: number; safe: number; end: number }[] = [];
  const re = /^goroutine \d+ .*\]:\n(?:(?:\t.*|\S.*\)|created by .*|\.\.\..*elided\.\.\.)\n)*/gm;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    const end = m.index + m[0].length;
    const lastLine = m[0].slice(m[0].lastIndexOf('\n', m[0].length - 2) + 1);
    const off = lastLine.indexOf(' +0x');
    out.push({ start: m.index, safe: off < 0 ? end - 1 : end - lastLine.length + off, end });
  }
  return out;
}

test('a real dump cut anywhere: cut inside a goroutine says truncated; cut between goroutines reads the goroutines before it', { timeout: 300_000 }, () => {
  fc.assert(
    fc.property(fc.constantFrom(...PASTE_SEEDS_D2.slice(0, 4)), fc.double({ min: 0, max: 1, noNaN: true }), (seed, at) => {
      const k = Math.floor(at * seed.length);
      const blocks = blocksOf(seed);
      let s: Snapshot;
      try {
        s = parseDump(seed.slice(0, k));
      } catch (e) {
        assert.ok(e instanceof DumpFormatError);
        assert.ok(k < seed.indexOf(']:\n', blocks[0]!.start) + 3, `refused although a header was complete (cut at ${k})`);
        return;
      }
      const inside = blocks.find((b) => k > b.start && k <= b.safe);
      const after = blocks.filter((b) => b.end <= k).length;
      if (inside) {
        assert.equal(s.truncated, true, `cut at ${k} inside the goroutine at ${inside.start}`);
        assert.ok(s.warnings.some((w) => /truncated/.test(w)));
      } else if (!blocks.some((b) => k > b.safe && k < b.end)) {
        assert.equal(s.truncated, false, `cut at ${k} between goroutines`);
      }
      assert.ok(s.total >= after && s.total <= after + 1, `cut at ${k}: ${s.total} goroutines, ${after} complete`);
    }),
    { numRuns: 400 },
  );
});

test('concatenated real dumps never double goroutine ids silently', () => {
  fc.assert(
    fc.property(fc.constantFrom(...PASTE_SEEDS_D2), fc.constantFrom(...PASTE_SEEDS_D2), (a, b) => {
      const [sa, sb] = [parseDump(a), parseDump(b)];
      const ids = (t: string) => new Set([...t.matchAll(/^goroutine (\d+) /gm)].map((m) => m[1]));
      const shared = [...ids(a)].some((id) => ids(b).has(id));
      const s = parseDump(`${a}\n${b}`);
      if (shared) {
        assert.ok(s.warnings.some((w) => /dumps one after another/.test(w)));
        assert.ok(s.total < sa.total + sb.total);
      } else assert.equal(s.total, sa.total + sb.total);
    }),
    { numRuns: 60 },
  );
});
