// `/leak help` read by someone who pastes its examples at 3 a.m.: every example must run against the
// services this installation has. Signed slash commands, real Redis, the Slack stand-in.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../e2e/harness.js';

/** The `e.g.` examples help prints, in order. */
function examples(help: string): string[] {
  return [...help.matchAll(/^ {4}e\.g\. (.*)$/gm)].flatMap((m) => [...m[1]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]!));
}

describe('/leak help examples', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ configYaml: 'services:\n  billing-api:\n    url: http://127.0.0.1:9/\n  ledger:\n    url: http://127.0.0.1:9/\n', role: 'web' });
  });
  after(async () => {
    await h?.close();
  });

  it('one-process services only: no pod= example (each would be refused), the usage still offers pod=', async () => {
    const help = String((await h.command({ text: 'help' })).json?.text);
    const ex = examples(help);
    assert.ok(ex.includes('/leak snapshot billing-api'), help);
    assert.deepEqual(ex.filter((e) => e.includes('pod=')), [], 'no example picks a pod of a service that has none');
    // Placeholders escaped: Slack reads a bare `<service>` as a link and `<host:port>` as a URL.
    assert.match(help, /`\/leak snapshot &lt;service&gt; \[pod=&lt;name&gt; \| instance=&lt;host:port&gt;\] \[--new\]`/);
    // What the removed example would have answered: the refusal a pasted pod= example meets.
    const pasted = String((await h.command({ text: 'snapshot billing-api pod=billing-api-7f9c4-x2k4q' })).json?.text);
    assert.match(pasted, /one process .*drop `pod=…`/);
  });

  it('every `<` of help, analyze and a usage reply opens Slack markup (a mention, a channel, a link), never a bare placeholder', async () => {
    for (const text of ['help', 'analyze', 'diff billing-api 1', 'snapsot billing-api', 'watch']) {
      const reply = String((await h.command({ text })).json?.text);
      const bare = [...reply.matchAll(/<([^<>]*)>/g)].map((m) => m[0]).filter((m) => !/^<(?:[@#!]|https?:\/\/)/.test(m));
      assert.deepEqual(bare, [], `/leak ${text}: ${reply}`);
    }
  });

  it('a service of discovered pods: the pod= examples name it; help itself comes last', async () => {
    const h2 = await startHarness({
      configYaml: 'services:\n  billing-api:\n    url: http://127.0.0.1:9/\n  ledger:\n    dns: ledger-headless.invalid:6060\n',
      role: 'web',
      redis: h.redis,
      slack: h.slack,
    });
    try {
      const help = String((await h2.command({ text: 'help' })).json?.text);
      const pods = examples(help).filter((e) => e.includes('pod='));
      assert.deepEqual(pods, ['/leak snapshot ledger pod=ledger-7f9c4-x2k4q', '/leak diff ledger pod=ledger-7f9c4-x2k4q']);
      const verbs = [...help.matchAll(/^• `\/leak (\w+)/gm)].map((m) => m[1]);
      assert.equal(verbs.at(-1), 'help', `"This list." closes the list: ${verbs.join(', ')}`);
    } finally {
      await h2.close();
    }
  });
});
