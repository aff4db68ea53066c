// Where net/http/pprof lives for a URL someone registered or typed: the same base for the bot's
// captures (src/capture/index.ts) and the CLI's hints (src/cli.ts). No undici here: the CLI's
// offline commands load this without the HTTP client.

/** `u`'s origin and path without a trailing slash or a pasted `/debug/pprof[/goroutine[leak]]`
 *  suffix (query, fragment and credentials dropped; the query travels apart, pprofQueryOf):
 *  `http://h:6060/debug/pprof/goroutine` → `http://h:6060`. */
export function pprofBaseOf(u: URL): string {
  const path = u.pathname.replace(/\/+$/, '').replace(/\/debug\/pprof(\/goroutine(leak)?)?$/, '');
  return `${u.protocol}//${u.host}${path}`;
}

/** A typed URL as messages may repeat it (stderr and `leakbot doctor`'s report end up in CI and deploy logs): its pprof base with the password
 *  shown as `***` (the user name kept, so the hint still reads as theirs) and the query dropped. */
export function shownUrl(typed: string): string {
  try {
    const u = new URL(typed);
    const base = pprofBaseOf(u);
    return u.username || u.password ? base.replace('//', `//${u.username}${u.password ? ':***' : ''}@`) : base;
  } catch {
    return typed.replace(/\/\/[^/@]*@/, '//***@').replace(/[?#].*$/, '');
  }
}

/** Query parameters each capture sets itself, never taken from a configured URL: `debug` picks the
 *  format the capture needs, and Go's pprof handler reads `seconds` as a request for a delta profile
 *  (it waits that long and counts only the change; beside debug=2 it refuses with 400 'seconds and
 *  debug params are incompatible'). Names as Go reads them (case-sensitive). */
const OWN_PARAMS = new Set(['debug', 'seconds']);

/** The query of a configured URL that every profile request carries (an auth proxy's `?token=…`, a
 *  path-routing parameter), as written, minus leakbot's own parameters (OWN_PARAMS); '' when none. */
export function pprofQueryOf(u: URL): string {
  return u.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && !OWN_PARAMS.has(paramName(pair)))
    .join('&');
}

function paramName(pair: string): string {
  const name = pair.split('=', 1)[0]!.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** A configured query as messages and logs show it: each value replaced by `***` (`token=***`), the
 *  names kept, since any value may be a credential; a bare word (`?s3cr3t`, a token some proxies take
 *  alone) is shown as `***` too. */
export function shownQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => (pair.includes('=') ? `${pair.split('=', 1)[0]}=***` : '***'))
    .join('&');
}
