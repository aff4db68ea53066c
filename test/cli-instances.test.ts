// `leakbot diff` over dumps of several processes, as an on-call engineer saves them from two real
// pods: files grouped by process (from their names or --instance), each compared with itself only,
// and a pod restarted between two dumps never diffed across its lives.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGoService, type GoService } from './support/go-service.js';
import { repoRoot, runLeakbot } from './support/leakbot-cli.js';
import { groupFiles, instanceOfFile } from '../src/dump-series.js';

const leakbot = runLeakbot;

describe('leakbot diff over several pods', () => {
  let a: GoService;
  let b: GoService;
  let dir: string;
  const dump = async (svc: GoService, name: string) => {
    const res = await fetch(`${svc.url}/debug/pprof/goroutine?debug=2`);
    const p = join(dir, name);
    writeFileSync(p, Buffer.from(await res.arrayBuffer()));
    return p;
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbot-cli-fleet-'));
    [a, b] = await Promise.all([startGoService(), startGoService()]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('names files by process: trailing counters and timestamps, or an --instance regex', () => {
    assert.equal(instanceOfFile('/x/svc-order-7f9c4-x2k4q-2.txt'), 'svc-order-7f9c4-x2k4q');
    assert.equal(instanceOfFile('pod-a.20261129T2300Z.pb.gz'), 'pod-a');
    assert.equal(instanceOfFile('dump_pod-b_0003.txt', /dump_(.+?)_\d+/), 'pod-b');
    assert.deepEqual(groupFiles(['before.txt', 'after.txt']), [{ instance: '', files: ['before.txt', 'after.txt'] }], 'plain before/after stays one series');
    assert.deepEqual(groupFiles(['a-1', 'b-1', 'a-2', 'b-2']).map((g) => g.files), [['a-1', 'a-2'], ['b-1', 'b-2']]);
    assert.throws(() => groupFiles(['x.txt'], /pod-(\w)/), /does not match/);
  });

  it('groups dumps by pod, compares each with itself, and reports only the leaking pod', async () => {
    const site = (await a.patterns()).chansend;
    const files = [await dump(a, 'pod-a-1.txt'), await dump(b, 'pod-b-1.txt')];
    await a.leak('chansend', 200);
    files.push(await dump(a, 'pod-a-2.txt'), await dump(b, 'pod-b-2.txt'));
    const r = await leakbot(['diff', ...files, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { instances: Array<{ instance: string; files: string[]; findings: Array<{ confidence: string; frames: Array<{ file: string; line: number }> }> }> };
    assert.deepEqual(out.instances.map((i) => [i.instance, i.files.length]), [['pod-a', 2], ['pod-b', 2]]);
    const suspects = (i: number) => out.instances[i]!.findings.filter((f) => f.confidence !== 'low');
    assert.ok(suspects(0).some((f) => f.frames.some((fr) => fr.file === site.file && fr.line === site.line)), 'pod-a\'s leak site is found');
    assert.equal(suspects(1).length, 0, 'pod-b is clean');
    const text = await leakbot(['diff', ...files]);
    assert.match(text.stdout, /== pod-a \(2 dumps: .*pod-a-1\.txt, .*pod-a-2\.txt\) ==/);
  });

  it('a pod restarted between its dumps: the earlier life is left out, and stderr says so', async () => {
    await b.leak('chanrecv', 300);
    const f1 = await dump(b, 'node-b-1.txt');
    await b.kill();
    b = await startGoService();
    const f2 = await dump(b, 'node-b-2.txt');
    const r = await leakbot(['diff', f1, f2, '--instance', '(node-b)', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /node-b: restarted before .*node-b-2\.txt \(goroutine ids started over/);
    const out = JSON.parse(r.stdout) as { instances: Array<{ files: string[]; mode: string; restartedBefore?: string }> };
    assert.equal(out.instances[0]!.files.length, 1);
    assert.equal(out.instances[0]!.mode, 'single', 'no diff across the restart');
  });

  it('a small pod that restarted hands out nearly the same ids again: told by the dumps, as the bot does', async () => {
    // One P: the two lives hand out goroutine ids from one sequence each, the same under any load
    // (with several, each P takes a batch of ids in whatever order a busy machine runs them, and on
    // a loaded CI runner the second life's pile got ids the first's never had: nothing to compare).
    const oneP = { env: { GOMAXPROCS: '1' } };
    await b.stop();
    b = await startGoService(oneP);
    await b.leak('chansend', 30);
    const f1 = await dump(b, 'node-c-1.txt');
    await b.kill();
    b = await startGoService(oneP);
    await b.leak('chansend', 25);
    const f2 = await dump(b, 'node-c-2.txt');
    const r = await leakbot(['diff', f1, f2, '--instance', '(node-c)', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /node-c: restarted before .*node-c-2\.txt \(a new process: the goroutines listed under the same ids and stacks as before all show other call arguments/);
    const out = JSON.parse(r.stdout) as { instances: Array<{ files: string[]; mode: string }> };
    assert.deepEqual([out.instances[0]!.files.length, out.instances[0]!.mode], [1, 'single']);
  });
});
