import { z } from 'zod';

// The YAML config (LEAKBOT_CONFIG). Every limit has a default so a three-line config works.

/** An http(s) URL; the message says what a bare `host:port` (the usual slip) lacks. */
const httpUrl = () => z.url({ protocol: /^https?$/, error: 'not an http(s) URL: write it with its scheme, e.g. http://10.0.3.7:6060' });

// Slack ids, not names: a name (`#incidents`, `@alice`) never matches what Slack sends, so the channel
// would get nothing and nobody would be an admin. The messages say where Slack shows the id.
const slackChannel = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,}$/, "a Slack channel id such as C0123ABCD, not the channel's name (Slack shows the id at the bottom of the channel's About tab)");
const slackUser = z
  .string()
  .regex(/^[UW][A-Z0-9]{2,}$/, "a Slack member id such as U0123ABCD, not a name (in Slack: the person's profile → ⋮ → Copy member ID)");

/** `host:port` (A/AAAA records, every address an instance) or `host:portname` (SRV records of
 *  `_portname._tcp.host`, each target:port an instance). Kubernetes headless Services publish both. */
const dnsTarget = z
  .string()
  .regex(/^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9])?\.?:([0-9]{1,5}|[a-z][a-z0-9-]{0,14})$/, 'host:port, or host:portname for SRV records');

/** Where a fleet's instances come from when Prometheus already discovers them. */
const prometheusTargets = z
  .object({
    /** The Prometheus server's base URL (leakbot reads GET /api/v1/targets). */
    url: httpUrl(),
    /** The scrape job whose active targets are the service's instances. */
    job: z.string().min(1),
    /** pprof port when it differs from the scraped (metrics) port. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Headers for the Prometheus API (e.g. a bearer token), not sent to the instances. */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

/** How a multi-instance service is captured. */
export const fleetSchema = z
  .object({
    /** Discovery answers are reused for this long, then refreshed on the next use. */
    discoveryTtlSeconds: z.number().nonnegative().max(3600).default(15),
    /** A failed refresh reuses the last answer when it is at most this old (0: never). */
    staleDiscoverySeconds: z.number().nonnegative().max(3600).default(300),
    /** At most this many instances are kept from discovery (the rest are reported, not captured). */
    maxInstances: z.number().int().positive().max(1000).default(100),
    /** A snapshot of the whole service captures at most this many instances (the alerting one,
     *  then those with findings last time, then a rotation). */
    sample: z.number().int().positive().max(1000).default(20),
    /** Captures of one service's instances running at the same time. */
    concurrency: z.number().int().positive().max(64).default(8),
  })
  .strict();

const serviceBase = z
  .object({
    /** One process (as before fleets). Exactly one of url, targets, dns, prometheus. */
    url: httpUrl().optional(),
    /** A static list of instances, each a pprof base URL. */
    targets: z.array(httpUrl()).min(1).max(1000).optional(),
    dns: dnsTarget.optional(),
    prometheus: prometheusTargets.optional(),
    /** For dns and prometheus instances: scheme and path prefix of their pprof endpoint. */
    scheme: z.enum(['http', 'https']).default('http'),
    basePath: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'a path such as /admin (no trailing slash)')
      .default(''),
    fleet: fleetSchema.default({ discoveryTtlSeconds: 15, staleDiscoverySeconds: 300, maxInstances: 100, sample: 20, concurrency: 8 }),
    channel: slackChannel.optional(),
    headers: z.record(z.string(), z.string()).default({}),
    /** Take the stop-the-world debug=2 dump only below this many goroutines (cheap count first). */
    debug2MaxGoroutines: z.number().int().nonnegative().default(20_000),
    minIntervalSeconds: z.number().nonnegative().default(10),
    timeoutSeconds: z.number().positive().max(300).default(20),
    maxBytes: z.number().int().positive().default(64 * 1024 * 1024),
    /** Extra benign stack patterns for this service (regex over func names). */
    ignore: z.array(z.string()).default([]),
  })
  .strict();

export const serviceSchema = serviceBase.superRefine((svc, ctx) => {
  const given = (['url', 'targets', 'dns', 'prometheus'] as const).filter((k) => svc[k] !== undefined);
  if (given.length !== 1)
    ctx.addIssue({ code: 'custom', message: given.length === 0 ? 'set one of url, targets, dns, prometheus' : `set only one of ${given.join(', ')}` });
});

export const configSchema = z
  .object({
    services: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'a service name'), serviceSchema),
    /** Slack user ids allowed to run admin-only verbs (baseline); empty = everyone. */
    admins: z.array(slackUser).default([]),
    /** Channels where /leak may be used; empty = anywhere. */
    allowedChannels: z.array(slackChannel).default([]),
    defaultChannel: slackChannel.optional(),
    /** DNS server for `dns:` services, `host:port` (default: the system resolver). LEAKBOT_DNS_SERVER
     *  overrides it. */
    dnsServer: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[0-9.]+)(:[0-9]{1,5})?$/, 'an IP address with an optional :port').optional(),
    /** Regexes over function names that are never findings (added to the built-in benign list). */
    ignore: z.array(z.string()).default([]),
    history: z
      .object({
        perService: z.number().int().positive().max(1000).default(50),
        rawDumpTtlHours: z.number().positive().default(72),
      })
      .strict()
      .default({ perService: 50, rawDumpTtlHours: 72 }),
    alerts: z
      .object({
        serviceLabels: z.array(z.string()).default(['service', 'job', 'app', 'kubernetes_pod_name']),
        /** Labels naming the instance that alerted, tried in order: it is captured first. */
        instanceLabels: z.array(z.string()).default(['pod', 'kubernetes_pod_name', 'pod_name', 'instance']),
        recaptureAfterSeconds: z.number().nonnegative().default(30),
        maxConcurrentCaptures: z.number().int().positive().default(4),
        /** Alertmanager's (or Grafana's) address as people reach it; overrides the externalURL in
         *  notifications, which is often an internal host name. */
        externalUrl: httpUrl().optional(),
      })
      .strict()
      .default({
        serviceLabels: ['service', 'job', 'app', 'kubernetes_pod_name'],
        instanceLabels: ['pod', 'kubernetes_pod_name', 'pod_name', 'instance'],
        recaptureAfterSeconds: 30,
        maxConcurrentCaptures: 4,
      }),
    /** One thread per service per incident: a /leak verb joins the service's thread in the channel
     *  while it has leakbot activity within this window (or an alert still fires in it). */
    threads: z
      .object({
        windowHours: z.number().nonnegative().default(4),
      })
      .strict()
      .default({ windowHours: 4 }),
    /** A snapshot with nothing to compare with (no baseline, no earlier snapshot) is captured again
     *  after this many seconds (at least the service's minIntervalSeconds) and its findings updated
     *  with the 2-snapshot verdict; 0 turns it off. */
    snapshot: z
      .object({
        autoRecaptureSeconds: z.number().nonnegative().max(3600).default(30),
      })
      .strict()
      .default({ autoRecaptureSeconds: 30 }),
    postmortem: z
      .object({
        canvas: z.boolean().default(false),
      })
      .strict()
      .default({ canvas: false }),
    /** `/leak watch` bounds: a shortest interval protects services from a capture storm. */
    watch: z
      .object({
        minIntervalSeconds: z.number().positive().default(30),
        maxDurationMinutes: z.number().positive().max(7 * 24 * 60).default(24 * 60),
        maxCaptures: z.number().int().min(2).max(2000).default(500),
      })
      .strict()
      .default({ minIntervalSeconds: 30, maxDurationMinutes: 24 * 60, maxCaptures: 500 }),
    /** Paths (relative to the config file) of template overrides. */
    templates: z
      .object({
        checklist: z.string().optional(),
        postmortem: z.string().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type ServiceConfig = z.infer<typeof serviceSchema>;
export type FleetSettings = z.infer<typeof fleetSchema>;
export type Config = z.infer<typeof configSchema>;
