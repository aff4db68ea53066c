// `url:` and `targets:` services: the instances are written in the config.
import { hostPort, type Instance } from './types.js';

/** One instance per configured URL, id `host:port` (path and credentials stay in `url`). */
export function staticInstances(urls: readonly string[]): Instance[] {
  const seen = new Set<string>();
  const out: Instance[] = [];
  for (const url of urls) {
    let id = hostPort(url);
    // Two listed URLs on one host:port (different path prefixes) stay two instances.
    if (seen.has(id)) id = `${id}${new URL(url).pathname.replace(/\/+$/, '')}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ id, name: id, url, labels: { instance: id } });
  }
  return out;
}
