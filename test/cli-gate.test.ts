// `leakbot … --fail-on-leak` as a CI job wires it: the exit code is the gate, whatever the listing
// shows. Dumps of the real Go programs in test/fixtures/go (test/fixtures/capture.sh made them).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runLeakbot } from './support/leakbot-cli.js';

const dumps = join(repoRoot, 'test', 'fixtures', 'dumps', 'go1.26');

const leakbot = runLeakbot;

describe('the CI gate', () => {
  let dir: string;
  let pods: string[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'leakbot-cli-gate-'));
    // Two pods as a CI job saves them: pod-a leaks (chan send), pod-b runs a healthy pool.
    const save = (from: string, name: string) => {
      copyFileSync(join(dumps, from), join(dir, name));
      return join(dir, name);
    };
    pods = [
      save('leak-chansend.t0.debug2.txt', 'pod-a-1.txt'),
      save('hidden-pool.t0.debug2.txt', 'pod-b-1.txt'),
      save('leak-chansend.t1.debug2.txt', 'pod-a-2.txt'),
      save('hidden-pool.t1.debug2.txt', 'pod-b-2.txt'),
    ];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('dumps of several pods: --max-findings shortens the listing but never opens the gate', async () => {
    const listed = await leakbot(['diff', ...pods, '--fail-on-leak', '--json']);
    assert.equal(listed.code, 3, listed.stderr);
    const out = JSON.parse(listed.stdout) as { instances: Array<{ instance: string; counts: { high: number; medium: number } }> };
    const a = out.instances.find((i) => i.instance === 'pod-a');
    assert.ok(a && a.counts.high + a.counts.medium > 0, `pod-a has a high or medium finding: ${listed.stdout.slice(0, 400)}`);

    const none = await leakbot(['diff', ...pods, '--fail-on-leak', '--max-findings', '0']);
    assert.match(none.stdout, /== pod-a [^\n]*\n1 suspected leak site \(1 high\)\. None listed \(--max-findings\)/);
    assert.equal(none.code, 3, 'the verdict line says 1 high: the gate trips as it does for one process');
  });

  it('a URL with credentials given to analyze: refused with a hint that does not print them (stderr lands in CI logs)', async () => {
    const r = await leakbot(['analyze', 'http://ci:s3cret-pw@127.0.0.1:9/debug/pprof/goroutine?debug=2&token=t0ken']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.ok(!/s3cret-pw|t0ken/.test(r.stderr), r.stderr);
    assert.match(r.stderr, /^leakbot: http:\/\/ci:\*\*\*@127\.0\.0\.1:9: analyze reads a dump file, not a URL\. For a live service run `leakbot diff http:\/\/ci:\*\*\*@127\.0\.0\.1:9`/);
  });
  it("a dump saved from main's run against this run's: compared by counts as of two processes, and the grown leak trips the gate", async () => {
    // test/fixtures/capture-cross-process.sh: one program run twice, leaking 10 then 25 goroutines.
    const cross = join(repoRoot, 'test', 'fixtures', 'dumps', 'cross-process');
    for (const tc of ['go1.19', 'go1.26']) {
      const files = [10, 25].map((n) => join(cross, `${tc}.run-n${n}.debug2.txt.gz`));
      const r = await leakbot(['diff', ...files, '--fail-on-leak', '--json']);
      assert.equal(r.code, 3, `${tc}: ${r.stdout.slice(0, 400)} ${r.stderr}`);
      const out = JSON.parse(r.stdout) as { separateProcesses: boolean; notes: string[]; findings: Array<{ series: number[] }> };
      assert.equal(out.separateProcesses, true);
      assert.ok(out.notes.some((n) => /different processes/.test(n)), out.notes.join('; '));
      assert.deepEqual(out.findings[0]?.series, [10, 25]);
    }
  });
});
