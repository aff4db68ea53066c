// Names for discovered addresses, so a person reads `svc-order-0`, a name kubectl takes, instead of
// `10.1.2.3:6060`. Kubernetes DNS answers the PTR record of an address behind a headless Service with
// `<hostname>.<service>.<namespace>.svc.<zone>`, where hostname is the pod's hostname (its name for a
// StatefulSet pod, or for any pod when CoreDNS runs with `endpoint_pod_names`) and otherwise the
// address with dashes (`10-1-2-3`, CoreDNS) or a number (`438934893`, kube-dns); SRV targets carry the
// same names. https://github.com/kubernetes/dns/blob/master/docs/specification.md sections 2.4.2 (SRV)
// and 2.4.3 (PTR). Naming is best effort: it never fails discovery nor delays it past its time cap.
import { isIP } from 'node:net';
import type { Resolver } from 'node:dns/promises';

/** At most this many PTR questions in flight at once, so a big fleet does not flood the DNS server. */
export const PTR_CONCURRENCY = 8;

// An RFC 1123 label: anything else in a PTR answer is not shown to people as a name.
const LABEL = /^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$/i;

/** The first label of `host` (`pod-0` of `pod-0.svc-order.prod.svc.cluster.local`) when it names one
 *  process: a valid DNS label that is neither an address written with dashes (`10-1-2-3`) nor digits
 *  alone (both stand for a pod without a hostname), nor the first label of `service`, the name being
 *  discovered (a record pointing back at the service tells the instances apart no better than the
 *  address). Null otherwise. */
export function instanceLabel(host: string, service: string): string | null {
  const label = host.replace(/\.$/, '').split('.')[0] ?? '';
  if (!LABEL.test(label) || /^\d+$/.test(label)) return null;
  if (isIP(label.replace(/-/g, '.')) === 4 || isIP(label.replace(/-/g, ':')) === 6) return null;
  if (label.toLowerCase() === (service.split('.')[0] ?? '').toLowerCase()) return null;
  return label;
}

/** How long an address whose PTR question went unanswered (timed out, or cut off by the time cap) is
 *  not asked again (ms): a reverse zone that drops questions would otherwise hold up every discovery
 *  refresh (every 15 s by default) by the whole cap. Answers, "no such name" included, are never
 *  remembered: an address may pass to another pod, and a pod may get its record later. */
export const UNANSWERED_RETRY_MS = 5 * 60_000;

/** Per DNS server list and address, when an unanswered PTR question may be asked again (ms since
 *  the epoch). Expired entries are dropped at every lookup, so it holds only addresses that went
 *  unanswered in the last UNANSWERED_RETRY_MS (departed pods' included, until then). */
const unanswered = new Map<string, number>();

/** DNS error codes (node:dns) that mean the question got no answer in time, not a negative answer. */
const NO_ANSWER = new Set(['ETIMEOUT', 'ECANCELLED', 'ECONNREFUSED']);

/** The PTR names of each address (address → names as DNS gave them; absent when DNS had none, failed,
 *  or had not answered in time). Asks `resolver` at most PTR_CONCURRENCY at a time and gives up on
 *  everything still unanswered after `timeoutMs` (cancelling those questions), so the whole call takes
 *  at most about `timeoutMs`. An address left unanswered is not asked again for UNANSWERED_RETRY_MS
 *  (`now`: the clock, ms). Never throws. `resolver` must be one of its own: it is cancelled. */
export async function reverseNames(resolver: Resolver, addresses: readonly string[], timeoutMs: number, now: () => number = Date.now): Promise<Map<string, string[]>> {
  const names = new Map<string, string[]>();
  const servers = resolver.getServers().join(',');
  const keyOf = (ip: string) => `${servers}|${ip}`;
  const start = now();
  for (const [key, until] of unanswered) if (until <= start) unanswered.delete(key);
  const todo = addresses.filter((ip) => !unanswered.has(keyOf(ip)));
  const missed = (ip: string) => unanswered.set(keyOf(ip), now() + UNANSWERED_RETRY_MS);
  let next = 0;
  let overdue = false;
  const timer = setTimeout(() => {
    overdue = true;
    resolver.cancel();
  }, timeoutMs);
  const worker = async (): Promise<void> => {
    while (!overdue && next < todo.length) {
      const ip = todo[next++]!;
      const asked = performance.now();
      try {
        const got = await resolver.reverse(ip);
        if (got.length) names.set(ip, got);
      } catch (err) {
        // No PTR record or a refusal: the address stays the name. No answer at all (timed out, cut off
        // by the cap, or a failure only after half the cap: c-ares reports a question its server left
        // unanswered upstream as ENOTFOUND once its own timeout ends): not asked again for a while.
        const slow = performance.now() - asked >= timeoutMs / 2;
        if (overdue || slow || NO_ANSWER.has((err as NodeJS.ErrnoException).code ?? '')) missed(ip);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PTR_CONCURRENCY, todo.length) }, worker));
  } finally {
    clearTimeout(timer);
  }
  // Those never asked because the cap came first are asked at the next discovery, ahead of the ones
  // remembered above: a zone that drops questions costs the cap a few times, then no more.
  return names;
}
