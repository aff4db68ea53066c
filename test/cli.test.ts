// The leakbot command as users and CI run it: `node bin/leakbot.js …` on dump files, checking exit
// codes, output shapes and error messages.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { acceptLoop, chanSendLeak, debug2, kept, main1, many, poolWorker } from './engine/dumps.js';
import { startGoService, type GoService } from './support/go-service.js';
import { leakbotCommand, repoRoot as root, spawnLeakbot } from './support/leakbot-cli.js';


/** Runs leakbot; `onStderr` sees stderr as it grows (to act between the two live captures). */
const leakbot = spawnLeakbot;

const gone = (i: number) => 50_000 + i;

describe('leakbot CLI', { timeout: 300_000 }, () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'leakbot-cli-'));
    const base = [main1, acceptLoop, ...many(20, poolWorker, () => 1)];
    writeFileSync(file('healthy.txt'), debug2(base));
    writeFileSync(file('healthy-later.txt'), debug2(base)); // a second capture of an idle process: same bytes
    // The leak keeps its goroutines (same ids) and adds more, as a real one does.
    const [leak0, leak1] = kept([10, 90], chanSendLeak, gone);
    writeFileSync(file('before.txt'), debug2([...base, ...leak0!]));
    writeFileSync(file('after.txt'), debug2([...base, ...leak1!]));
    writeFileSync(file('after.txt.gz'), gzipSync(debug2([...base, ...leak1!])));
    writeFileSync(file('garbage.txt'), '<!doctype html><html><body>It works!</body></html>\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('analyze --json prints goroutines, groups and findings', async () => {
    const r = await leakbot(['analyze', '--json', file('after.txt')]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { goroutines: number; groups: unknown[]; findings: Record<string, unknown>[] };
    assert.equal(out.goroutines, 112);
    assert.ok(out.groups.length >= 3);
    const f = out.findings[0]!;
    assert.equal(f.pattern, 'chan-send-no-receiver');
    for (const k of ['state', 'before', 'after', 'delta', 'frames', 'createdBy', 'pattern', 'advice', 'score', 'confidence']) assert.ok(k in f, k);
  });

  it('reads a named pipe (`<(zcat dump.gz)`) as it reads the file: text over 1 MiB, gzip, profile.proto', async () => {
    // A text dump is read in 1 MiB pieces; the others are handed to a stream with the bytes read so far.
    const big = debug2([main1, acceptLoop, ...many(15000, poolWorker, () => 1)]);
    assert.ok(big.length > 2 << 20, `big dump: ${big.length} bytes`);
    writeFileSync(file('big.txt'), big);
    const proto = join(root, 'test/fixtures/dumps/go1.19/hidden-surge.t1.pb.gz');
    for (const f of [file('big.txt'), file('after.txt.gz'), proto]) {
      const fromFile = await leakbot(['analyze', '--json', f]);
      assert.equal(fromFile.code, 0, fromFile.stderr);
      const fifo = file('pipe');
      rmSync(fifo, { force: true });
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      const written = once(createReadStream(f).pipe(createWriteStream(fifo)), 'close');
      const fromPipe = await leakbot(['analyze', '--json', fifo]);
      await written;
      assert.equal(fromPipe.code, 0, fromPipe.stderr);
      assert.equal(fromPipe.stdout, fromFile.stdout, f);
    }
  });

  it('diff --format json prints before/after totals; --fail-on-leak exits 3 on a leak', async () => {
    const r = await leakbot(['diff', '--format', 'json', '--fail-on-leak', file('before.txt'), file('after.txt.gz')]);
    assert.equal(r.code, 3, r.stderr);
    const out = JSON.parse(r.stdout) as { before: { goroutines: number }; after: { goroutines: number }; goroutines: number; groups: { count: number }[]; findings: { confidence: string; delta: number }[] };
    assert.deepEqual([out.before.goroutines, out.after.goroutines], [32, 112]);
    // goroutines and groups describe the latest snapshot, as in analyze's JSON.
    assert.equal(out.goroutines, 112);
    assert.equal(out.groups.reduce((n, g) => n + g.count, 0), 112);
    assert.equal(out.findings[0]?.confidence, 'high');
    assert.equal(out.findings[0]?.delta, 80);
  });

  it("--fail-on-leak fails on goleak's failure output piped in: every goroutine goleak lists outlived its test", async () => {
    const report = readFileSync(join(root, 'test/engine/parse/samples/real/go126-goleak.txt'));
    const r = await leakbot(['analyze', '--json', '--fail-on-leak', '-'], report);
    assert.equal(r.code, 3, r.stderr);
    const f = (JSON.parse(r.stdout) as { findings: { confidence: string; location: string; evidence: { signal: string }[] }[] }).findings;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.confidence, 'high');
    assert.match(f[0]!.location, /leak_test\.go:12$/);
    assert.ok(f[0]!.evidence.some((e) => e.signal === 'goleak'));
  });

  it('--fail-on-leak exits 0 when nothing is suspicious, and --ignore can silence a site', async () => {
    const quiet = await leakbot(['diff', '--fail-on-leak', file('healthy.txt'), file('healthy-later.txt')]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.match(quiet.stdout, /No suspected goroutine leaks/);
    const ignored = await leakbot(['diff', '--json', '--fail-on-leak', '--ignore', 'orders\\.fetchResult', file('before.txt'), file('after.txt')]);
    assert.equal(ignored.code, 0, ignored.stderr);
    const hidden = JSON.parse(ignored.stdout) as { findings: unknown[]; ignored: number; suppressed: number };
    assert.deepEqual(hidden.findings, []);
    assert.equal(hidden.ignored, 1, 'the silenced site is counted as ignored, not as judged healthy');
    const said = await leakbot(['diff', '--ignore', 'orders\\.fetchResult', file('before.txt'), file('after.txt')]);
    assert.match(said.stdout, /1 pile matched an ignore pattern and is not listed/);
    // --min-delta 100 takes the growth of 80 out of the evidence, but not what one snapshot already
    // shows (90 goroutines from 90 gone creators on a send): issue 8, a second snapshot never weakens that.
    const bar = await leakbot(['diff', '--json', '--fail-on-leak', '--min-delta', '100', file('before.txt'), file('after.txt')]);
    const barred = (JSON.parse(bar.stdout) as { findings: { confidence: string; evidence: { signal: string }[] }[] }).findings[0]!;
    assert.deepEqual(barred.evidence.map((e) => e.signal).filter((x) => /^(kept-and-added|grew)/.test(x)), [], 'growth below --min-delta is not evidence');
    assert.ok(barred.evidence.some((e) => e.signal === 'kept-all'));
    assert.notEqual(barred.confidence, 'low');
    assert.equal(bar.code, 3);
  });

  it('reads stdin with -, and prints text and Markdown', async () => {
    const text = await leakbot(['analyze', '-'], debug2([main1, ...many(40, chanSendLeak, gone)]));
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /orders\/fetch\.go:31 in orders\.fetchResult/);
    assert.doesNotMatch(text.stdout, /\x1b\[/, 'no colour when stdout is not a TTY');
    const md = await leakbot(['diff', '--format', 'markdown', file('before.txt'), file('after.txt')]);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Goroutine leak report/);
    assert.match(md.stdout, /`svc\/orders\/fetch\.go:31` in `orders\.fetchResult`/);
  });

  it('--max-findings never changes the verdict or the exit code (issue 8, dumps of a real Go program)', async () => {
    const dumps = join(root, 'test', 'fixtures', 'dumps', 'issue8', 'go1.26');
    // 101 sends nobody receives, each from its own request: one medium finding in the later dump alone.
    const none = await leakbot(['analyze', '--max-findings', '0', '--fail-on-leak', join(dumps, 'flat-chansend.t1.debug2.txt.gz')]);
    assert.equal(none.code, 3, none.stderr);
    assert.match(none.stdout, /^1 suspected leak site \(1 medium\)\. None listed \(--max-findings\)\./);
    const json = await leakbot(['analyze', '--json', '--max-findings', '1', join(dumps, 'dominant-mutex.t0.debug2.txt.gz')]);
    const out = JSON.parse(json.stdout) as { findings: unknown[]; counts: { total: number; medium: number } };
    assert.equal(out.findings.length, 1);
    assert.equal(out.counts.total, 2, 'the total is counted before the cut (the idle pool is settled, not counted)');
    const creators = await leakbot(['analyze', join(dumps, 'flat-chansend.t1.debug2.txt.gz')]);
    assert.match(creators.stdout, /101 of 101 outlived the goroutine that started them \(101 distinct creators, 101 gone\)/, 'a count, not a cap');
  });

  it('bad input exits 2 with a one-line message, never a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['analyze', file('garbage.txt')], /garbage\.txt: .*goroutine/i],
      [['analyze', file('missing.txt')], /missing\.txt: no such file/],
      [['analyze', dir], /is a directory/],
      [['diff', file('before.txt')], /at least two dump files/],
      [['diff', '--ignore', '(oops', file('before.txt'), file('after.txt')], /invalid ignore pattern/],
      [['analyze', '--min-delta', 'lots', file('before.txt')], /min-delta/],
      [['analyze', '--format', 'yaml', file('before.txt')], /format/],
      [['frobnicate'], /unknown command/],
      // A /leak verb typed at the command line: what does it here.
      [['snapshot', 'svc-order'], /unknown command 'snapshot'[^]*`snapshot` is a Slack command \(\/leak snapshot in Slack\)\. On the command line, capture a live service twice and compare with `leakbot diff http:\/\/<host>:6060 --interval 30s`/],
      // A URL or host:port where a file was expected: say what to run instead.
      [['analyze', 'http://10.0.0.7:6060'], /run `leakbot diff http:\/\/10\.0\.0\.7:6060`.*curl -o dump\.txt 'http:\/\/10\.0\.0\.7:6060\/debug\/pprof\/goroutine\?debug=2'/],
      // A pprof URL copied from a browser: the hint does not append the path a second time.
      [['analyze', 'http://10.0.0.7:6060/debug/pprof/goroutine?debug=1'], /curl -o dump\.txt 'http:\/\/10\.0\.0\.7:6060\/debug\/pprof\/goroutine\?debug=2' && leakbot/],
      [['diff', '127.0.0.1:6060'], /not a URL: .*leakbot diff http:\/\/127\.0\.0\.1:6060/],
      [['analyze', 'svc-order:6060'], /no such file; .*leakbot diff http:\/\/svc-order:6060/],
    ];
    for (const [args, message] of cases) {
      const r = await leakbot(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.doesNotMatch(r.stderr, /^\s+at /m, `${args.join(' ')}: no stack trace`);
      assert.equal(r.stdout, '');
    }
    const empty = await leakbot(['analyze', '-'], '');
    assert.equal(empty.code, 2, empty.stderr);
    assert.equal(empty.stderr.trim().split('\n').length, 1);
  });

  it('a reader that closes the pipe early (`| head`) ends leakbot quietly, with no EPIPE stack trace', async () => {
    for (const args of [['--help'], ['analyze', '--json', file('after.txt')]]) {
      const [cmd, argv] = leakbotCommand(args);
      const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      // Closed before leakbot writes a byte: its first write meets a closed pipe, as under `head -0`.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const [code] = (await once(child, 'close')) as [number | null];
      assert.equal(stderr, '', `${args.join(' ')}: ${stderr}`);
      assert.equal(code, 0, args.join(' '));
    }
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await leakbot([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), version);
    }
  });

  it('--help documents the exit codes', async () => {
    const r = await leakbot(['analyze', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--fail-on-leak/);
    assert.match(r.stdout, /3 +with --fail-on-leak/);
  });
});

describe('leakbot diff <url> against a live Go service', { timeout: 600_000 }, () => {
  let svc: GoService;
  before(async () => {
    svc = await startGoService();
  });
  after(async () => {
    await svc?.stop();
  });

  it('captures twice with the bot\'s capture code and names the leak that grew in between', async () => {
    const site = (await svc.patterns()).chansend;
    let leaking: Promise<number> | null = null;
    const r = await leakbot(['diff', svc.url, '--interval', '8s', '--json', '--fail-on-leak'], undefined, (err) => {
      // The first capture is done: leak now, before the second one.
      if (!leaking && /capturing again/.test(err)) leaking = svc.leak('chansend', 60);
    });
    assert.ok(leaking, `the first capture happened: ${r.stderr}`);
    await leaking;
    assert.equal(r.code, 3, r.stderr);
    const out = JSON.parse(r.stdout) as { findings: { pattern: string; delta: number; site: { func: string; file: string; line: number } }[] };
    const top = out.findings[0]!;
    assert.equal(top.pattern, 'chan-send-no-receiver');
    assert.deepEqual(top.site, { func: site.func, file: site.file, line: site.line });
    assert.ok(top.delta >= 60, `delta ${top.delta}`);
  });

  it('-H sends a header the pprof endpoint requires, and never prints it', async () => {
    await svc.requireHeader('Authorization', 'Bearer s3cret-t0k');
    try {
      const denied = await leakbot(['diff', svc.url, '--interval', '1s']);
      assert.equal(denied.code, 2, denied.stderr);
      assert.match(denied.stderr, /401/);
      const ok = await leakbot(['diff', svc.url, '--interval', '1s', '--json', '-H', 'Authorization: Bearer s3cret-t0k']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.ok(Array.isArray((JSON.parse(ok.stdout) as { findings: unknown[] }).findings));
      assert.doesNotMatch(ok.stdout + ok.stderr + denied.stderr, /s3cret/);
    } finally {
      await svc.reset();
    }
  });

  it('a service slower than --timeout is a one-line error naming --timeout, not the config key', async () => {
    await svc.slow(10_000);
    try {
      const slow = await leakbot(['diff', svc.url, '--interval', '1s', '--timeout', '1s']);
      assert.equal(slow.code, 2, slow.stderr);
      assert.equal(slow.stderr.trim().split('\n').length, 1, slow.stderr);
      assert.match(slow.stderr, /did not deliver its goroutine profile within 1 s .*raise --timeout/);
      assert.doesNotMatch(slow.stderr, /timeoutSeconds/);
    } finally {
      await svc.reset();
    }
  });

  it('a profile over --max-bytes is a one-line error naming --max-bytes, not the config keys; a bad size is refused', async () => {
    await svc.huge();
    try {
      const huge = await leakbot(['diff', svc.url, '--interval', '1s', '--max-bytes', '2MiB']);
      assert.equal(huge.code, 2, huge.stderr);
      assert.equal(huge.stderr.trim().split('\n').length, 1, huge.stderr);
      assert.match(huge.stderr, /larger than the 2 MiB limit .*the capture was stopped\. Raise --max-bytes\.$/m);
      assert.doesNotMatch(huge.stderr, /maxBytes|debug2MaxGoroutines/);
    } finally {
      await svc.reset();
    }
    const bad = await leakbot(['diff', svc.url, '--max-bytes', '64 potatoes']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /'--max-bytes <size>' argument '64 potatoes' is invalid\. expected a size such as 64MiB/);
  });

  it('a service that is down or not pprof is a one-line error with exit 2', async () => {
    const down = await leakbot(['diff', 'http://127.0.0.1:1', '--interval', '1s']);
    assert.equal(down.code, 2, down.stderr);
    assert.equal(down.stderr.trim().split('\n').length, 1, down.stderr);
    // https:// typed for a plain-HTTP pprof port: said so, not "network error".
    const tls = await leakbot(['diff', svc.url.replace(/^http:/, 'https:'), '--interval', '1s']);
    assert.equal(tls.code, 2, tls.stderr);
    assert.match(tls.stderr, /\(TLS handshake failed: the port speaks plain HTTP, so its URL starts with http:\/\/\)/);
    await svc.notPprof();
    try {
      const html = await leakbot(['diff', svc.url, '--interval', '1s']);
      assert.equal(html.code, 2, html.stderr);
      assert.match(html.stderr, /pprof/i);
      assert.doesNotMatch(html.stderr, /^\s+at /m);
    } finally {
      await svc.reset();
    }
  });

  // Last: the goroutines it parks stay for the service's life.
  it('--max-bytes bounds a real debug=2 dump: refused under it, analysed with the default', async () => {
    await svc.bulk(3000, 30);
    const small = await leakbot(['diff', svc.url, '--interval', '1s', '--max-bytes', '100kB']);
    assert.equal(small.code, 2, small.stderr);
    assert.match(small.stderr, /goroutine\?debug=2\); the capture was stopped\. Raise --max-bytes\.$/m);
    const ok = await leakbot(['diff', svc.url, '--interval', '1s', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok((JSON.parse(ok.stdout) as { goroutines: number }).goroutines >= 3000);
  });
});
