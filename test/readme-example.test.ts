// The README opens with a finding and the `leakbot diff` command that printed it, so a newcomer can
// reproduce the first thing they read. This keeps the two together: every line of that example is a
// line the command prints today (a line cut with "…" is a prefix of one), in the same order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { leakbotCommand, repoRoot } from './support/leakbot-cli.js';

const run = promisify(execFile);

/** `a.t{0,1,2}.txt` → the three paths, as the shell's brace expansion gives them. */
function braces(arg: string): string[] {
  const m = /^(.*)\{([^}]*)\}(.*)$/.exec(arg);
  return m ? m[2]!.split(',').map((p) => `${m[1]}${p}${m[3]}`) : [arg];
}

test('README: the opening example is what the command it names prints', async () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const m = /\(`leakbot (diff [^`]+)`, shortened\):\n\n```\n([\s\S]*?)\n```/.exec(readme);
  assert.ok(m, 'README opens with an example block introduced by "(`leakbot diff …`, shortened):"');
  const args = m[1]!.split(/\s+/).flatMap(braces);
  const [cmd, argv] = leakbotCommand(args);
  const { stdout } = await run(cmd, argv, { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 << 20 });
  const printed = stdout.split('\n').map((l) => l.trimEnd());
  let at = 0;
  for (const line of m[2]!.split('\n')) {
    if (line.trim() === '') continue;
    const cut = line.endsWith('…');
    const want = cut ? line.slice(0, -1).trimEnd() : line.trimEnd();
    const found = printed.findIndex((p, i) => i >= at && (cut ? p.startsWith(want) : p === want));
    assert.ok(found >= 0, `README example line not printed (in order) by \`leakbot ${m[1]}\`:\n  ${line}\noutput:\n${stdout}`);
    at = found + 1;
  }
});
