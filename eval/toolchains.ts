// The Go toolchains the eval builds with. go1.19 is Debian's golang-go (no creator ids, "semacquire"
// for every sync wait); go1.26 is `go` on PATH, once plain and once with the leak-profile experiment.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Toolchain {
  /** go1.19, go1.26, go1.26-leakprofile (or go1.N for a newer `go`). */
  name: string;
  go: string;
  env: Record<string, string>;
  /** "go 1.x" line for go.mod: the language version the toolchain itself speaks. */
  goLine: string;
  leakProfile: boolean;
}

const GO119 = process.env['GO119'] ?? '/usr/lib/go-1.19/bin/go';
const GO = process.env['GO'] ?? 'go';

function goVersion(go: string): string | null {
  try {
    return execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' }, timeout: 60_000 }).trim();
  } catch {
    return null;
  }
}

/** Toolchains available on this machine, in table order. */
export function toolchains(): Toolchain[] {
  const out: Toolchain[] = [];
  if (existsSync(GO119) && goVersion(GO119)) out.push({ name: 'go1.19', go: GO119, env: {}, goLine: 'go 1.19', leakProfile: false });
  const v = goVersion(GO);
  const mm = v ? /^go(\d+\.\d+)/.exec(v) : null;
  const minor = mm ? Number(mm[1]!.split('.')[1]) : 0;
  const base = { GOTOOLCHAIN: 'local' };
  if (minor === 26) {
    out.push({ name: 'go1.26', go: GO, env: base, goLine: `go ${mm![1]}`, leakProfile: false });
    out.push({ name: 'go1.26-leakprofile', go: GO, env: { ...base, GOEXPERIMENT: 'goroutineleakprofile' }, goLine: `go ${mm![1]}`, leakProfile: true });
  } else if (minor > 26) {
    // The leak profile is on by default from Go 1.27.
    out.push({ name: `go${mm![1]}`, go: GO, env: base, goLine: `go ${mm![1]}`, leakProfile: true });
  }
  return out;
}

/** GOROOT of the `go` on PATH (the newest toolchain here), which holds Go's leak scenarios (Go ≥ 1.26). */
export function goroot(): string {
  return execFileSync(GO, ['env', 'GOROOT'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' }, timeout: 60_000 }).trim();
}
