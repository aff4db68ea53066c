// A new user's service (test/fixtures/dumps/surge-order): reserve() returns early without unlocking,
// so every later /reserve handler blocks on its Mutex. Traffic stopped before the third dump.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { compare, parseDump } from '../../src/engine/index.js';

const dumps = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'dumps');

test('a lock pile that kept every goroutine stays a finding when a third snapshot shows no new ones (traffic stopped)', () => {
  const dir = join(dumps, 'surge-order');
  const [t1, t2, t3] = ['t1', 't2', 't3'].map((t) => parseDump(gunzipSync(readFileSync(join(dir, `${t}.debug2.txt.gz`)))));
  const lock = (a: ReturnType<typeof compare>) => a.findings.find((f) => f.pattern === 'lock-never-released' && f.site?.line === 81);
  const pair = lock(compare([t1!, t2!]));
  const series = lock(compare([t1!, t2!, t3!]));
  assert.ok(pair && series, 'reserve()\'s Mutex.Lock (main.go:81) is a finding in the pair and in the series');
  // Kept all and added (+4), and nobody in sight can release the lock (no-holder, +2: reserve() returned holding it).
  assert.equal(pair.confidence, 'high');
  assert.equal(series.confidence, pair.confidence, 'more evidence did not weaken the claim');
  assert.ok(series.evidence?.some((e) => e.signal === 'kept-and-added'));
});

test('a growth is said once per finding (the grew rows carry the counts; the plain fact does not repeat them)', () => {
  let checked = 0;
  for (const name of ['leak-chansend', 'leak-chanrecv', 'leak-cond', 'hidden-convoy']) {
    const [t0, t1] = ['t0', 't1'].map((t) => parseDump(readFileSync(join(dumps, 'go1.26', `${name}.${t}.debug1.txt`))));
    for (const f of compare([t0!, t1!]).findings) {
      const said = f.signals.filter((x) => /\bgrew \d+ → \d+ \(\+\d+\)/.test(x));
      assert.ok(said.length <= 1, `${name}: ${JSON.stringify(f.signals)}`);
      checked++;
    }
  }
  assert.ok(checked > 0);
});
