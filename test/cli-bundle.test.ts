// `npm run build` bundles the CLI (dist/src/cli.bundle.js, which bin/leakbot.js runs): commander and
// the modules cli.ts imports statically in one module, the modules it imports lazily left outside,
// so `leakbot analyze` never loads the bot's code (Bolt, BullMQ) and the bot's verbs still find it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, runLeakbot } from './support/leakbot-cli.js';

const run = promisify(execFile);

test('the CLI bundle leaves every lazily imported module outside and analyses as the sources do', { timeout: 300_000 }, async () => {
  await run('npm', ['run', 'build'], { cwd: repoRoot });
  const bundle = readFileSync(join(repoRoot, 'dist/src/cli.bundle.js'), 'utf8');
  const lazy = [...readFileSync(join(repoRoot, 'src/cli.ts'), 'utf8').matchAll(/import\('(\.\/[^']+)'\)/g)].map((m) => m[1]!);
  assert.ok(lazy.includes('./main.js'), `lazy imports: ${lazy.join(', ')}`);
  for (const m of lazy) assert.ok(bundle.includes(`import("${m}")`), `${m} is imported by the bundle, not copied into it`);
  const dump = join(repoRoot, 'test/fixtures/dumps/go1.26/leak-chansend.t1.debug2.txt');
  const bin = await run(process.execPath, [join(repoRoot, 'bin/leakbot.js'), 'analyze', dump, '--json'], { cwd: repoRoot });
  const direct = await run(process.execPath, [join(repoRoot, 'dist/src/cli.bundle.js'), 'analyze', dump, '--json'], { cwd: repoRoot });
  const src = await runLeakbot(['analyze', dump, '--json']);
  assert.equal(src.code, 0);
  assert.deepEqual(JSON.parse(bin.stdout), JSON.parse(src.stdout));
  assert.deepEqual(JSON.parse(direct.stdout), JSON.parse(src.stdout));
});
