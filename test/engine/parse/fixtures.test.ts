// Every fixture captured from the real Go programs in test/fixtures/go parses, and the same
// program lands in the same blocking kind and signature in every format and Go version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parseDump } from '../../../src/engine/ingest.js';
import type { BlockKind, Snapshot, StackGroup } from '../../../src/engine/model.js';

const DIR = new URL('../../fixtures/dumps/', import.meta.url);
const manifestPath = new URL('manifest.json', DIR);

interface Capture { moment: string; files: Record<string, string> }
interface Program { pattern: string | null; expect: { func: string; file: string; line: number; stdFunc?: string } | null; captures: Record<string, Capture[]> }
interface Manifest { programs: Record<string, Program>; crashes: Record<string, Record<string, string>> }

const manifest: Manifest | null = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : null;

/** The kind each fixture pattern must land in. */
const EXPECTED_KIND: Record<string, BlockKind> = {
  chanrecv: 'chan-recv', chansend: 'chan-send', cond: 'cond', mutex: 'mutex', rwmutex: 'rwmutex',
  netread: 'net-io', nilchan: 'nil-chan', select: 'select', selectnocases: 'select-nocases',
  sleep: 'sleep', waitgroup: 'waitgroup',
  httpbody: 'select', // readLoop parks in a select until the body is read or closed
};

/** debug=1 hides the runtime frames a goroutine parks in; without symbols for them a channel
 *  operation's direction and a select's case count cannot be known (see parse/debug1.ts). */
const DEBUG1_FALLBACK: Partial<Record<BlockKind, BlockKind>> = {
  'chan-recv': 'unknown', 'chan-send': 'unknown', 'nil-chan': 'unknown', 'select-nocases': 'select',
};

function site(s: Snapshot, p: Program): StackGroup[] {
  const e = p.expect!;
  return s.groups.filter((g) =>
    e.stdFunc
      ? g.frames[0]?.func === e.stdFunc
      : g.frames.some((f) => f.func === e.func && f.file.endsWith(`/${e.file}`) && f.line === e.line),
  );
}

test('fixtures: every capture parses; the leak site has one kind and one signature across formats', { skip: manifest === null && 'no fixtures yet' }, () => {
  let checked = 0;
  for (const [name, p] of Object.entries(manifest!.programs)) {
    for (const [toolchain, caps] of Object.entries(p.captures)) {
      for (const c of caps) {
        const snaps: Record<string, Snapshot> = {};
        for (const [fmt, file] of Object.entries(c.files)) {
          const s = parseDump(readFileSync(new URL(file, DIR)));
          assert.equal(s.truncated, false, file);
          snaps[fmt] = s;
          if (fmt.startsWith('leak')) assert.equal(s.leakProfile, true, file);
          else assert.equal(s.leakProfile, false, file);
        }
        if (!p.expect || !p.pattern) continue;
        const want = EXPECTED_KIND[p.pattern]!;
        const counts = new Set<number>();
        const keys = new Set<string>();
        for (const [fmt, s] of Object.entries(snaps)) {
          const where = `${name} ${toolchain} ${c.moment} ${fmt}`;
          const groups = site(s, p);
          if (fmt === 'leak1.txt' && groups.length === 0) continue; // Go's detector cannot see this leak
          assert.ok(groups.length > 0, `${where}: leak site not found`);
          const kinds = new Set(groups.map((g) => g.kind));
          const ok = fmt.startsWith('debug1') || fmt === 'leak1.txt' ? [want, DEBUG1_FALLBACK[want] ?? want] : [want];
          for (const k of kinds) assert.ok(ok.includes(k), `${where}: kind ${k}, want ${ok.join(' or ')}`);
          counts.add(groups.reduce((n, g) => n + g.count, 0));
          if (!fmt.startsWith('leak') && groups.length === 1 && !groups[0]!.framesElided) keys.add(groups[0]!.key);
          checked++;
        }
        assert.equal(counts.size, 1, `${name} ${toolchain} ${c.moment}: counts differ across formats: ${[...counts]}`);
        assert.ok(keys.size <= 1, `${name} ${toolchain} ${c.moment}: signatures differ across formats`);
      }
    }
  }
  assert.ok(checked > 100, `checked ${checked} captures`);
});

test('fixtures: panic, deadlock and SIGQUIT outputs of every toolchain', { skip: manifest === null && 'no fixtures yet' }, () => {
  for (const [name, byToolchain] of Object.entries(manifest!.crashes)) {
    for (const [toolchain, file] of Object.entries(byToolchain)) {
      const s = parseDump(readFileSync(new URL(file, DIR)));
      assert.ok(s.total >= 1, `${name} ${toolchain}`);
      assert.equal(s.format, 'debug2');
      assert.ok(s.groups.every((g) => g.frames.length > 0 || g.kind === 'running' || g.kind === 'runtime'), `${name} ${toolchain}`);
      if (name === 'crash-deadlock') assert.ok(s.groups.some((g) => g.kind !== 'running'), `${name} ${toolchain}: blocked goroutines`);
    }
  }
});
