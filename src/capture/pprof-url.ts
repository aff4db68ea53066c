// Where net/http/pprof lives for a URL someone registered or typed: the same base for the bot's
// captures (src/capture/index.ts) and the CLI's hints (src/cli.ts). No undici here: the CLI's
// offline commands load this without the HTTP client.

/** `u`'s origin and path without a trailing slash or a pasted `/debug/pprof[/goroutine[leak]]`
 *  suffix (query, fragment and credentials dropped): `http://h:6060/debug/pprof/goroutine` →
 *  `http://h:6060`. */
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
