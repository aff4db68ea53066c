// Dumps people really posted (test/fixtures/pastes, README there), read as a user would hand them over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, parseDump } from '../../../src/engine/index.js';
import { readSnapshot } from '../../../src/engine/ingest.js';
import { crashLine } from '../../../src/engine/render/format.js';
import { renderText } from '../../../src/engine/render/text.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'pastes');
const paste = (name: string) => readFileSync(join(dir, name));
const said = (s: { warnings: string[] }, re: RegExp) => s.warnings.some((w) => re.test(w));

test('goleak v1.1 reports from CI logs: each goroutine once, one dump, the leaking stack found', async () => {
  for (const [name, n, func] of [
    ['tidb-goleak-v1.1.txt', 1, 'github.com/pingcap/tidb/util/gctuner.(*memoryLimitTuner).tuning.func1'],
    ['chanx-goleak-ci.txt', 2, 'github.com/smallnest/chanx.process[...]'],
  ] as const) {
    const s = await readSnapshot((async function* () { yield paste(name); })());
    assert.equal(s.total, n, name);
    assert.ok(!said(s, /dumps one after another|header but no stack/), `${name}: ${s.warnings.join('; ')}`);
    assert.ok(said(s, new RegExp(`goleak's report of ${n} unexpected`)), name);
    const f = analyze(s).findings[0]!;
    assert.equal(f.confidence, 'high', name);
    assert.equal(f.after, n);
    assert.ok(f.frames.some((fr) => fr.func === func), `${name}: ${f.frames.map((fr) => fr.func).join(' < ')}`);
  }
});

test("leaktest's list of goroutine 1 alone is no deadlock", async () => {
  const s = await readSnapshot((async function* () { yield paste('leaktest-goroutine1.txt'); })());
  assert.equal(s.total, 1);
  assert.deepEqual(analyze(s).hangs ?? [], []);
});

test('a test that timed out while sleeping is named, with advice for a test that was not blocked', () => {
  const a = analyze(parseDump(paste('test-timeout-sleeping.txt')));
  assert.equal(a.hangs?.length, 1);
  const h = a.hangs![0]!;
  assert.equal(h.reason, 'test-timeout');
  assert.equal(h.goroutineId, 4);
  assert.match(h.title, /TestTimeout was still in time\.Sleep/);
  assert.match(h.advice, /not blocked/);
});

test('a crash trace that prints a goroutine twice is one dump; segment boundaries do not cut stacks; SIGSEGV is a crash', () => {
  const s = parseDump(paste('go7725-sigsegv.txt.gz'));
  // 134 headers, goroutine 17 among them twice.
  assert.equal(s.total, 133);
  assert.ok(said(s, /printed twice in one crash output \(first: goroutine 17 at line 295\)/), s.warnings.join('; '));
  assert.ok(!said(s, /dumps one after another/));
  // The boundary at line 45 sat inside goroutine 12757's stack: its frames after it are kept.
  const gc = s.groups.find((g) => g.exampleId === 12757)!;
  assert.ok(gc.frames.some((f) => f.func === 'launchpad.net/juju-core/provider/dummy.(*environProvider).Validate'));
  assert.equal(s.crash?.signal, 'SIGSEGV');
  assert.match(crashLine(s.crash!), /^the process crashed on SIGSEGV: segmentation violation/);
});

test("a healthy CockroachDB node's daemon loops, two of each, are not per-request leaks; a lock pile of two still is", () => {
  const a = analyze(parseDump(paste('cockroach-node.txt.gz')));
  const strong = a.findings.filter((f) => f.confidence !== 'low');
  const daemons = strong.filter((f) => f.after === 2 && f.createdBy?.func === 'github.com/cockroachdb/cockroach/pkg/util/stop.(*Stopper).RunAsyncTaskEx' && (f.kind === 'select' || f.kind === 'chan-recv'));
  assert.deepEqual(daemons.map((f) => f.frames[0]?.func), []);
  assert.ok(strong.length <= 8, `${strong.length} high/medium findings on a healthy node`);
  // GoKer Moby4951: a lock-order deadlock of one run leaves two goroutines in Mutex.Lock.
  const moby = analyze(parseDump(readFileSync(join(dir, '..', 'dumps', 'goker', 'go1.26-leakprofile', 'Moby4951.t2.debug2.txt.gz'))));
  const lock = moby.findings.find((f) => f.frames.some((fr) => fr.func === 'main.(*DeviceSet_moby4951).DeleteDevice'));
  assert.equal(lock?.confidence, 'medium');
  assert.ok(lock!.evidence!.some((e) => e.signal === 'per-request'));
});

test("debug=1: a NATS server's 1,000 connection writers beside their readers are connections, not a Cond nobody signals", () => {
  const a = analyze(parseDump(paste('nats-mqtt.debug1.txt')));
  assert.deepEqual(a.findings.filter((f) => f.confidence !== 'low').map((f) => f.frames[2]?.func), []);
  const writers = a.findings.find((f) => f.frames.some((fr) => fr.func === 'github.com/nats-io/nats-server/v2/server.(*client).writeLoop'));
  // Listed low at most, with the connection row and without the crowd's or the Cond's points.
  const rows = new Set((writers?.evidence ?? []).map((e) => e.signal));
  assert.ok(!rows.has('crowd') && !rows.has('intrinsic') && !rows.has('literal-returned'), [...rows].join(', '));
  assert.ok(writers === undefined || rows.has('per-connection'));
});

test('a long report says each advice once and tells low findings past the first five in short', () => {
  const a = analyze(parseDump(paste('cockroach-node.txt.gz')));
  assert.ok(a.findings.length > 15);
  const text = renderText(a, { color: false });
  for (const f of a.findings.filter((x, i) => i < 5 || x.confidence !== 'low')) {
    // Each distinct advice paragraph once, in full (its first 60 characters as wrapped).
    const head = f.advice.slice(0, 60).split(' ').slice(0, -1).join(' ');
    assert.equal(text.split(head).length - 1, 1, head);
  }
  const short = a.findings.filter((x, i) => i >= 5 && x.confidence === 'low').length;
  assert.ok(short > 0);
  assert.match(text, new RegExp(`${short} low finding\\(s\\) after the first 5 are shown in short`));
  assert.ok(text.split('\n').length < 320, `${text.split('\n').length} lines`);
});

test('a call line wrapped inside its argument list is joined back: the hang names the function the reporter pointed at', async () => {
  const s = await readSnapshot((async function* () { yield paste('revdial-journald.txt'); })());
  assert.ok(said(s, /joined 1 call line\(s\) whose argument list had been wrapped onto the next line \(first at line 12\)/), s.warnings.join('; '));
  assert.ok(!said(s, /skipped/), s.warnings.join('; '));
  const h = analyze(s).hangs![0]!;
  assert.equal(h.site?.func, 'golang.org/x/build/revdial.(*conn).Write');
  assert.equal(h.site?.line, 304);
});

test('an edited excerpt whose goroutine ids were replaced is refused with what to paste instead', () => {
  assert.throws(
    () => parseDump(paste('restate-edited.txt')),
    (e: Error) => /line 11 "goroutine NNNNN \[chan send, 49 minutes\]:" is a goroutine header whose id was replaced/.test(e.message) && /paste the dump as Go printed it/.test(e.message),
  );
});

test('findings at several lines of one function point at each other: erigon leaks at three sends of one literal', () => {
  const a = analyze(parseDump(paste('erigon.debug1.txt.gz')));
  const fn = 'github.com/ledgerwatch/erigon/cl/phase1/stages.ConsensusClStages.func8.1';
  const sends = a.findings.filter((f) => f.site?.func === fn);
  assert.deepEqual(sends.map((f) => f.site!.line).sort(), [386, 395, 400]);
  const top = sends[0]!;
  assert.equal(top.site!.line, 400);
  assert.deepEqual(top.sameFunction!.map((o) => [o.line, o.goroutines]), [[386, 483], [395, 141]]);
  assert.match(renderText(a, { color: false }), /same function, other lines: line 386 \(483, finding \d+\), line 395 \(141, finding \d+\); 1,704 goroutines in stages\.ConsensusClStages\.func8\.1 together/);
});
