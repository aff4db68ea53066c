import type { LeakbotContext } from '../context.js';
import type { Finding } from '../engine/index.js';
import type { JobInfo } from '../queue/processors.js';
import type { Requester, SlackThreadRef } from '../queue/jobs.js';
import { draftPostmortem, type PostmortemDraft } from './postmortem.js';
import { postmortemFileName, postmortemSummaryBlocks, renderPostmortemCanvas, renderPostmortemMarkdown, type Names } from './postmortem-render.js';
import { mentionedUsers, UserNames } from './people.js';
import { incidentTemplates } from './runtime.js';
import { incidentAround } from './timeline.js';
import { own } from '../own.js';
import { isFleet } from '../capture/targets/index.js';

// `/leak postmortem` and the "Draft postmortem" button: a job gathers the incident's timeline and
// the freshest findings, drafts, and posts a summary, the Markdown file and (when configured and
// allowed) a canvas in the incident thread.

export interface PostmortemJob {
  service: string;
  requester: Requester;
  /** The thread the button was in; the draft goes there. */
  thread?: SlackThreadRef;
  /** Snapshot seqs of the analysis on the button's message. */
  curSeq?: number | null;
  refSeq?: number | null;
  /** When the request was made: anchors the incident window. */
  at: number;
}

declare module '../queue/jobs.js' {
  interface JobPayloads {
    'postmortem.draft': PostmortemJob;
  }
}

const userNames = new WeakMap<LeakbotContext, UserNames>();
/** One users.info cache per process (context). */
function namesOf(ctx: LeakbotContext): UserNames {
  let n = userNames.get(ctx);
  if (!n) {
    n = new UserNames(ctx.poster.client, ctx.log.child({ component: 'people' }));
    userNames.set(ctx, n);
  }
  return n;
}

/** Quiet time that separates two incidents of the same service. */
const INCIDENT_GAP_MS = 6 * 3600_000;

export class PostmortemFlow {
  constructor(private readonly ctx: LeakbotContext) {}

  register(): void {
    this.ctx.processors.register('postmortem.draft', (job) => this.draft(job));
  }

  /** The freshest findings: the button's pair, else the last recorded analysis, recomputed from
   *  the stored snapshots so the draft has full evidence (signals, advice). */
  private async findings(job: PostmortemJob, seqs: { cur: number | null; ref: number | null }): Promise<Finding[]> {
    const { service } = job;
    if (seqs.cur === null) return [];
    const cur = await this.ctx.snapshots.load(service, seqs.cur);
    if (!cur) return [];
    const ref = seqs.ref !== null ? await this.ctx.snapshots.load(service, seqs.ref) : null;
    const svc = own(this.ctx.config.services, service);
    const opts = { ignore: [...this.ctx.config.ignore, ...(svc?.ignore ?? [])] };
    return (await this.ctx.analysis.analyze(ref ? [ref, cur] : [cur], opts)).findings; // worker thread
  }

  /** The pod snapshot `seq` was taken from when the service is a fleet (its findings are that pod's). */
  private async podOf(service: string, seq: number): Promise<string | undefined> {
    const svc = own(this.ctx.config.services, service);
    if (!svc || !isFleet(svc)) return undefined;
    return (await this.ctx.snapshots.get(service, seq).catch(() => null))?.instanceName;
  }

  private async draft(job: JobInfo<'postmortem.draft'>): Promise<string> {
    const d = job.data;
    // The incident around the thread the button was in (its latest event), else around the request.
    const all = await this.ctx.timeline.list(d.service);
    const inThread = d.thread ? all.filter((e) => e.thread?.channel === d.thread!.channel && e.thread.ts === d.thread!.ts).at(-1) : undefined;
    const events = incidentAround(all, inThread?.at ?? d.at, INCIDENT_GAP_MS);
    // Seqs from the button, else from the last findings event of the incident.
    let seqs = { cur: d.curSeq ?? null, ref: d.refSeq ?? null };
    if (seqs.cur === null) {
      const last = [...events].reverse().find((e) => e.type === 'findings' && typeof e.data?.curSeq === 'number');
      if (last) seqs = { cur: last.data!.curSeq as number, ref: typeof last.data!.refSeq === 'number' ? (last.data!.refSeq as number) : null };
    }
    const findings = await this.findings(d, seqs).catch((err: Error) => {
      job.log.warn({ err: err.message }, 'could not recompute findings; drafting from the timeline');
      return [];
    });
    const pod = findings.length > 0 && seqs.cur !== null ? await this.podOf(d.service, seqs.cur) : undefined;
    const draft = draftPostmortem({ service: d.service, events, findings, ...(pod ? { findingsPod: pod } : {}), requestedBy: d.requester.user, now: Date.now() });

    // Where: the button's thread; else the incident's latest thread in the asking channel; else a
    // new message in that channel, whose thread then holds the draft.
    const key = `postmortem-${job.id}`;
    let thread = d.thread;
    if (!thread) {
      const inChannel = [...events].reverse().find((e) => e.thread && e.thread.channel === d.requester.channel);
      thread =
        inChannel?.thread ??
        (await this.ctx.poster.post(`${key}-parent`, { channel: d.requester.channel, text: `Postmortem draft for ${d.service}, requested by <@${d.requester.user}>` }));
    }
    const templates = incidentTemplates(this.ctx);
    const fileName = postmortemFileName(draft);
    // The file and the canvas name people (users.info, cached); Slack text keeps <@U…> mentions.
    const names = await namesOf(this.ctx).resolve(mentionedUsers(draft));
    const canvasNote = this.ctx.config.postmortem.canvas ? await this.canvas(key, draft, thread, job, names) : undefined;
    const summary = postmortemSummaryBlocks(draft, { fileName, ...(canvasNote ? { canvasNote } : {}) });
    await this.ctx.poster.post(`${key}-summary`, { channel: thread.channel, threadTs: thread.ts, text: summary.text, blocks: summary.blocks });
    await this.ctx.poster.upload(`${key}-file`, {
      channel: thread.channel,
      threadTs: thread.ts,
      filename: fileName,
      title: draft.title,
      content: renderPostmortemMarkdown(draft, templates.postmortem, names),
    });
    await this.ctx.timeline
      .append({ at: Date.now(), service: d.service, type: 'note', actor: d.requester.user, text: 'Postmortem draft posted', thread, data: { file: fileName } }, { once: `${key}:note` })
      .catch(() => {});
    return fileName;
  }

  /** Creates the canvas once per job; a workspace that refuses (plan, policy, scope) only costs a note. */
  private async canvas(key: string, draft: PostmortemDraft, thread: SlackThreadRef, job: JobInfo<'postmortem.draft'>, names: Names): Promise<string> {
    const memo = `${this.ctx.prefix}:postmortem:canvas:${key}`;
    const known = await this.ctx.redis.get(memo);
    if (known) return 'Also created as a canvas in this channel';
    try {
      const res = (await this.ctx.poster.client.apiCall('canvases.create', {
        title: draft.title.slice(0, 150),
        channel_id: thread.channel,
        document_content: { type: 'markdown', markdown: renderPostmortemCanvas(draft, incidentTemplates(this.ctx).postmortem, names) },
      })) as { canvas_id?: string };
      await this.ctx.redis.set(memo, res.canvas_id ?? 'created', 'EX', 30 * 24 * 3600);
      return 'Also created as a canvas in this channel';
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
      job.log.info({ code }, 'canvas not created; the Markdown file stands alone');
      return `No canvas: Slack refused it (\`${String(code).slice(0, 60)}\`), the file has everything`;
    }
  }
}
