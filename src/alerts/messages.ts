import { own } from '../own.js';
import type { Config } from '../config/schema.js';
import type { Frame } from '../engine/index.js';
import type { AlertRecord, Episode } from './dedupe.js';
import { describeServiceLabels } from './mapping.js';
import type { Resolution } from './resolution.js';
import { escapeMrkdwn } from '../slack/text.js';
import { threadStatus } from '../slack/messages.js';
import type { ThreadRecord } from '../store/threads.js';

// The words of alert threads. The parent is rebuilt from the ledger on every delivery, so a re-send
// refreshes it (counts, last notified) and the resolution turns it green, without any extra state.

type Block = { type: string; [k: string]: unknown };

const MAX_LISTED = 8;
const SECTION_MAX = 2900;

export const esc = escapeMrkdwn;

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** A Slack link for http(s) URLs only; anything else (javascript:, garbage) is dropped. */
export function link(url: string | undefined, label: string): string | null {
  if (!url || !/^https?:\/\/[^\s<>|]+$/i.test(url) || url.length > 2000) return null;
  return `<${url.replace(/&/g, '&amp;')}|${esc(label)}>`;
}

/** A date Slack shows in each reader's time zone, with a UTC fallback. */
export function slackTime(ms: number): string {
  const iso = new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${iso} UTC>`;
}

export function minutes(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000));
  if (m === 0) return 'less than a minute';
  return m < 90 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
}

/** How long an alert fired: seconds under a minute (an alert that flapped for 3 s read 'less than a
 *  minute'), else as minutes() says. The one formatter of a resolved alert's duration: the parent's
 *  'resolved after', the resolved reply, its verdict and the timeline all say it with this. */
export function firedFor(ms: number): string {
  if (ms < 1000) return 'less than a second';
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : minutes(ms);
}

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, SECTION_MAX) } });
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, 1900) }] });

/** Labels that tell alerts of one group apart (those not common to all of them), at most three: the
 *  configured instanceLabels first (the pod is what on-call acts on: kubectl -n <namespace> … <pod>),
 *  then namespace, then the rest by name. */
function distinguishing(alerts: AlertRecord[], config: Pick<Config, 'alerts'>): (a: AlertRecord) => string {
  const skip = new Set(['alertname', 'severity']);
  const preferred = [...config.alerts.instanceLabels, 'namespace', 'kubernetes_namespace'];
  const rank = (k: string): number => (preferred.includes(k) ? preferred.indexOf(k) : preferred.length);
  const order = (ks: string[]): string[] => ks.sort((x, y) => rank(x) - rank(y) || (x < y ? -1 : x > y ? 1 : 0));
  const first = alerts[0]?.labels ?? {};
  const varying = new Set<string>();
  for (const a of alerts) for (const [k, v] of Object.entries(a.labels)) if (first[k] !== v) varying.add(k);
  for (const k of Object.keys(first)) if (alerts.some((a) => a.labels[k] !== first[k])) varying.add(k);
  const keys = order([...varying].filter((k) => !skip.has(k)));
  return (a) => {
    const ks = keys.length ? keys : order(Object.keys(a.labels).filter((k) => !skip.has(k)));
    const told = ks.slice(0, 3).map((k) => `${k}=${a.labels[k] ?? ''}`).join(', ');
    if (told) return told;
    // Only alertname and severity: those, or the summary, say more than Alertmanager's fingerprint.
    const plain = [...skip].filter((k) => a.labels[k]).map((k) => `${k}=${a.labels[k]}`).join(', ');
    return plain || a.summary || a.fingerprint;
  };
}

export interface ParentMessage {
  text: string;
  blocks: Block[];
}

/**
 * The thread's parent in one channel: what fired, for which services, since when, with links, and
 * the thread's latest verdict (`thread.state`: the alert's own capture or a /leak verb that joined
 * the thread), so the channel shows the verdict without opening the thread.
 */
export function parentMessage(ep: Episode, channel: string, config: Pick<Config, 'alerts'>, now = Date.now(), thread?: Pick<ThreadRecord, 'state' | 'analyses'> | null): ParentMessage {
  const all = Object.values(ep.alerts);
  const here = all.filter((a) => a.channel === channel);
  const firing = here.filter((a) => a.status === 'firing');
  const services = [...new Set(here.map((a) => a.service).filter((s): s is string => s !== null))].sort();
  const unknown = here.filter((a) => a.service === null);
  const since = Math.min(...here.map((a) => a.startsAt));
  const resolved = firing.length === 0;
  const lastEnd = Math.max(...here.map((a) => a.endsAt ?? ep.updatedAt));
  const who = services.length ? services.map((s) => `*${esc(s)}*`).join(', ') : 'a service leakbot does not know';

  const headline = resolved
    ? `:white_check_mark: *${esc(ep.title)}* resolved for ${who} — fired ${slackTime(since)}, resolved after ${firedFor(lastEnd - since)}`
    : `:rotating_light: *${esc(ep.title)}* firing for ${who} since ${slackTime(since)} (${minutes(now - since)} ago)`;
  const summary = here.map((a) => a.summary).find((s) => s) ?? '';

  const label = distinguishing(here, config);
  const listed = [...here].sort((a, b) => Number(b.status === 'firing') - Number(a.status === 'firing') || a.startsAt - b.startsAt);
  const lines = listed.slice(0, MAX_LISTED).map((a) => {
    const state = a.status === 'firing' ? ':red_circle:' : ':white_check_mark:';
    const src = link(a.generatorURL, 'source');
    return `${state} \`${esc(clip(label(a), 120))}\`${a.service ? '' : ' (unknown service)'}${src ? ` · ${src}` : ''}`;
  });
  if (listed.length > MAX_LISTED) lines.push(`…and ${listed.length - MAX_LISTED} more (counted below)`);

  // Every alert accounted for: counts per service, folded into one capture each.
  const counts: string[] = [`${here.length} alert${here.length === 1 ? '' : 's'}: ${firing.length} firing, ${here.length - firing.length} resolved`];
  for (const s of services) {
    const n = here.filter((a) => a.service === s).length;
    const round = own(ep.services, s)?.round ?? 1;
    counts.push(`${esc(s)}: ${n} alert${n === 1 ? '' : 's'} → ${round === 1 ? 'one capture' : `${round} captures (fired ${round}×)`}`);
  }
  if (ep.truncatedAlerts > 0) counts.push(`${ep.truncatedAlerts} more not sent by Alertmanager (max_alerts)`);

  const blocks: Block[] = [section(`${headline}${summary ? `\n>${esc(clip(summary, 500))}` : ''}`), section(lines.join('\n'))];
  if (thread?.state) blocks.push(section(`*Latest:* ${threadStatus(thread.state, thread.analyses ?? 0)}`));
  blocks.push(context(counts.join(' · ')));
  if (unknown.length) {
    const sample = describeServiceLabels(unknown[0]!.labels, config);
    blocks.push(
      context(
        `:grey_question: ${unknown.length} alert${unknown.length === 1 ? ' is' : 's are'} for a service leakbot does not know (${esc(clip(sample, 200))}). Register it under \`services:\` in LEAKBOT_CONFIG (or add the label to \`alerts.serviceLabels\`) to get findings.`,
      ),
    );
  }
  // The configured address people reach (alerts.externalUrl) beats the one in the notification,
  // which is Alertmanager's own idea of its URL (often an internal host name).
  const links = [link(config.alerts.externalUrl ?? ep.externalURL, ep.source === 'grafana' ? 'Grafana' : 'Alertmanager')].filter(Boolean);
  const meta = [
    `${ep.source === 'grafana' ? 'Grafana' : 'Alertmanager'} notified ${ep.notifications}× (re-sends update this message), last ${slackTime(ep.updatedAt)}`,
    ...links,
  ];
  if (!resolved && services.length && !thread?.state) meta.push('findings follow in this thread');
  blocks.push(context(meta.join(' · ')));

  // The notification text: the alert's title is outside text like everything else.
  const text = resolved
    ? `${esc(ep.title)} resolved for ${services.join(', ') || 'an unknown service'} after ${firedFor(lastEnd - since)}`
    : `${esc(ep.title)} firing for ${services.join(', ') || 'an unknown service'} (${firing.length} alert${firing.length === 1 ? '' : 's'})`;
  return { text, blocks };
}

export function captureFailedMessage(service: string, what: string, message: string): ParentMessage {
  const text = `Could not capture ${esc(service)} ${esc(what)}: ${esc(message)}`;
  return { text, blocks: [section(`:warning: Could not capture *${esc(service)}* ${esc(what)}: ${esc(message)}`)] };
}

function siteText(f: Frame | null): string {
  if (!f) return 'unknown site';
  const file = f.file.split('/').slice(-3).join('/');
  const fn = f.func.slice(f.func.lastIndexOf('/') + 1);
  return `\`${esc(f.line > 0 ? `${file}:${f.line}` : file)}\` in \`${esc(fn)}\``;
}

export interface ResolvedInput {
  service: string;
  title: string;
  firedAt: number;
  resolvedAt: number;
  /** When the firing capture and the final one were taken (null: no firing capture). */
  firingCapturedAt: number | null;
  finalCapturedAt: number;
  resolution: Resolution | null;
  /** Used when there is no firing capture to compare with. */
  fallback?: string;
}

/** How each resolution kind reads in a message. */
const RESOLUTION_WORDS: Record<Resolution['kind'], string> = { drained: 'Drained', restarted: 'Hidden by a restart', 'still-there': 'Still there', unclear: 'Unclear' };

/** The parent's "Latest" line after the resolution (src/slack/messages.ts threadStatus): what the
 *  final capture showed, in a few words; `resolution` null when nothing from the firing compares. */
export function resolutionSummary(resolution: Resolution | null): string {
  if (!resolution) return 'final capture at resolution, none from when it fired to compare with';
  switch (resolution.kind) {
    case 'drained':
      return 'at resolution the pile had drained';
    case 'restarted':
      return 'at resolution the process had restarted: the pile is gone, the leak is not fixed';
    case 'still-there':
      return 'at resolution the pile was still there';
    case 'unclear':
      return 'at resolution: unclear, see the thread';
  }
}

export function resolvedMessage(r: ResolvedInput): ParentMessage {
  const after = firedFor(r.resolvedAt - r.firedAt);
  const head = `:white_check_mark: *${esc(r.title)}* resolved for *${esc(r.service)}* after ${after}.`;
  const lines = [head];
  if (r.resolution && r.firingCapturedAt !== null) {
    const res = r.resolution;
    lines.push(
      `Final capture (${slackTime(r.finalCapturedAt)}) vs the one taken when it fired (${slackTime(r.firingCapturedAt)}): ${res.totalBefore.toLocaleString('en-US')} → ${res.totalAfter.toLocaleString('en-US')} goroutines.`,
    );
    for (const s of res.sites) lines.push(`• ${esc(s.patternTitle)} at ${siteText(s.site)} (${esc(s.state)}): ${s.before} → ${s.after}`);
    lines.push(`*${RESOLUTION_WORDS[res.kind]}.* ${esc(res.verdict)}`);
  } else if (r.fallback) {
    lines.push(esc(r.fallback));
  }
  // Words, not the internal slug ("still-there"): this is what notifications show.
  const verdictWord = r.resolution ? ` (${RESOLUTION_WORDS[r.resolution.kind].toLowerCase()})` : '';
  return { text: `${esc(r.title)} resolved for ${esc(r.service)} after ${after}${verdictWord}`, blocks: [section(lines.join('\n'))] };
}
