import { z } from 'zod';

// The YAML config (LEAKBOT_CONFIG). Every limit has a default so a three-line config works.

const slackChannel = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'a Slack channel id such as C0123ABCD');

export const serviceSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
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

export const configSchema = z
  .object({
    services: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'a service name'), serviceSchema),
    /** Slack user ids allowed to run admin-only verbs (baseline); empty = everyone. */
    admins: z.array(z.string()).default([]),
    /** Channels where /leak may be used; empty = anywhere. */
    allowedChannels: z.array(slackChannel).default([]),
    defaultChannel: slackChannel.optional(),
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
        recaptureAfterSeconds: z.number().nonnegative().default(30),
        maxConcurrentCaptures: z.number().int().positive().default(4),
      })
      .strict()
      .default({ serviceLabels: ['service', 'job', 'app', 'kubernetes_pod_name'], recaptureAfterSeconds: 30, maxConcurrentCaptures: 4 }),
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
export type Config = z.infer<typeof configSchema>;
