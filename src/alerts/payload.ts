import { createHash } from 'node:crypto';
import { z } from 'zod';

// One parser for the two webhook bodies leakbot accepts, told apart by `version`:
//   "4" — Prometheus Alertmanager's webhook_config;
//   "1" — Grafana-managed alerting's webhook contact point (Alertmanager's shape plus orgId, title,
//         state, message, and per-alert silenceURL/dashboardURL/panelURL/values/valueString).
// Unknown fields are ignored (newer senders add them); what we rely on is checked, and a refusal says
// which field was wrong so the sender's operator can fix it from the 400 body.

const labelMap = z.record(z.string(), z.string());

/** RFC 3339 time as Alertmanager and Grafana print it; `0001-01-01T00:00:00Z` (Go's zero time) = unset. */
const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an RFC 3339 timestamp' });

const commonAlert = {
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: timestamp,
  endsAt: timestamp.optional(),
  generatorURL: z.string().default(''),
  fingerprint: z.string().max(200).optional(),
};

const commonGroup = {
  receiver: z.string().default(''),
  status: z.enum(['firing', 'resolved']),
  groupKey: z.string().max(10_000).optional(),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: z.string().default(''),
  truncatedAlerts: z.number().int().nonnegative().default(0),
};

const alertmanagerSchema = z.object({
  version: z.literal('4'),
  ...commonGroup,
  alerts: z.array(z.object(commonAlert)).max(10_000),
});

const grafanaSchema = z.object({
  version: z.literal('1'),
  ...commonGroup,
  orgId: z.number().int().optional(),
  title: z.string().default(''),
  state: z.string().default(''),
  message: z.string().default(''),
  alerts: z
    .array(
      z.object({
        ...commonAlert,
        silenceURL: z.string().optional(),
        dashboardURL: z.string().optional(),
        panelURL: z.string().optional(),
        // Informational only: never refuse an alert (and lose it) over the shape of its values.
        values: z.unknown().optional(),
        valueString: z.string().optional(),
      }),
    )
    .max(10_000),
});

const payloadSchema = z.discriminatedUnion('version', [alertmanagerSchema, grafanaSchema]);

export type AlertSource = 'alertmanager' | 'grafana';
export type AlertStatus = 'firing' | 'resolved';

/** One alert, the same shape whichever sender it came from. */
export interface Alert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** ms since epoch */
  startsAt: number;
  /** ms since epoch; null when unset (Go's zero time) */
  endsAt: number | null;
  generatorURL: string;
  /** The sender's fingerprint, or a hash of the labels when an old sender leaves it out. */
  fingerprint: string;
  /** Grafana extras, when present. */
  silenceURL?: string;
  dashboardURL?: string;
  panelURL?: string;
  valueString?: string;
  values?: Record<string, number | null>;
}

/** A notification for one alert group, normalised. */
export interface AlertNotification {
  source: AlertSource;
  receiver: string;
  status: AlertStatus;
  /** Identifies the alert group across notifications; derived from receiver+groupLabels if absent. */
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  /** Alerts the sender left out because of max_alerts: they exist, we just were not told which. */
  truncatedAlerts: number;
  /** Grafana only. */
  title?: string;
  message?: string;
  alerts: Alert[];
}

export type ParseResult = { ok: true; notification: AlertNotification } | { ok: false; reason: string };

const MAX_REASONS = 5;

/** Validates a decoded JSON body. Never throws: bad input yields `{ ok: false, reason }` for the 400. */
export function parseAlertNotification(body: unknown): ParseResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, reason: 'expected a JSON object (Alertmanager webhook version "4" or Grafana webhook version "1")' };
  }
  const version = (body as Record<string, unknown>).version;
  if (version !== '4' && version !== '1') {
    const got = version === undefined ? 'no "version" field' : `version ${JSON.stringify(version).slice(0, 40)}`;
    return { ok: false, reason: `unsupported payload: ${got}; expected Alertmanager webhook version "4" or Grafana webhook version "1"` };
  }
  const result = payloadSchema.safeParse(body);
  if (!result.success) {
    const issues = result.error.issues.slice(0, MAX_REASONS).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    const more = result.error.issues.length > MAX_REASONS ? ` (+${result.error.issues.length - MAX_REASONS} more)` : '';
    return { ok: false, reason: `invalid ${version === '4' ? 'Alertmanager' : 'Grafana'} webhook payload: ${issues.join('; ')}${more}` };
  }
  const p = result.data;
  const alerts: Alert[] = p.alerts.map((a) => {
    const alert: Alert = {
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: Date.parse(a.startsAt),
      endsAt: toTime(a.endsAt),
      generatorURL: a.generatorURL,
      // A fingerprint is a record key: one that names an Object.prototype member (__proto__,
      // constructor…) is replaced by the hash of the labels.
      fingerprint: a.fingerprint && !(a.fingerprint in Object.prototype) ? a.fingerprint : labelsFingerprint(a.labels),
    };
    if ('silenceURL' in a) {
      if (a.silenceURL) alert.silenceURL = a.silenceURL;
      if (a.dashboardURL) alert.dashboardURL = a.dashboardURL;
      if (a.panelURL) alert.panelURL = a.panelURL;
      if (a.valueString) alert.valueString = a.valueString;
      const values = numericValues(a.values);
      if (values) alert.values = values;
    }
    return alert;
  });
  const notification: AlertNotification = {
    source: p.version === '4' ? 'alertmanager' : 'grafana',
    receiver: p.receiver,
    status: p.status,
    groupKey: p.groupKey || `${p.receiver}:${stableLabels(p.groupLabels)}`,
    groupLabels: p.groupLabels,
    commonLabels: p.commonLabels,
    commonAnnotations: p.commonAnnotations,
    externalURL: p.externalURL,
    truncatedAlerts: p.truncatedAlerts,
    alerts,
  };
  if (p.version === '1') {
    notification.title = p.title;
    notification.message = p.message;
  }
  return { ok: true, notification };
}

function numericValues(v: unknown): Record<string, number | null> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, number | null> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'number' || x === null) out[k] = x;
  return Object.keys(out).length ? out : undefined;
}

function toTime(s: string | undefined): number | null {
  if (!s) return null;
  const t = Date.parse(s);
  // Go's zero time (year 1) means "not set"; anything before 1970 is the same thing in practice.
  return Number.isNaN(t) || t <= 0 ? null : t;
}

function stableLabels(labels: Record<string, string>): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;
}

/** Alertmanager's fingerprint is a hash of the label set; this stands in for senders that omit it. */
export function labelsFingerprint(labels: Record<string, string>): string {
  return createHash('sha256').update(stableLabels(labels)).digest('hex').slice(0, 16);
}
