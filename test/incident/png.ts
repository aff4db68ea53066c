import assert from 'node:assert/strict';

// Checks a buffer is a PNG a viewer will open: signature, IHDR first with sane dimensions, IEND last,
// and every chunk's length consistent with the file. Shared by the chart and watch tests.
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function assertPng(png: Buffer, expect: { width?: number; height?: number; minBytes?: number; maxBytes?: number } = {}): { width: number; height: number } {
  assert.ok(png.subarray(0, 8).equals(SIGNATURE), 'PNG signature');
  assert.equal(png.readUInt32BE(8), 13, 'IHDR length');
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  if (expect.width !== undefined) assert.equal(width, expect.width);
  if (expect.height !== undefined) assert.equal(height, expect.height);
  assert.ok(width >= 100 && width <= 4000 && height >= 100 && height <= 4000, `dimensions ${width}x${height}`);
  let off = 8;
  let last = '';
  let idat = 0;
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    last = png.subarray(off + 4, off + 8).toString('latin1');
    if (last === 'IDAT') idat += len;
    off += 12 + len;
  }
  assert.equal(off, png.length, 'chunks cover the file exactly');
  assert.equal(last, 'IEND');
  assert.ok(idat > 0, 'has image data');
  assert.ok(png.length >= (expect.minBytes ?? 2_000), `at least ${expect.minBytes ?? 2_000} bytes, got ${png.length}`);
  assert.ok(png.length <= (expect.maxBytes ?? 2_000_000), `at most ${expect.maxBytes ?? 2_000_000} bytes, got ${png.length}`);
  return { width, height };
}
