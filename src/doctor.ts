// `leakbot doctor`: the first-run check, without a Slack workspace. It reads the same environment
// and config as `leakbot start` (src/env.ts) and its checklist/postmortem templates, asks Redis for its version, checks that PORT is free,
// discovers every instance of every service and captures each once with the bot's own capture
// code (src/capture), and prints the findings
// message each service would get in Slack. It stores nothing and posts nothing; Slack (auth.test,
// and every Slack variable, placeholders included) is checked only when SLACK_BOT_TOKEN is set.
import { createServer } from 'node:net';
import type { Config } from './config/schema.js';
import { MIN_TOKEN_LENGTH } from './alerts/auth.js';
import { isPlaceholder, readConfig, readEnv, slackApiUrlOf, StartupError } from './env.js';
import { tokenRejectedHint } from './slack/connect.js';
import { unescapeSlack } from './slack/text.js';

/** One line of the report. `skip` is neither a failure nor a pass (e.g. Slack not configured). */
export interface DoctorCheck {
  name: string;
  status: 'ok' | 'fail' | 'skip';
  detail: string;
}

export interface DoctorReport {
  checks: DoctorCheck[];
  /** Per reachable service: the Slack message the findings would be posted as, in plain text. */
  previews: Array<{ service: string; channel: string | null; text: string }>;
  ok: boolean;
}

/** Redis versions before 6.2 lack commands BullMQ and the stores use (GETDEL, LMOVE…). */
const MIN_REDIS = [6, 2];

async function checkRedis(url: string): Promise<DoctorCheck> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 3000, commandTimeout: 3000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  let cause = '';
  r.on('error', (err: Error) => (cause ||= err.message)); // ioredis rejects connect() with a vaguer "Connection is closed
  const where = url.replace(/\/\/[^@/]*@/, '//'); // never print a password
  try {
    await r.connect();
    const info = await r.info('server');
    const version = /redis_version:([\d.]+)/.exec(info)?.[1] ?? '?';
    const [maj = 0, min = 0] = version.split('.').map(Number);
    if (maj < MIN_REDIS[0]! || (maj === MIN_REDIS[0] && min < MIN_REDIS[1]!)) {
      return { name: 'redis', status: 'fail', detail: `${where} answers, but Redis ${version} is older than the 6.2 leakbot needs` };
    }
    // Without the append-only file a Redis restart loses what was queued since its last snapshot
    // (held requests, delayed recaptures, watches): Debian's packaged service runs that way.
    const aof = /aof_enabled:(\d)/.exec(await r.info('persistence'))?.[1];
    const note = aof === '0' ? '; appendonly is off: jobs and watches queued since its last snapshot are lost if Redis restarts (`redis-cli config set appendonly yes && redis-cli config rewrite`)' : '';
    return { name: 'redis', status: 'ok', detail: `${where} answers (Redis ${version})${note}` };
  } catch (err) {
    const why = (cause || (err as Error).message).replace(/\.+$/, '');
    // The command README's main one runs, so a first run without Slack need not run that one first.
    return { name: 'redis', status: 'fail', detail: `cannot reach ${where} (${why}): start Redis (\`redis-server --daemonize yes --bind 127.0.0.1 --appendonly yes\`, installed by README's main command) or set REDIS_URL` };
  } finally {
    r.disconnect();
  }
}

function checkPort(port: number): Promise<DoctorCheck> {
  if (port === 0) return Promise.resolve({ name: 'port', status: 'ok', detail: 'PORT=0: any free port' });
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      resolve({
        name: 'port',
        status: 'fail',
        detail: err.code === 'EADDRINUSE' ? `PORT ${port} is already in use (another leakbot?): give each process on this host its own PORT` : `cannot listen on PORT ${port}: ${err.message}`,
      }),
    );
    srv.listen(port, () => srv.close(() => resolve({ name: 'port', status: 'ok', detail: `PORT ${port} is free` })));
  });
}

/** What the token's scopes (Slack's x-oauth-scopes header) mean for crash recovery: without the
 *  history scopes a message whose ts a crash lost cannot be found again (src/slack/poster.ts). */
function historyNote(scopes: string | null): string {
  if (scopes === null) return '';
  const granted = new Set(scopes.split(',').map((x) => x.trim()));
  if (granted.has('channels:history') && granted.has('groups:history')) return '';
  return '; without channels:history and groups:history a message whose id a crash lost may be posted twice (README "Outages and failover")';
}

async function checkSlack(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const token = env.SLACK_BOT_TOKEN?.trim();
  if (!token) {
    return { name: 'slack', status: 'skip', detail: 'SLACK_BOT_TOKEN is not set: fine for doctor; `leakbot start` needs it (README "Install in Slack")' };
  }
  // Other variables' problems (a missing signing secret) are reported and do not stop the token's
  // own check: a first run fixes both at once.
  const problems: string[] = [];
  try {
    readEnv(env, 'all');
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    problems.push(...err.message.split('\n').slice(1).map((l) => l.replace(/^\s*-\s*/, '')));
  }
  const fail = (detail: string): DoctorCheck => ({ name: 'slack', status: 'fail', detail: [...problems, detail].join('; ') });
  let apiUrl: string;
  try {
    apiUrl = slackApiUrlOf(env);
  } catch {
    return { name: 'slack', status: 'fail', detail: problems.join('; ') };
  }
  if (problems.some((p) => p.startsWith('SLACK_BOT_TOKEN'))) return { name: 'slack', status: 'fail', detail: problems.join('; ') };
  let res: Response;
  try {
    res = await fetch(`${apiUrl}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
  } catch (err) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a timeout) is its cause.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? 'no answer within 5 s' : (cause?.code ?? cause?.message ?? (err as Error).message);
    return fail(`cannot reach the Slack Web API at ${apiUrl} (${why})${env.SLACK_API_URL?.trim() ? ': check SLACK_API_URL' : ''}`);
  }
  let body: { ok?: boolean; error?: string; team?: string; user?: string };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    return fail(`${apiUrl}auth.test answered HTTP ${res.status} without Slack's JSON: is ${env.SLACK_API_URL?.trim() ? 'SLACK_API_URL' : 'a proxy'} in the way?`);
  }
  if (!body.ok) return fail(`Slack rejected SLACK_BOT_TOKEN (auth.test): ${body.error ? `${body.error}${tokenRejectedHint('SLACK_BOT_TOKEN', body.error)}` : `HTTP ${res.status}`}`);
  const ok = `SLACK_BOT_TOKEN works (auth.test: @${body.user ?? '?'} in ${body.team ?? '?'})${historyNote(res.headers.get('x-oauth-scopes'))}`;
  return problems.length ? fail(ok) : { name: 'slack', status: 'ok', detail: ok };
}

/** LEAKBOT_WEBHOOK_TOKEN as `leakbot start` will treat it (src/alerts/auth.ts): unset disables the
 *  Alertmanager webhook (every notification refused with 503, which Alertmanager retries for ever),
 *  so a first run learns it here rather than from alerts that never arrive. With a token and the
 *  config read, alerts also need a channel: a service without `channel` when no `defaultChannel` is set
 *  has its alerts dropped with only a log line (src/alerts/jobs.ts processNotify), so that fails here.
 *  The token is never shown. */
function checkWebhook(env: NodeJS.ProcessEnv, config: Config | null): DoctorCheck {
  const token = env.LEAKBOT_WEBHOOK_TOKEN?.trim();
  if (!token) {
    return { name: 'webhook', status: 'skip', detail: 'LEAKBOT_WEBHOOK_TOKEN is not set: fine without alerts; POST /webhooks/alertmanager refuses every notification until it is (deploy/README.md)' };
  }
  if (isPlaceholder(token)) return { name: 'webhook', status: 'fail', detail: "LEAKBOT_WEBHOOK_TOKEN holds the README's placeholder: replace it with a long random value (openssl rand -hex 32)" };
  if (token.length < MIN_TOKEN_LENGTH) {
    return { name: 'webhook', status: 'skip', detail: `LEAKBOT_WEBHOOK_TOKEN is set but shorter than ${MIN_TOKEN_LENGTH} characters: use a long random value (openssl rand -hex 32)` };
  }
  const unrouted = config && !config.defaultChannel ? Object.entries(config.services).filter(([, svc]) => !svc.channel).map(([name]) => name) : [];
  if (unrouted.length > 0) {
    return {
      name: 'webhook',
      status: 'fail',
      detail: `LEAKBOT_WEBHOOK_TOKEN is set, but alerts for ${unrouted.join(', ')} have no channel to go to and would be dropped: set defaultChannel (a channel id, for every service without one and for alerts naming no registered service) or services.<name>.channel`,
    };
  }
  return { name: 'webhook', status: 'ok', detail: 'LEAKBOT_WEBHOOK_TOKEN is set: Alertmanager sends it as a bearer token to POST /webhooks/alertmanager (deploy/README.md)' };
}

/** The checklist and postmortem templates, loaded and validated exactly as `leakbot start` does
 *  (src/incident/templates.ts): a missing or broken override stops start, so doctor must say so. */
async function checkTemplates(config: Config, configPath: string | undefined): Promise<DoctorCheck> {
  const { loadTemplatesForConfig, TemplateError } = await import('./incident/templates.js');
  const overrides = [config.templates.checklist, config.templates.postmortem].filter((p): p is string => !!p);
  try {
    loadTemplatesForConfig(config.templates, configPath);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return { name: 'templates', status: 'fail', detail: `${err.message} (config "templates:" paths are relative to the config file's folder)` };
  }
  return { name: 'templates', status: 'ok', detail: overrides.length ? overrides.join(', ') : 'the shipped checklist and postmortem (templates/)' };
}

/** Plain text of a Block Kit message as Slack shows it (headers, sections, context; mrkdwn escapes
 *  read back), the way a terminal can show it. */
export function blocksText(blocks: readonly object[]): string {
  const out: string[] = [];
  for (const b of blocks as Array<{ type: string; text?: { text: string }; elements?: Array<{ text?: string }> }>) {
    if (b.type === 'header' && b.text) out.push(b.text.text, '');
    else if (b.type === 'section' && b.text) out.push(b.text.text);
    else if (b.type === 'context' && b.elements) out.push(...b.elements.map((e) => e.text ?? '').filter(Boolean));
    else if (b.type === 'divider') out.push('');
  }
  return unescapeSlack(out.join('\n'));
}

/** Every instance of every service (discovered as `leakbot start` would: url, targets, dns, prometheus),
 *  captured once; the first reachable instance of each service gives the preview. */
async function checkTargets(config: Config, env: NodeJS.ProcessEnv, report: DoctorReport): Promise<void> {
  const { captureSnapshot, captureTarget, CaptureError } = await import('./capture/index.js');
  const { shownUrl } = await import('./capture/pprof-url.js');
  const { TargetResolver, DiscoveryError } = await import('./capture/targets/index.js');
  const { analyze, renderBlocks } = await import('./engine/index.js');
  const { autoRecaptureWarning, firstSnapshotNote, manualRecaptureWarning, manualSnapshotNote } = await import('./slack/messages.js');
  const { recaptureDelayMs } = await import('./flows/recapture-delay.js');
  const dnsServer = env.LEAKBOT_DNS_SERVER ?? config.dnsServer;
  const resolver = new TargetResolver(config.services, dnsServer ? { dnsServer } : {});
  for (const [service, svc] of Object.entries(config.services)) {
    let instances;
    try {
      const d = await resolver.discover(service);
      instances = d.instances;
      if (d.source !== 'url') {
        const more = d.found > d.instances.length ? ` (${d.found} found, the first ${d.instances.length} kept: fleet.maxInstances)` : '';
        report.checks.push({ name: `targets ${service}`, status: instances.length ? 'ok' : 'fail', detail: `${d.source}: ${instances.length} instance${instances.length === 1 ? '' : 's'}${more}` });
      }
    } catch (err) {
      const detail = err instanceof DiscoveryError ? err.userMessage : (err as Error).message;
      report.checks.push({ name: `targets ${service}`, status: 'fail', detail });
      continue;
    }
    let previewed = false;
    for (const instance of instances) {
      const target = captureTarget(service, svc, instance);
      try {
        const r = await captureSnapshot(target);
        const kb = (r.bytes / 1024).toFixed(0);
        // Over debug2MaxGoroutines the capture is the proto profile alone: findings then rest on counts.
        const protoOnly = r.overLimit
          ? `; proto only: more than debug2MaxGoroutines ${target.debug2MaxGoroutines}, so no goroutine ids or creators`
          : '';
        report.checks.push({ name: `target ${target.name}`, status: 'ok', detail: `${r.url}: ${r.snapshot.total.toLocaleString('en-US')} goroutines (${r.format}, ${kb} kB in ${r.durationMs} ms${protoOnly})` });
        if (previewed) continue;
        previewed = true;
        const analysis = analyze(r.snapshot, { ignore: [...config.ignore, ...svc.ignore] });
        // As /leak snapshot posts a first snapshot (flows/snapshot.ts): with nothing to compare with, it
        // says that it captures again by itself, instead of asking for a second snapshot by hand.
        const againMs = recaptureDelayMs(config, service);
        const rendered = renderBlocks(analysis, { title: `Goroutines of ${target.name}: first snapshot`, service, recapture: againMs > 0 ? autoRecaptureWarning(againMs) : manualRecaptureWarning(service) });
        const note = `\n${againMs > 0 ? firstSnapshotNote(analysis, service, againMs) : manualSnapshotNote(analysis, service)}`;
        report.previews.push({ service, channel: svc.channel ?? config.defaultChannel ?? null, text: blocksText(rendered.blocks) + note });
      } catch (err) {
        const detail = err instanceof CaptureError ? err.userMessage : (err as Error).message;
        report.checks.push({ name: `target ${target.name}`, status: 'fail', detail: `${shownUrl(instance.url)}: ${detail}` });
      }
    }
  }
}

/**
 * Runs every check against `env` (process.env by default). Never throws for a failed check: each
 * becomes a `fail` line; `ok` is false when any check failed.
 */
export async function runDoctor(env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const report: DoctorReport = { checks: [], previews: [], ok: true };
  let config: Config | null = null;
  const path = env.LEAKBOT_CONFIG?.trim();
  try {
    config = readConfig(env);
    const names = Object.keys(config.services);
    report.checks.push({ name: 'config', status: 'ok', detail: `${path}: ${names.length} service${names.length === 1 ? '' : 's'} (${names.join(', ') || 'none'})` });
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    report.checks.push({ name: 'config', status: 'fail', detail: err.message.replace(/^leakbot cannot start:\s*(- )?/, '').trim() });
  }
  if (config) report.checks.push(await checkTemplates(config, path));
  report.checks.push(await checkSlack(env));
  report.checks.push(checkWebhook(env, config));
  report.checks.push(await checkRedis(env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379'));
  const port = Number(env.PORT ?? 3000);
  if (Number.isInteger(port) && port >= 0 && port <= 65535) report.checks.push(await checkPort(port));
  else report.checks.push({ name: 'port', status: 'fail', detail: `PORT must be a port number, got ${JSON.stringify(env.PORT)}` });
  if (config) await checkTargets(config, env, report);
  report.ok = report.checks.every((c) => c.status !== 'fail');
  return report;
}

/** The report as the terminal shows it. */
export function formatDoctorReport(r: DoctorReport): string {
  const mark = { ok: 'ok  ', fail: 'FAIL', skip: '--  ' } as const;
  const lines = ['leakbot doctor: what `leakbot start` needs, checked without posting anything', ''];
  for (const c of r.checks) {
    const [first = '', ...more] = c.detail.split('\n');
    // Continuation lines keep their indentation relative to each other (a config error's YAML example).
    const indent = Math.min(...more.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
    lines.push(`${mark[c.status]}  ${c.name.padEnd(14)} ${first.trim()}`, ...more.map((l) => `${' '.repeat(21)}${l.slice(indent).trimEnd()}`));
  }
  for (const p of r.previews) {
    lines.push('', `── /leak snapshot ${p.service} would post this in the thread${p.channel ? ` (alerts go to ${p.channel})` : ''}:`, '');
    lines.push(...p.text.split('\n').map((l) => `   ${l}`));
  }
  const failed = r.checks.filter((c) => c.status === 'fail').length;
  lines.push('', failed ? `${failed} problem${failed === 1 ? '' : 's'} to fix before \`leakbot start\`.` : 'All checks passed: `npm start` (`leakbot start` where the package is installed) can run with this setup.');
  return `${lines.join('\n')}\n`;
}
