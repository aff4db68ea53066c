// The CLI loads the engine bundle `npm run build` writes only while it is as new as tsc's output: a
// `tsc` run alone after a build must not leave the CLI on stale engine code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadEngine } from '../src/load-engine.js';

/** A dist-like folder: engine/index.js (written at `indexTime`, seconds) and, unless null, an
 *  engine/bundle.js written at `bundleTime` that says it is the bundle. */
function layout(root: string, name: string, bundleTime: number | null, indexTime: number): URL {
  const dir = join(root, name);
  mkdirSync(join(dir, 'engine'), { recursive: true });
  const index = join(dir, 'engine', 'index.js');
  writeFileSync(index, 'export const from = "not the bundle";\n');
  utimesSync(index, indexTime, indexTime);
  if (bundleTime !== null) {
    const bundle = join(dir, 'engine', 'bundle.js');
    writeFileSync(bundle, 'export const from = "bundle";\n');
    utimesSync(bundle, bundleTime, bundleTime);
  }
  return pathToFileURL(dir + '/');
}

test('the bundle is loaded when it is as new as the compiled engine, else the engine modules', async () => {
  const root = mkdtempSync(join(tmpdir(), 'leakbot-load-engine-'));
  const from = async (dir: URL): Promise<string | undefined> => ((await loadEngine(dir)) as unknown as { from?: string }).from;
  try {
    assert.equal(await from(layout(root, 'newer', 2000, 1000)), 'bundle');
    assert.equal(await from(layout(root, 'same', 1000, 1000)), 'bundle', 'npm packs every file with one time');
    // Not the bundle: the engine modules beside load-engine itself (which carry no `from`).
    assert.equal(await from(layout(root, 'stale', 1000, 2000)), undefined, 'tsc ran after the bundle was made');
    assert.equal(await from(layout(root, 'none', null, 1000)), undefined, 'no bundle');
    assert.equal(typeof (await loadEngine(layout(root, 'real', null, 1000))).analyze, 'function');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
