// The debug=2 reader's fast path (Debug2Parser.run: frame and file lines read in a tight loop, frames
// matched against the stack trie) must read exactly what the line-by-line path reads: every
// goroutine emitted, in order, and the end report — on real dumps, pasted and mangled ones, fed in
// random chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { Goroutine } from '../../../src/engine/model.js';
import { FrameTable } from '../../../src/engine/intern.js';
import { Debug2Parser } from '../../../src/engine/parse/debug2.js';
import { LineSplitter } from '../../../src/engine/parse/lines.js';
import { crlf, exitTrailer, noFinalNewline, reindent, shortenArgs, tabsToSpaces } from './transform.js';

const text = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');
const SEEDS = [
  text('./samples/real/go126-labels.debug2.txt'),
  text('./samples/real/go119.debug2.txt'),
  text('./samples/real/go126-crash-otherthread.txt'),
  text('./samples/real/go126-test-timeout.txt'),
  text('./samples/real/go126-goleak.txt'),
  text('./samples/leak.go127.txt'),
  text('./samples/bubble.go127.txt'),
  text('../../fixtures/dumps/go1.19/crash-sigquit.txt'),
  text('../../fixtures/dumps/go1.19/crash-panic.txt'),
];

interface Read {
  goroutines: Goroutine[];
  newDumps: Array<[number, number]>;
  report: ReturnType<Debug2Parser['end']>;
  overlong: number;
}

/** `maxStackNodes`: a small trie makes later goroutines fall back to frames arrays of their own. */
function read(buf: Buffer, chunk: number, runs: boolean, maxStackNodes?: number): Read {
  const goroutines: Goroutine[] = [];
  const newDumps: Array<[number, number]> = [];
  const p = new Debug2Parser(new FrameTable(maxStackNodes), (g) => goroutines.push(g), (line, id) => newDumps.push([line, id]));
  const s = new LineSplitter(p, null, runs);
  for (let i = 0; i < buf.length; i += chunk) s.push(buf.subarray(i, i + chunk));
  s.end();
  // Frames shared through the stack trie come frozen: compare their contents.
  const plain = goroutines.map((g) => ({ ...g, frames: [...g.frames] }));
  return { goroutines: plain, newDumps, report: p.end(s.endedMidLine, buf.length), overlong: s.overlong };
}

function same(buf: Buffer, chunk: number): void {
  const slow = read(buf, chunk, false);
  assert.deepEqual(read(buf, chunk, true), slow);
  // The trie full after a few nodes: the rest of the stacks are read into arrays, the same frames.
  assert.deepEqual(read(buf, chunk, true, 7), slow);
}

/** One edit of a real dump, at a place and with text chosen to hit line and block boundaries. */
const edit = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('cut', 'insert', 'delete', 'dup'),
  text: fc.constantFrom('\n', '\n\n', '\t', ' ', '(', ')', 'created by ', 'goroutine 9 [select]:\n', '...additional frames elided...\n', ':12', ' +0x1f', '\r', 'x'),
  len: fc.integer({ min: 1, max: 300 }),
});

function apply(t: string, edits: Array<{ at: number; op: string; text: string; len: number }>): string {
  for (const e of edits) {
    const at = t.length === 0 ? 0 : e.at % t.length;
    if (e.op === 'cut') t = t.slice(0, at);
    else if (e.op === 'insert') t = t.slice(0, at) + e.text + t.slice(at);
    else if (e.op === 'delete') t = t.slice(0, at) + t.slice(at + e.len);
    else t = t.slice(0, at + e.len) + t.slice(at);
  }
  return t;
}

test('the fast path reads every real dump exactly as line by line, whole and in small chunks', () => {
  for (const seed of SEEDS) {
    const buf = Buffer.from(seed);
    for (const chunk of [buf.length || 1, 1, 7, 100, 4096]) same(buf, chunk);
    // The same goroutines repeated (a dump's bulk): the second pass goes through the trie.
    same(Buffer.from(seed + '\n' + seed), 1 << 20);
  }
});

test('the fast path reads pasted and mangled dumps exactly as line by line', { timeout: 300_000 }, () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SEEDS),
      fc.array(edit, { maxLength: 5 }),
      fc.constantFrom('none', 'indent', 'tabs', 'args', 'crlf', 'nonewline', 'trailer'),
      fc.integer({ min: 1, max: 5000 }),
      (seed, edits, paste, chunk) => {
        let t = seed + seed; // repeated stacks, so mangled lines meet a warm trie
        if (paste === 'indent') t = reindent(t, 2);
        else if (paste === 'tabs') t = tabsToSpaces(t, 4);
        else if (paste === 'args') t = shortenArgs(t);
        else if (paste === 'crlf') t = crlf(t);
        else if (paste === 'nonewline') t = noFinalNewline(t);
        else if (paste === 'trailer') t = exitTrailer(t);
        const buf = Buffer.from(apply(t, edits));
        same(buf, chunk);
        same(buf, buf.length || 1);
      },
    ),
    { numRuns: 400 },
  );
});

test('a repeated stack whose file lines differ after the location reads as line by line', () => {
  // The fast path matches a file line whole against the one its trie node was last read from
  // (StackNode.line): a later copy whose lines carry GOTRACEBACK=system's fp/sp/pc, another
  // offset, trailing blanks, no offset (inlined) or a longer line must still read as line by line.
  const variants: Array<(line: string, k: number) => string> = [
    (l, k) => `${l} fp=0x${k.toString(16)} sp=0x${(k + 1).toString(16)} pc=0x4a`,
    (l) => l.replace(/\+0x[0-9a-f]+$/, '+0x7'),
    (l) => `${l}  `,
    (l) => l.replace(/ \+0x[0-9a-f]+$/, ''),
    (l) => `${l}0`,
  ];
  for (const seed of SEEDS.slice(0, 3)) {
    for (const v of variants) {
      let k = 0;
      const changed = seed.replace(/^\t.*$/gm, (l) => (k++ % 2 === 0 ? v(l, k) : l));
      const buf = Buffer.from(seed + '\n' + changed + '\n' + seed);
      for (const chunk of [buf.length, 1, 97, 4096]) same(buf, chunk);
    }
  }
});

test('goroutines with one stack share one frozen frames array; others do not', () => {
  const dump = 'goroutine 1 [select]:\nmain.a(0x1)\n\t/x.go:1 +0x1\nmain.main()\n\t/x.go:9 +0x2\n\n' +
    'goroutine 2 [select]:\nmain.a(0x2)\n\t/x.go:1 +0x1\nmain.main()\n\t/x.go:9 +0x2\n\n' +
    'goroutine 3 [select]:\nmain.a(0x2)\n\t/x.go:2 +0x1\nmain.main()\n\t/x.go:9 +0x2\n';
  const { goroutines } = ((): { goroutines: Goroutine[] } => {
    const gs: Goroutine[] = [];
    const p = new Debug2Parser(new FrameTable(), (g) => gs.push(g));
    const s = new LineSplitter(p);
    s.push(Buffer.from(dump));
    s.end();
    p.end(s.endedMidLine, dump.length);
    return { goroutines: gs };
  })();
  assert.equal(goroutines.length, 3);
  assert.equal(goroutines[0]!.frames, goroutines[1]!.frames);
  assert.notEqual(goroutines[0]!.frames, goroutines[2]!.frames);
  assert.ok(Object.isFrozen(goroutines[0]!.frames));
  assert.deepEqual(goroutines[2]!.frames.map((f) => `${f.func} ${f.file}:${f.line}`), ['main.a /x.go:2', 'main.main /x.go:9']);
});
