// `/leak postmortem` and the "Draft postmortem" button end to end: an alert on the timeline, two real
// snapshots of the leaking Go service around a leak, then a draft whose summary lands in the thread
// and whose Markdown file is uploaded; the canvas is made when allowed and skipped when refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StubMessage } from '../support/slack-stub.js';
import { settled, withServiceHarness } from '../e2e/helpers.js';

const CH = 'C0POSTMORTEM';
const basename = (p: string): string => p.split('/').pop() ?? p;
const textOf = (m: StubMessage): string => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;

describe('/leak postmortem end to end', () => {
  const s = withServiceHarness(
    (url) => `
services:
  svc-order:
    url: ${url}
    channel: ${CH}
    minIntervalSeconds: 0
  svc-quiet:
    url: http://127.0.0.1:9/
postmortem:
  canvas: true
snapshot:
  autoRecaptureSeconds: 0
`,
  );

  async function snapshot(n: number, user: string): Promise<{ parent: StubMessage; findings: StubMessage }> {
    await s.h.command({ text: 'snapshot svc-order', channel: CH, user });
    return s.h.slack.waitFor(
      `findings #${n} in the snapshot thread`,
      () => {
        // One thread per service per incident: the second snapshot joins the first one's thread.
        const parent = s.h.slack.parents(CH)[0];
        const findings = parent && s.h.slack.replies(CH, parent.ts).filter((m) => JSON.stringify(m.blocks ?? []).includes('postmortem_draft'))[n];
        return parent && findings ? { parent, findings } : null;
      },
      120_000,
    );
  }

  it('drafts from an alert, two snapshots and the findings: timeline in order, leak site, action items, file uploaded', async () => {
    const { h, go } = s;
    const alertAt = Date.now();
    // What the Alertmanager flow (H4) records when the growth alert fires.
    await h.bot.ctx.timeline.append({
      at: alertAt,
      service: 'svc-order',
      type: 'alert.firing',
      actor: 'alertmanager',
      text: 'GoroutineLeakSuspected fired for svc-order',
      data: { alertname: 'GoroutineLeakSuspected', source: 'alertmanager', generatorURL: 'http://prometheus.invalid/graph?g0.expr=go_goroutines', startsAt: new Date(alertAt).toISOString() },
    });
    await snapshot(0, 'U0ALICE');
    const site = (await go.patterns()).chansend;
    await go.leak('chansend', 300);
    const second = await snapshot(1, 'U0BOB');

    // The first draft: the workspace refuses canvases; the summary says so and the file still comes.
    h.slack.failNext('canvases.create', 1, { error: 'team_tier_cannot_create_canvases' });
    const button = (second.findings.blocks as Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }>)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'postmortem_draft')!;
    const url = h.slack.responseUrl();
    const ack = await h.action({ actionId: 'postmortem_draft', value: button.value!, user: 'U0CAROL', channel: CH, messageTs: second.findings.ts, threadTs: second.parent.ts, responseUrl: url });
    assert.equal(ack.status, 200);

    const upload = await h.slack.waitFor('postmortem file', () => h.slack.uploads.find((u) => u.filename.startsWith('postmortem-svc-order-') && u.completed), 120_000);
    assert.equal(upload.threadTs, second.parent.ts, 'uploaded into the findings thread');
    assert.equal(upload.channel, CH);
    const md = upload.content.toString('utf8');

    // Timeline entries, in order.
    const timeline = md.slice(md.indexOf('## Timeline'), md.indexOf('## Root-cause'));
    const order = [/Alert \*\*GoroutineLeakSuspected\*\* fired for svc-order/, /ran `\/leak snapshot svc-order`/, /Snapshot: [\d,]+ goroutines\n/, /ran `\/leak snapshot svc-order`/, /Snapshot: [\d,]+ goroutines \(\+\d+ vs previous\)/, /Findings: .*chan|Findings: /];
    let pos = 0;
    for (const re of order) {
      const m = re.exec(timeline.slice(pos));
      assert.ok(m, `timeline has ${re} after position ${pos}:\n${timeline}`);
      pos += m.index + m[0].length;
    }
    // The leak site, as root cause and in an action item.
    const where = `${basename(site.file)}:${site.line}`;
    const causes = md.slice(md.indexOf('## Root-cause'), md.indexOf('## Contributing'));
    assert.ok(causes.includes(where), `root causes name ${where}:\n${causes}`);
    const actions = md.slice(md.indexOf('## Action items'), md.indexOf('## Lessons'));
    assert.match(actions, /- \[ \] \*\*P1\*\* /);
    assert.ok(actions.split('\n').some((l) => l.includes('P1') && l.includes(where)), `a P1 action item at the site:\n${actions}`);
    assert.match(actions, /goleak/);
    assert.match(md, /## Detection\n\n- Alert \*\*GoroutineLeakSuspected\*\* fired/);
    assert.match(md, /- \[x\] Missing context cancellation/);
    // People by name in the file (users.info), never as raw ids; Slack text keeps mentions.
    assert.ok(md.includes('User U0ALICE (@u0alice)'), `the file names Alice:\n${timeline}`);
    assert.ok(!/@U0[A-Z0-9]+/.test(md), `no raw user ids in the file:\n${md}`);

    const summary = await h.slack.waitFor('summary message', () => h.slack.replies(CH, second.parent.ts).find((m) => /^Postmortem draft:/.test(m.text)), 30_000);
    assert.match(textOf(summary), /team_tier_cannot_create_canvases/);
    assert.ok(textOf(summary).includes(where));
    assert.match(textOf(summary), /Requested by <@U0CAROL>/);
    const looked = h.slack.callsTo('users.info').map((c) => String(c.args.user));
    assert.ok(looked.includes('U0ALICE'));
    await h.slack.waitFor('button answered', () => h.slack.responsesTo(url).find((r) => /Drafting the postmortem/.test(String(r.body.text))), 30_000);
  });

  it('a service leakbot recorded nothing about gets no draft claiming a leak, only what to do first', async () => {
    const { h } = s;
    const ch = 'C0NOTHING';
    const ack = await h.command({ text: 'postmortem svc-quiet', channel: ch, user: 'U0DAVE' });
    assert.match(String(ack.json?.text), /recorded nothing about \*svc-quiet\*.*`\/leak snapshot svc-quiet`/);
    await settled(h);
    assert.deepEqual(h.slack.messages(ch), [], 'nothing posted in the channel');
  });

  it('/leak postmortem drafts into the incident thread and creates the canvas when allowed', async () => {
    const { h } = s;
    const before = h.slack.uploads.length;
    const ack = await h.command({ text: 'postmortem', channel: CH, user: 'U0DAVE' });
    assert.match(String(ack.json?.text), /Drafting the postmortem for \*svc-order\*/);
    const upload = await h.slack.waitFor('second postmortem file', () => h.slack.uploads.slice(before).find((u) => u.filename.startsWith('postmortem-') && u.completed), 120_000);
    const threads = h.slack.parents(CH).map((m) => m.ts);
    assert.ok(upload.threadTs && threads.includes(upload.threadTs), 'into an existing incident thread, no new parent');
    const canvas = await h.slack.waitFor('canvas', () => h.slack.callsTo('canvases.create').find((c) => JSON.stringify(c.args).includes('Root-cause candidates')), 30_000);
    assert.equal(canvas.args.channel_id, CH);
    const summary = await h.slack.waitFor('summary', () => h.slack.replies(CH, upload.threadTs!).filter((m) => /^Postmortem draft:/.test(m.text)).find((m) => /Also created as a canvas/.test(textOf(m))), 30_000);
    assert.ok(summary);
    // The canvas shows people as mentions, named for exported copies; users.info answered from cache.
    assert.match(String((canvas.args.document_content as { markdown?: string }).markdown), /!\[\]\(@U0ALICE\) \(User U0ALICE \(@u0alice\)\)/);
    const perUser = new Map<string, number>();
    for (const c of h.slack.callsTo('users.info')) perUser.set(String(c.args.user), (perUser.get(String(c.args.user)) ?? 0) + 1);
    assert.ok([...perUser.values()].every((n) => n === 1), `users.info once per person: ${JSON.stringify([...perUser])}`);
  });
});
