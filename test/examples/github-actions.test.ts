// examples/github-actions-leak-gate.yml is what a team copies into its CI: its gate step, run as
// GitHub runs it (bash -eo pipefail, $RUNNER_TEMP, $GITHUB_STEP_SUMMARY), against real Go services
// serving net/http/pprof — one that leaks, one that only runs a pool — must fail the first and pass
// the second, writing the findings to the summary both times.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { startGoService, type GoService } from '../support/go-service.js';
import { leakbotCommand, repoRoot } from '../support/leakbot-cli.js';

const run = promisify(execFile);

interface Workflow {
  jobs: Record<string, { steps: Array<{ name?: string; run?: string }> }>;
}

/** The `run` script of the workflow's leak-gate step. */
function gateStep(): string {
  const wf = parse(readFileSync(join(repoRoot, 'examples', 'github-actions-leak-gate.yml'), 'utf8')) as Workflow;
  const step = Object.values(wf.jobs)
    .flatMap((j) => j.steps)
    .find((s) => s.name === 'Goroutine leak gate');
  assert.ok(step?.run, 'the workflow has a "Goroutine leak gate" step with a run script');
  return step.run;
}

describe('examples/github-actions-leak-gate.yml', () => {
  let leaky: GoService;
  let healthy: GoService;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbot-gha-'));
    // "Install leakbot" put a checkout at $RUNNER_TEMP/leakbot; here its bin runs this tree's sources.
    const bin = join(dir, 'runner', 'leakbot', 'bin');
    mkdirSync(bin, { recursive: true });
    const [cmd, argv] = leakbotCommand([]);
    writeFileSync(
      join(bin, 'leakbot.js'),
      `const r = require('node:child_process').spawnSync(${JSON.stringify(cmd)}, [...${JSON.stringify(argv)}, ...process.argv.slice(2)], { stdio: 'inherit', cwd: ${JSON.stringify(repoRoot)} });\nprocess.exit(r.status ?? 1);\n`,
    );
    [leaky, healthy] = await Promise.all([startGoService(), startGoService()]);
  });
  after(async () => {
    await Promise.all([leaky?.stop(), healthy?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the gate step in a fresh work directory against `svc`: exit code, summary, stderr. */
  async function gate(svc: GoService, name: string): Promise<{ code: number; summary: string; stderr: string }> {
    const work = join(dir, name);
    mkdirSync(work);
    const summary = join(work, 'step-summary.md');
    writeFileSync(summary, '');
    const env = { ...process.env, NO_COLOR: '1', PPROF: svc.url, RUNNER_TEMP: join(dir, 'runner'), GITHUB_STEP_SUMMARY: summary };
    let code = 0;
    let stderr = '';
    try {
      ({ stderr } = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', gateStep()], { cwd: work, env }));
    } catch (e) {
      ({ code, stderr } = e as { code: number; stderr: string });
    }
    return { code, summary: readFileSync(summary, 'utf8'), stderr };
  }

  it('fails the job on a leak (exit 3) and names the leak site in the summary; passes a healthy pool (exit 0)', async () => {
    const site = (await leaky.patterns()).chansend;
    await leaky.leak('chansend', 30);
    await healthy.pool(20);
    const [bad, good] = await Promise.all([gate(leaky, 'leaky'), gate(healthy, 'healthy')]);
    assert.equal(bad.code, 3, `leaky service: ${bad.stderr}\n${bad.summary}`);
    assert.ok(bad.summary.includes(`${site.file.split('/').pop()}:${site.line}`), `the summary names the leak site:\n${bad.summary}`);
    assert.match(bad.summary, /suspected leak site/);
    assert.equal(good.code, 0, `healthy service: ${good.stderr}\n${good.summary}`);
    assert.match(good.summary, /^\*\*No (suspected|likely) goroutine leak/m);
  });
});
