// A healthy service built from real dependencies (gRPC, go-redis, NATS) and the same service leaking
// gRPC streams (test/fixtures/dumps/realdeps/grpc, README of realdeps): the helpers libraries start per stream or
// subscription read as what they are, and a leak among them is still found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, compare, matchSeries, parseDump, type Finding, type Snapshot } from '../../src/engine/index.js';
import { evidenceOf } from '../../src/engine/evidence.js';
import { readGroup } from '../../src/engine/patterns.js';
import { dependencyModule } from '../../src/engine/modules.js';
import { renderBlocks } from '../../src/engine/render/blocks.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'dumps', 'realdeps', 'grpc');
const load = (name: string, i = 0): Snapshot => parseDump(readFileSync(join(dir, `${name}.debug2.txt.gz`)), { capturedAt: 1_000 * (i + 1) });
const signals = (f: Finding) => (f.evidence ?? []).map((e) => e.signal);
const strong = (f: Finding) => f.confidence === 'high' || f.confidence === 'medium';
const WATCHER = 'google.golang.org/grpc.newClientStreamWithParams.func4';
const DELIVERY = 'github.com/nats-io/nats%2ego.(*Conn).waitForMsgs';

test('a dependency module is read from module-cache and -trimpath paths, never from own code or GOROOT', () => {
  assert.equal(dependencyModule('/root/go/pkg/mod/google.golang.org/grpc@v1.85.0/stream.go'), 'google.golang.org/grpc@v1.85.0');
  assert.equal(dependencyModule('/home/ci/go/pkg/mod/github.com/nats-io/nats.go@v1.55.0/nats.go'), 'github.com/nats-io/nats.go@v1.55.0');
  assert.equal(dependencyModule('google.golang.org/grpc@v1.85.0/internal/transport/transport.go'), 'google.golang.org/grpc@v1.85.0');
  assert.equal(dependencyModule('/src/app/internal/orders/orders.go'), null);
  assert.equal(dependencyModule('/usr/local/go/src/net/http/server.go'), null);
  assert.equal(dependencyModule('/src/app/vendor/google.golang.org/grpc/stream.go'), null);
  // Go itself fetched through GOTOOLCHAIN sits in the module cache: still the standard library.
  assert.equal(dependencyModule('/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.27.4.linux-amd64/src/net/http/server.go'), null);
  assert.equal(dependencyModule('/home/x/svc@v/main.go'), null, 'a directory named like a version without one');
});

test('healthy: per-stream and per-subscription helpers of real libraries are not called leaks in one snapshot', () => {
  const snap = load('healthy.t2');
  const a = analyze(snap, { maxFindings: 1000 });
  assert.ok(!a.findings.some(strong), a.findings.filter(strong).map((f) => `${f.frames[0]?.func} ${f.confidence} ${signals(f)}`).join('; '));
  const watchers = a.findings.find((f) => f.frames.some((fr) => fr.func === WATCHER));
  assert.ok(watchers, 'the stream watchers are listed');
  assert.equal(watchers.after, 20);
  assert.ok(signals(watchers).includes('in-library-call') && !signals(watchers).includes('outlived-call'), `${signals(watchers)}`);
  // nats.go's delivery loops each wait on the Cond of their own subscription, woken thousands of times.
  const [delivery] = matchSeries([snap]).filter((s) => s.group.frames.some((f) => f.func === DELIVERY));
  assert.ok(delivery, 'the delivery loops are in the dump');
  const ev = evidenceOf(delivery, readGroup(delivery.group), { n: 1, minDelta: 5, minNewcomers: 2, series: [snap] });
  const rows = ev.items.map((e) => e.signal);
  assert.ok(rows.includes('cond-signalled') && !rows.includes('intrinsic'), `${rows}`);
});

test('leak: watchers of streams opened and never cancelled are found beside the watchers that come and go', () => {
  const [t0, t1, t2] = [0, 1, 2].map((i) => load(`leak.t${i}`, i));
  const pair = compare([t0!, t1!], { maxFindings: 1000 });
  const leak = pair.findings.find((f) => f.frames.some((fr) => fr.func === WATCHER));
  assert.ok(leak, 'the watcher pile is a finding');
  assert.equal(leak.confidence, 'high');
  assert.ok(signals(leak).includes('kept-most-and-added') && !signals(leak).includes('turned-over'), `${signals(leak)}`);
  // One goroutine opened every leaked stream and no longer runs grpc code for each: not a library's helpers.
  const single = analyze(t2!, { maxFindings: 1000 }).findings.find((f) => f.frames.some((fr) => fr.func === WATCHER));
  assert.ok(single && strong(single) && !signals(single).includes('in-library-call'), `${single?.confidence} ${single && signals(single)}`);
  // Every frame of the pile is grpc's: the service's line is where the goroutine that opened the
  // leaked streams runs (main.go's leak loop), which started more of them than the 20 healthy callers.
  assert.equal(single.startedFrom?.frame.func, 'main.main.func4');
  assert.equal(single.startedFrom?.creators, 1);
  assert.ok(single.startedFrom!.goroutines > single.after / 2, `${single.startedFrom!.goroutines} of ${single.after}`);
  assert.match(single.advice, /^These goroutines run only library code, started for main\.main\.func4 /);
  // The thread shows it too, as code like every other site.
  const section = JSON.stringify(renderBlocks(analyze(t2!), { title: 'Goroutine snapshot', service: 'svc-order' }).blocks);
  assert.match(section, /started from `main\.main\.func4` at `[^`]*main\.go:\d+`, where the goroutine that started \d+ of them runs now/);
});

test('a goroutine blocked inside a library call points at the service line that made the call', () => {
  // The healthy run's 20 stream readers, opened at start and none since, are settled and not listed;
  // the site their finding would name is the stack's reading.
  const readers = load('healthy.t2').groups.find((g) => g.frames[0]?.func === 'google.golang.org/grpc/internal/transport.(*recvBufferReader).readMessageHeaderClient');
  assert.ok(readers, 'the stream readers are in the snapshot');
  const reading = readGroup(readers);
  assert.equal(reading.site?.func, 'main.main.func3');
  assert.match(reading.site!.file, /main\.go$/);
  assert.match(reading.stdSite?.func ?? '', /^google\.golang\.org\/grpc\.\(\*GenericClientStream\[\.\.\.\]\)\.Recv$/);
});
