// Dumps that arrive cut (a terminal's scrollback, a paste limit): the part read is analysed and the
// cut is said; nothing is claimed about what the cut hid. Fixture: test/fixtures/dumps/cut-paste.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { analyze, parseDump } from '../../../src/engine/index.js';
import { verdictLine } from '../../../src/engine/render/format.js';

const full = gunzipSync(readFileSync(new URL('../../fixtures/dumps/cut-paste/ordersvc.debug2.txt.gz', import.meta.url))).toString('utf8');
const signals = (a: ReturnType<typeof analyze>) => a.findings.flatMap((f) => (f.evidence ?? []).map((e) => e.signal));
const watchers = (a: ReturnType<typeof analyze>) => a.findings.find((f) => f.frames.some((fr) => fr.func === 'main.watchSession'));

test('a dump whose start was cut says so and claims no creator gone: they may run before the cut', () => {
  const whole = analyze(parseDump(full));
  // Whole: the watchers' 10 creators are in sight, alive.
  assert.ok(watchers(whole)?.evidence?.some((e) => e.signal === 'outlived-call' && /10 creators still run/.test(e.text)), JSON.stringify(watchers(whole)?.evidence));
  // The last 30 %: it starts mid-goroutine and holds none of the creators (before: "298 of 298
  // outlived the goroutine that started them (10 distinct creators, 10 gone) [+2]").
  const snap = parseDump(full.slice(Math.floor(full.length * 0.7)));
  assert.equal(snap.truncated, true);
  assert.match(snap.warnings[0] ?? '', /^input starts mid-goroutine \(\d+ frame line\(s\) before the first goroutine header, from line \d+\): its start was cut off \(truncated\), so goroutines before it are missing/);
  const a = analyze(snap);
  assert.ok(watchers(a), 'the watchers read are still a finding');
  for (const s of ['per-request', 'creator-returned', 'outlived-call'] as const) assert.ok(!signals(a).includes(s), `${s}: ${signals(a)}`);
  assert.ok(!a.findings.some((f) => (f.evidence ?? []).some((e) => /gone/.test(e.text))), JSON.stringify(a.findings.map((f) => f.evidence)));
});

test('a dump whose end was cut does not open with an all-clear: the verdict is for the part read', () => {
  // The first 30 %: the pool and main, none of the watchers.
  const a = analyze(parseDump(full.slice(0, Math.floor(full.length * 0.3))));
  assert.ok(!watchers(a));
  assert.equal(verdictLine(a), 'No suspected goroutine leaks in the part of the dump that was read (it was cut off; capture it whole to be sure).');
  assert.equal(verdictLine(analyze(parseDump(full))).startsWith('1 suspected leak site'), true);
});

test('text before the first header ending in :port or :line is no cut start', () => {
  const snap = parseDump(`$ curl -s http://127.0.0.1:6060\nServing on 127.0.0.1:6060\nsee handler.go line 12 at main.go:40\n${full}`);
  // A line naming a Go file:line is read as a cut frame; the other two are not (a port, a URL).
  assert.match(snap.warnings[0] ?? '', /input starts mid-goroutine \(1 frame line\(s\)/);
  const clean = parseDump(`$ curl -s http://127.0.0.1:6060\nServing on 127.0.0.1:6060\n${full}`);
  assert.equal(clean.truncated, false, clean.warnings.join('; '));
  assert.ok(!clean.warnings.some((w) => /starts mid-goroutine/.test(w)), clean.warnings.join('; '));
});
