import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChecklistStep, ChecklistTemplate } from './templates.js';
import { fillPlaceholders } from './templates.js';
import { clip, escapeMrkdwn, slackDate, type SlackMessage } from './format.js';

// The response checklist as a live Slack message. State lives in Redis (one hash per posted
// checklist) so any web process can handle a tick; the message is always re-rendered from that state.

export const CHECKLIST_ACTION_ID = 'checklist_tick';
const BLOCK_PREFIX = 'checklist|';
const TTL_SECONDS = 30 * 24 * 3600;

export interface Tick {
  by: string;
  at: number;
}

export interface ChecklistState {
  id: string;
  service: string | null;
  channel: string;
  ts: string | null;
  /** The service's open incident thread the checklist was posted into (one thread per service);
   *  absent: a message of its own in `channel`. */
  thread?: { channel: string; ts: string };
  createdBy: string;
  createdAt: number;
  /** Title, intro and steps with placeholders filled, frozen at creation so a template change on a
   *  later deploy never reshuffles a checklist people are ticking. */
  title: string;
  intro?: string;
  steps: ChecklistStep[];
  /** `step/item` → who ticked it and when. */
  ticks: Record<string, Tick>;
  version: number;
}

export interface TickChange {
  step: string;
  item: string;
  text: string;
  checked: boolean;
}

export function newChecklistId(): string {
  return randomBytes(6).toString('hex');
}

/**
 * The template resolved for one service. Without one (`service` null: several registered, none
 * named), prose says "the service" but hints — mrkdwn, where the commands to paste are — say
 * `<service>`, and the intro says which names go there (`registered`, sorted), so no hint reads
 * `/leak snapshot the service`, which fails when pasted.
 */
export function instantiate(tpl: ChecklistTemplate, service: string | null, registered: readonly string[] = []): Pick<ChecklistState, 'title' | 'intro' | 'steps'> {
  const f = (s: string): string => fillPlaceholders(s, { service: service ?? 'the service' });
  const hint = (s: string): string => fillPlaceholders(s, { service: service ?? '&lt;service&gt;' });
  const intro = [tpl.intro !== undefined ? f(tpl.intro) : undefined, service === null ? placeholderNote(registered) : undefined].filter((x) => x !== undefined).join('\n');
  return {
    title: f(tpl.title),
    ...(intro ? { intro } : {}),
    steps: tpl.steps.map((s) => ({
      id: s.id,
      title: f(s.title),
      ...(s.hint !== undefined ? { hint: hint(s.hint) } : {}),
      items: s.items.map((it) => ({ id: it.id, text: f(it.text) })),
    })),
  };
}

/** What `<service>` in the hints stands for (mrkdwn), naming up to 8 registered services. */
function placeholderNote(registered: readonly string[]): string {
  if (registered.length === 0) return '`&lt;service&gt;` below stands for a service registered in leakbot\'s config.';
  const shown = registered.slice(0, 8).map((n) => `\`${escapeMrkdwn(n)}\``).join(', ');
  const more = registered.length > 8 ? ` and ${registered.length - 8} more (\`/leak services\`)` : '';
  return `\`&lt;service&gt;\` below stands for one of ${shown}${more}; \`/leak checklist ${escapeMrkdwn(registered[0]!)}\` posts this list with the name filled in.`;
}

// ---------- rendering (pure) ----------

function option(text: string, value: string): Record<string, unknown> {
  return { text: { type: 'mrkdwn', text: clip(escapeMrkdwn(text), 75) }, value };
}

export function blockIdFor(checklistId: string, stepId: string): string {
  return `${BLOCK_PREFIX}${checklistId}|${stepId}`;
}

export function parseBlockId(blockId: string): { checklistId: string; stepId: string } | null {
  if (!blockId.startsWith(BLOCK_PREFIX)) return null;
  const [checklistId, stepId, ...rest] = blockId.slice(BLOCK_PREFIX.length).split('|');
  if (!checklistId || !stepId || rest.length > 0) return null;
  return { checklistId, stepId };
}

export function renderChecklist(state: ChecklistState): SlackMessage {
  const blocks: Array<Record<string, unknown>> = [{ type: 'header', text: { type: 'plain_text', text: clip(state.title, 150), emoji: true } }];
  if (state.intro) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(state.intro, 3000) }] });
  let done = 0;
  let total = 0;
  for (const step of state.steps) {
    const options = step.items.map((it) => option(it.text, it.id));
    const initial = step.items.filter((it) => state.ticks[`${step.id}/${it.id}`]).map((it) => option(it.text, it.id));
    total += step.items.length;
    done += initial.length;
    const accessory: Record<string, unknown> = { type: 'checkboxes', action_id: CHECKLIST_ACTION_ID, options };
    if (initial.length > 0) accessory.initial_options = initial;
    // Hints are template text written by the team (trusted), so mrkdwn in them is kept.
    blocks.push({
      type: 'section',
      block_id: blockIdFor(state.id, step.id),
      text: { type: 'mrkdwn', text: clip(`*${step.title}*${step.hint ? `\n${step.hint}` : ''}`, 3000) },
      accessory,
    });
    const lines = step.items
      .map((it) => ({ it, tick: state.ticks[`${step.id}/${it.id}`] }))
      .filter((x): x is { it: typeof x.it; tick: Tick } => !!x.tick)
      .map(({ it, tick }) => `✓ ${escapeMrkdwn(it.text)}: <@${tick.by}>, ${slackDate(tick.at, '{time}')}`);
    if (lines.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(lines.join('\n'), 3000) }] });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${done}/${total} done · started by <@${state.createdBy}> ${slackDate(state.createdAt, '{date_short} {time}')} · ticks are recorded for \`/leak postmortem\`` }],
  });
  return { text: `${state.title} (${done}/${total} done)`, blocks };
}

/** What one click changed: Slack sends the element's new selection; the message the user saw holds
 *  the old one (initial_options). Diffing the two, rather than trusting the new list as the whole
 *  truth, keeps a tick made meanwhile by someone else whose update this user had not seen yet. */
export function selectionChange(step: ChecklistStep, before: string[], after: string[]): TickChange[] {
  const b = new Set(before);
  const a = new Set(after);
  const changes: TickChange[] = [];
  for (const it of step.items) {
    if (a.has(it.id) && !b.has(it.id)) changes.push({ step: step.id, item: it.id, text: it.text, checked: true });
    if (!a.has(it.id) && b.has(it.id)) changes.push({ step: step.id, item: it.id, text: it.text, checked: false });
  }
  return changes;
}

/** The selection a user saw for a block: initial_options of that block in the payload's message. */
export function selectionInMessage(blocks: unknown, blockId: string): string[] {
  if (!Array.isArray(blocks)) return [];
  const block = blocks.find((b) => b && typeof b === 'object' && (b as { block_id?: unknown }).block_id === blockId) as
    | { accessory?: { initial_options?: Array<{ value?: unknown }> } }
    | undefined;
  return (block?.accessory?.initial_options ?? []).map((o) => o.value).filter((v): v is string => typeof v === 'string');
}

// ---------- storage ----------

export class ChecklistStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'leakbot',
  ) {}

  private key(id: string): string {
    return `${this.prefix}:checklist:${id}`;
  }

  async create(state: Omit<ChecklistState, 'ticks' | 'version'>): Promise<void> {
    const key = this.key(state.id);
    await this.redis.multi().hset(key, 'meta', JSON.stringify(state), 'version', '0').expire(key, TTL_SECONDS).exec();
  }

  /** Records where the message landed (known only after chat.postMessage). */
  async setMessage(id: string, channel: string, ts: string): Promise<void> {
    const meta = await this.redis.hget(this.key(id), 'meta');
    if (!meta) return;
    await this.redis.hset(this.key(id), 'meta', JSON.stringify({ ...JSON.parse(meta), channel, ts }));
  }

  async get(id: string): Promise<ChecklistState | null> {
    const all = await this.redis.hgetall(this.key(id));
    if (!all.meta) return null;
    const ticks: Record<string, Tick> = {};
    for (const [field, value] of Object.entries(all)) if (field.startsWith('tick:')) ticks[field.slice(5)] = JSON.parse(value) as Tick;
    return { ...(JSON.parse(all.meta) as Omit<ChecklistState, 'ticks' | 'version'>), ticks, version: Number(all.version ?? 0) };
  }

  /** Applies changes atomically per item; returns the ones that changed something (a tick already
   *  recorded keeps its first author; a double untick is a no-op). */
  async apply(id: string, changes: TickChange[], by: string, at: number): Promise<TickChange[]> {
    const key = this.key(id);
    const applied: TickChange[] = [];
    for (const c of changes) {
      const field = `tick:${c.step}/${c.item}`;
      const n = c.checked ? await this.redis.hsetnx(key, field, JSON.stringify({ by, at } satisfies Tick)) : await this.redis.hdel(key, field);
      if (n === 1) applied.push(c);
    }
    if (applied.length > 0) await this.redis.hincrby(key, 'version', 1);
    return applied;
  }

  async version(id: string): Promise<number> {
    return Number((await this.redis.hget(this.key(id), 'version')) ?? 0);
  }
}
