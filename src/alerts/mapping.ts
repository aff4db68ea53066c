import type { Config } from '../config/schema.js';
import type { Alert } from './payload.js';
import { own } from '../own.js';

// Which registered service an alert is about, and where its thread goes. The labels in
// config.alerts.serviceLabels are tried in order; the first whose value names a registered service wins.
// Only registered services are ever captured: a label can pick one, never supply a URL.

export interface ServiceMatch {
  service: string;
  /** The label that matched, for the parent message ("matched by job=svc-order"). */
  label: string;
  value: string;
}

// Pod names carry the workload name plus generated suffixes: Deployment `svc-order-7d9f8c6b5-x2k4q`,
// bare ReplicaSet / DaemonSet `svc-order-x2k4q`, StatefulSet `svc-order-0`.
const POD_SUFFIX = /^(?:[a-z0-9]{6,10}-)?[a-z0-9]{5}$|^\d+$/;

export function matchService(labels: Record<string, string>, config: Pick<Config, 'services' | 'alerts'>): ServiceMatch | null {
  const names = Object.keys(config.services);
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  for (const label of config.alerts.serviceLabels) {
    const value = labels[label];
    if (!value) continue;
    const candidates = [value];
    // `namespace/name` (some scrape configs build job labels that way).
    const slash = value.lastIndexOf('/');
    if (slash >= 0) candidates.push(value.slice(slash + 1));
    for (const c of candidates) {
      const hit = Object.hasOwn(config.services, c) ? c : byLower.get(c.toLowerCase());
      if (hit) return { service: hit, label, value };
    }
    if (/pod/i.test(label)) {
      // Longest registered name first so `svc-order-api-…` is not taken for `svc-order`.
      for (const name of [...names].sort((a, b) => b.length - a.length)) {
        const prefix = `${name.toLowerCase()}-`;
        const v = value.toLowerCase();
        if (v.startsWith(prefix) && POD_SUFFIX.test(v.slice(prefix.length))) return { service: name, label, value };
      }
    }
  }
  return null;
}

/** The service's incident channel, else the configured default; null when neither is set. */
export function channelFor(service: string | null, config: Pick<Config, 'services' | 'defaultChannel'>): string | null {
  const channel = service ? own(config.services, service)?.channel : undefined;
  return channel ?? config.defaultChannel ?? null;
}

export interface RoutedAlert {
  alert: Alert;
  /** null: no label named a registered service. */
  match: ServiceMatch | null;
  /** null: unknown service and no default channel, or a service with neither channel nor default. */
  channel: string | null;
}

export function routeAlerts(alerts: Alert[], config: Pick<Config, 'services' | 'alerts' | 'defaultChannel'>): RoutedAlert[] {
  return alerts.map((alert) => {
    const match = matchService(alert.labels, config);
    return { alert, match, channel: channelFor(match?.service ?? null, config) };
  });
}

/** The label values we looked at, for the note about an unknown service ("service=foo, job=bar"). */
export function describeServiceLabels(labels: Record<string, string>, config: Pick<Config, 'alerts'>): string {
  const seen = config.alerts.serviceLabels.filter((l) => labels[l]).map((l) => `${l}=${labels[l]}`);
  return seen.length ? seen.join(', ') : `none of the labels ${config.alerts.serviceLabels.join(', ')}`;
}

/** Which instance an alert is about, from config.alerts.instanceLabels in order: a pod label
 *  (`pod`, `kubernetes_pod_name`, `pod_name`…) is looked up by pod name, `instance` by address.
 *  Only a selector: the coordinator matches it against discovered instances, never fetches it. */
export function instanceSelector(labels: Record<string, string>, config: Pick<Config, 'alerts'>): { key: 'pod' | 'instance'; value: string; label: string } | null {
  for (const label of config.alerts.instanceLabels) {
    const value = Object.hasOwn(labels, label) ? labels[label] : undefined;
    if (value) return { key: /pod/i.test(label) ? 'pod' : 'instance', value, label };
  }
  return null;
}
