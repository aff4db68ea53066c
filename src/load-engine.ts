// Loading the analysis engine for the CLI. `npm run build` writes it twice: tsc's modules under
// dist/src/engine, and the same code bundled into one module (dist/src/engine/bundle.js, esbuild).
// Node loads the one module in ~12 ms of CPU against ~31 ms for the 40-odd modules one by one, and
// a 40k-goroutine analyze ran ~20–40 ms faster with it (same output: bench/same-output.ts --bin).
import { statSync } from 'node:fs';

/** The engine's public module (src/engine/index.ts), bundled or not. */
export type Engine = typeof import('./engine/index.js');

/** The engine: the bundle when it is there and not older than tsc's output (a `tsc` run alone after
 *  a build leaves it stale; npm gives every file of a package the same time), else its modules (tsx
 *  runs from src/, or a build without the bundle step). `dir`: where engine/ lies (tests). Errors
 *  of the import itself throw. */
export async function loadEngine(dir: URL = new URL('.', import.meta.url)): Promise<Engine> {
  const bundle = new URL('engine/bundle.js', dir);
  let fresh = false;
  try {
    fresh = statSync(bundle).mtimeMs >= statSync(new URL('engine/index.js', dir)).mtimeMs;
  } catch {
    // no bundle (or no compiled engine beside it): the modules
  }
  // A specifier TypeScript does not resolve: the bundle exists only in dist/.
  return fresh ? ((await import(bundle.href)) as Engine) : import('./engine/index.js');
}
