// Which Go module a frame's source file belongs to, when it is a dependency of the service.
import type { Frame } from './model.js';

const CACHE = '/pkg/mod/';

/**
 * The dependency module of a source file path, `module@version`, as the Go module cache lays
 * dependencies out (`$GOMODCACHE/<module>@<version>/<dir>/<file>.go`, cmd/go/internal/modfetch) and
 * as a `-trimpath` build prints them (`<module>@<version>/<dir>/<file>.go`); e.g.
 * `/root/go/pkg/mod/google.golang.org/grpc@v1.85.0/stream.go` → `google.golang.org/grpc@v1.85.0`.
 * Null for the service's own code, GOROOT, a toolchain fetched through GOTOOLCHAIN
 * (`…/golang.org/toolchain@v0.0.1-go1.27.4.linux-amd64/src/…`: the standard library) and vendored files. Pure.
 */
export function dependencyModule(file: string): string | null {
  const at = VERSION_AT.exec(file)?.index ?? -1;
  if (at < 0) return null;
  const end = file.indexOf('/', at);
  if (end < 0) return null;
  const cache = file.lastIndexOf(CACHE, at);
  const module = file.slice(cache >= 0 ? cache + CACHE.length : 0, end);
  // A Go toolchain fetched through GOTOOLCHAIN lives in the module cache too: its src/ is the standard library.
  return module.startsWith(TOOLCHAIN) ? null : module;
}

/** `@v` and a digit: a module version (semver, or a pseudo-version), not a directory like `app@vendor`. */
const VERSION_AT = /@v\d/;
const TOOLCHAIN = 'golang.org/toolchain@';

/** Whether any frame of a stack runs code of module `module` (dependencyModule's form). */
export function inModule(frames: readonly Frame[], module: string): boolean {
  for (const f of frames) if (f.file.includes(module) && dependencyModule(f.file) === module) return true;
  return false;
}
