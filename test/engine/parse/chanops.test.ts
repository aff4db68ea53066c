// debug=1 channel operations told apart by their hidden PCs (src/engine/parse/chanops.ts), checked
// against the proto profile captured at the same moment of the same process, which names every
// runtime frame: test/fixtures/dumps (Go 1.19, 1.26, 1.26 with the leak profile, 1.27).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDump } from '../../../src/engine/index.js';
import { chanOps } from '../../../src/engine/parse/chanops.js';

const dumps = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'dumps');
const CHAN = new Set(['chan-send', 'chan-recv', 'nil-chan']);

test('every channel wait debug=1 names is the one proto names for the same stack; sends are told from receives', () => {
  for (const tc of ['go1.19', 'go1.26', 'go1.26-leakprofile', 'go1.27']) {
    const resolved = { 'chan-send': 0, 'chan-recv': 0 };
    for (const f of readdirSync(join(dumps, tc)).filter((n) => n.endsWith('.debug1.txt'))) {
      const pb = join(dumps, tc, f.replace('.debug1.txt', '.pb.gz'));
      if (!existsSync(pb)) continue;
      const proto = new Map(parseDump(readFileSync(pb)).groups.map((g) => [g.key, g.kind]));
      for (const g of parseDump(readFileSync(join(dumps, tc, f))).groups) {
        if (!CHAN.has(g.kind)) continue;
        assert.equal(g.kind, proto.get(g.key.replace(/~.*/, '')), `${tc} ${f}: ${g.frames[0]?.func}`);
        if (g.kind === 'chan-send' || g.kind === 'chan-recv') resolved[g.kind] += g.count;
      }
    }
    // The leak fixtures send (leak-chansend, the hidden leaks) and receive beside their pools.
    assert.ok(resolved['chan-send'] > 0 && resolved['chan-recv'] > 0, `${tc}: ${JSON.stringify(resolved)}`);
  }
  const send = parseDump(readFileSync(join(dumps, 'go1.26', 'leak-chansend.t2.debug1.txt')));
  assert.ok(send.groups.some((g) => g.kind === 'chan-send' && g.state === 'chan send' && g.frames[0]?.func.endsWith('leaks.fetchResult')));
});

test('PCs of other runtime waits are never taken for a channel operation; one wrapper alone tells nothing', () => {
  // Hidden PC pairs of one real Go 1.26 debug=1 dump (GoKer Grpc3017): chanrecv from chanrecv1 and
  // chanrecv2, and two goroutines parked on runtime timer locks far away in the binary.
  const recv1 = { park: 0x418a6e, wrapper: 0x418592 };
  const recv2 = { park: 0x418a6e, wrapper: 0x4185b2 };
  const timer = { park: 0x4713f8, wrapper: 0x4710c5 };
  const timer2 = { park: 0x483f25, wrapper: 0x4219c5 };
  const send = { park: 0x417a7c, wrapper: 0x417677 }; // chansend1 → chansend, same binary
  const nilSend = { park: 0x41778c, wrapper: 0x417677 };
  assert.deepEqual(chanOps([recv1, recv2, timer, timer2]).map((k) => k?.kind ?? null), ['chan-recv', 'chan-recv', null, null]);
  assert.deepEqual(chanOps([send, recv2]).map((k) => k?.state ?? null), ['chan send', 'chan receive']);
  assert.deepEqual(chanOps([send, nilSend, recv2]).map((k) => k?.kind ?? null), ['chan-send', 'nil-chan', 'chan-recv']);
  assert.deepEqual(chanOps([recv2]), [null], 'a lone wrapper: send or receive cannot be told');
  assert.deepEqual(chanOps([send]), [null]);
  // A pair another record's visible frames explained takes that kind.
  const known = new Map([[`${timer.park}:${timer.wrapper}`, { kind: 'mutex' as const, state: 'sync.Mutex.Lock' }]]);
  assert.equal(chanOps([timer, recv1], known)[0]?.kind, 'mutex');
});

test("a goroutine caught running inside selectgo is not taken for a select {}'s park site", () => {
  // Go 1.19 debug=1 of a healthy fan-out (test/fixtures/dumps/noise-go1.19, README there): 100
  // goroutines in selects with cases, and one running in selectgo whose second hidden PC is another
  // address of selectgo. Read as two park sites, the lower (selectgo's) was taken for block's.
  const dir = join(dumps, 'noise-go1.19');
  const debug1 = parseDump(readFileSync(join(dir, 'fanin.t0.debug1.txt.gz')));
  assert.deepEqual(debug1.groups.filter((g) => g.kind === 'select-nocases').map((g) => g.frames[0]?.func), []);
  assert.equal(debug1.groups.filter((g) => g.kind === 'select').reduce((n, g) => n + g.count, 0), 101);
  // The proto profile of the same moment names runtime.selectgo under each of them.
  const proto = new Map(parseDump(readFileSync(join(dir, 'fanin.t0.pb.gz'))).groups.map((g) => [g.key, g.kind]));
  for (const g of debug1.groups.filter((x) => x.kind === 'select')) assert.equal(proto.get(g.key.replace(/~.*/, '')), 'select', g.frames[0]?.func);
});


test('a goroutine caught inside chanrecv while it is woken does not make the real park site the nil-channel one', () => {
  // Go 1.19 debug=1 of a busy pool (eval noise hidden-busypool, test/fixtures/dumps/noise-go1.19):
  // 12 workers parked in chanrecv (gopark 0x43ae36, park 0x407e9b) and one being woken, whose four hidden
  // PCs (0x43af0d 0x4082aa 0x408091 0x4079d8) gave a second receive "park site" 0x408091. The real one,
  // the lower, read as the nil channel's: 12 healthy workers called "nothing can ever wake them".
  const dir = join(dumps, 'noise-go1.19');
  const debug1 = parseDump(readFileSync(join(dir, 'hidden-busypool.t2.debug1.txt.gz')));
  assert.deepEqual(debug1.groups.filter((g) => g.kind === 'nil-chan').map((g) => g.frames[0]?.func), []);
  const recv = debug1.groups.filter((g) => g.kind === 'chan-recv');
  assert.deepEqual(recv.map((g) => `${g.frames[0]?.func} ${g.count}`).sort(), ['main.bgSignalLoop 1', 'main.bgWorker 8', 'main.worker 5']);
  // The proto profile of the same process names chanrecv under the idle workers.
  const proto = parseDump(readFileSync(join(dir, 'hidden-busypool.t2.pb.gz')));
  assert.equal(proto.groups.find((g) => g.frames[0]?.func === 'main.bgWorker')?.kind, 'chan-recv');
  // A real nil-channel park beside them is still told, when both are parked at gopark.
  const recv1 = { park: 0x407e9b, wrapper: 0x4079d8, gopark: 0x43ae36 };
  const woken = { park: 0x408091, wrapper: 0x4079d8, gopark: 0x43af0d };
  const nilRecv = { park: 0x407c00, wrapper: 0x4079d8, gopark: 0x43ae36 };
  const send = { park: 0x40708c, wrapper: 0x406c3d, gopark: 0x43ae36 };
  assert.deepEqual(chanOps([recv1, recv1, woken, send]).map((k) => k?.kind ?? null), ['chan-recv', 'chan-recv', 'chan-recv', 'chan-send']);
  assert.deepEqual(chanOps([recv1, recv1, nilRecv, woken, send]).map((k) => k?.kind ?? null), ['chan-recv', 'chan-recv', 'nil-chan', 'chan-recv', 'chan-send']);
});
