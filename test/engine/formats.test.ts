// A richer format never gives a weaker verdict (GUIDE: "more evidence never weakens a claim without a
// reason the user can read"): on the real fixture dumps, every pair and every full series of the same
// moments, debug=2 (goroutine ids) must put the leak site at a confidence at least as high as debug=1
// or proto do. Issue 8's new-user test found debug=2 pairs saying "no leak" where debug=1 listed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, parseDump, renderText, type Analysis, type Finding } from '../../src/engine/index.js';

const dumps = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'dumps');
const manifestPath = join(dumps, 'manifest.json');

interface Capture {
  moment: string;
  capturedAt: number;
  files: Record<string, string>;
}
interface Program {
  noise: boolean;
  expect: { func: string; file: string; line: number; stdFunc?: string } | null;
  captures: Record<string, Capture[]>;
}

const RANK = { high: 3, medium: 2, low: 1 } as const;
const rankOf = (f: Finding | undefined) => (f ? RANK[f.confidence] : 0);

function load(caps: Capture[], format: string): Analysis | null {
  if (!caps.every((c) => c.files[format])) return null;
  return compare(caps.map((c) => parseDump(readFileSync(join(dumps, c.files[format]!)), { capturedAt: c.capturedAt })));
}

function atSite(a: Analysis, p: Program): Finding | undefined {
  const e = p.expect!;
  return a.findings.find((f) => (e.stdFunc ? f.stdSite?.func === e.stdFunc : f.site?.line === e.line && basename(f.site.file) === e.file));
}

/** Every pair of moments (i < j) and, with 3+, the whole series. */
function windows(n: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push([i, j]);
  if (n >= 3) out.push(Array.from({ length: n }, (_, i) => i));
  return out;
}

const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { programs: Record<string, Program> }) : null;

test('debug=2 is never weaker than debug=1 or proto of the same moments', { skip: !manifest && 'no captured dumps' }, () => {
  let checked = 0;
  const weaker: string[] = [];
  for (const [name, p] of Object.entries(manifest!.programs)) {
    if (p.noise || !p.expect) continue;
    for (const [toolchain, caps] of Object.entries(p.captures)) {
      for (const w of windows(caps.length)) {
        const picked = w.map((i) => caps[i]!);
        const rich = load(picked, 'debug2.txt');
        if (!rich) continue;
        const mine = rankOf(atSite(rich, p));
        for (const format of ['debug1.txt', 'pb.gz']) {
          const other = load(picked, format);
          if (!other) continue;
          checked++;
          const theirs = rankOf(atSite(other, p));
          if (theirs > mine) weaker.push(`${name} ${toolchain} ${picked.map((c) => c.moment).join(',')}: debug2 ${mine} < ${format} ${theirs}`);
        }
      }
    }
  }
  assert.ok(checked > 100, `compared ${checked} windows`);
  assert.deepEqual(weaker, []);
});

const go126 = (file: string) => parseDump(readFileSync(join(dumps, 'go1.26', file)));

test('a pile that kept its goroutines and added a batch from one live creator is listed, not dropped as a pool', { skip: !manifest && 'no captured dumps' }, () => {
  // leak-chanrecv: one consumer-starting goroutine (still running) adds a batch per moment.
  const a = compare([go126('leak-chanrecv.t1.debug2.txt'), go126('leak-chanrecv.t2.debug2.txt')]);
  const f = a.findings.find((x) => x.site?.line === 150);
  assert.ok(f, renderText(a, { color: false }));
  const signals = (f.evidence ?? []).map((e) => e.signal);
  assert.ok(signals.includes('kept-and-added-batch'), signals.join(','));
  assert.ok(!signals.includes('one-live-creator') && !signals.includes('started-together'), `no pool rows on a growing pile: ${signals.join(',')}`);
  assert.doesNotMatch(f.advice, /pool at rest/);
  assert.doesNotMatch(renderText(a, { color: false }), /^No suspected goroutine leaks/);
});

test('hidden-pool in debug=2, one snapshot or a pair: the leak three calls left beside a steady pool from the same creator is named above the pool', { skip: !manifest && 'no captured dumps' }, () => {
  for (const toolchain of ['go1.19', 'go1.26']) {
    const snap = (t: string) => parseDump(readFileSync(join(dumps, toolchain, `hidden-pool.${t}.debug2.txt`)));
    for (const [mode, a] of [['single', compare([snap('t2')])], ['diff', compare([snap('t1'), snap('t2')])]] as const) {
      const f = a.findings[0];
      assert.ok(f && f.site?.func.endsWith('consumeEvents'), `${toolchain} ${mode}: first is ${f?.site?.func}`);
      assert.ok(f.confidence === 'medium' || f.confidence === 'high', `${toolchain} ${mode}: ${f.confidence} ${f.signals.join('; ')}`);
      // Its ids come in three blocks split in the middle of Go's id batches: not started at once.
      const rows = (f.evidence ?? []).map((e) => e.signal);
      assert.ok(!rows.includes('one-live-creator') && !rows.includes('started-together'), `${toolchain} ${mode}: ${rows}`);
      const pool = a.findings.find((x) => x.site?.func.endsWith('poolWorker'));
      assert.ok(!pool || pool.confidence === 'low', `${toolchain} ${mode}: pool ${pool?.confidence}`);
    }
  }
});

test('hidden-pool over three debug=2 snapshots: grew at every step is scored, high, and no pool-at-rest advice', { skip: !manifest && 'no captured dumps' }, () => {
  const a = compare(['t0', 't1', 't2'].map((t) => go126(`hidden-pool.${t}.debug2.txt`)));
  const f = a.findings[0]!;
  assert.equal(f.site?.line, 150);
  assert.equal(f.confidence, 'high');
  const rows = (f.evidence ?? []).map((e) => e.signal);
  assert.ok(rows.includes('kept-and-added') && rows.includes('grew-every-step'), rows.join(','));
  assert.doesNotMatch(f.advice, /pool at rest/);
  // The words "grew at every snapshot" appear once, as the scored row.
  assert.equal(f.signals.filter((s) => s.startsWith('grew at every snapshot')).length, 1, f.signals.join('\n'));
  assert.ok(f.signals.some((s) => /^grew at every snapshot: 10 → 25 → 45 \[\+4\]$/.test(s)), f.signals.join('\n'));
  // The steady 100-worker pool beside it stays out.
  assert.ok(!a.findings.some((x) => x.site?.func.endsWith('poolWorker') && x.confidence !== 'low'));
});
