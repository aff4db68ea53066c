import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { DumpFormatError, parseDump, readSnapshot } from '../../src/engine/ingest.js';

const sample = (name: string) => readFileSync(new URL(`./parse/samples/${name}`, import.meta.url));
const debug2 = sample('labels-header.go127.txt');
const debug1 = sample('labels.go127.debug1.txt');
const proto = sample('labels.go127.pb.gz');

async function* chunks(buf: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

test('streaming and in-memory parsing agree, for every format and any chunking (gzip too)', async () => {
  for (const [name, buf] of [['debug2', debug2], ['debug1', debug1], ['proto', proto], ['debug2.gz', gzipSync(debug2)], ['debug1.gz', gzipSync(debug1)]] as const) {
    const whole = parseDump(buf, { capturedAt: 42 });
    assert.equal(whole.capturedAt, 42);
    for (const size of [1, 7, 100, 4096, 1 << 20]) {
      const streamed = await readSnapshot(chunks(buf, size), { capturedAt: 42 });
      assert.deepEqual(streamed, whole, `${name} in ${size}-byte chunks`);
    }
  }
  assert.deepEqual(parseDump(debug2.toString('utf8')), parseDump(debug2), 'string input');
  assert.deepEqual(await readSnapshot(debug2), parseDump(debug2), 'Uint8Array input to readSnapshot');
});

test('gzip is detected by its magic bytes, format by content', () => {
  assert.equal(parseDump(gzipSync(debug2)).format, 'debug2');
  assert.equal(parseDump(gzipSync(debug1)).format, 'debug1');
  assert.equal(parseDump(proto).format, 'proto');
});

test('garbage gets a DumpFormatError naming what was expected', async () => {
  const bad: (string | Uint8Array)[] = [
    '', 'hello world\n', '<html><body>404 page not found</body></html>', '{"status":"ok"}',
    new Uint8Array([0, 1, 2, 3, 255, 254]), gzipSync(Buffer.from('not a profile at all')),
    gzipSync(gzipSync(debug2)), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]),
  ];
  for (const b of bad) {
    assert.throws(() => parseDump(b), (e: Error) => e instanceof DumpFormatError && /expected|gzip/.test(e.message), String(b).slice(0, 40));
    await assert.rejects(readSnapshot(chunks(typeof b === 'string' ? Buffer.from(b) : b, 3)), DumpFormatError);
  }
  const e = (() => { try { parseDump('<html>404</html>'); } catch (err) { return err as Error; } })()!;
  assert.match(e.message, /goroutine profile/);
  assert.match(e.message, /<html>404/, 'says what it got');
});

test('maxBytes: longer input is analysed up to the cap and marked truncated', async () => {
  const max = Math.floor(debug2.length / 2);
  const s = parseDump(debug2, { maxBytes: max });
  assert.equal(s.truncated, true);
  assert.ok(s.total > 0 && s.total < parseDump(debug2).total);
  assert.ok(s.warnings.some((w) => w.includes('limit')));
  const streamed = await readSnapshot(chunks(debug2, 1000), { maxBytes: max });
  assert.equal(streamed.truncated, true);
  assert.equal(streamed.total, s.total);
});

test('a cut gzip stream is analysed as far as it goes', async () => {
  const gz = gzipSync(debug2);
  const cut = gz.subarray(0, Math.floor(gz.length * 0.7));
  const s = await readSnapshot(chunks(cut, 512));
  assert.equal(s.truncated, true);
  assert.ok(s.total > 0);
  const sync = parseDump(cut);
  assert.equal(sync.truncated, true);
});

test('errors from the source itself are not disguised as format errors', async () => {
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield gzipSync(debug2).subarray(0, 100);
    throw new Error('socket hang up');
  }
  await assert.rejects(readSnapshot(failing()), /socket hang up/);
});

test('a long preamble in one-byte chunks is still read (and refused) in reasonable work', async () => {
  const junk = Buffer.alloc(60_000, 'x\n');
  async function* bytewise(b: Uint8Array) { for (let i = 0; i < b.length; i++) yield b.subarray(i, i + 1); }
  await assert.rejects(readSnapshot(bytewise(junk)), DumpFormatError);
  const withPanic = Buffer.concat([Buffer.from('panic: ' + 'y'.repeat(30_000) + '\n\n'), debug2]);
  const s = await readSnapshot(bytewise(withPanic));
  assert.equal(s.total, parseDump(debug2).total);
});

test("exactly 64 MiB of debug=2 (Go's cap) is reported as truncated even when cut at a line end", { timeout: 120_000 }, () => {
  const block = (id: number) => Buffer.from(
    `goroutine ${id} [chan receive, 3 minutes]:\nmain.worker(0xc000010000)\n\t/src/main.go:10 +0x1d\ncreated by main.main in goroutine 1\n\t/src/main.go:5 +0x45\n\n`,
  );
  const cap = 64 << 20;
  const whole = Buffer.alloc(cap);
  let at = 0;
  let n = 0;
  for (let b = block(1000000); at + b.length <= cap; b = block(1000000 + ++n)) at += b.copy(whole, at);
  // Pad the tail with blank lines so the cut falls exactly on a newline.
  whole.fill('\n', at);
  const s = parseDump(whole);
  assert.equal(s.truncated, true);
  assert.ok(s.warnings.some((w) => w.includes('64 MiB')));
  assert.equal(s.total, n);
});
