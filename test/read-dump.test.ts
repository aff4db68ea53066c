// readDumpFile, the CLI's read of a dump file: a big debug=2 file is read on two threads (the part
// after a goroutine boundary by a worker, adopted by the main thread's reader), and must read exactly
// as the one-pass parse of the same bytes, whether the part is adopted or read again on the main
// thread (another dump starts in it, its tabs became spaces), wherever the file is split.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as engine from '../src/engine/index.js';
import { readDumpFile } from '../src/read-dump.js';
import { tabsToSpaces } from './engine/parse/transform.js';

const dir = mkdtempSync(join(tmpdir(), 'leakbot-read-dump-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A real Go 1.26 dump repeated with fresh goroutine ids until it passes `bytes` (the two-thread
 *  read needs more than its first 1 MiB chunk): one process's dump of many goroutines. */
function bigDump(bytes: number): string {
  const one = readFileSync(new URL('./fixtures/dumps/go1.26/leak-chansend.t1.debug2.txt', import.meta.url), 'utf8').trimEnd();
  const copies: string[] = [];
  for (let k = 0, size = 0; size < bytes; k++) {
    const copy = one.replace(/^goroutine (\d+) \[/gm, (_, id: string) => `goroutine ${Number(id) + k * 1000} [`);
    copies.push(copy);
    size += copy.length + 2;
  }
  return copies.join('\n\n') + '\n';
}

const big = bigDump(3 << 20);

async function twoThreads(text: string, mainShare?: number): Promise<{ snaps: engine.Snapshot[]; adopted: boolean | null }> {
  const path = join(dir, 'dump.txt');
  writeFileSync(path, text);
  let adopted: boolean | null = null;
  const snaps = await readDumpFile(path, engine, {}, { twoThreadsMinBytes: 0, ...(mainShare === undefined ? {} : { mainShare }), onTwoThreads: (a) => (adopted = a) });
  return { snaps, adopted };
}

test('a big debug=2 file read on two threads reads as the one-pass parse, wherever it is split', async () => {
  const want = engine.parseDumps(Buffer.from(big));
  assert.ok(want[0]!.total > 5000, `${want[0]!.total} goroutines`);
  for (const share of [0.35, 0.6, 0.9]) {
    const got = await twoThreads(big, share);
    assert.equal(got.adopted, true, `split at ${share}`);
    assert.deepEqual(got.snaps, want, `split at ${share}`);
  }
});

test('a part the main thread cannot adopt is read there: two dumps in one file, a paste whose tabs became spaces', async () => {
  for (const [what, text] of [
    // Split in the first dump: the part holds the second, whose ids repeat.
    ['two dumps one after another', big + '\n' + big],
    ['tabs turned into spaces', tabsToSpaces(big, 4)],
  ] as const) {
    const got = await twoThreads(text, 0.3);
    assert.equal(got.adopted, false, what);
    assert.deepEqual(got.snaps, engine.parseDumps(Buffer.from(text)), what);
  }
});
