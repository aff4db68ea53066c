import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { packageRoot } from '../package.js';

// Checklist and postmortem templates are files (templates/ ships the defaults; config.templates points
// at a team's own). They are loaded and validated once at start, so a typo fails the deploy with the
// file and line, never a message mid-incident.

export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    message: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${message}`);
  }
}

/** templates/ of the package, whether this runs from src/ or from the compiled dist/src/. */
export const DEFAULT_TEMPLATE_DIR = join(packageRoot(), 'templates');

// ---------- placeholders ----------

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
/** Longest value a placeholder may take, for checking Slack's length limits before anything is posted. */
const SERVICE_NAME_MAX = 63;

/** Replaces {{name}} with values[name]; names must have been validated (unknown ones are left alone). */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (m, name: string) => (Object.hasOwn(values, name) ? values[name]! : m));
}

/** Every placeholder problem on one line of a template: unknown names and unclosed braces. */
function checkPlaceholders(line: string, known: readonly string[]): string | null {
  for (const m of line.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!known.includes(name)) return `unknown placeholder {{${name}}} (known: ${known.map((k) => `{{${k}}}`).join(', ')})`;
  }
  const rest = line.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) return 'unbalanced "{{" / "}}": write placeholders as {{name}}';
  return null;
}

// ---------- checklist (YAML) ----------

const CHECKLIST_PLACEHOLDERS = ['service'] as const;
const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'an id: lowercase letters, digits and dashes, at most 40');

const checklistSchema = z
  .object({
    title: z.string().min(1),
    intro: z.string().optional(),
    steps: z
      .array(
        z
          .object({
            id,
            title: z.string().min(1),
            hint: z.string().optional(),
            items: z
              .array(z.object({ id, text: z.string().min(1) }).strict())
              .min(1, 'a step needs at least one item')
              .max(10, 'Slack allows at most 10 checkboxes per step'),
          })
          .strict(),
      )
      .min(1, 'a checklist needs at least one step')
      .max(20, 'at most 20 steps (Slack allows 50 blocks per message)'),
  })
  .strict();

export type ChecklistTemplate = z.infer<typeof checklistSchema> & { source: string };
export type ChecklistStep = ChecklistTemplate['steps'][number];

/** Slack's limits for where each text lands (header text, option text, section text). */
const LIMITS: Array<{ test: (path: (string | number)[]) => boolean; max: number; what: string }> = [
  { test: (p) => p.length === 1 && p[0] === 'title', max: 150, what: 'a header' },
  { test: (p) => p[0] === 'steps' && p[2] === 'items' && p[4] === 'text', max: 75, what: 'a checkbox label' },
  { test: (p) => p[0] === 'steps' && (p[2] === 'title' || p[2] === 'hint'), max: 1000, what: 'a step title or hint' },
  { test: (p) => p[0] === 'intro', max: 1000, what: 'the intro' },
];

export function parseChecklistTemplate(text: string, source: string): ChecklistTemplate {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true });
  const err = doc.errors[0];
  if (err) throw new TemplateError(source, err.linePos?.[0].line ?? null, `not valid YAML: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  const lineOf = (path: (string | number)[]): number | null => nodeLine(doc, lc, path);

  const parsed = checklistSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    throw new TemplateError(source, lineOf(path), `${path.join('.') || '(root)'}: ${issue.message}`);
  }
  const tpl = parsed.data;

  const strings: Array<[(string | number)[], string]> = [[['title'], tpl.title]];
  if (tpl.intro !== undefined) strings.push([['intro'], tpl.intro]);
  const stepIds = new Set<string>();
  tpl.steps.forEach((s, i) => {
    if (stepIds.has(s.id)) throw new TemplateError(source, lineOf(['steps', i, 'id']), `duplicate step id "${s.id}"`);
    stepIds.add(s.id);
    strings.push([['steps', i, 'title'], s.title]);
    if (s.hint !== undefined) strings.push([['steps', i, 'hint'], s.hint]);
    const itemIds = new Set<string>();
    s.items.forEach((it, j) => {
      if (itemIds.has(it.id)) throw new TemplateError(source, lineOf(['steps', i, 'items', j, 'id']), `duplicate item id "${it.id}" in step "${s.id}"`);
      itemIds.add(it.id);
      strings.push([['steps', i, 'items', j, 'text'], it.text]);
    });
  });
  for (const [path, value] of strings) {
    const problem = checkPlaceholders(value, CHECKLIST_PLACEHOLDERS);
    if (problem) throw new TemplateError(source, lineOf(path), `${path.join('.')}: ${problem}`);
    const limit = LIMITS.find((l) => l.test(path));
    const worst = fillPlaceholders(value, { service: 'x'.repeat(SERVICE_NAME_MAX) }).length;
    if (limit && worst > limit.max) {
      throw new TemplateError(source, lineOf(path), `${path.join('.')}: too long for ${limit.what} (${worst} > ${limit.max} characters with the longest service name)`);
    }
  }
  return { ...tpl, source };
}

/** 1-based line of the node at `path`, or of its nearest existing ancestor. */
function nodeLine(doc: Document, lc: LineCounter, path: (string | number)[]): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range && (n > 0 || isMap(node) || isSeq(node))) return lc.linePos(range[0]).line;
  }
  return null;
}

// ---------- postmortem (Markdown) ----------

export const POSTMORTEM_REQUIRED = ['title', 'detection', 'timeline', 'rootCauses', 'actionItems'] as const;
export const POSTMORTEM_OPTIONAL = ['service', 'generatedAt', 'window', 'summary', 'impact', 'contributingFactors', 'lessons'] as const;
export type PostmortemPlaceholder = (typeof POSTMORTEM_REQUIRED)[number] | (typeof POSTMORTEM_OPTIONAL)[number];
const POSTMORTEM_KNOWN: readonly string[] = [...POSTMORTEM_REQUIRED, ...POSTMORTEM_OPTIONAL];

export interface PostmortemTemplate {
  source: string;
  /** The template with its HTML comments removed. */
  body: string;
}

const MAX_TEMPLATE_BYTES = 256 * 1024;

export function parsePostmortemTemplate(text: string, source: string): PostmortemTemplate {
  if (text.length > MAX_TEMPLATE_BYTES) throw new TemplateError(source, null, `larger than ${MAX_TEMPLATE_BYTES} bytes`);
  // Comments are documentation for whoever edits the file; blank them but keep line numbers.
  const open = text.indexOf('<!--');
  let scan = text;
  let body = text;
  if (open >= 0) {
    const unclosed = /<!--(?![\s\S]*?-->)/.exec(text);
    if (unclosed) throw new TemplateError(source, lineAt(text, unclosed.index), 'comment "<!--" is never closed with "-->"');
    scan = text.replace(/<!--[\s\S]*?-->/g, (c) => c.replace(/[^\n]/g, ''));
    body = text.replace(/<!--[\s\S]*?-->\n?/g, '');
  }
  const seen = new Set<string>();
  scan.split('\n').forEach((line, i) => {
    const problem = checkPlaceholders(line, POSTMORTEM_KNOWN);
    if (problem) throw new TemplateError(source, i + 1, problem);
    for (const m of line.matchAll(PLACEHOLDER)) seen.add(m[1]!);
  });
  const missing = POSTMORTEM_REQUIRED.filter((p) => !seen.has(p));
  if (missing.length > 0) {
    throw new TemplateError(source, null, `missing required section${missing.length > 1 ? 's' : ''} ${missing.map((m) => `{{${m}}}`).join(', ')}`);
  }
  return { source, body: body.trimStart() };
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

// ---------- loading ----------

export interface Templates {
  checklist: ChecklistTemplate;
  postmortem: PostmortemTemplate;
}

function readTemplate(path: string): string {
  try {
    const text = readFileSync(path, 'utf8');
    if (Buffer.byteLength(text) > MAX_TEMPLATE_BYTES) throw new TemplateError(path, null, `larger than ${MAX_TEMPLATE_BYTES} bytes`);
    return text;
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    throw new TemplateError(path, null, `cannot read template: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Loads the shipped defaults, or the team's overrides from config.templates (paths relative to the
 *  config file's directory). Throws TemplateError naming the file and line; call it at start. */
export function loadTemplates(overrides: { checklist?: string | undefined; postmortem?: string | undefined } = {}, configDir = process.cwd()): Templates {
  const pick = (custom: string | undefined, fallback: string): string =>
    custom ? (isAbsolute(custom) ? custom : resolve(configDir, custom)) : resolve(DEFAULT_TEMPLATE_DIR, fallback);
  const checklistPath = pick(overrides.checklist, 'checklist.yml');
  const postmortemPath = pick(overrides.postmortem, 'postmortem.md');
  return {
    checklist: parseChecklistTemplate(readTemplate(checklistPath), checklistPath),
    postmortem: parsePostmortemTemplate(readTemplate(postmortemPath), postmortemPath),
  };
}

/** Convenience for the composition root: the config file's directory anchors relative template paths. */
export function loadTemplatesForConfig(templates: { checklist?: string | undefined; postmortem?: string | undefined }, configPath: string | undefined): Templates {
  return loadTemplates(templates, configPath ? dirname(resolve(configPath)) : process.cwd());
}
