// The verb registry: every module in commands/ is discovered (other helpers' verbs included),
// each documents itself for /leak help, and mistyped verbs/services get a suggestion.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCommands } from '../../commands/index.js';
import { didYouMean } from '../../src/slack/suggest.js';

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'commands');

describe('command registry', () => {
  it('discovers every verb module in commands/, each with usage, summary and examples', async () => {
    const reg = await loadCommands();
    const files = readdirSync(commandsDir)
      .filter((f) => f.endsWith('.ts') && !['index.ts', 'types.ts'].includes(f))
      .map((f) => f.replace(/\.ts$/, ''));
    for (const f of files) assert.ok(reg.get(f), `commands/${f}.ts registered as a verb`);
    for (const m of reg.list()) {
      assert.ok(m.usage.startsWith(m.verb), `${m.verb}: usage starts with the verb`);
      assert.ok(m.summary.length > 0 && m.examples.length > 0, `${m.verb}: summary and examples`);
    }
    assert.equal(reg.get('snap')?.verb, 'snapshot', 'aliases resolve');
    assert.equal(reg.list()[0]?.verb, 'snapshot', 'help lists snapshot first');
  });

  it('suggests close names and nothing for unrelated ones', () => {
    const names = ['svc-order', 'svc-payment', 'svc-cart'];
    assert.equal(didYouMean('svc-ordr', names), 'svc-order');
    assert.equal(didYouMean('payment', names), 'svc-payment');
    assert.equal(didYouMean('kafka-consumer-lag', names), null);
    assert.equal(didYouMean('snpashot', ['snapshot', 'diff', 'baseline']), 'snapshot');
  });
});
