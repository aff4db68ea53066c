// Where the installed package lives, found the same way from src/ (tsx, tests) and dist/src/ (the
// compiled code `bin/leakbot.js` runs): files shipped beside the code (templates/, package.json) are
// read relative to this root, never relative to a compiled file's own depth.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The directory holding leakbot's package.json: the nearest ancestor of this module that has one.
 * Throws when there is none (a copied-out file), which is an installation error, not a user one.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`leakbot: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The `version` field of leakbot's package.json (semver string). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
