// The new-user trial's repro: `/leak history` and `/leak diff` answered "No snapshots yet", then a
// snapshot of the leaking Go service found the leak, then the "Draft postmortem" button. The draft
// must say the snapshot detected it, and the no-op reads must not be on its timeline.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { built, orderService, settled, withServiceHarness } from '../e2e/helpers.js';

const CH = 'C0DETECT';

describe('postmortem detection after read-only commands', () => {
  const s = withServiceHarness((url) => `${orderService(url)}snapshot:\n  autoRecaptureSeconds: 0\n`, {
    prepare: async ([go]) => go!.leak('chansend', 300),
  });

  it('names the snapshot that found the leak, not the history that found nothing', async () => {
    const { h } = s;
    for (const text of ['history svc-order', 'diff svc-order']) {
      const r = String((await h.command({ text, channel: CH, user: 'U0ALICE' })).json?.text);
      assert.match(r, /No snapshots of svc-order yet/, `${text}: ${r}`);
    }
    // Typed as `/leak snap <svc-order>` (placeholder brackets copied from help; Slack escapes them).
    await h.command({ text: 'snap &lt;svc-order&gt;', channel: CH, user: 'U0ALICE' });
    const { parent, findings } = await h.slack.waitFor('findings with the postmortem button', () => {
      const p = h.slack.parents(CH)[0];
      const f = p && built(h.slack.replies(CH, p.ts).find((m) => JSON.stringify(m.blocks ?? []).includes('postmortem_draft')));
      return p && f ? { parent: p, findings: f } : null;
    }, 120_000);
    await settled(h); // the snapshot's and findings' timeline events are written
    const button = (findings.blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>).flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'postmortem_draft')!;
    await h.action({ actionId: 'postmortem_draft', value: button.value!, user: 'U0BOB', channel: CH, messageTs: findings.ts, threadTs: parent.ts });
    const upload = await h.slack.waitFor('postmortem file', () => h.slack.uploads.find((u) => u.filename.startsWith('postmortem-svc-order-') && u.completed), 120_000);
    const md = upload.content.toString('utf8');
    const detection = md.slice(md.indexOf('## Detection'), md.indexOf('## Timeline'));
    assert.match(detection, /ran `\/leak snapshot svc-order` — no alert fired\./, detection);
    assert.doesNotMatch(md, /\/leak (history|diff)/, 'the no-op reads are not in the draft');
  });
});
