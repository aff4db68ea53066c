// Slack Block Kit: a header, the verdict, one section per finding while Slack's limits allow (50 blocks,
// 3000 characters per section text, ~13k characters per message), leaving room for the caller's own
// action buttons. Whatever does not fit goes into `overflowMarkdown`, the full report for a file upload.
import type { Analysis, Finding } from '../model.js';
import { atFileLine, countLine, createdByShare, fileLine, hangLines, labelsLine, pathsLine, primarySite, shortFunc, siteText, startedFromLine, heldByLine, summaryLine, suppressedLine, verdictLine, warningsOf } from './format.js';
import { renderMarkdown } from './markdown.js';

export interface BlocksOptions {
  title: string;
  service?: string;
  /** The single-snapshot line when the caller captures again by itself (the bot's automatic second
   *  capture), e.g. "single snapshot: leakbot captures again in 30 s…"; default: take one by hand. */
  recapture?: string;
}

/** A Slack message: Block Kit blocks, fallback text (notifications, screen readers), and the Markdown
 *  report to upload as a file when the findings do not fit (null when everything fits). */
export interface BlocksMessage {
  blocks: object[];
  text: string;
  overflowMarkdown: string | null;
}

/** Our share of Slack's limits; the rest is for the buttons and context the caller adds. */
export const BLOCK_LIMITS = { blocks: 45, sectionChars: 3000, totalChars: 12_000, headerChars: 150 } as const;

/** Slack mrkdwn needs &, < and > escaped everywhere, inside backticks too. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const clip = (s: string, max: number) => (s.length <= max ? s : s.slice(0, max - 1) + '…');

const ICON = { high: ':red_circle:', medium: ':large_orange_circle:', low: ':white_circle:' } as const;

type Block = { type: string; [k: string]: unknown };

const section = (text: string): Block => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clip(text, BLOCK_LIMITS.sectionChars) },
});
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, 2000) }] });

/** The title, with the service named once (callers often put it in the title already). */
function withService(opts: BlocksOptions, sep: string): string {
  return opts.service && !opts.title.includes(opts.service) ? `${opts.title}${sep}${opts.service}` : opts.title;
}

export function renderBlocks(a: Analysis, opts: BlocksOptions): BlocksMessage {
  const title = clip(withService(opts, ' · '), BLOCK_LIMITS.headerChars);
  const head: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
    section(`*${escapeMrkdwn(verdictLine(a))}* ${escapeMrkdwn(summaryLine(a))}`),
  ];
  const warnings = warningsOf(a, opts.recapture);
  if (warnings.length) head.push(context(warnings.map((w) => `:warning: ${escapeMrkdwn(w)}`).join('\n')));
  for (const h of (a.hangs ?? []).slice(0, 3)) {
    const site = h.site?.file ? ` \`${escapeMrkdwn(fileLine(h.site))}\`` : '';
    head.push(section([`:octagonal_sign: *Hang: ${escapeMrkdwn(h.title)}*${site}`, ...hangLines(h).map((l) => escapeMrkdwn(l))].join('\n')), context(escapeMrkdwn(h.advice)));
  }

  const blocks = [...head];
  let chars = head.reduce((n, b) => n + blockChars(b), 0);
  let shown = 0;
  const footerRoom = 2; // a divider-less "N more" context block, and slack
  for (const [i, f] of a.findings.entries()) {
    const part = findingBlocks(f, i + 1, a.mode);
    const size = part.reduce((n, b) => n + blockChars(b), 0);
    if (blocks.length + part.length + footerRoom > BLOCK_LIMITS.blocks || chars + size > BLOCK_LIMITS.totalChars - 300) break;
    blocks.push(...part);
    chars += size;
    shown++;
  }
  const overflow = shown < a.findings.length;
  if (overflow) {
    blocks.push(context(`${a.findings.length - shown} more suspected leak sites are in the full report.`));
  } else if (a.counts && a.counts.total > a.findings.length) {
    blocks.push(context(`${a.counts.total - a.findings.length} more suspected leak sites were not listed (max findings).`));
  } else if (a.findings.length > 0 && (a.suppressed > 0 || (a.ignored ?? 0) > 0)) {
    blocks.push(context(suppressedLine(a.suppressed, a.ignored)!));
  }
  return {
    blocks,
    text: fallbackText(a, opts),
    overflowMarkdown: overflow ? renderMarkdown(a, { title: withService(opts, ': '), ...(opts.recapture !== undefined ? { recapture: opts.recapture } : {}) }) : null,
  };
}

function findingBlocks(f: Finding, n: number, mode: Analysis['mode']): Block[] {
  const site = primarySite(f);
  const where = site ? siteText(site, (s) => `\`${escapeMrkdwn(s)}\``) : 'unknown site';
  const lines = [
    `${ICON[f.confidence]} *${n}. ${escapeMrkdwn(f.patternTitle)}* — ${f.confidence} (score ${f.score})`,
    `at ${where}`,
    escapeMrkdwn(countLine(f, mode)),
  ];
  if (f.site && f.stdSite) lines.push(`via \`${escapeMrkdwn(f.stdSite.func)}\``);
  if (f.createdBy) lines.push(`created by \`${escapeMrkdwn(shortFunc(f.createdBy.func))}\`${atFileLine(f.createdBy, (s) => `\`${escapeMrkdwn(s)}\``)}${createdByShare(f, (s) => `\`${escapeMrkdwn(s)}\``)}`);
  const from = startedFromLine(f, (s) => `\`${escapeMrkdwn(s)}\``);
  if (from) lines.push(from);
  const held = heldByLine(f, (s) => `\`${escapeMrkdwn(s)}\``);
  if (held) lines.push(held);
  const paths = pathsLine(f);
  if (paths) lines.push(`call paths: ${escapeMrkdwn(paths)}`);
  const labels = labelsLine(f.labels);
  if (labels) lines.push(`labels \`${escapeMrkdwn(labels)}\``);
  lines.push(...f.signals.map((s) => `• ${escapeMrkdwn(s)}`));
  return [{ type: 'divider' }, section(lines.join('\n')), context(escapeMrkdwn(f.advice))];
}

/** Characters Slack counts: every text in the block. */
export function blockChars(b: object): number {
  let n = 0;
  const walk = (v: unknown): void => {
    if (typeof v === 'string') n += v.length;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk((b as Block).text ?? null);
  walk((b as Block).elements ?? null);
  walk((b as Block).fields ?? null);
  return n;
}

function fallbackText(a: Analysis, opts: BlocksOptions): string {
  const head = withService(opts, ' · ');
  const top = a.findings[0];
  if (!top) return escapeMrkdwn(`${head}: ${a.hangs?.length || a.counts?.total ? verdictLine(a) : 'no suspected goroutine leaks.'}`);
  const site = primarySite(top);
  return escapeMrkdwn(`${head}: ${verdictLine(a)} Top: ${top.patternTitle}${site ? ` at ${siteText(site)}` : ''}.`);
}
