// Real dumps as people paste them (issue 9, "Inputs that fail today"): each kind of paste is read
// as the original would be, and every repair is a warning the user sees. Samples: samples/real
// (README.md there says how each was made); transformations: transform.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DumpFormatError, parseDump, parseDumps, readSnapshot, readSnapshots } from '../../../src/engine/ingest.js';
import { parseHeader } from '../../../src/engine/parse/debug2.js';
import { body, bodyWithoutArgs, ciPrefix, eatStars, exitTrailer, noFinalNewline, quote, reindent, said, shortenArgs, stripHash, tabsToSpaces, wrapAt } from './transform.js';

const real = (name: string): Buffer => readFileSync(new URL(`./samples/real/${name}`, import.meta.url));
const text = (name: string): string => real(name).toString('utf8');
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/dumps/${name}`, import.meta.url), 'utf8');

/** Real debug=2-shaped texts: profiles, crashes, a test timeout, Go 1.19 and 1.26. */
const DEBUG2: Record<string, string> = {
  'go126 labels': text('go126-labels.debug2.txt'),
  'go119 profile': text('go119.debug2.txt'),
  'go126 crash, stack unavailable': text('go126-crash-otherthread.txt'),
  'go126 test timeout': text('go126-test-timeout.txt'),
  'go119 SIGQUIT': fixture('go1.19/crash-sigquit.txt'),
  'go126 deadlock': fixture('go1.26/crash-deadlock.txt'),
  'go126 slow leak (wait minutes)': fixture('go1.26/slowleak.t1.debug2.txt'),
};
const DEBUG1: Record<string, string> = {
  'go126 labels': text('go126-labels.debug1.txt'),
  'go119 profile': text('go119.debug1.txt'),
  'go126 fixture': fixture('go1.26/leak-mutex.t1.debug1.txt'),
};


test('item 1: Go 1.26 labels inside the header bracket reach the groups; state, kind and lock stay', () => {
  const s = parseDump(real('go126-labels.debug2.txt'));
  const recv = s.groups.find((g) => g.labels.handler !== undefined)!;
  assert.equal(recv.count, 3);
  assert.equal(recv.state, 'chan receive');
  assert.equal(recv.kind, 'chan-recv');
  assert.deepEqual(recv.labels, { handler: ['/api/checkout'], 'worker id': ['0', '1', '2'] });
  const locked = s.groups.find((g) => g.lockedToThread > 0)!;
  assert.deepEqual(locked.labels, { role: ['locked'] });
  assert.equal(locked.kind, 'chan-recv');
  assert.equal(s.groups.find((g) => g.kind === 'chan-send')!.count, 2);
  // The same process's proto profile carries the same piles and labels.
  const p = parseDump(real('go126-labels.pb.gz'));
  assert.equal(p.total, s.total);
  assert.deepEqual(p.groups.find((g) => g.labels.handler !== undefined)!.labels, recv.labels);
  // The forms the issue quotes, minutes and thread lock with labels (runtime/traceback.go goroutineheader).
  const h = parseHeader('goroutine 7 [chan receive, 12 minutes labels:{"handler": "/api/checkout", "worker id": "0"}]:')!;
  assert.deepEqual([h.state, h.waitMinutes, h.lockedToThread, h.labels], ['chan receive', 12, false, { handler: '/api/checkout', 'worker id': '0' }]);
  const l = parseHeader('goroutine 9 [chan receive, 3 minutes, locked to thread labels:{"a]": "b, c"}]:')!;
  assert.deepEqual([l.state, l.waitMinutes, l.lockedToThread, l.labels], ['chan receive', 3, true, { 'a]': 'b, c' }]);
  // Go 1.27's form still reads.
  assert.deepEqual(parseHeader('goroutine 7 [chan receive, 2 minutes] {handler: /api}:')!.labels, { handler: '/api' });
});

test('items 2–3: tabs turned into spaces, indentation, quoting and CI prefixes read as the original, with a warning', () => {
  for (const [name, t] of Object.entries(DEBUG2)) {
    const want = body(parseDump(t));
    const cases: [string, string, RegExp][] = [
      ['tabs→8 spaces', tabsToSpaces(t, 8), /tabs had become spaces/],
      ['tabs→4 spaces', tabsToSpaces(t, 4), /tabs had become spaces/],
      ['tabs→1 space', tabsToSpaces(t, 1), /tabs had become spaces/],
      ['tabs removed', tabsToSpaces(t, 0), /tabs had become spaces \(or were removed\)/],
      ['indented 2', reindent(t, 2), /indented paste/],
      ['indented 4, tabs→spaces', tabsToSpaces(reindent(t, 4), 4), /indented paste/],
      ['> quoted', quote(t), /quote marks ">"/],
      ['CI timestamps', ciPrefix(t), /timestamp prefix/],
      ['CI timestamps, tabs→2', ciPrefix(tabsToSpaces(t, 2)), /tabs had become spaces/],
    ];
    for (const [how, pasted, warning] of cases) {
      const s = parseDump(pasted);
      assert.deepEqual(body(s), want, `${name}: ${how}`);
      assert.ok(said(s, warning), `${name}: ${how} says so: ${s.warnings.join(' | ')}`);
    }
  }
});

test('the `*` of pointer receivers eaten by Markdown (main.(T).run) is put back, with a warning, in every text format', () => {
  const texts = { ...DEBUG2, ...Object.fromEntries(Object.entries(DEBUG1).map(([k, v]) => [`debug=1 ${k}`, v])), 'pprof -traces': text('go126-pprof-traces.txt') };
  let seen = 0;
  for (const [name, t] of Object.entries(texts)) {
    if (!t.includes('(*')) continue;
    seen++;
    const want = parseDump(t);
    for (const [how, pasted] of [['stars eaten', eatStars(t)], ['stars eaten, tabs→4, quoted', quote(tabsToSpaces(eatStars(t), 4))]] as const) {
      const s = parseDump(pasted);
      assert.deepEqual(body(s), body(want), `${name}: ${how}`);
      assert.ok(said(s, /restored the `\*` of \d+ pointer-receiver method name\(s\) that Markdown had eaten .*\(\*/), `${name}: ${how} says so: ${s.warnings.join(' | ')}`);
    }
    assert.ok(!said(want, /Markdown had eaten/), `${name}: nothing to restore in the original`);
  }
  assert.ok(seen >= 5, `texts with pointer receivers: ${seen}`);
  // The creator line is repaired too, and a value receiver (main.T.run) is left alone.
  const s = parseDump('goroutine 7 [chan receive]:\nmain.(Pool[...]).get(0x1)\n\t/src/pool.go:9 +0x1d\nmain.T.run()\n\t/src/main.go:3 +0x2\ncreated by main.(Server).Serve in goroutine 1\n\t/src/main.go:12 +0x45\n');
  assert.deepEqual(s.groups[0]!.frames.map((f) => f.func), ['main.(*Pool[...]).get', 'main.T.run']);
  assert.equal(s.groups[0]!.createdBy?.func, 'main.(*Server).Serve');
});

test('item 3: a dump at the end of a long CI log (2 MB of build output first, timestamps on every line) is found', () => {
  const build = Array.from({ length: 25_000 }, (_, i) => `[build] step ${i}: compiling example.com/svc/internal/pkg${i % 97}`).join('\n');
  const t = DEBUG2['go126 test timeout']!;
  const s = parseDump(ciPrefix(`${build}\n${t}`));
  assert.deepEqual(body(s), body(parseDump(t)));
  assert.ok(said(s, /timestamp prefix/));
});

test('item 3: refused text is quoted raw (not trimmed), with the line that resembled a header', () => {
  const e = (() => { try { parseDump('    Goroutine dump follows\n    goroutine 1 running:\n'); } catch (err) { return err as Error; } })()!;
  assert.ok(e instanceof DumpFormatError);
  assert.match(e.message, /line 1 is "    Goroutine dump follows"/);
  assert.match(e.message, /goroutine 1 \[running\]:/, 'names what was expected');
});

test('item 4: debug=1 as pasted — no total line, "#" eaten by Markdown, spaces for tabs, indented', () => {
  for (const [name, t] of Object.entries(DEBUG1)) {
    const want = body(parseDump(t));
    const noTotal = t.replace(/^goroutine profile: total \d+\n/, '');
    const cases: [string, string, RegExp][] = [
      ['no total line', noTotal, /no "goroutine profile: total N" line/],
      ['# eaten', stripHash(t), /lost their leading "#"/],
      ['# eaten, no total', stripHash(noTotal), /lost their leading "#"/],
      ['tabs→spaces', tabsToSpaces(t, 4), /tabs had become spaces/],
      // Fields run together (`#0x6748c6main.f+0x46/src/main.go:38`): split with the record's own PCs.
      ['tabs removed', tabsToSpaces(t, 0), /tabs had become spaces \(or were removed\)/],
      ['# eaten, tabs removed', stripHash(tabsToSpaces(t, 0)), /tabs had become spaces \(or were removed\)/],
      ['indented, quoted', quote(reindent(t, 2)), /quote marks/],
    ];
    for (const [how, pasted, warning] of cases) {
      const s = parseDump(pasted);
      assert.deepEqual(body(s), want, `${name}: ${how}`);
      assert.ok(said(s, warning), `${name}: ${how}: ${s.warnings.join(' | ')}`);
    }
  }
});

test('item 4: a debug=1 frame line that cannot be read is said, with the line as pasted, never dropped silently', () => {
  for (const [name, t] of Object.entries(DEBUG1)) {
    // A frame whose file lost its line number and whose tabs were removed: no form of a frame matches.
    const first = /^#\t0x[0-9a-f]+\t(\S+)\+0x[0-9a-f]+\t+\S+:\d+$/m.exec(t)!;
    const cut = tabsToSpaces(t.replace(first[0], first[0].replace(/:\d+$/, '')), 0);
    const s = parseDump(cut);
    assert.equal(s.total, parseDump(t).total, name);
    assert.ok(said(s, new RegExp(`1 frame line\\(s\\) could not be read .*the first: "#0x[0-9a-f]+${first[1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\+0x`)), `${name}: ${s.warnings.join(' | ')}`);
  }
});

test('item 4 / issue 8: Go ≤ 1.13 hid 4 runtime PCs before a channel op; a 12,000-goroutine pile is a channel wait, not runnable', () => {
  // A real Go 1.19 record of the senders, with the fourth hidden PC (goparkunlock) Go ≤ 1.13 had
  // before chansend1 inserted after gopark, and the count raised: what an old service prints.
  const rec = /^2 @ (0x[0-9a-f]+) (.*)\n((?:#.*\n)+)/m.exec(text('go119.debug1.txt'))!;
  const old = `goroutine profile: total 12000\n12000 @ ${rec[1]} 0x4062d5 ${rec[2]}\n${rec[3]}`;
  const s = parseDump(old);
  assert.equal(s.total, 12000);
  assert.equal(s.groups[0]!.state, 'chan send or receive');
  assert.notEqual(s.groups[0]!.kind, 'runnable');
  assert.equal(parseDump(`goroutine profile: total 2\n${rec[0]}`).groups[0]!.state, 'chan send or receive', 'the 3-PC Go 1.19 record reads the same');
});

test('item 5: a goroutine running on another thread keeps its creator, with tabs as printed or as spaces', () => {
  for (const t of [text('go126-crash-otherthread.txt'), tabsToSpaces(text('go126-crash-otherthread.txt'), 4)]) {
    const s = parseDump(t);
    const g = s.groups.find((x) => x.frames.length === 0)!;
    assert.equal(g.state, 'running');
    assert.equal(g.createdBy!.func, 'main.main');
    assert.ok(g.createdBy!.line > 0);
    assert.ok(said(s, /running on another thread/));
    assert.equal(s.truncated, false);
  }
});

test('item 6: a go test timeout names the stuck test; goleak blocks read with their creators', () => {
  const t = parseDump(real('go126-test-timeout.txt'));
  const wait = t.groups.find((g) => g.kind === 'waitgroup')!;
  assert.ok(wait.frames.some((f) => f.func === 'example.com/hang.TestHang'));
  assert.equal(t.groups.find((g) => g.frames[0]?.func === 'example.com/hang.worker')!.count, 3);
  assert.equal(t.truncated, false, 'the FAIL trailer is no cut');
  const g = parseDump(real('go126-goleak.txt'));
  assert.equal(g.total, 2);
  assert.equal(g.groups.length, 1);
  assert.equal(g.groups[0]!.kind, 'chan-recv');
  assert.equal(g.groups[0]!.createdBy!.func, 'example.com/goleak.leak');
  assert.equal(g.groups[0]!.orphans, 2, 'the creating goroutine (the test) is not in the report');
  assert.ok(said(g, /goleak/));
  assert.equal(g.truncated, false);
  // goleak v1.1 captions Go's own header of each goroutine: one goroutine each, one dump, no empty stack.
  const old = parseDump(real('go126-goleak-v1.1.txt'));
  assert.equal(old.total, 2);
  assert.deepEqual(old.groups.map((x) => [x.kind, x.count, x.createdBy?.func, x.frames.length]), [['chan-recv', 2, 'example.com/goleak.leak', 1]]);
  assert.ok(said(old, /goleak's report of 2 unexpected goroutine/));
  assert.ok(!said(old, /dumps one after another|header but no stack/), old.warnings.join('; '));
  // Only Go's header of the same goroutine replaces a caption: another goroutine's is a goroutine more.
  const two = parseDump(Buffer.from('[Goroutine 7 in state chan receive, with main.f on top of the stack:\ngoroutine 8 [chan receive]:\nmain.f()\n\t/x/main.go:3 +0x1\n]\n'));
  assert.equal(two.total, 2);
});

test('item 6: race reports and pprof -top tables are refused with what they are; pprof -traces reads like debug=1', async () => {
  assert.throws(() => parseDump(real('go126-race.txt')), (e: Error) => e instanceof DumpFormatError && /race-detector report/.test(e.message));
  await assert.rejects(readSnapshot((async function* () { yield real('go126-race.txt'); })()), /race-detector report/);
  // A race report followed by a dump: the dump is read, the report mentioned.
  const mixed = parseDump(`${text('go126-race.txt')}\n${text('go126-crash-otherthread.txt')}`);
  assert.equal(mixed.total, parseDump(real('go126-crash-otherthread.txt')).total);
  assert.ok(said(mixed, /race-detector report/));
  assert.throws(() => parseDump(real('go126-pprof-top.txt')), (e: Error) => /pprof -top/.test(e.message) && /debug=2/.test(e.message));
  const tr = parseDump(real('go126-pprof-traces.txt'));
  const pb = parseDump(gunzipSync(real('go126-labels.pb.gz')));
  assert.equal(tr.total, pb.total);
  assert.deepEqual(tr.groups.map((g) => [g.count, g.kind]).sort(), pb.groups.map((g) => [g.count, g.kind]).sort());
  assert.ok(said(tr, /pprof -traces/));
  assert.deepEqual(tr.groups.find((g) => g.labels.role)!.labels, { role: ['locked'] });
});

test('item 6: concatenated dumps are not merged: the last one is read, with a warning; (...) arguments read the same', () => {
  for (const [name, t] of Object.entries(DEBUG2)) {
    const s = parseDump(`${t}\n${t}`);
    assert.deepEqual(body(s), body(parseDump(t)), name);
    assert.ok(said(s, /2 dumps one after another/), name);
    assert.deepEqual(bodyWithoutArgs(parseDump(shortenArgs(t))), bodyWithoutArgs(parseDump(t)), `${name}: (...)`);
  }
  const d1 = DEBUG1['go119 profile']!;
  const s = parseDump(d1 + d1);
  assert.equal(s.total, parseDump(d1).total);
  assert.ok(said(s, /2 dumps one after another/));
});

test('item 6: each of several pasted dumps can be had as its own snapshot, oldest first (for a diff)', async () => {
  const [a, b] = [text('go119.debug2.txt'), text('go126-labels.debug2.txt')];
  const all = parseDumps(`${a}\n${b}\n${a}`);
  assert.deepEqual(all.map((x) => x.total), [parseDump(a).total, parseDump(b).total, parseDump(a).total]);
  assert.deepEqual(all[1]!.groups, parseDump(b).groups);
  assert.ok(said(all[0]!, /dump 1 of 3/));
  const streamed = await readSnapshots((async function* () { yield Buffer.from(`${a}\n${b}`); })());
  assert.equal(streamed.length, 2);
  assert.deepEqual(parseDumps(a).length, 1);
});

test('item 6: two dumps of one process pasted together split where the second begins (its writer goroutine, a new id, opens it)', () => {
  const dump = (t: string) => gunzipSync(readFileSync(new URL(`../../fixtures/dumps/surge-order/${t}.debug2.txt.gz`, import.meta.url))).toString('utf8');
  const [t1, t3] = [dump('t1'), dump('t3')];
  const all = parseDumps(`${t1}\n${t3}`);
  assert.deepEqual(all.map((x) => x.total), [parseDump(t1).total, parseDump(t3).total]);
  assert.deepEqual(all[0]!.groups, parseDump(t1).groups);
  assert.deepEqual(all[1]!.groups, parseDump(t3).groups);
});

test('item 7: no false truncation — no final newline, an exit status trailer; cuts say what happened', () => {
  for (const [name, t] of Object.entries(DEBUG2)) {
    const want = body(parseDump(t));
    assert.equal(want.truncated, false, name);
    assert.deepEqual(body(parseDump(noFinalNewline(t))), want, `${name}: no final newline`);
    assert.deepEqual(body(parseDump(exitTrailer(t))), want, `${name}: exit status 2`);
    assert.deepEqual(body(parseDump(noFinalNewline(exitTrailer(t)))), want, `${name}: exit status 2, no newline`);
  }
  for (const t of Object.values(DEBUG1)) assert.equal(parseDump(noFinalNewline(exitTrailer(t))).truncated, false);
  // A tiny paste cut mid-goroutine: truncated, and no talk of a 64 MiB limit.
  const t = DEBUG2['go126 labels']!;
  const cut = parseDump(t.slice(0, t.indexOf('main.recvForever') + 8));
  assert.equal(cut.truncated, true);
  assert.ok(said(cut, /cut off/));
  assert.ok(!cut.warnings.some((w) => w.includes('64 MiB')));
});

test('item 7: header-only goroutines are counted with a warning; 20-digit line numbers are kept exactly', () => {
  const s = parseDump('goroutine 1 [running]:\n\ngoroutine 2 [chan receive]:\n\ngoroutine 3 [select]:\nmain.loop()\n\t/src/main.go:12345678901234567890 +0x1d\n');
  assert.equal(s.total, 3);
  assert.ok(said(s, /2 goroutine\(s\) had a header but no stack/));
  const f = s.groups.find((g) => g.kind === 'select')!.frames[0]!;
  assert.equal(f.lineText, '12345678901234567890');
  assert.equal(f.line, 0);
  assert.ok(said(s, /kept exactly, as text/));
});

test('cgo and non-Go frames (runtime printCgoTraceback: `name\\n\\tfile:line pc=0x…`) keep every frame and the creator', () => {
  const s = parseDump(`goroutine 7 [syscall]:
sleep
\t??:0 pc=0x7f3a1c2e3b4a
non-Go function
\tpc=0x7f3a1c2e3b99
runtime.cgocall(0x4a8b30, 0xc000051e18)
\t/usr/local/go/src/runtime/cgocall.go:167 +0x4b fp=0xc000051de8 sp=0xc000051db0 pc=0x40580b
main._Cfunc_sleep(0x3c)
\t_cgo_gotypes.go:48 +0x45
created by main.main in goroutine 1
\t/src/main.go:9 +0x25
`);
  assert.deepEqual(s.groups[0]!.frames.map((f) => f.func), ['sleep', 'non-Go function', 'runtime.cgocall', 'main._Cfunc_sleep']);
  assert.deepEqual(s.groups[0]!.frames[0], { func: 'sleep', file: '??', line: 0 });
  assert.equal(s.groups[0]!.createdBy!.func, 'main.main');
});

test('issue 11: a truncated .pb.gz names the problem', async () => {
  const pb = real('go126-labels.pb.gz');
  for (const keep of [0.3, 0.6, 0.9]) {
    const cut = pb.subarray(0, Math.floor(pb.length * keep));
    for (const attempt of [() => Promise.resolve(parseDump(cut)), () => readSnapshot((async function* () { yield cut; })())]) {
      try {
        const s = await attempt();
        assert.equal(s.truncated, true);
        assert.ok(said(s, /gzip stream ended early/));
      } catch (e) {
        assert.ok(e instanceof DumpFormatError, String(e));
        assert.match(e.message, /\.pb\.gz is truncated/);
        assert.doesNotMatch(e.message, /profile of : /);
      }
    }
  }
});

test('a dump wrapped so that no line starts with its header (a JSON log field, colour codes) is refused with how to unwrap it, and the unwrapped text reads as the original', () => {
  for (const [name, t] of Object.entries(DEBUG2)) {
    const want = body(parseDump(t));
    // A structured log line holding the dump as a string, as zap or slog write it.
    const logged = `${JSON.stringify({ level: 'error', msg: 'goroutine dump', stack: t })}\n`;
    assert.throws(() => parseDump(logged), (e: Error) => e instanceof DumpFormatError && /inside an escaped string .*jq -r '\.stack'/.test(e.message), name);
    assert.deepEqual(body(parseDump((JSON.parse(logged) as { stack: string }).stack)), want, `${name}: unescaped`);
    // A log viewer's colours around every line (docker compose --ansi always, stern).
    const coloured = t.split('\n').map((l) => (l ? `\u001b[36mweb-0  | \u001b[0m${l}` : l)).join('\n');
    assert.throws(() => parseDump(coloured), (e: Error) => e instanceof DumpFormatError && /terminal colour codes .*sed 's\/\\x1b\\\[\[0-9;\]\*m\/\/g'/.test(e.message), name);
    assert.deepEqual(body(parseDump(coloured.replace(/\x1b\[[0-9;]*m/g, ''))), want, `${name}: colours stripped`);
  }
});

test('a dump a terminal hard-wrapped (scrollback copied at 45–120 columns) reads as the original, with a warning', () => {
  // A trial pasted a dump wrapped at 60 columns: 470 frame-like lines were skipped and a stack group
  // was lost. A line as wide as the widest, cut mid-token (or followed by a line that starts
  // mid-token), is joined to the next; a dump as Go writes it is never joined. The wrap is judged on
  // the first 500 lines and needs 3 cut lines: a short sample with fewer is read as it comes.
  const whole: Record<string, string> = {
    'realdeps grpc (module paths, generics)': gunzipSync(readFileSync(new URL('../../fixtures/dumps/realdeps/grpc/leak.t2.debug2.txt.gz', import.meta.url))).toString('utf8'),
    "a trial's service": gunzipSync(readFileSync(new URL('../../fixtures/dumps/cut-paste/ordersvc.debug2.txt.gz', import.meta.url))).toString('utf8'),
  };
  let joined = 0;
  for (const [name, t] of Object.entries({ ...DEBUG2, ...whole })) {
    const want = body(parseDump(t));
    assert.ok(!parseDump(t).warnings.some((w) => /a terminal had cut/.test(w)), `${name}: nothing to join as Go wrote it`);
    for (const width of [45, 60, 80, 100, 120]) {
      const s = parseDump(wrapAt(t, width));
      const w = s.warnings.find((x) => /a terminal had cut/.test(x));
      if (w === undefined && !(name in whole)) continue;
      if (w !== undefined) {
        assert.match(w, new RegExp(`^joined \\d+ line\\(s\\) a terminal had cut at ${width} columns back to the line they continue$`), `${name} at ${width}`);
        joined++;
      }
      assert.deepEqual(body(s), want, `${name} at ${width} columns`);
    }
  }
  assert.ok(joined >= 15, `${joined} wrapped pastes were joined`);
});
