// Dumps handed over together (files of one Slack message, a file or paste holding several): read as
// one series by analyzeDumps. Real dumps: the hidden-surge fixture, and a real Go service captured
// twice, restarted, and captured again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeDumps, type DumpInput } from '../../src/analysis/series.js';
import { warningsOf } from '../../src/engine/render/format.js';
import { freePort } from '../support/redis.js';
import { startGoService, type GoService } from '../support/go-service.js';

const surge = (t: number) => readFileSync(new URL(`../fixtures/dumps/go1.26/hidden-surge.t${t}.debug2.txt`, import.meta.url));
const read = (inputs: DumpInput[]) => analyzeDumps(inputs, { maxBytes: 64 << 20, capturedAt: Date.now(), analyze: {} });

test('one file holding three dumps: one line says so, no warning per dump', () => {
  const r = read([{ name: 'kubectl-session.log', bytes: Buffer.concat([surge(0), surge(1), surge(2)]) }]);
  assert.equal(r.analysis?.snapshots.length, 3);
  assert.deepEqual(r.read, [{ name: 'kubectl-session.log', dumps: 3 }]);
  const warnings = warningsOf(r.analysis!);
  assert.deepEqual(warnings.filter((w) => /dump \d+ of \d+/.test(w)), [], warnings.join('\n'));
});

test('dumps of one process and of its restart dropped together, in no order: compared within the process, the other said', async () => {
  const addr = `127.0.0.1:${await freePort()}`;
  const dump = async (svc: GoService) => Buffer.from(await (await fetch(`${svc.url}/debug/pprof/goroutine?debug=2`)).arrayBuffer());
  let svc = await startGoService({ args: ['-addr', addr] });
  let a: Buffer, b: Buffer, c: Buffer;
  try {
    await svc.leak('chansend', 20);
    a = await dump(svc);
    await svc.leak('chansend', 20);
    b = await dump(svc);
    await svc.kill();
    svc = await startGoService({ args: ['-addr', addr] });
    await svc.leak('chansend', 5);
    c = await dump(svc);
  } finally {
    await svc.stop();
  }
  const r = read([{ name: 'b.txt', bytes: b }, { name: 'c.txt', bytes: c }, { name: 'a.txt', bytes: a }]);
  const an = r.analysis!;
  assert.equal(an.snapshots.length, 2, 'the two dumps of one process compared');
  assert.ok(!an.separateProcesses, 'compared as one process (by goroutine ids)');
  assert.deepEqual(r.read.map((x) => x.name).sort(), ['a.txt', 'b.txt']);
  assert.deepEqual(r.otherProcess, ['c.txt']);
  assert.match((an.findings[0]?.evidence ?? []).map((e) => e.text).join(' '), /kept all/, 'growth read from ids');
});
