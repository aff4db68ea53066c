// Markdown report: what the bot uploads as a file when Block Kit runs out of room, and what
// postmortem drafts quote. Code locations in backticks, full stacks in fenced blocks.
import type { Analysis, Finding } from '../model.js';
import { atFileLine, countLine, createdByShare, fileLine, hangLines, labelsLine, pathsLine, primarySite, shortFunc, siteText, stackLines, startedFromLine, heldByLine, summaryLine, suppressedLine, verdictLine, warningsOf } from './format.js';

export interface MarkdownOptions {
  title?: string;
  /** As BlocksOptions.recapture. */
  recapture?: string;
}

export function renderMarkdown(a: Analysis, opts: MarkdownOptions = {}): string {
  const out: string[] = [`# ${opts.title ?? 'Goroutine leak report'}`, '', `**${verdictLine(a)}** ${summaryLine(a)}`];
  const warnings = warningsOf(a, opts.recapture);
  if (warnings.length) out.push('', ...warnings.map((w) => `> ⚠ ${w}`));
  for (const h of a.hangs ?? []) {
    out.push('', `## Hang: ${h.title}`, '', ...hangLines(h).map((l) => `- ${l}`), '', h.advice, '', '```', ...h.frames.slice(0, 20).map((fr) => `${fr.func}\n    ${fr.file}${fr.line > 0 ? `:${fr.line}` : ''}`), '```');
  }
  a.findings.forEach((f, i) => out.push('', ...findingMarkdown(f, i + 1, a.mode)));
  const quiet = suppressedLine(a.suppressed, a.ignored);
  if (quiet) out.push('', `_${quiet}_`);
  return out.join('\n') + '\n';
}

export function findingMarkdown(f: Finding, n: number, mode: Analysis['mode']): string[] {
  const site = primarySite(f);
  const where = site ? siteText(site, (s) => `\`${s}\``) : 'unknown site';
  const out = [`## ${n}. ${f.patternTitle} — ${where}`, '', `- **Confidence:** ${f.confidence} (score ${f.score})`];
  out.push(`- **Goroutines:** ${countLine(f, mode)}`);
  if (mode === 'diff') out.push(`- **Series:** ${f.series.join(' → ')}`);
  if (f.site && f.stdSite) out.push(`- **Via:** \`${f.stdSite.func}\`${f.stdSite.file ? ` (\`${fileLine(f.stdSite)}\`)` : ''}`);
  if (f.createdBy) out.push(`- **Created by:** \`${f.createdBy.func}\`${atFileLine(f.createdBy, (s) => `\`${s}\``)}${createdByShare(f, (s) => `\`${s}\``)}`);
  const from = startedFromLine(f);
  if (from) out.push(`- **Started from:** ${from.replace(/^started from /, '')}`);
  const held = heldByLine(f, (s) => `\`${s}\``);
  if (held) out.push(`- **Held by:** ${held.replace(/^lock likely held by /, 'likely ')}`);
  const paths = pathsLine(f);
  if (paths) out.push(`- **Call paths:** ${paths}`);
  if (f.exampleId !== null) out.push(`- **Example goroutine:** ${f.exampleId}`);
  const labels = labelsLine(f.labels);
  if (labels) out.push(`- **Labels:** \`${labels}\``);
  out.push('- **Why:**', ...f.signals.map((s) => `  - ${s}`));
  out.push('', f.advice, '', '```', ...stackLines(f, 40), '```');
  return out;
}
