import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redisPerFile } from '../support/redis.js';
import {
  blockIdFor,
  CHECKLIST_ACTION_ID,
  ChecklistStore,
  instantiate,
  parseBlockId,
  renderChecklist,
  selectionChange,
  selectionInMessage,
  type ChecklistState,
} from '../../src/incident/checklist.js';
import { loadTemplates } from '../../src/incident/templates.js';

const db = redisPerFile();

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

function fresh(id: string): Omit<ChecklistState, 'ticks' | 'version'> {
  return { id, service: 'svc-order', channel: 'C0INC', ts: null, createdBy: 'U0ALICE', createdAt: T0, ...instantiate(loadTemplates().checklist, 'svc-order') };
}

test('renders every step as checkboxes within Slack limits, placeholders filled', () => {
  const msg = renderChecklist({ ...fresh('a1'), ticks: {}, version: 0 });
  assert.ok(msg.blocks.length <= 50);
  assert.match(JSON.stringify(msg.blocks[0]), /Goroutine leak response: svc-order/);
  const sections = msg.blocks.filter((b) => b.type === 'section');
  assert.equal(sections.length, 7);
  for (const s of sections) {
    const acc = s.accessory as { type: string; action_id: string; options: Array<{ text: { text: string } }>; initial_options?: unknown };
    assert.equal(acc.type, 'checkboxes');
    assert.equal(acc.action_id, CHECKLIST_ACTION_ID);
    assert.ok(acc.options.length >= 1 && acc.options.length <= 10);
    for (const o of acc.options) assert.ok(o.text.text.length <= 75);
    assert.equal(acc.initial_options, undefined, 'nothing ticked yet');
  }
  assert.match(JSON.stringify(msg.blocks), /`\/leak snapshot svc-order`/);
  assert.doesNotMatch(JSON.stringify(msg.blocks), /\{\{/);
  assert.match(msg.text, /0\/15 done/);
});

test('block ids round-trip and foreign ids are rejected', () => {
  assert.deepEqual(parseBlockId(blockIdFor('abc123', 'mitigate')), { checklistId: 'abc123', stepId: 'mitigate' });
  assert.equal(parseBlockId('snapshot|x'), null);
  assert.equal(parseBlockId('checklist|a|b|c'), null);
});

test('a click is the diff between what the user saw and the new selection', () => {
  const step = instantiate(loadTemplates().checklist, 'x').steps.find((s) => s.id === 'mitigate')!;
  assert.deepEqual(selectionChange(step, ['restart'], ['restart', 'rollback']).map((c) => [c.item, c.checked]), [['rollback', true]]);
  assert.deepEqual(selectionChange(step, ['restart', 'rollback'], ['rollback']).map((c) => [c.item, c.checked]), [['restart', false]]);
  assert.deepEqual(selectionChange(step, [], ['bogus']), [], 'values not in the step are ignored');
});

test('ticks are stored with who and when, first ticker wins, and the message re-renders from state', async () => {
  const store = new ChecklistStore(db.client, 'test');
  await store.create(fresh('c1'));
  await store.setMessage('c1', 'C0INC', '1700000000.000200');
  const state0 = (await store.get('c1'))!;
  assert.equal(state0.ts, '1700000000.000200');
  const step = state0.steps.find((s) => s.id === 'mitigate')!;

  const applied = await store.apply('c1', selectionChange(step, [], ['restart']), 'U0BOB', T0 + 60_000);
  assert.deepEqual(applied.map((c) => c.item), ['restart']);
  // Carol's client had not seen Bob's tick yet; her click on "rollback" must not untick "restart".
  const carolSaw = selectionInMessage(renderChecklist(state0).blocks, blockIdFor('c1', 'mitigate'));
  assert.deepEqual(carolSaw, []);
  await store.apply('c1', selectionChange(step, carolSaw, ['rollback']), 'U0CAROL', T0 + 61_000);
  // A second tick of the same item by someone else keeps the first author.
  assert.deepEqual(await store.apply('c1', selectionChange(step, [], ['restart']), 'U0DAVE', T0 + 62_000), []);

  const state = (await store.get('c1'))!;
  assert.deepEqual(state.ticks['mitigate/restart'], { by: 'U0BOB', at: T0 + 60_000 });
  assert.deepEqual(state.ticks['mitigate/rollback'], { by: 'U0CAROL', at: T0 + 61_000 });
  assert.equal(state.version, 2);
  const msg = renderChecklist(state);
  const seen = selectionInMessage(msg.blocks, blockIdFor('c1', 'mitigate'));
  assert.deepEqual(seen.sort(), ['restart', 'rollback']);
  assert.match(JSON.stringify(msg.blocks), /Restarted the leaking instances: <@U0BOB>/);
  assert.match(msg.text, /2\/15 done/);

  await store.apply('c1', selectionChange(step, seen, ['rollback']), 'U0CAROL', T0 + 70_000);
  assert.equal((await store.get('c1'))!.ticks['mitigate/restart'], undefined);
  assert.equal(await store.get('nope'), null);
});
