import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  analyze,
  compare,
  parseDump,
  renderBlocks,
  renderJson,
  renderMarkdown,
  renderText,
  toJsonReport,
} from '../../src/engine/index.js';
import { blockChars } from '../../src/engine/render/blocks.js';
import { acceptLoop, chanSendLeak, debug2, main1, many, poolWorker, type G } from './dumps.js';

const gone = (i: number) => 50_000 + i;
const snap = (gs: G[], capturedAt?: number) => parseDump(debug2([main1, acceptLoop, ...gs]), { capturedAt });

/** `n` distinct leak sites, each growing, with long package paths like a real monorepo. */
function manySites(n: number, scale: number): G[] {
  const out: G[] = [];
  for (let i = 0; i < n; i++) {
    const pkg = `github.com/example-corp/platform-monorepo/services/order-management/internal/pipeline/stage${i}`;
    out.push(
      ...many(scale * (1 + (i % 7)), {
        state: 'chan send',
        frames: [`${pkg}.(*Processor[...]).emitResultToDownstreamConsumers.func3 /home/build/src/platform/services/order/stage${i}/processor.go:${100 + i}`],
        createdBy: `${pkg}.(*Processor[...]).Run /home/build/src/platform/services/order/stage${i}/processor.go:${50 + i}`,
      }, gone),
    );
  }
  return out;
}

const t0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const leakDiff = () => {
  const snaps = [snap(many(10, chanSendLeak, gone), t0), snap([...many(130, chanSendLeak, gone), ...many(50, poolWorker, () => 1)], t0 + 60_000)];
  return { snaps, a: compare(snaps) };
};

test('JSON contract: analyze prints goroutines, groups and findings with the named fields', () => {
  const s = snap(many(40, chanSendLeak, gone));
  const report = JSON.parse(renderJson(analyze(s), [s])) as Record<string, unknown>;
  assert.equal(report.goroutines, s.total);
  assert.ok(Array.isArray(report.groups) && report.groups.length === s.groups.length);
  const findings = report.findings as Record<string, unknown>[];
  assert.ok(findings.length > 0);
  for (const f of findings) {
    for (const k of ['state', 'before', 'after', 'delta', 'frames', 'createdBy', 'pattern', 'advice', 'score', 'confidence']) {
      assert.ok(k in f, `finding has ${k}`);
    }
    const frames = f.frames as { func: string; file: string; line: number }[];
    assert.deepEqual(Object.keys(frames[0]!).sort(), ['file', 'func', 'line']);
    assert.ok(['high', 'medium', 'low'].includes(f.confidence as string));
  }
  assert.equal(findings[0]!.location, '/src/svc/orders/fetch.go:31');
});

test('JSON contract: diff prints before/after goroutine totals and findings; [] when nothing is suspicious', () => {
  const { snaps, a } = leakDiff();
  const report = toJsonReport(a, snaps) as unknown as { before: { goroutines: number }; after: { goroutines: number }; findings: unknown[] };
  assert.equal(report.before.goroutines, snaps[0]!.total);
  assert.equal(report.after.goroutines, snaps[1]!.total);
  assert.ok(report.findings.length >= 1);
  const quiet = JSON.parse(renderJson(compare([snap([]), snap([])]))) as { findings: unknown[] };
  assert.deepEqual(quiet.findings, []);
});

test('text: the site as file:line with the function, colour only when asked', () => {
  const { a } = leakDiff();
  const plain = renderText(a, { color: false });
  assert.match(plain, /orders\/fetch\.go:31 in orders\.fetchResult/);
  assert.match(plain, /\+120/);
  assert.match(plain, /\+120\/min/);
  assert.doesNotMatch(plain, /\x1b\[/);
  assert.match(renderText(a, { color: true }), /\x1b\[1;31mHIGH/);
});

test('markdown: title, site in backticks, the stack in a fenced block', () => {
  const { a } = leakDiff();
  const md = renderMarkdown(a, { title: 'svc-order leak report' });
  assert.match(md, /^# svc-order leak report/);
  assert.match(md, /`svc\/orders\/fetch\.go:31` in `orders\.fetchResult`/);
  assert.match(md, /```\nexample\.com\/svc\/orders\.fetchResult\n {4}\/src\/svc\/orders\/fetch\.go:31/);
});

test('Block Kit: a huge analysis stays within Slack limits and overflows to Markdown', () => {
  const snaps = [snap(manySites(300, 1)), snap(manySites(300, 6))];
  const a = compare(snaps, { maxFindings: 300 });
  assert.equal(a.findings.length, 300);
  const msg = renderBlocks(a, { title: 'Goroutine snapshot', service: 'svc-order' });
  assert.ok(msg.blocks.length <= 50, `${msg.blocks.length} blocks`);
  let total = 0;
  for (const b of msg.blocks) {
    const block = b as { type: string; text?: { text: string } };
    if (block.type === 'section') assert.ok(block.text!.text.length <= 3000);
    total += blockChars(b);
  }
  assert.ok(total <= 13_000, `${total} chars`);
  assert.ok(msg.overflowMarkdown, 'the rest goes to a file');
  for (const f of a.findings) assert.ok(msg.overflowMarkdown.includes(`processor.go:${f.site!.line}\``), `finding at line ${f.site!.line} in the file`);
  assert.match(JSON.stringify(msg.blocks), /more suspected leak sites are in the full report/);
  assert.match(msg.text, /300 suspected leak sites/);
});

test('Block Kit: small analyses fit without overflow, and mrkdwn is escaped', () => {
  const { a } = leakDiff();
  a.findings[0]!.signals.push('queue <orders> & <payments>');
  const msg = renderBlocks(a, { title: 'Goroutine diff', service: 'svc-order' });
  assert.equal(msg.overflowMarkdown, null);
  const json = JSON.stringify(msg.blocks);
  assert.match(json, /queue &lt;orders&gt; &amp; &lt;payments&gt;/);
  assert.doesNotMatch(json, /<orders>/);
  assert.match(json, /`svc\/orders\/fetch\.go:31` in `orders\.fetchResult`/);
  const none = renderBlocks(compare([snap([]), snap([])]), { title: 'Goroutine diff' });
  assert.match(none.text, /no suspected goroutine leaks/);
  assert.equal(none.overflowMarkdown, null);
});

test('a truncated dump says so in every renderer', () => {
  const text = debug2([main1, ...many(40, chanSendLeak, gone)]);
  const cut = parseDump(text.slice(0, text.length - 30));
  assert.equal(cut.truncated, true);
  const a = analyze(cut);
  assert.match(renderText(a, { color: false }), /truncated/);
  assert.match(renderMarkdown(a), /truncated/);
  assert.match(JSON.stringify(renderBlocks(a, { title: 't' }).blocks), /truncated/);
  assert.equal((JSON.parse(renderJson(a, [cut])) as { snapshots: { truncated: boolean }[] }).snapshots[0]?.truncated, true);
});
