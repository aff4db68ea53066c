// What a new team trips over on its first day with the CLI (the trial on a fresh clone), each on the
// output of a real Go program: `go tool pprof -traces` of a live leaking service, a `go test` timeout,
// and one dump passed to `leakbot diff` twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { analyze, parseDump, renderBlocks } from '../src/engine/index.js';
import { startGoService, type GoService } from './support/go-service.js';
import { leakbotCommand, repoRoot, runLeakbot, spawnLeakbot } from './support/leakbot-cli.js';

/** leakbot with a dump on its stdin, as in `curl … | leakbot analyze`. */
const pipe = spawnLeakbot;

const run = promisify(execFile);
const shortFunc = (f: string) => f.slice(f.lastIndexOf('/') + 1);

interface JsonFinding {
  location: string | null;
  site: { func: string; file: string; line: number } | null;
  confidence: string;
}

describe('CLI on a new team’s first inputs', { timeout: 300_000 }, () => {
  let dir: string;
  let svc: GoService;
  const file = (name: string) => join(dir, name);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbot-trial-'));
    svc = await startGoService();
    await svc.leak('chansend', 12);
    await svc.leak('mutex', 8);
    for (const debug of [0, 2]) {
      const res = await fetch(`${svc.url}/debug/pprof/goroutine?debug=${debug}`);
      assert.equal(res.status, 200);
      writeFileSync(file(`live.debug${debug}`), Buffer.from(await res.arrayBuffer()));
    }
    // What people paste when they only have the profile: pprof's own text view of it.
    const { stdout } = await run('go', ['tool', 'pprof', '-traces', file('live.debug0')], { maxBuffer: 16 << 20 });
    writeFileSync(file('traces.txt'), stdout);
  });
  after(async () => {
    await svc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pprof -traces (function names only) names each site by its function, with no empty file:line', async () => {
    const sites = await svc.patterns();
    const text = await runLeakbot(['analyze', file('traces.txt')]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /pprof -traces/);
    for (const p of ['chansend', 'mutex'] as const) {
      assert.ok(text.stdout.includes(`   at ${shortFunc(sites[p].func)}\n`), `${p}: the finding is at ${sites[p].func}:\n${text.stdout}`);
    }
    assert.doesNotMatch(text.stdout, /\bat +in\b|\(\)\n|at \n/, 'no empty file:line before "in", in "via (…)" or after "at"');
    assert.doesNotMatch(text.stdout, /\n\s+\n\s+\S/, 'the stack lists no blank file line under a function');

    const md = await runLeakbot(['analyze', '--format', 'markdown', file('traces.txt')]);
    assert.equal(md.code, 0, md.stderr);
    assert.doesNotMatch(md.stdout, /(?<!`)``(?!`)/, 'no empty code span');
    assert.match(md.stdout, new RegExp(`— \`${shortFunc(sites.chansend.func).replace(/[.*()[\]]/g, '\\$&')}\``));

    const json = await runLeakbot(['analyze', '--json', file('traces.txt')]);
    const findings = (JSON.parse(json.stdout) as { findings: JsonFinding[] }).findings;
    assert.ok(findings.length >= 2);
    for (const f of findings) {
      assert.equal(f.location, null, 'no ":0" location for a site without a file');
      assert.ok(f.site && f.site.func.length > 0);
    }

    // The Slack message of the same input (a dump file dropped in a thread) has no empty code span either.
    const a = analyze(parseDump(readFileSync(file('traces.txt'), 'utf8')));
    const slack = JSON.stringify(renderBlocks(a, { title: 'Goroutine dump', service: 'svc-order' }));
    assert.doesNotMatch(slack, /(?<!`)``(?!`)/);
    assert.ok(slack.includes(shortFunc(sites.mutex.func)));

    // The same moments in debug=2 still print file:line.
    const d2 = await runLeakbot(['analyze', file('live.debug2')]);
    assert.ok(d2.stdout.includes(`at ${sites.chansend.file.split('/').slice(-3).join('/')}:${sites.chansend.line} in ${shortFunc(sites.chansend.func)}`), d2.stdout);
  });

  it('a go test timeout dump does not ask for a second capture of a process that has ended', async () => {
    // Go prints the dump and exits 2 (the test failed): the output is the result, not an error.
    const out = await run('go', ['test', '-count=1', '-timeout', '3s', '.'], { cwd: join(repoRoot, 'test/fixtures/trial/locktimeout') }).then(
      () => assert.fail('the test was expected to time out'),
      (e: { stdout: string; stderr: string }) => e.stdout + e.stderr,
    );
    assert.match(out, /panic: test timed out after 3s/);
    writeFileSync(file('timeout.txt'), out);
    const r = await runLeakbot(['analyze', file('timeout.txt')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /HANG test timed out: locktimeout\.TestFetchAll is stuck in sync\.\(\*WaitGroup\)\.Wait/);
    assert.match(r.stdout, /lock never released[^\n]*\n\s+at trial\/locktimeout\/cache\.go:14 in locktimeout\.\(\*Cache\)\.Get/);
    assert.match(r.stdout, /- 3 goroutines on one operation\n/);
    assert.doesNotMatch(r.stdout, /take a second one|capture again/);
    // A dump of a running service still asks for one.
    const live = await runLeakbot(['analyze', file('live.debug2')]);
    assert.match(live.stdout, /take a second one in a minute/);
    assert.match(live.stdout, /on one operation \(single snapshot: growth not measured yet\)/);
  });

  it("a deadlock names the goroutine asleep on the lock beside main, with its line", async () => {
    const out = await run('go', ['run', '.'], { cwd: join(repoRoot, 'test/fixtures/trial/lockdeadlock') }).then(
      () => assert.fail('the program was expected to deadlock'),
      (e: { stdout: string; stderr: string }) => e.stdout + e.stderr,
    );
    assert.match(out, /fatal error: all goroutines are asleep - deadlock!/);
    writeFileSync(file('deadlock.txt'), out);
    const r = await runLeakbot(['analyze', file('deadlock.txt')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /HANG all goroutines are asleep \(deadlock\): main is stuck in chan receive/);
    assert.match(r.stdout, /asleep with it: goroutine \d+ \[sync\.Mutex\.Lock\] at trial\/lockdeadlock\/main\.go:13 in main\.main\.func1/);
    const json = JSON.parse((await runLeakbot(['analyze', '--json', file('deadlock.txt')])).stdout) as { hangs: Array<{ asleepWith?: Array<{ state: string; site: { line: number } }> }> };
    assert.deepEqual(json.hangs[0]?.asleepWith?.map((a) => [a.state, a.site.line]), [['sync.Mutex.Lock', 13]]);
  });

  it('diff refuses one file named twice and says when two files hold the same bytes', async () => {
    const twice = await runLeakbot(['diff', file('live.debug2'), file('live.debug2')]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /live\.debug2 is named twice: diff compares dumps taken at different moments.*leakbot analyze/);
    symlinkSync(file('live.debug2'), file('link.debug2'));
    const other = await runLeakbot(['diff', file('live.debug2'), file('link.debug2')]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /is the same file as/);

    copyFileSync(file('live.debug2'), file('copy.debug2'));
    const copy = await runLeakbot(['diff', '--json', file('live.debug2'), file('copy.debug2')]);
    assert.equal(copy.code, 0, copy.stderr);
    const notes = (JSON.parse(copy.stdout) as { notes?: string[] }).notes ?? [];
    assert.ok(notes.some((n) => /copy\.debug2 holds the same bytes as .*live\.debug2: a copy is one moment, not two/.test(n)), notes.join(' | '));

    // Two real captures: no note.
    await svc.leak('chansend', 3);
    const res = await fetch(`${svc.url}/debug/pprof/goroutine?debug=2`);
    writeFileSync(file('later.debug2'), await res.text());
    const real = await runLeakbot(['diff', '--json', file('live.debug2'), file('later.debug2')]);
    assert.equal(real.code, 0, real.stderr);
    assert.ok(!((JSON.parse(real.stdout) as { notes?: string[] }).notes ?? []).some((n) => /same bytes/.test(n)));
  });

  it("README's main command, pasted with its placeholders, stops naming them as written (no '[redacted]')", async () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const value = (name: string) => new RegExp(`${name}='([^']*)'`).exec(readme)?.[1];
    const [token, secret] = [value('SLACK_BOT_TOKEN'), value('SLACK_SIGNING_SECRET')];
    assert.ok(token && secret, 'the README command sets both');
    const [cmd, argv] = leakbotCommand(['start']);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, LEAKBOT_CONFIG: 'examples/leakbot.yml', SLACK_BOT_TOKEN: token, SLACK_SIGNING_SECRET: secret };
    const r = await run(cmd, argv, { cwd: repoRoot, env }).then(
      () => assert.fail('start with placeholders must not run'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /SLACK_BOT_TOKEN holds the README's placeholder "<xoxb-…>": replace the placeholder/);
    assert.ok(r.stderr.includes(`SLACK_SIGNING_SECRET holds the README's placeholder "${secret}"`), r.stderr);
    assert.doesNotMatch(r.stderr, /redacted/);
  });

  it('a dump piped in without "-" is read from stdin, as people type it at 3 a.m.', async () => {
    const dump = readFileSync(file('live.debug2'));
    const piped = await pipe(['analyze', '--json'], dump);
    const dashed = await pipe(['analyze', '--json', '-'], dump);
    assert.equal(piped.code, 0, piped.stderr);
    assert.deepEqual(JSON.parse(piped.stdout), JSON.parse(dashed.stdout));
    assert.ok((JSON.parse(piped.stdout) as { findings: JsonFinding[] }).findings.some((f) => f.confidence === 'medium'));
    // A paste holding two dumps, piped into diff: compared in order.
    await svc.leak('chansend', 2);
    const later = Buffer.from(await (await fetch(`${svc.url}/debug/pprof/goroutine?debug=2`)).arrayBuffer());
    const series = await pipe(['diff', '--json'], Buffer.concat([dump, Buffer.from('\n'), later]));
    assert.equal(series.code, 0, series.stderr);
    assert.equal((JSON.parse(series.stdout) as { mode: string }).mode, 'diff');
    // Nothing piped (stdin at its end at once): the one-line bad-input answer, exit 2.
    const none = await pipe(['analyze'], Buffer.alloc(0));
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^leakbot: stdin: .*got empty input\n$/);
  });

  it('a live capture over the debug=2 limit says it read the proto profile alone, and --debug2-max raises the limit', async () => {
    const total = await svc.count();
    const small = await spawnLeakbot(['diff', svc.url, '--interval', '200ms', '--json', '--debug2-max', String(total - 5)]);
    assert.equal(small.code, 0, small.stderr);
    assert.match(small.stderr, new RegExp(`^captured [\\d,]+ goroutines \\(profile\\.proto only: more than --debug2-max ${total - 5}\\)`));
    const a = JSON.parse(small.stdout) as { snapshots: { format: string; warnings: string[] }[] };
    assert.deepEqual(a.snapshots.map((x) => x.format), ['proto', 'proto']);
    const said = /^captured as profile\.proto only: more than [\d,]+ goroutines.*no goroutine ids or creators.*--debug2-max raises the limit$/;
    for (const s of a.snapshots) assert.ok(s.warnings.some((w) => said.test(w)), s.warnings.join(' | '));
    // Both captures say it in the same words: the report says it once.
    const text = await spawnLeakbot(['diff', svc.url, '--interval', '200ms', '--debug2-max', String(total - 5)]);
    assert.equal(text.stdout.match(/captured as profile\.proto only/g)?.length, 1, text.stdout);
    const full = await spawnLeakbot(['diff', svc.url, '--interval', '200ms', '--json', '--debug2-max', String(total + 1000)]);
    const b = JSON.parse(full.stdout) as { snapshots: { format: string; warnings: string[] }[] };
    assert.deepEqual(b.snapshots.map((x) => x.format), ['debug2', 'debug2']);
    assert.ok(!b.snapshots.some((s) => s.warnings.some((w) => /profile\.proto only/.test(w))));
    assert.match(full.stderr, /^captured [\d,]+ goroutines; capturing again/);
  });

  it('dumps given newest first: proto files are put in the order of their own timestamps; debug=1 files get a note from their save times', async () => {
    const grab = async (name: string, debug: number) =>
      writeFileSync(file(name), Buffer.from(await (await fetch(`${svc.url}/debug/pprof/goroutine?debug=${debug}`)).arrayBuffer()));
    await grab('early.pb.gz', 0);
    await grab('early.d1', 1);
    await svc.leak('chansend', 10);
    await grab('late.pb.gz', 0);
    await grab('late.d1', 1);

    type Report = { snapshots: { goroutines: number }[]; notes: string[]; findings: { pattern: string; series: number[] }[] };
    const reversed = await spawnLeakbot(['diff', '--json', file('late.pb.gz'), file('early.pb.gz')]);
    assert.equal(reversed.code, 0, reversed.stderr);
    const r = JSON.parse(reversed.stdout) as Report;
    assert.ok(r.snapshots[0]!.goroutines < r.snapshots[1]!.goroutines, 'oldest first');
    assert.ok(r.notes.some((n) => /^compared oldest first by the time each profile\.proto says it was taken: .*early\.pb\.gz, .*late\.pb\.gz \(not the order given\)$/.test(n)), r.notes.join(' | '));
    const send = r.findings.find((f) => f.pattern === 'chan-send-no-receiver')!;
    assert.ok(send.series[1]! > send.series[0]!, `the send pile grows: ${send.series}`);
    const inOrder = JSON.parse((await spawnLeakbot(['diff', '--json', file('early.pb.gz'), file('late.pb.gz')])).stdout) as Report;
    assert.deepEqual(inOrder.findings.map((f) => [f.pattern, f.series]), r.findings.map((f) => [f.pattern, f.series]));
    assert.ok(!inOrder.notes.some((n) => /not the order given/.test(n)));

    // debug=1 carries no time: saved a minute apart, given newest first.
    // Both times set here, so the gap does not depend on how long the spawns above took.
    const now = Date.now() / 1000;
    utimesSync(file('early.d1'), now - 60, now - 60);
    utimesSync(file('late.d1'), now, now);
    const backwards = JSON.parse((await spawnLeakbot(['diff', '--json', file('late.d1'), file('early.d1')])).stdout) as Report;
    assert.ok(backwards.notes.some((n) => /early\.d1 was saved 60 s before .*late\.d1 but is given after it: .*a leak read backwards looks like a pile draining$/.test(n)), backwards.notes.join(' | '));
    const forwards = JSON.parse((await spawnLeakbot(['diff', '--json', file('early.d1'), file('late.d1')])).stdout) as Report;
    assert.ok(!forwards.notes.some((n) => /was saved/.test(n)));
  });
});
