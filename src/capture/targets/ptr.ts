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

/** The PTR names of each address (address → names as DNS gave them; absent when DNS had none, failed,
 *  or had not answered in time). Asks `resolver` at most PTR_CONCURRENCY at a time and gives up on
 *  everything still unanswered after `timeoutMs` (cancelling those questions), so the whole call takes
 *  at most about `timeoutMs`. Never throws. `resolver` must be one of its own: it is cancelled. */
export async function reverseNames(resolver: Resolver, addresses: readonly string[], timeoutMs: number): Promise<Map<string, string[]>> {
  const names = new Map<string, string[]>();
  let next = 0;
  let overdue = false;
  const timer = setTimeout(() => {
    overdue = true;
    resolver.cancel();
  }, timeoutMs);
  const worker = async (): Promise<void> => {
    while (!overdue && next < addresses.length) {
      const ip = addresses[next++]!;
      try {
        const got = await resolver.reverse(ip);
        if (got.length) names.set(ip, got);
      } catch {
        // No PTR record, a refusal, a timeout or the cancel above: the address stays the name.
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PTR_CONCURRENCY, addresses.length) }, worker));
  } finally {
    clearTimeout(timer);
  }
  return names;
}
