import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fillPlaceholders,
  loadTemplates,
  loadTemplatesForConfig,
  parseChecklistTemplate,
  parsePostmortemTemplate,
  TemplateError,
} from '../../src/incident/templates.js';

const step = (extra = '') => `title: "Leak: {{service}}"\nsteps:\n  - id: impact\n    title: Confirm impact\n    items:\n      - id: errors\n        text: Error rate checked${extra}\n`;

function fails(fn: () => unknown, file: string, line: number | null, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TemplateError, `expected TemplateError, got ${String(err)}`);
    assert.equal(err.file, file);
    assert.equal(err.line, line, err.message);
    assert.match(err.message, re);
    assert.ok(err.message.startsWith(line ? `${file}:${line}: ` : `${file}: `), err.message);
    return true;
  });
}

test('shipped defaults load and follow the decision tree', () => {
  const t = loadTemplates();
  const ids = t.checklist.steps.map((s) => s.id);
  assert.deepEqual(ids, ['impact', 'capture', 'site', 'mitigate', 'hotfix', 'verify', 'postmortem']);
  const mitigate = t.checklist.steps.find((s) => s.id === 'mitigate')!;
  assert.deepEqual(mitigate.items.map((i) => i.id), ['restart', 'rollback', 'scale-out', 'shed-load']);
  assert.ok(!t.postmortem.body.includes('<!--'), 'comments are dropped');
  for (const p of ['{{title}}', '{{timeline}}', '{{rootCauses}}', '{{actionItems}}', '{{contributingFactors}}']) assert.ok(t.postmortem.body.includes(p), p);
});

test('checklist: unknown placeholder names file and line', () => {
  fails(() => parseChecklistTemplate(step(' for {{svc}}'), 'team.yml'), 'team.yml', 7, /unknown placeholder \{\{svc\}\}.*\{\{service\}\}/);
});

test('checklist: bad YAML names the line', () => {
  fails(() => parseChecklistTemplate('title: x\nsteps:\n  - id: a\n   title: [unclosed\n', 'bad.yml'), 'bad.yml', 4, /not valid YAML/);
});

test('checklist: missing items, bad ids, duplicates, unknown keys, too many checkboxes', () => {
  fails(() => parseChecklistTemplate('title: x\nsteps:\n  - id: a\n    title: t\n', 'c.yml'), 'c.yml', 3, /steps\.0\.items/);
  fails(() => parseChecklistTemplate(step().replace('id: errors', 'id: Errors!'), 'c.yml'), 'c.yml', 6, /steps\.0\.items\.0\.id: an id/);
  fails(() => parseChecklistTemplate(step() + '  - id: impact\n    title: again\n    items: [{id: x, text: y}]\n', 'c.yml'), 'c.yml', 8, /duplicate step id "impact"/);
  fails(() => parseChecklistTemplate(step().replace('    title: Confirm impact', '    titel: Confirm impact'), 'c.yml'), 'c.yml', 3, /steps\.0/);
  const eleven = Array.from({ length: 11 }, (_v, i) => `      - {id: i${i}, text: item ${i}}`).join('\n');
  fails(() => parseChecklistTemplate(`title: x\nsteps:\n  - id: a\n    title: t\n    items:\n${eleven}\n`, 'c.yml'), 'c.yml', 6, /at most 10 checkboxes/);
});

test('checklist: a label too long for a Slack checkbox (with the longest service name) is refused', () => {
  fails(() => parseChecklistTemplate(step().replace('Error rate checked', 'Restart every pod of {{service}} now'), 'c.yml'), 'c.yml', 7, /too long for a checkbox label/);
  assert.equal(parseChecklistTemplate(step(), 'ok.yml').steps[0]!.items[0]!.text, 'Error rate checked');
});

test('postmortem: unknown placeholder, unbalanced braces, unclosed comment, missing sections', () => {
  const ok = '# {{title}}\n{{detection}}\n{{timeline}}\n{{rootCauses}}\n{{actionItems}}\n';
  assert.ok(parsePostmortemTemplate(ok, 'p.md').body.startsWith('# {{title}}'));
  fails(() => parsePostmortemTemplate(ok + 'Owner: {{owner}}\n', 'p.md'), 'p.md', 6, /unknown placeholder \{\{owner\}\}/);
  fails(() => parsePostmortemTemplate(ok + '{{ summary\n', 'p.md'), 'p.md', 6, /unbalanced/);
  fails(() => parsePostmortemTemplate('<!-- note\n\n' + ok, 'p.md'), 'p.md', 1, /never closed/);
  fails(() => parsePostmortemTemplate('# {{title}}\n{{detection}}\n{{rootCauses}}\n', 'p.md'), 'p.md', null, /missing required sections \{\{timeline\}\}, \{\{actionItems\}\}/);
  // A placeholder inside a comment is documentation, not a use; line numbers still count the comment.
  const commented = '<!--\n {{bogus}}\n-->\n' + ok + '{{nope}}\n';
  fails(() => parsePostmortemTemplate(commented, 'p.md'), 'p.md', 9, /\{\{nope\}\}/);
});

test('per-team overrides are read relative to the config file, and errors name that file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leakbot-tpl-'));
  try {
    writeFileSync(join(dir, 'ours.yml'), step());
    writeFileSync(join(dir, 'pm.md'), '# {{title}}\n{{detection}}\n{{timeline}}\n{{rootCauses}}\n{{actionItems}}\n{{whoops}}\n');
    const t = loadTemplatesForConfig({ checklist: 'ours.yml' }, join(dir, 'leakbot.yml'));
    assert.equal(t.checklist.steps.length, 1);
    assert.equal(t.checklist.source, join(dir, 'ours.yml'));
    fails(() => loadTemplatesForConfig({ postmortem: 'pm.md' }, join(dir, 'leakbot.yml')), join(dir, 'pm.md'), 6, /whoops/);
    fails(() => loadTemplatesForConfig({ checklist: 'missing.yml' }, join(dir, 'leakbot.yml')), join(dir, 'missing.yml'), null, /cannot read template: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fillPlaceholders replaces known names and leaves $-sequences alone', () => {
  assert.equal(fillPlaceholders('a {{ service }} b {{x}}', { service: '$& $1' }), 'a $& $1 b {{x}}');
});
