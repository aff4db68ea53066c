// A pile on a lock with nobody in sight who can release it (no-holder) against a convoy whose holder is
// inside the locking code, sleeping (holder in sight): real dumps of the fixture programs
// (test/fixtures/dumps, captured by capture.sh) in every format, one snapshot at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, parseDump, type Finding } from '../../src/engine/index.js';
import { methodOwner } from '../../src/engine/evidence.js';

const dumps = join(import.meta.dirname, '..', 'fixtures', 'dumps');
const FORMATS = ['debug1.txt', 'pb.gz', 'debug2.txt'];
const signals = (f: Finding | undefined) => (f?.evidence ?? []).map((e) => e.signal);
const entry = (f: Finding) => f.frames[f.frames.length - 1]?.func ?? '';

test('a lock a returned call kept (hidden-convoy at t2, the convoy gone) is claimed from one snapshot in every format; the convoy, whose holder sleeps inside the locking code, is not', () => {
  let checked = 0;
  for (const toolchain of ['go1.19', 'go1.26', 'go1.27']) {
    for (const format of FORMATS) {
      const path = (program: string, moment: string) => join(dumps, toolchain, `${program}.${moment}.${format}`);
      if (!existsSync(path('hidden-convoy', 't2'))) continue;
      const a = analyze(parseDump(readFileSync(path('hidden-convoy', 't2'))));
      const leak = a.findings.find((f) => entry(f).endsWith('leaks.updateShared'));
      assert.ok(leak, `${toolchain} ${format}: the lock leak is listed`);
      assert.ok(signals(leak).includes('no-holder'), `${toolchain} ${format}: ${signals(leak)}`);
      // Medium at least (Go 1.27's debug=2 also carries the leak profile's marks: high).
      assert.ok(leak.confidence === 'medium' || leak.confidence === 'high', `${toolchain} ${format}: ${leak.signals.join('; ')}`);
      assert.equal(a.findings[0], leak, `${toolchain} ${format}: the lock leak comes first`);
      for (const moment of ['t0', 't1']) {
        const convoy = analyze(parseDump(readFileSync(path('noise-convoy', moment)))).findings.find((f) => entry(f).endsWith('leaks.Convoy.func1'));
        assert.ok(!signals(convoy).includes('no-holder'), `${toolchain} ${format} ${moment}: convoy ${signals(convoy)}`);
        assert.ok(!convoy || convoy.confidence === 'low', `${toolchain} ${format} ${moment}: convoy ${convoy?.confidence}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 6, `checked ${checked} toolchain × format pairs`);
});

test('the locking code of a method is its type: the type of pkg.(*T).M, pkg.T.M and their literals; none for a plain function', () => {
  assert.equal(methodOwner('main.(*Store_cockroach10214).sendQueuedHeartbeats'), 'main.(*Store_cockroach10214)');
  assert.equal(methodOwner('example.com/x/leaks.(*T).M.func2'), 'example.com/x/leaks.(*T)');
  assert.equal(methodOwner('github.com/a/b.T.M'), 'github.com/a/b.T');
  assert.equal(methodOwner('example.com/fixtures/internal/leaks.(*Stage[...]).forward'), 'example.com/fixtures/internal/leaks.(*Stage[...])');
  for (const plain of ['main.F', 'main.F.func1', 'main.F.func1.2', 'main.F.gowrap1', 'example.com/x/leaks.updateShared']) assert.equal(methodOwner(plain), null, plain);
});
