import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  analyze,
  compare,
  parseDump,
  renderBlocks,
  renderJson,
  renderMarkdown,
  renderText,
  toJsonReport,
  type Snapshot,
} from '../../src/engine/index.js';
import { blockChars } from '../../src/engine/render/blocks.js';
import { shortFunc, warningsOf } from '../../src/engine/render/format.js';
import { acceptLoop, chanSendLeak, debug2, kept, main1, many, poolWorker, type G } from './dumps.js';

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
  const [before, after] = kept([10, 130], chanSendLeak, gone);
  const snaps = [snap(before!, t0), snap([...after!, ...many(50, poolWorker, () => 1)], t0 + 60_000)];
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

test('captures seconds apart: the growth reads as the time it took, not a per-minute rate nobody watched', () => {
  const [before, after] = kept([10, 130], chanSendLeak, gone);
  const a = compare([snap(before!, t0), snap(after!, t0 + 3_000)]);
  const plain = renderText(a, { color: false });
  assert.match(plain, /2 snapshots over 3\.0 s/);
  assert.match(plain, /\+120 in 3\.0 s/);
  assert.doesNotMatch(plain, /\/min/);
  // Half a second apart is not "over 0 s" either.
  assert.match(renderText(compare([snap(before!, t0), snap(after!, t0 + 500)]), { color: false }), /over 0\.5 s/);
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
  const first = manySites(300, 1);
  const snaps = [snap(first), snap([...first, ...manySites(300, 5)])];
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
  // Said once: the reader's own warning tells where the dump was cut, no second generic line.
  assert.equal(warningsOf(a).filter((w) => /truncated/.test(w)).length, 1);
  assert.match(warningsOf(a).find((w) => /truncated/.test(w))!, /ends mid-goroutine/);
  // A snapshot flagged truncated without a reader's warning still gets the generic line.
  const flagged = analyze({ ...cut, warnings: [] });
  assert.deepEqual(warningsOf(flagged).filter((w) => /truncated/.test(w)), ['the dump was truncated; analysed as far as it goes']);
});

// Random analyses: whatever the engine is fed, ranking stays ordered and every renderer stays inside
// its medium's limits (Slack's above all) without throwing.
test('property: random snapshot series analyse and render within limits', () => {
  const funcs = ['main.a', 'main.(*S).b.func1', 'example.com/x/y.(*Q[...]).z', 'net/http.(*persistConn).readLoop', 'runtime.gopark', 'sync.(*Mutex).Lock', 'a&b<c>.d'];
  const kinds = ['chan-send', 'chan-recv', 'nil-chan', 'select', 'select-nocases', 'waitgroup', 'mutex', 'cond', 'net-io', 'sleep', 'running', 'unknown', 'runtime'] as const;
  const frame = fc.record({ func: fc.constantFrom(...funcs), file: fc.constantFrom('/src/a.go', '/usr/local/go/src/net/http/transport.go', 'x<y>&.go'), line: fc.nat({ max: 5000 }) });
  const group = fc.record({
    key: fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5', 'k6'),
    coarseKey: fc.constantFrom('c1', 'c2', 'c3'),
    kind: fc.constantFrom(...kinds),
    state: fc.constantFrom('chan send', 'select', 'sync.Mutex.Lock', 'chan send or receive', 'IO wait'),
    count: fc.integer({ min: 1, max: 5000 }),
    frames: fc.array(frame, { minLength: 1, maxLength: 6 }),
    createdBy: fc.option(frame, { nil: null }),
    waitMinutes: fc.option(fc.nat({ max: 600 }).map((m) => ({ min: m, max: m + 3 })), { nil: null }),
    orphans: fc.nat({ max: 5000 }),
    leaked: fc.nat({ max: 50 }),
    distinctCreators: fc.option(fc.nat({ max: 64 }), { nil: undefined }),
  });
  const snapshot = fc.record({
    groups: fc.uniqueArray(group, { maxLength: 6, selector: (g) => g.key }),
    capturedAt: fc.option(fc.integer({ min: 0, max: 1e12 }), { nil: null }),
    leakProfile: fc.boolean(),
    format: fc.constantFrom('debug2', 'debug1', 'proto'),
  });
  fc.assert(
    fc.property(fc.array(snapshot, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 20 }), (raw, minDelta) => {
      const snaps: Snapshot[] = raw.map((r) => ({
        format: r.format,
        leakProfile: r.leakProfile,
        capturedAt: r.capturedAt,
        total: r.groups.reduce((n, g) => n + g.count, 0),
        truncated: false,
        warnings: [],
        groups: r.groups.map(({ distinctCreators, ...g }) => ({
          ...g,
          stateInferred: false,
          framesElided: false,
          labels: {},
          exampleId: null,
          lockedToThread: 0,
          orphans: Math.min(g.orphans, g.count),
          leaked: Math.min(g.leaked, g.count),
          ...(distinctCreators === undefined ? {} : { distinctCreators }),
        })),
      }));
      const a = snaps.length === 1 ? analyze(snaps[0]!, { minDelta }) : compare(snaps, { minDelta });
      const tiers = a.findings.map((f) => ({ high: 0, medium: 1, low: 2 })[f.confidence]);
      assert.deepEqual(tiers, [...tiers].sort());
      for (const f of a.findings) assert.ok(f.score >= 0 && f.score <= 100 && f.after > 0);
      const msg = renderBlocks(a, { title: 'Goroutines', service: 'svc' });
      assert.ok(msg.blocks.length <= 50);
      assert.ok(msg.blocks.reduce((n, b) => n + blockChars(b), 0) <= 13_000);
      assert.doesNotMatch(JSON.stringify(msg.blocks), /<c>|x<y>/);
      renderText(a, { color: true });
      renderMarkdown(a);
      JSON.parse(renderJson(a, snaps));
    }),
    { numRuns: 300 },
  );
});

test('pprof labels are shown with the finding, escaped for Slack', () => {
  const { a } = leakDiff();
  a.findings[0]!.labels = { handler: ['/orders', '/quote'], tenant: ['a<b>'] };
  assert.match(renderText(a, { color: false }), /labels: handler=\/orders\|\/quote, tenant=a<b>/);
  assert.match(renderMarkdown(a), /\*\*Labels:\*\* `handler=\/orders\|\/quote, tenant=a<b>`/);
  assert.match(JSON.stringify(renderBlocks(a, { title: 't' }).blocks), /labels `handler=\/orders\|\/quote, tenant=a&lt;b&gt;`/);
});

test('function names read as the import path: Go escapes dots in a package path element as %2e in symbols', () => {
  // nats.go and paho.mqtt.golang, as Go 1.26 prints them in a traceback.
  assert.equal(shortFunc('github.com/nats-io/nats%2ego.(*Conn).waitForMsgs'), 'nats.go.(*Conn).waitForMsgs');
  assert.equal(shortFunc('github.com/eclipse/paho%2emqtt%2egolang.startComms.func3'), 'paho.mqtt.golang.startComms.func3');
  assert.equal(shortFunc('example.com/a%0ab.f'), 'a%0ab.f');
  assert.equal(shortFunc('main.main.func1'), 'main.main.func1');
});
