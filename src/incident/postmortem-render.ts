import { capitalize, type PostmortemDraft } from './postmortem.js';
import { fillPlaceholders, type PostmortemPlaceholder, type PostmortemTemplate } from './templates.js';
import { clip, escapeMrkdwn, slackDate, utc, utcTime, type SlackMessage } from './format.js';
import { MENTION } from './people.js';

// One draft, three media. Draft texts are Markdown with Slack user mentions (<@U123>); each medium
// converts mentions and emphasis its own way.

type Medium = 'markdown' | 'canvas';

/** Display names by user id (src/incident/people.ts); ids missing from it are shown as @U…. */
export type Names = ReadonlyMap<string, string>;

function inline(text: string, medium: Medium, names: Names): string {
  // A Markdown file cannot mention: it names people (users.info). A canvas renders ![](@U123) as
  // the person; the name follows for readers of an exported copy.
  return text.replace(MENTION, (_m, id: string) => {
    const name = names.get(id);
    if (medium === 'canvas') return name ? `![](@${id}) (${name})` : `![](@${id})`;
    return name ?? `@${id}`;
  });
}

/** Markdown → Slack mrkdwn for the short texts we generate (bold, code, mentions). */
export function toMrkdwn(text: string): string {
  return escapeMrkdwn(text)
    .replace(/&lt;@([UW][A-Z0-9]+)&gt;/g, '<@$1>')
    .replace(/\*\*([^*]+)\*\*/g, '*$1*');
}

function sections(d: PostmortemDraft, medium: Medium, names: Names): Record<PostmortemPlaceholder, string> {
  const md = (t: string): string => inline(t, medium, names);
  let lastDay = '';
  const timeline = d.timeline.length
    ? d.timeline
        .map((e) => {
          const day = utc(e.at).slice(0, 10);
          const stamp = day === lastDay ? utcTime(e.at) : utc(e.at);
          lastDay = day;
          return `- **${stamp}** ${md(e.text)}`;
        })
        .join('\n')
    : '_leakbot recorded no events for this incident._';

  const rootCauses = d.rootCauses.length
    ? d.rootCauses
        .map((c, i) =>
          [
            `### ${i + 1}. ${capitalize(c.patternTitle)} at \`${c.site}\``,
            '',
            `- **Confidence:** ${c.confidence} · **pattern:** \`${c.pattern}\` · **state:** ${c.state}`,
            ...(c.pod ? [`- **Found on pod:** ${c.pod}`] : []),
            ...(c.createdBy ? [`- **Started by:** \`${c.createdBy}\``] : []),
            `- **Evidence:** ${c.evidence.map(md).join('; ')}`,
            ...(c.advice ? [`- **Usual fix:** ${md(c.advice)}`] : []),
          ].join('\n'),
        )
        .join('\n\n')
    : '_No suspected leak site was recorded. Capture two snapshots a few minutes apart (`/leak snapshot`) to get one._';

  const det = d.detection;
  const detection = [
    `- ${md(det.text)}`,
    ...(det.at !== null ? [`- **When:** ${utc(det.at)} UTC`] : []),
    ...(det.link ? [`- **Alert source:** ${det.link}`] : []),
  ].join('\n');

  return {
    title: d.title,
    service: d.service,
    generatedAt: `${utc(d.generatedAt)} UTC`,
    window: d.window ? `${utc(d.window.start)} – ${utc(d.window.end)} UTC` : 'no recorded events',
    summary: md(d.summary),
    impact: d.impact.map((f) => `- **${f.label}:** ${f.value ?? '_to fill_'}`).join('\n'),
    detection,
    timeline,
    rootCauses,
    contributingFactors: d.factors.map((f) => `- [${f.checked ? 'x' : ' '}] ${f.text}${f.evidence ? ` (${md(f.evidence)})` : ''}`).join('\n'),
    actionItems: d.actionItems.length
      ? d.actionItems.map((a) => `- [ ] **${a.priority}** ${md(a.text)} (owner: _to fill_, due: _to fill_)`).join('\n')
      : '- [ ] _fill in_',
    lessons: d.lessons.map((l) => `**${l.heading}**\n\n${l.points.map((p) => `- ${md(p)}`).join('\n')}`).join('\n\n'),
  };
}

export function renderPostmortemMarkdown(draft: PostmortemDraft, template: PostmortemTemplate, names: Names = new Map()): string {
  return fillPlaceholders(template.body, sections(draft, 'markdown', names)).replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

/** Canvas flavour of the same draft (mentions render as people). Canvases cap content at 1 MiB. */
export function renderPostmortemCanvas(draft: PostmortemDraft, template: PostmortemTemplate, names: Names = new Map()): string {
  return clip(fillPlaceholders(template.body, sections(draft, 'canvas', names)).replace(/\n{3,}/g, '\n\n').trimEnd(), 1_000_000);
}

export function postmortemFileName(draft: PostmortemDraft): string {
  const day = new Date(draft.window?.start ?? draft.generatedAt).toISOString().slice(0, 10);
  return `postmortem-${draft.service}-${day}.md`;
}

// ---- Slack summary (Block Kit) ----

const SECTION_MAX = 3000;

export function postmortemSummaryBlocks(draft: PostmortemDraft, opts: { fileName?: string; canvasNote?: string } = {}): SlackMessage {
  const mr = (s: string): { type: 'mrkdwn'; text: string } => ({ type: 'mrkdwn', text: clip(s, SECTION_MAX) });
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: clip(`Postmortem draft: ${draft.title}`, 150), emoji: true } },
    { type: 'section', text: mr(toMrkdwn(draft.summary)) },
  ];
  const fields = [
    mr(`*Detection*\n${draft.detection.at !== null ? `${slackDate(draft.detection.at)}: ` : ''}${clip(toMrkdwn(draft.detection.text), 1500)}`),
    mr(`*Window*\n${draft.window ? `${slackDate(draft.window.start, '{time}')} – ${slackDate(draft.window.end, '{time}')}` : 'no events'}`),
    mr(`*Timeline*\n${draft.timeline.length} entries`),
    mr(`*Action items*\n${draft.actionItems.length} (${draft.actionItems.filter((a) => a.priority === 'P1').length} P1)`),
  ];
  blocks.push({ type: 'section', fields });
  if (draft.rootCauses.length > 0) {
    const lines = draft.rootCauses.map((c, i) => `${i + 1}. *${escapeMrkdwn(capitalize(c.patternTitle))}* at \`${escapeMrkdwn(c.site)}\`${c.pod ? ` on ${escapeMrkdwn(c.pod)}` : ''} (${c.confidence})`);
    blocks.push({ type: 'section', text: mr(`*Root-cause candidates*\n${lines.join('\n')}`) });
  }
  const p1 = draft.actionItems.filter((a) => a.priority === 'P1').slice(0, 5);
  if (p1.length > 0) blocks.push({ type: 'section', text: mr(`*Top action items*\n${p1.map((a) => `• ${toMrkdwn(a.text)}`).join('\n')}`) });
  const notes = [opts.fileName ? `Full draft attached as \`${opts.fileName}\`` : 'Full draft follows as a file', opts.canvasNote].filter(Boolean).join(' · ');
  blocks.push({ type: 'context', elements: [mr(`${notes} · fill the blanks, then share it.${draft.requestedBy && /^[UW][A-Z0-9]{2,}$/.test(draft.requestedBy) ? ` Requested by <@${draft.requestedBy}>.` : ''}`)] });
  return { text: clip(`Postmortem draft: ${draft.title}`, 300), blocks };
}
