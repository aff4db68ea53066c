// Sizes in capture refusals are said in a unit that fits them: a service with a small maxBytes read
// "the 0 MiB gzip'd profile inflates to more than 0 MiB", and was told its real profile was
// "more likely a decompression bomb" (trial5, a service with maxBytes: 2000). Uses a real
// goroutine profile.proto captured from Go 1.26.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { inflateCapped, ProfileLimitError } from '../../src/capture/limits.js';
import { explain, sizeText } from '../../src/capture/errors.js';

const proto = readFileSync(new URL('../fixtures/noise/go1.26/fanout.t1.pb.gz', import.meta.url));

test('a maxBytes under 1 MiB is said in KiB, with the setting that raises it', () => {
  const inflated = gunzipSync(proto).length;
  const cap = Math.floor(inflated / 2);
  assert.throws(
    () => inflateCapped(proto, cap),
    (e: unknown) => {
      assert.ok(e instanceof ProfileLimitError);
      assert.match(e.message, new RegExp(`the ${sizeText(proto.length).replace('.', '\\.')} gzip'd profile inflates to more than ${sizeText(cap).replace('.', '\\.')} \\(the service's maxBytes\\)`));
      assert.doesNotMatch(e.message, /\b0 MiB/);
      assert.match(e.message, /raise maxBytes for it/);
      return true;
    },
  );
  assert.equal(inflateCapped(proto, inflated).length, inflated, 'at the cap it inflates');
});

test('sizes: MiB from 1 MiB, KiB below, bytes under 1 KiB; the brief and message agree', () => {
  assert.equal(sizeText(64 * 1024 * 1024), '64 MiB');
  assert.equal(sizeText(1.5 * 1024 * 1024), '1.5 MiB');
  assert.equal(sizeText(2000), '2 KiB');
  assert.equal(sizeText(512 * 1024), '512 KiB');
  assert.equal(sizeText(700), '700 bytes');
  const e = explain.tooLarge('svc-order', 'http://10.0.3.7:6060/debug/pprof/goroutine?debug=2', 512 * 1024);
  assert.match(e.userMessage, /larger than the 512 KiB limit/);
  assert.equal(e.brief, 'profile over 512 KiB');
});
