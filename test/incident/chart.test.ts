import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { renderTrendChart, type TrendPoint } from '../../src/incident/chart.js';
import { assertPng } from './png.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

function points(n: number): TrendPoint[] {
  return Array.from({ length: n }, (_v, i) => ({ at: T0 + i * 60_000, total: 200 + 80 * i, groups: { 'fanout.go:42': 70 * i, 'client.go:88': 5 * i } }));
}

test('trend chart is a valid PNG of the requested size with the data drawn', async () => {
  const png = await renderTrendChart({ title: 'svc-order: goroutines', points: points(6), series: ['fanout.go:42', 'client.go:88'], width: 800, height: 400 });
  assertPng(png, { width: 800, height: 400, minBytes: 5_000, maxBytes: 500_000 });
  // Decode it back: a white background and some of the total line's blue must be there.
  const img = await loadImage(png);
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  assert.deepEqual([data[0], data[1], data[2], data[3]], [255, 255, 255, 255], 'opaque white corner');
  let blue = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] === 0x1f && data[i + 1] === 0x77 && data[i + 2] === 0xb4) blue++;
  assert.ok(blue > 200, `total line drawn (${blue} px)`);
});

test('long watches and odd input stay bounded: thousands of points, one point, clamped sizes', async () => {
  assertPng(await renderTrendChart({ title: 't', points: points(3000), series: ['fanout.go:42'] }), { width: 960, height: 480 });
  assertPng(await renderTrendChart({ title: 't', points: points(1), series: [] }));
  assertPng(await renderTrendChart({ title: 'x'.repeat(500), points: [], series: Array.from({ length: 20 }, (_v, i) => `s${i}`), width: 10, height: 99_999 }), { width: 320, height: 1200 });
});
