// Same goroutine id is not the same wait: a keep-alive connection's goroutine that finished one long
// poll and parked in the next one at the same line carries the next request's arguments. Real dumps of a
// new user's checkout service (test/fixtures/noise/newuser/checkout.go.txt, Go 1.26, 24 s apart, every
// poll ending within 20 s) with three real leaks beside the healthy long poll.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { compare, matchSeries, parseDump, type Snapshot } from '../../src/engine/index.js';
import { idOfCall } from '../../src/engine/group.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'noise', 'newuser');
const snap = (moment: string, capturedAt: number): Snapshot =>
  parseDump(gunzipSync(readFileSync(join(dir, `checkout.${moment}.debug2.txt.gz`))), { capturedAt });
const entry = (frames: readonly { func: string }[]) => frames[frames.length - 1]?.func ?? '';
const site = (frames: readonly { func: string }[]) => frames.find((f) => f.func.startsWith('main.'))?.func ?? '';

test('long polls served again on the same keep-alive connections are not survivors; the leaks beside them keep theirs', () => {
  const snaps = [snap('t0', 0), snap('t2', 24_000)];
  const poll = matchSeries(snaps).find((s) => site(s.group.frames) === 'main.pollHandler');
  assert.ok(poll?.identity, 'the long-poll pile is in both snapshots');
  // Independently of the engine's rule: the goroutines of t2 that were in the pile at t0 under the
  // same id, and how many of them print the same arguments for pollHandler's frame.
  const pollArgs = (text: string) => {
    const m = new Map<number, string>();
    for (const block of text.split('\n\n')) {
      const id = /^goroutine (\d+) /.exec(block)?.[1];
      const args = /\nmain\.pollHandler(\(.*\))\n/.exec(block)?.[1];
      if (id && args) m.set(Number(id), args);
    }
    return m;
  };
  const raw = (m: string) => gunzipSync(readFileSync(join(dir, `checkout.${m}.debug2.txt.gz`))).toString('utf8');
  const [before, after] = [pollArgs(raw('t0')), pollArgs(raw('t2'))];
  const sameId = [...after.keys()].filter((id) => before.has(id));
  const sameCall = sameId.filter((id) => before.get(id) === after.get(id));
  assert.ok(sameId.length >= 50, `most ids are reused by keep-alive connections (${sameId.length})`);
  assert.ok(sameCall.length < sameId.length / 10, `few (if any) are still in the same call (${sameCall.length})`);
  assert.equal(poll.identity.survivors, sameCall.length, 'a survivor is the same id in the same call');
  assert.ok(poll.lastNewcomerIds!.every((id) => !before.has(id)), 'reused goroutines moved in, they were not started since');

  const findings = compare(snaps, { maxFindings: 1000 }).findings;
  const pollFinding = findings.find((f) => site(f.frames) === 'main.pollHandler');
  assert.ok(!pollFinding || pollFinding.confidence === 'low', `long poll: ${pollFinding?.confidence} ${pollFinding?.evidence?.map((e) => e.signal)}`);
  // The three leaks of the service (checkout.go.txt: a send after the handler's timeout, a ticker per
  // request never stopped, a watcher of a context never cancelled) keep every goroutine they had, each
  // in the call it was in.
  const leaks = findings.filter((f) => f.confidence === 'high');
  assert.deepEqual(leaks.map((f) => entry(f.frames)).sort(), ['main.priceHandler.func1', 'main.startRefresher.func1', 'main.watchInventory']);
  for (const f of leaks) assert.ok(f.evidence?.some((e) => e.signal === 'kept-and-added'), `${entry(f.frames)}: ${f.evidence?.map((e) => e.signal)}`);
});

test('ids and calls line up: every goroutine of a debug=2 group has one call entry, same id', () => {
  for (const g of snap('t2', 0).groups) {
    assert.equal(g.calls?.length, g.ids?.length);
    assert.deepEqual(g.calls!.map(idOfCall).sort((a, b) => a - b), g.ids);
  }
});

test("an inlined frame prints no arguments ((...), runtime/traceback.go): the call is read from the next frame out", () => {
  // The outer frames of a real Go 1.26 goroutine (test/fixtures/dumps/go1.26/hidden-convoy.t1.debug2.txt),
  // twice: the same goroutine in two requests, Client.Do inlined into Client.Get.
  const block = (id: number, url: string) => `goroutine ${id} [select]:
net/http.(*Client).Do(...)
	/usr/local/go/src/net/http/client.go:592
net/http.(*Client).Get(0x3095cc9fdc20, {${url}?, 0x34?})
	/usr/local/go/src/net/http/client.go:489 +0x5f
main.main()
	/work/main/test/fixtures/go/cmd/hidden-convoy/main.go:12 +0x186
`;
  const calls = (text: string) => parseDump(text).groups.flatMap((g) => g.calls ?? []);
  const [a] = calls(block(1, '0x3095cca05dc0'));
  const [b] = calls(block(1, '0x3095cce4a040'));
  const [c] = calls(`${block(1, '0x3095cca05dc0')}`.replace('net/http.(*Client).Do(...)\n\t/usr/local/go/src/net/http/client.go:592\n', ''));
  assert.ok(a !== undefined && b !== undefined);
  assert.notEqual(a, b, 'two requests: two calls');
  assert.equal(a, c, "the inlined frame's (...) is passed over: the call is Client.Get's arguments");
  assert.deepEqual([a, b].map(idOfCall), [1, 1]);
});

test('a frame whose every value Go marks uncertain (`?`) says nothing of the call: the next frame out is asked', async () => {
  const { hashArgs } = await import('../../src/engine/intern.js');
  const h = (args: string) => hashArgs(Buffer.from(args), 0, args.length);
  // natskv: one delivery loop in one call, printed twice; Cond.Wait's only value was read from a stale spill slot.
  assert.equal(h('(0x314ac45a850?)'), -1);
  assert.equal(h('(0x0?)'), -1);
  assert.equal(h('({0x1?, 0x2?}, 0x3?)'), -1);
  assert.equal(h('(...)'), -1);
  // One certain value: the uncertain ones count too (Client.Get's URL tells two requests apart).
  assert.notEqual(h('(0xc000100708, {0xc00045a850?, 0x34?})'), h('(0xc000100708, {0xc00037a770?, 0x34?})'));
  assert.notEqual(h('(0xc000100708)'), -1);
  assert.notEqual(h('({0x7f01, 0xc000128000}, 0x2)'), -1);
});

test('a call that reassigns a parameter as it loops is the same call: fewer than half of its values changed', async () => {
  const { hashArgs, lastArgWords, sameArgWords } = await import('../../src/engine/intern.js');
  const words = (args: string) => {
    assert.notEqual(hashArgs(Buffer.from(args), 0, args.length), -1);
    return lastArgWords();
  };
  // realdeps vault: one LifetimeWatcher renewing its lease in one long call, printed 1 s apart; the
  // sixth of its eight words is the renewal it holds now.
  const t0 = words('(0x2664f9addc00, 0x0, 0x0, 0x3, {0x2664f9993128, 0x15}, 0x2664f9a3df88, 0x2540be400)');
  const t1 = words('(0x2664f9addc00, 0x0, 0x0, 0x3, {0x2664f9993128, 0x15}, 0x2664f9f18f88, 0x2540be400)');
  assert.ok(sameArgWords(t0, t1), 'one value of eight changed: the same call');
  // The checkout service's long poll served again on a keep-alive connection: a new response writer
  // and request (the interface's type word alone stays): a new call.
  assert.ok(!sameArgWords(words('({0x7f0a, 0xc000128000}, 0xc00012e000)'), words('({0x7f0a, 0xc000398000}, 0xc0003a2000)')));
  // A handler method on a shared object serving a new request: half of the values changed is a new call.
  assert.ok(!sameArgWords(words('(0xc000010000, {0x7f0a, 0xc000128000}, 0xc00012e000)'), words('(0xc000010000, {0x7f0a, 0xc000398000}, 0xc0003a2000)')));
  assert.ok(!sameArgWords(words('(0xc000010000, 0xc000128000)'), words('(0xc000010000, 0xc000398000)')), 'one of two');
  assert.ok(sameArgWords(words('(0x1, 0x2, 0x3)'), words('(0x1, 0x2, 0x3)')));
  assert.ok(!sameArgWords(words('(0x1, 0x2)'), words('(0x1, 0x2, 0x3)')), 'another number of values');
});

test("realdeps vault: the watchers never stopped keep their ids and calls while they renew; read as kept and added, not as turned over", () => {
  const root = join(import.meta.dirname, '..', 'fixtures', 'dumps', 'realdeps', 'vault');
  const snaps = [0, 1].map((t) => parseDump(gunzipSync(readFileSync(join(root, `leak.t${t}.debug2.txt.gz`))), { capturedAt: 1_000 * (t + 1) }));
  const f = compare(snaps, { maxFindings: 100 }).findings.find((x) => x.frames[0]?.func.endsWith('(*LifetimeWatcher).doRenewWithOptions'));
  assert.equal(f?.confidence, 'high', `${f?.evidence?.map((e) => `${e.signal}: ${e.text}`)}`);
  assert.ok(f.evidence?.some((e) => e.signal === 'kept-and-added') && !f.evidence.some((e) => e.signal === 'turned-over'));
});
