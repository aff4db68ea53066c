// The README's "Use it in Slack" table is where a team learns the /leak verbs before it ever types
// `/leak help`: every verb has a row, and each row names the words and options the verb takes
// (its module's usage line), so nothing the bot accepts is missing from the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCommands } from '../../commands/index.js';
import { repoRoot } from '../support/leakbot-cli.js';

/** The literal words of a usage line: placeholders (`<service>`, `[service]`), the verb itself and
 *  punctuation dropped; `pod=<name>` → `pod=`. */
function literalWords(verb: string, usage: string): string[] {
  const words = usage.replace(/<[^>]*>/g, ' ').match(/--?[a-z][\w-]*|[a-z]+=|[a-z]\w*/gi) ?? [];
  return [...new Set(words.filter((w) => w !== verb && w !== 'service'))];
}

test('README: every /leak verb has a row naming each word and option its usage takes', async () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = /## Use it in Slack\n([\s\S]*?)\n## /.exec(readme)?.[1];
  assert.ok(section, 'README has a "Use it in Slack" section');
  const rows = section.split('\n').filter((l) => l.startsWith('| `/leak '));
  const reg = await loadCommands();
  for (const m of reg.list()) {
    const row = rows.find((r) => r.startsWith(`| \`/leak ${m.verb}`));
    assert.ok(row, `a README row for /leak ${m.verb}`);
    const missing = literalWords(m.verb, m.usage).filter((w) => !row.includes(w));
    assert.deepEqual(missing, [], `README row of /leak ${m.verb} lacks what \`/leak ${m.usage}\` takes:\n${row}`);
  }
});
