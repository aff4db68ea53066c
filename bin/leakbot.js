#!/usr/bin/env node
// The `leakbot` command runs the compiled JavaScript in dist/ (`npm run build`; `npm ci` builds it
// through the `prepare` script). No TypeScript compiler is loaded at run time.
import { existsSync, statSync } from 'node:fs';
import module from 'node:module';

const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('leakbot: the compiled code is missing (dist/src/cli.js): run `npm run build` (or `npm ci`) in the leakbot checkout\n');
  process.exit(1);
}
// `npm run build` also bundles cli.js with commander and the modules it imports statically into one
// module (esbuild; the modules it imports lazily, the bot's among them, stay outside: the build
// script lists them). Loading one module instead of commander's CommonJS files one by one saves
// ~9 ms CPU per start. Used only when not older than tsc's output (a `tsc` run alone leaves it stale).
const bundle = new URL('../dist/src/cli.bundle.js', import.meta.url);
const entry = statSync(bundle, { throwIfNoEntry: false })?.mtimeMs >= statSync(cli).mtimeMs ? bundle : cli;
// Node >= 22.1 keeps V8's compiled code of our modules on disk between runs (the Docker image's Node
// 26 does); on Node 20 this is absent and a no-op.
module.enableCompileCache?.();
await import(entry.href);
