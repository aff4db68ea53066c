// The parent message's status line (src/slack/messages.ts threadStatus): the verdict line continues
// the sentence the goroutine total starts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { compare, parseDump } from '../../src/engine/index.js';
import { verdictLine } from '../../src/engine/render/format.js';
import { threadStatus } from '../../src/slack/messages.js';

const dump = (name: string) => parseDump(readFileSync(new URL(`../fixtures/dumps/go1.26/${name}`, import.meta.url), 'utf8'));

const at = Date.UTC(2026, 10, 30, 5, 17, 40);

test('a healthy verdict after the goroutine total is not capitalised mid-sentence', () => {
  // A real idle pool captured twice (test/fixtures/go): nothing to report.
  const a = compare([dump('noise-idlepool.t0.debug2.txt'), dump('noise-idlepool.t1.debug2.txt')]);
  const summary = verdictLine(a);
  assert.match(summary, /^No /, 'the verdict line itself opens a sentence');
  const status = threadStatus({ outcome: 'findings', summary, seq: 2, total: 120, at }, 2);
  assert.equal(status, '120 goroutines, no suspected goroutine leaks. (snapshot #2, 05:17:40 UTC) · 2 analyses in this thread. Details in the thread.');
  // Without a total the verdict opens the status and keeps its capital; a count stays as it is.
  assert.match(threadStatus({ outcome: 'findings', summary, seq: 1, at }, 1), /^No suspected goroutine leaks\. \(snapshot #1/);
  assert.match(threadStatus({ outcome: 'findings', summary: '3 suspected leak sites (3 high).', seq: 3, total: 1011, at }, 1), /^1,011 goroutines, 3 suspected leak sites/);
});

test('the parent shows the snapshot’s own capture time beside its number, not when the analysis was recorded', () => {
  // A /leak diff an hour after snapshot #5 was captured is still about #5 as it was then.
  const captured = at - 3600_000;
  const status = threadStatus({ outcome: 'findings', summary: '1 suspected leak site (1 high).', seq: 5, total: 300, capturedAt: captured, at }, 2);
  assert.match(status, /\(snapshot #5, 04:17:40 UTC\)/);
  const failed = threadStatus({ outcome: 'failed', summary: 'Capture failed', at, last: { outcome: 'findings', summary: '1 suspected leak site (1 high).', seq: 5, capturedAt: captured, at: at - 60_000 } }, 2);
  assert.match(failed, /^Capture failed at 05:17:40 UTC; details in the thread\. Last verdict \(snapshot #5, 04:17:40 UTC\)/);
});
