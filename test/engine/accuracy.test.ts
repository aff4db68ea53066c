// Accuracy over real dumps: every fixture program in test/fixtures/go/cmd, captured by
// test/fixtures/capture.sh on every toolchain, in every format. Leak programs must put the right pattern
// at the exact blocking line on top; healthy programs with production noise must yield no high or medium
// finding; leaks hidden in noise must still come out on top; Go's leak profile is ground truth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  analyze,
  compare,
  parseDump,
  renderBlocks,
  renderMarkdown,
  renderText,
  toJsonReport,
  type Analysis,
  type Finding,
  type PatternId,
  type Snapshot,
} from '../../src/engine/index.js';

const dumps = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'dumps');

interface Capture {
  moment: string;
  capturedAt: number;
  files: Record<string, string>;
}
interface Program {
  pattern: string | null;
  noise: boolean;
  expect: { func: string; file: string; line: number; stdFunc?: string } | null;
  captures: Record<string, Capture[]>;
}
interface Manifest {
  toolchains: Record<string, { goVersion: string | null; leakProfile: boolean }>;
  programs: Record<string, Program>;
}

/** The fixture programs' pattern names → the engine's catalogue. */
const PATTERN: Record<string, PatternId> = {
  chansend: 'chan-send-no-receiver',
  chanrecv: 'chan-recv-never-closed',
  select: 'select-no-cancel',
  nilchan: 'nil-chan',
  selectnocases: 'select-no-cases',
  waitgroup: 'waitgroup-never-done',
  mutex: 'lock-never-released',
  rwmutex: 'lock-never-released',
  cond: 'cond-never-signalled',
  httpbody: 'unclosed-http-body',
  netread: 'net-read-no-deadline',
  sleep: 'sleep-loop',
};

/** debug=1 hides the runtime frames a goroutine parks in: a send is told from a receive only by the
 *  order of their hidden PCs against another channel wait of the dump (parse/chanops.ts; every fixture
 *  has a pool receiving beside its leak, so sends are named), a receive whose wrapper is the dump's only
 *  one and a nil-channel operation show as "chan send or receive". (`select {}` is told from a select
 *  by its park PC when the dump has a select beside it, as every fixture has.) There the engine names
 *  what it can tell (the site stays exact); every other format must name the pattern. */
const DEBUG1_CANNOT_TELL: Record<string, PatternId> = {
  chanrecv: 'blocked-other',
  nilchan: 'blocked-other',
};

function expectedPattern(p: Program, format: string): PatternId {
  return (format === 'debug1.txt' && DEBUG1_CANNOT_TELL[p.pattern!]) || PATTERN[p.pattern!]!;
}

/** The formats every capture has; the leak profile's debug=2 file is checked on its own below. */
const FORMATS = ['debug2.txt', 'debug1.txt', 'pb.gz'] as const;

const manifestPath = join(dumps, 'manifest.json');
const manifest: Manifest | null = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest) : null;

const cache = new Map<string, Snapshot>();
function load(rel: string, capturedAt: number): Snapshot {
  let s = cache.get(rel);
  if (!s) {
    s = parseDump(readFileSync(join(dumps, rel)), { capturedAt });
    cache.set(rel, s);
  }
  return s;
}

function series(caps: Capture[], format: string): Snapshot[] | null {
  if (!caps.every((c) => c.files[format])) return null;
  return caps.map((c) => load(c.files[format]!, c.capturedAt));
}

const describe = (f: Finding | undefined) =>
  f ? `${f.pattern} ${f.confidence} at ${f.site?.func ?? f.stdSite?.func}:${f.site?.line ?? f.stdSite?.line} ${JSON.stringify(f.series)}` : 'no finding';
const actionable = (a: Analysis) => a.findings.filter((f) => f.confidence !== 'low');

/** The top finding names the pattern and the exact site (or, for unclosed bodies, the net/http frame). */
function assertTopIsLeak(a: Analysis, p: Program, format: string, where: string): Finding {
  const top = a.findings[0];
  const expect = p.expect!;
  assert.ok(top, `${where}: no finding at all`);
  assert.equal(top.pattern, expectedPattern(p, format), `${where}: top is ${describe(top)}`);
  if (expect.stdFunc) {
    assert.equal(top.stdSite?.func, expect.stdFunc, `${where}: ${describe(top)}`);
  } else {
    assert.equal(top.site?.func, expect.func, `${where}: ${describe(top)}`);
    assert.equal(basename(top.site.file), expect.file, where);
    assert.equal(top.site.line, expect.line, `${where}: ${describe(top)}`);
  }
  return top;
}

/** Every renderer points at the same place. */
function assertRenderersPoint(a: Analysis, snaps: Snapshot[], p: Program, format: string, where: string): void {
  const expect = p.expect!;
  const needle = expect.stdFunc ? 'transport.go:' : `${expect.file}:${expect.line}`;
  assert.ok(renderText(a, { color: false }).includes(needle), `${where}: text names ${needle}`);
  assert.ok(renderMarkdown(a).includes(needle), `${where}: markdown names ${needle}`);
  const blocks = renderBlocks(a, { title: 'Goroutine diff', service: 'fixture' });
  assert.ok(JSON.stringify(blocks.blocks).includes(needle), `${where}: Block Kit names ${needle}`);
  const json = toJsonReport(a, snaps);
  const first = json.findings[0]!;
  assert.equal(first.pattern, expectedPattern(p, format));
  if (!expect.stdFunc) assert.ok(first.location?.endsWith(`/${expect.file}:${expect.line}`), `${where}: JSON location ${first.location}`);
  if (expect.stdFunc) assert.match(renderText(a, { color: false }), /unclosed HTTP response body/);
}

if (!manifest) {
  test('fixture dumps', { skip: 'test/fixtures/dumps/manifest.json not captured yet (test/fixtures/capture.sh)' }, () => {});
} else {
  for (const [name, p] of Object.entries(manifest.programs)) {
    for (const [toolchain, caps] of Object.entries(p.captures)) {
      test(`${name} on ${toolchain}`, () => {
        let checked = 0;
        for (const format of FORMATS) {
          const snaps = series(caps, format);
          if (!snaps) continue;
          checked++;
          const where = `${name} ${toolchain} ${format}`;
          const a = compare(snaps);
          if (p.noise) {
            assert.deepEqual(actionable(a).map(describe), [], `${where}: series`);
            snaps.forEach((s, i) => assert.deepEqual(actionable(analyze(s)).map(describe), [], `${where}: snapshot ${i}`));
            for (let i = 1; i < snaps.length; i++) {
              const pair = compare([snaps[i - 1]!, snaps[i]!]);
              assert.deepEqual(actionable(pair).map(describe), [], `${where}: ${caps[i - 1]!.moment}→${caps[i]!.moment}`);
            }
            continue;
          }
          const top = assertTopIsLeak(a, p, format, `${where} series`);
          // Growth at every step of three snapshots is a leak; between two, debug=1 cannot show the
          // pattern that tells a leak from a pool that grew, so there it may stay "worth a look".
          if (snaps.length >= 3 || format !== 'debug1.txt') {
            assert.notEqual(top.confidence, 'low', `${where}: a leak growing over ${snaps.length} snapshots is actionable: ${describe(top)}`);
          }
          assert.ok(top.delta > 0, where);
          assertRenderersPoint(a, snaps, p, format, where);
          // One snapshot on its own: lower confidence, but still the right site on top (not for leaks
          // hidden in noise, which only growth can tell apart from a pool at one instant).
          if (name.startsWith('leak-')) assertTopIsLeak(analyze(snaps[snaps.length - 1]!), p, format, `${where} single`);
        }
        assert.ok(checked > 0, `${name} ${toolchain}: no format captured at every moment`);
      });
    }
  }

  test("Go's goroutine leak profile: (leaked) goroutines are high-confidence findings, noise stays quiet", (t) => {
    let checked = 0;
    for (const [name, p] of Object.entries(manifest.programs)) {
      for (const caps of Object.values(p.captures)) {
        const last = caps[caps.length - 1]!;
        const file = last.files['leak.txt'];
        if (!file) continue;
        checked++;
        const snap = load(file, last.capturedAt);
        const a = analyze(snap);
        const marked = snap.groups.filter((g) => g.leaked > 0);
        if (p.noise) {
          assert.deepEqual(actionable(a).map(describe), [], name);
        } else if (marked.length > 0) {
          const top = assertTopIsLeak(a, p, 'leak.txt', `${name} leak profile`);
          assert.equal(top.confidence, 'high', `${name}: ${describe(top)}`);
          assert.ok(top.leaked > 0);
          assert.ok(top.signals.some((s) => s.includes('(leaked)')));
        }
      }
    }
    if (checked === 0) t.skip('no toolchain with the goroutine leak profile captured');
  });
}
