// `leakbot doctor` as a new user runs it: a real Redis, the real leaking Go service, the Slack
// stand-in (only when a token is given). It must name each problem, show the findings message a
// service would get, and never post or store anything.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { blocksText } from '../src/doctor.js';
import { renderBlocks } from '../src/engine/render/blocks.js';
import { analyze, parseDump } from '../src/engine/index.js';
import { startGoService, type GoService } from './support/go-service.js';
import { leakbotCommand, repoRoot } from './support/leakbot-cli.js';
import { freePort, startRedis, type TestRedis } from './support/redis.js';
import { startSlackStub, type SlackStub } from './support/slack-stub.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function doctor(env: Record<string, string>): Promise<Run> {
  const [cmd, args] = leakbotCommand(['doctor']);
  // Only what the test sets: no SLACK_* or REDIS_URL leaking in from the caller's environment.
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' };
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: repoRoot, env: { ...base, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('leakbot doctor', { timeout: 300_000 }, () => {
  let dir: string;
  let redis: TestRedis;
  let slack: SlackStub;
  let go: GoService;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leakbot-doctor-'));
    [redis, slack, go] = await Promise.all([startRedis(), startSlackStub(), startGoService()]);
    await go.leak('chansend', 30);
  });
  after(async () => {
    await go?.stop();
    await slack?.close();
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('all good: every check passes, the findings message is printed, nothing is posted or stored', async () => {
    const cfg = join(dir, 'ok.yml');
    writeFileSync(cfg, `defaultChannel: C0INCIDENTS\nservices:\n  svc-order:\n    url: ${go.url}\n`);
    const r = await doctor({
      LEAKBOT_CONFIG: cfg,
      REDIS_URL: redis.url,
      PORT: '0',
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: 'a-real-looking-secret',
      SLACK_API_URL: slack.apiUrl,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ok +config +.*ok\.yml: 1 service \(svc-order\)$/m);
    assert.match(r.stdout, /^ok +slack +SLACK_BOT_TOKEN works \(auth\.test: [^)]*\)$/m, 'the manifest\'s scopes: no warning');
    assert.match(r.stdout, /^ok +redis +redis:\/\/127\.0\.0\.1:\d+ answers \(Redis [\d.]+\)$/m, 'appendonly on: no note');
    assert.match(r.stdout, /^ok +redis +redis:\/\/127\.0\.0\.1:\d+ answers \(Redis \d+\.\d+/m);
    assert.match(r.stdout, /^ok +target svc-order +http:\/\/127\.0\.0\.1:\d+.*: \d+ goroutines/m);
    // The message the thread would get, with the leak the service really has.
    assert.match(r.stdout, /\/leak snapshot svc-order would post this in the thread \(alerts go to C0INCIDENTS\)/);
    assert.match(r.stdout, /Goroutines of svc-order/);
    assert.match(r.stdout, /leaks\.go:\d+/, 'the preview names a line of the leaking code');
    // What /leak snapshot really posts for a first snapshot: the automatic recapture (30 s by default),
    // not the CLI's "take a second one in a minute".
    assert.match(r.stdout, /single snapshot: growth is not measured yet; leakbot captures again by itself in 30 s/);
    // The recapture is said once, as /leak snapshot says it beside findings (trial5).
    assert.match(r.stdout, /leakbot captures again by itself in 30 s and updates these findings/);
    assert.equal(r.stdout.match(/again (by itself )?in 30 s/g)?.length, 1, r.stdout);
    assert.match(r.stdout, /No baseline or earlier snapshot of svc-order yet; set `\/leak baseline svc-order`/);
    assert.doesNotMatch(r.stdout, /take a second one|capture again to see growth/);
    assert.match(r.stdout, /All checks passed/);
    assert.deepEqual(slack.calls.map((c) => c.method).filter((m) => m !== 'auth.test'), [], 'doctor calls nothing but auth.test');
    const client = new Redis(redis.url);
    try {
      assert.deepEqual(await client.keys('*'), [], 'doctor stores nothing in Redis');
    } finally {
      client.disconnect();
    }
  });

  it('a token installed without the history scopes is warned about doubled messages', async () => {
    const cfg = join(dir, 'scopes.yml');
    writeFileSync(cfg, `services:\n  svc-order:\n    url: ${go.url}\n`);
    const at = slack.scopes.indexOf('channels:history');
    const removed = slack.scopes.splice(at, 2);
    assert.deepEqual(removed, ['channels:history', 'groups:history']);
    try {
      const r = await doctor({ LEAKBOT_CONFIG: cfg, REDIS_URL: redis.url, PORT: '0', SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: 'a-real-looking-secret', SLACK_API_URL: slack.apiUrl });
      assert.match(r.stdout, /^ok +slack +SLACK_BOT_TOKEN works \(auth\.test.*without channels:history and groups:history a message whose id a crash lost may be posted twice/m);
    } finally {
      slack.scopes.splice(at, 0, ...removed);
    }
  });

  it('a Redis without appendonly (Debian\'s packaged service) passes with a note saying what a restart loses', async () => {
    const cfg = join(dir, 'aof.yml');
    writeFileSync(cfg, `services:\n  svc-order:\n    url: ${go.url}\n`);
    const admin = new Redis(redis.url);
    try {
      await admin.config('SET', 'appendonly', 'no');
      const r = await doctor({ LEAKBOT_CONFIG: cfg, REDIS_URL: redis.url, PORT: '0' });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^ok +redis +redis:\/\/127\.0\.0\.1:\d+ answers \(Redis [\d.]+\); appendonly is off: jobs and watches queued since its last snapshot are lost if Redis restarts \(`redis-cli config set appendonly yes && redis-cli config rewrite`\)$/m);
    } finally {
      await admin.config('SET', 'appendonly', 'yes');
      admin.disconnect();
    }
  });

  it('a refused token says what to do; a missing signing secret does not stop the token check; an unreachable SLACK_API_URL names its cause', async () => {
    const cfg = join(dir, 'slack.yml');
    writeFileSync(cfg, `services:\n  svc-order:\n    url: ${go.url}\n`);
    const base = { LEAKBOT_CONFIG: cfg, REDIS_URL: redis.url, PORT: '0', SLACK_API_URL: slack.apiUrl };
    const wrong = await doctor({ ...base, SLACK_BOT_TOKEN: 'xoxb-not-the-right-one', SLACK_SIGNING_SECRET: 'a-real-looking-secret' });
    assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr);
    assert.match(wrong.stdout, /^FAIL +slack +Slack rejected SLACK_BOT_TOKEN \(auth\.test\): invalid_auth: the token is mistyped or belongs to no installed app; copy the Bot User OAuth Token \(xoxb-…\) again from the app's OAuth & Permissions page$/m);
    assert.doesNotMatch(wrong.stdout + wrong.stderr, /not-the-right-one/, 'the token is never printed');

    // Only the signing secret missing: both facts in one run (the token was checked by Slack).
    const calls = slack.callsTo('auth.test').length;
    const noSecret = await doctor({ ...base, SLACK_BOT_TOKEN: slack.token });
    assert.equal(noSecret.code, 1, noSecret.stdout + noSecret.stderr);
    assert.match(noSecret.stdout, /^FAIL +slack +SLACK_SIGNING_SECRET is not set \(.*\); SLACK_BOT_TOKEN works \(auth\.test: @leakbot in [^)]*\)$/m);
    assert.equal(slack.callsTo('auth.test').length, calls + 1);

    const down = await doctor({ ...base, SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: 'a-real-looking-secret', SLACK_API_URL: `http://127.0.0.1:${await freePort()}/api/` });
    assert.equal(down.code, 1, down.stdout + down.stderr);
    assert.match(down.stdout, /^FAIL +slack +cannot reach the Slack Web API at http:\/\/127\.0\.0\.1:\d+\/api\/ \(ECONNREFUSED\): check SLACK_API_URL$/m);
  });

  it('a config typo is shown with its fix, the YAML example indented as YAML; the webhook token is checked without being shown', async () => {
    const typo = join(dir, 'typo.yml');
    writeFileSync(typo, `servces:\n  svc-order:\n    url: ${go.url}\n`);
    const r = await doctor({ LEAKBOT_CONFIG: typo, REDIS_URL: redis.url, PORT: '0', LEAKBOT_WEBHOOK_TOKEN: 'tok-0123' });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(
      r.stdout.includes(
        [
          '                     (root): unknown key "servces" (did you mean "services"?)',
          '                     services: missing. List the services leakbot may capture, each with its pprof address:',
          '                       services:',
          '                         svc-order:',
          '                           url: http://10.0.3.7:6060   (see examples/leakbot.yml)',
        ].join('\n'),
      ),
      r.stdout,
    );
    assert.match(r.stdout, /^-- +webhook +LEAKBOT_WEBHOOK_TOKEN is set but shorter than 16 characters: use a long random value/m);
    assert.doesNotMatch(r.stdout + r.stderr, /tok-0123/);

    const cfg = join(dir, 'webhook.yml');
    writeFileSync(cfg, `services:\n  svc-order:\n    url: ${go.url}\n`);
    const unset = await doctor({ LEAKBOT_CONFIG: cfg, REDIS_URL: redis.url, PORT: '0' });
    assert.equal(unset.code, 0, unset.stdout + unset.stderr);
    assert.match(unset.stdout, /^-- +webhook +LEAKBOT_WEBHOOK_TOKEN is not set: fine without alerts; POST \/webhooks\/alertmanager refuses every notification until it is/m);
    // A token, but svc-order has no channel and there is no defaultChannel: its alerts would be dropped.
    const nowhere = await doctor({ LEAKBOT_CONFIG: cfg, REDIS_URL: redis.url, PORT: '0', LEAKBOT_WEBHOOK_TOKEN: 'c0ffee'.repeat(8) });
    assert.equal(nowhere.code, 1, nowhere.stdout + nowhere.stderr);
    assert.match(nowhere.stdout, /^FAIL +webhook +LEAKBOT_WEBHOOK_TOKEN is set, but alerts for svc-order have no channel to go to and would be dropped: set defaultChannel/m);
    const routed = join(dir, 'webhook-routed.yml');
    writeFileSync(routed, `defaultChannel: C0INCIDENTS\nservices:\n  svc-order:\n    url: ${go.url}\n`);
    const set = await doctor({ LEAKBOT_CONFIG: routed, REDIS_URL: redis.url, PORT: '0', LEAKBOT_WEBHOOK_TOKEN: 'c0ffee'.repeat(8) });
    assert.match(set.stdout, /^ok +webhook +LEAKBOT_WEBHOOK_TOKEN is set/m);
    assert.doesNotMatch(set.stdout + nowhere.stdout, /c0ffee/);
    const placeholder = await doctor({ LEAKBOT_CONFIG: cfg, REDIS_URL: redis.url, PORT: '0', LEAKBOT_WEBHOOK_TOKEN: '<a long random value>' });
    assert.equal(placeholder.code, 1);
    assert.match(placeholder.stdout, /^FAIL +webhook +LEAKBOT_WEBHOOK_TOKEN holds the README's placeholder/m);
  });

  it('first run without Slack, with Redis down, dead targets (one of a fleet) and PORT taken: names each, exit 1', async () => {
    const dead = await freePort();
    const cfg = join(dir, 'dead.yml');
    const fleet = `  svc-fleet:\n    targets: [${go.url}, http://127.0.0.1:${dead}]\n    timeoutSeconds: 5\n`;
    // A password or a token in a url is never printed (doctor's report lands in deploy logs).
    const creds = `  svc-cred:\n    url: http://ops:hunter2@127.0.0.1:${dead}/?token=hunter3\n    timeoutSeconds: 5\n  svc-cred-up:\n    url: ${go.url.replace('//', '//ops:hunter4@')}\n`;
    writeFileSync(cfg, `services:\n  svc-dead:\n    url: http://127.0.0.1:${dead}\n    timeoutSeconds: 5\n${fleet}${creds}`);
    const r = await doctor({ LEAKBOT_CONFIG: cfg, REDIS_URL: `redis://127.0.0.1:${await freePort()}`, PORT: String(redis.port) });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^-- +slack +SLACK_BOT_TOKEN is not set: fine for doctor/m);
    assert.match(r.stdout, /^FAIL +redis +cannot reach redis:\/\/127\.0\.0\.1:\d+ \(connect ECONNREFUSED/m);
    assert.match(r.stdout, /^FAIL +redis +.*: start Redis \(`redis-server --daemonize yes --bind 127\.0\.0\.1 --appendonly yes`/m, 'says how to start one');
    assert.match(r.stdout, new RegExp(`^FAIL +port +PORT ${redis.port} is already in use`, 'm'));
    assert.match(r.stdout, /^FAIL +target svc-dead +http:\/\/127\.0\.0\.1:\d+: .*connection refused/m);
    // A fleet: every instance is tried, each reported under its own name.
    assert.match(r.stdout, /^ok +targets svc-fleet +targets: 2 instances$/m);
    assert.match(r.stdout, /^ok +target svc-fleet \(127\.0\.0\.1:\d+\) +http:\/\/127\.0\.0\.1:\d+.*: \d+ goroutines/m);
    assert.match(r.stdout, new RegExp(`^FAIL +target svc-fleet \\(127\\.0\\.0\\.1:${dead}\\) +http://127\\.0\\.0\\.1:${dead}: .*connection refused`, 'm'));
    assert.match(r.stdout, /\/leak snapshot svc-fleet would post this/, 'the reachable instance gives the preview');
    assert.match(r.stdout, new RegExp(`^FAIL +target svc-cred +http://ops:\\*\\*\\*@127\\.0\\.0\\.1:${dead}: .*connection refused`, 'm'));
    assert.match(r.stdout, /^ok +target svc-cred-up +http:\/\/127\.0\.0\.1:\d+.*: \d+ goroutines/m);
    assert.doesNotMatch(r.stdout + r.stderr, /hunter[234]/, 'no password or query token');
    assert.match(r.stdout, /5 problems to fix/);
    assert.doesNotMatch(r.stdout + r.stderr, /^\s+at .*:\d+:\d+\)?$/m, 'no stack trace');
  });

  it('template overrides are loaded as `leakbot start` loads them: a missing one fails, a valid one passes', async () => {
    // `leakbot start` stops on a template it cannot load; doctor once said "All checks passed" for it.
    const missing = join(dir, 'missing-template.yml');
    writeFileSync(missing, `services:\n  svc-order:\n    url: ${go.url}\ntemplates: { checklist: ./no-such-checklist.yml }\n`);
    const r = await doctor({ LEAKBOT_CONFIG: missing, REDIS_URL: redis.url, PORT: '0' });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    // Refused with the config, naming the key and where a relative path was looked for.
    assert.match(r.stdout, /^FAIL +config +.*missing-template\.yml: templates\.checklist: \.\/no-such-checklist\.yml: no such file \(looked for .*\/no-such-checklist\.yml: relative paths start at the config file's folder\)$/m);
    assert.match(r.stdout, /1 problem to fix/);

    copyFileSync(join(repoRoot, 'templates', 'checklist.yml'), join(dir, 'team-checklist.yml'));
    const own = join(dir, 'own-template.yml');
    writeFileSync(own, `services:\n  svc-order:\n    url: ${go.url}\ntemplates: { checklist: ./team-checklist.yml }\n`);
    const ok = await doctor({ LEAKBOT_CONFIG: own, REDIS_URL: redis.url, PORT: '0' });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^ok +templates +\.\/team-checklist\.yml$/m);
  });

  it('with the automatic recapture off, the preview asks for a second snapshot by hand, as the bot would', async () => {
    const cfg = join(dir, 'norecapture.yml');
    writeFileSync(cfg, `snapshot: { autoRecaptureSeconds: 0 }\nservices:\n  svc-order:\n    url: ${go.url}\n`);
    const r = await doctor({ LEAKBOT_CONFIG: cfg, REDIS_URL: redis.url, PORT: '0' });
    assert.match(r.stdout, /would post this/, r.stdout + r.stderr);
    assert.match(r.stdout, /single snapshot: growth is not measured yet; run `\/leak snapshot svc-order` again in a minute \(or press Capture again\)/);
    assert.doesNotMatch(r.stdout, /take a second one in a minute/);
    assert.doesNotMatch(r.stdout, /captures again by itself|I will capture again/);
  });

  it('a service over debug2MaxGoroutines is said to be read from the proto profile alone', async () => {
    const cfg = join(dir, 'proto.yml');
    writeFileSync(cfg, `services:\n  svc-order:\n    url: ${go.url}\n    debug2MaxGoroutines: 5\n`);
    const r = await doctor({ LEAKBOT_CONFIG: cfg, REDIS_URL: redis.url, PORT: '0' });
    assert.match(r.stdout, /^ok +target svc-order +\S+debug=0: [\d,]+ goroutines \(proto, .*; proto only: more than debug2MaxGoroutines 5, so no goroutine ids or creators\)$/m, r.stdout);
    writeFileSync(cfg, `services:\n  svc-order:\n    url: ${go.url}\n`);
    const all = await doctor({ LEAKBOT_CONFIG: cfg, REDIS_URL: redis.url, PORT: '0' });
    assert.match(all.stdout, /^ok +target svc-order +\S+debug=2: /m, all.stdout);
    assert.doesNotMatch(all.stdout, /proto only/);
  });

  it('a placeholder token and a bad config are reported, not thrown', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'services:\n  svc-order:\n    url: not-a-url\n');
    const r = await doctor({ LEAKBOT_CONFIG: bad, REDIS_URL: redis.url, PORT: '0', SLACK_BOT_TOKEN: 'xoxb-…', SLACK_SIGNING_SECRET: '<signing secret>' });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL +config +.*bad\.yml: invalid configuration\n +services\.svc-order\.url/m);
    assert.match(r.stdout, /^FAIL +slack +SLACK_BOT_TOKEN holds the README's placeholder "xoxb-…": replace the placeholder/m);
    assert.match(r.stdout, /^FAIL +slack +.*; SLACK_SIGNING_SECRET holds the README's placeholder "<signing secret>": replace the placeholder/m);
    assert.match(r.stdout, /^ok +redis/m);
  });
});

it('the preview reads as Slack shows it: mrkdwn escapes are read back, not printed', () => {
  // A trial's doctor preview printed the receive-never-closed advice as '&lt;-ctx.Done()'.
  const a = analyze(parseDump(readFileSync(join(repoRoot, 'test', 'fixtures', 'dumps', 'go1.26', 'leak-chanrecv.t1.debug2.txt'))));
  const text = blocksText(renderBlocks(a, { title: 'Goroutines of svc-order' }).blocks);
  assert.match(text, /<-ctx\.Done\(\)/);
  assert.doesNotMatch(text, /&lt;|&gt;|&amp;/);
});
