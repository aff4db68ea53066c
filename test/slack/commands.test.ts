// Slash commands through the real HTTP path (signed requests → Bolt → registry), real Redis and
// the Slack stand-in: help, usage, unknown service/verb, signatures, access rules.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../e2e/harness.js';

const CONFIG = `
services:
  svc-order:
    url: http://127.0.0.1:9/
  svc-payment:
    url: http://127.0.0.1:9/
admins: [U0ADMIN]
allowedChannels: [C0INCIDENT, C0OTHER]
`;

describe('/leak commands over signed HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ configYaml: CONFIG, role: 'web' });
  });
  after(async () => {
    await h?.close();
  });

  it('help lists every verb with examples', async () => {
    const r = await h.command({ text: 'help' });
    assert.equal(r.status, 200);
    const text = String(r.json?.text);
    for (const verb of ['snapshot', 'diff', 'baseline', 'services', 'history', 'help']) assert.match(text, new RegExp(`/leak ${verb}`));
    assert.match(text, /svc-order/);
    assert.equal(r.json?.response_type, 'ephemeral');
  });

  it('help examples name registered services; extra words are refused with the usage; watch without a service lists them', async () => {
    const h2 = await startHarness({ configYaml: 'services:\n  billing-api:\n    url: http://127.0.0.1:9/\n  ledger:\n    url: http://127.0.0.1:9/\n', role: 'web', redis: h.redis, slack: h.slack });
    try {
      const help = String((await h2.command({ text: 'help' })).json?.text);
      assert.match(help, /`\/leak snapshot billing-api`/);
      assert.ok(!help.includes('svc-order'), 'no example names a service that does not exist here');
      for (const [text, extra] of [
        ['history billing-api please', 'please'],
        ['services now', 'now'],
        ['baseline billing-api 3 4', '4'],
        ['postmortem billing-api today', 'today'],
      ] as const) {
        const r = String((await h2.command({ text })).json?.text);
        assert.ok(r.includes(`Too many arguments: \`${extra}\`.`), `${text}: ${r}`);
        assert.match(r, /Usage: `\/leak /, `${text}: usage`);
      }
      // help takes one verb: its usage and examples alone; a word that is no verb names the verbs.
      const one = String((await h2.command({ text: 'help snapshot' })).json?.text);
      assert.match(one, /^• `\/leak snapshot /, one);
      assert.ok(!one.includes('/leak history'), one);
      const me = String((await h2.command({ text: 'help me' })).json?.text);
      assert.match(me, /`me` is no \/leak verb; the verbs: .*`snapshot`/, me);
      assert.match(me, /Usage: `\/leak help \[verb\]`/, me);
      assert.ok(String((await h2.command({ text: 'help me please' })).json?.text).includes('Too many arguments: `please`.'));
      // trial9: 'snapshot billing-api right now' answered 'Too many arguments: `now`', as if `right`
      // had been understood (it took the place of pod=…); both words are named.
      const now = String((await h2.command({ text: 'snapshot billing-api right now' })).json?.text);
      assert.match(now, /^Unexpected `right now`: after the service, use `pod=&lt;name&gt;` or `instance=&lt;host:port&gt;` \(or nothing\)\.\nUsage: `\/leak snapshot /, now);
      for (const text of ['watch', 'watch stop', 'watch chart']) {
        const r = String((await h2.command({ text })).json?.text);
        assert.match(r, /Which service\? Registered: `billing-api`, `ledger`/, `${text}: ${r}`);
      }
      // A usage error's example names the service typed when it exists, else a registered one:
      // never the modules' placeholder svc-order, which a new team pastes and gets "Unknown service".
      const unknown = String((await h2.command({ text: 'snapshot svc-order' })).json?.text);
      assert.match(unknown, /Unknown service `svc-order`\..*\nUsage: `\/leak snapshot &lt;service&gt; .*` — e\.g\. `\/leak snapshot billing-api`$/s);
      const extra = String((await h2.command({ text: 'history ledger please' })).json?.text);
      assert.match(extra, /— e\.g\. `\/leak history ledger`$/);
      const queued = await h2.bot.ctx.jobs.queue.count();
      // An option that is not --new is refused with a did-you-mean (an em dash is what a phone's
      // autocorrect makes of --), never read as a pod selector or a snapshot number.
      for (const [text, opt] of [
        ['snapshot billing-api --neww', '--neww'],
        ['snapshot billing-api —new', '—new'],
        ['diff ledger -new', '-new'],
      ] as const) {
        const r = String((await h2.command({ text })).json?.text);
        assert.ok(r.startsWith(`Unknown option \`${opt}\`. Did you mean \`--new\`?\nUsage: \`/leak `), `${text}: ${r}`);
      }
      const negative = String((await h2.command({ text: 'diff ledger -1 3' })).json?.text);
      assert.ok(negative.startsWith('`-1` is not a snapshot number'), negative);
      const other = String((await h2.command({ text: 'diff ledger --all' })).json?.text);
      assert.ok(other.startsWith('Unknown option `--all`.\nUsage: `/leak diff &lt;service&gt;'), other);
      assert.equal(await h2.bot.ctx.jobs.queue.count(), queued, 'nothing was queued');
    } finally {
      await h2.close();
    }
  });

  it('an empty /leak shows help', async () => {
    const r = await h.command({ text: '' });
    assert.match(String(r.json?.text), /\/leak snapshot/);
  });

  it('unknown subcommand: usage and did-you-mean', async () => {
    const r = await h.command({ text: 'snapshto svc-order' });
    assert.equal(r.status, 200);
    assert.match(String(r.json?.text), /Unknown command `snapshto`/);
    assert.match(String(r.json?.text), /Did you mean `\/leak snapshot`/);
    assert.equal(r.json?.response_type, 'ephemeral');
    // A long paste sent to /leak by mistake is not echoed whole.
    const long = String((await h.command({ text: `goroutine${'x'.repeat(3000)} [running]:` })).json?.text);
    assert.match(long, /^Unknown command `goroutinex{31}…`\./, long.slice(0, 200));
    assert.ok(long.length < 1500, `${long.length} characters`);
  });

  it('unknown service: registered names and did-you-mean, ephemeral', async () => {
    const r = await h.command({ text: 'snapshot svc-ordr' });
    const text = String(r.json?.text);
    assert.match(text, /Unknown service `svc-ordr`/);
    assert.match(text, /Did you mean `svc-order`/);
    assert.match(text, /svc-payment/);
    assert.equal(r.json?.response_type, 'ephemeral');
    assert.equal(h.slack.callsTo('chat.postMessage').length, 0);
    // The usage example names the service meant, not the first registered one (trial5 read
    // "Did you mean `svc-payment`? … e.g. `/leak snapshot svc-order`").
    const pay = String((await h.command({ text: 'snapshot svc-paymnt' })).json?.text);
    assert.match(pay, /Did you mean `svc-payment`\?[^]*e\.g\. `\/leak snapshot svc-payment`$/, pay);
  });

  it('an unknown service name with a backtick, a mention or thousands of characters is echoed in one code span, clipped and inert', async () => {
    // As Slack sends them: @channel and a user mention as <!channel> and <@U…|name>, a typed < as &lt;.
    const cases: Array<{ typed: string; shown: string }> = [
      { typed: 'svc`order', shown: "svc'order" },
      { typed: '`svc-x`<!channel>`', shown: "'svc-x'&lt;!channel&gt;'" },
      { typed: '<@U0BOB|bob>', shown: '&lt;@U0BOB|bob&gt;' },
      { typed: '&lt;b&gt;`*x*`', shown: "&lt;b&gt;'*x*'" },
      { typed: `svc-${'a'.repeat(3000)}`, shown: `svc-${'a'.repeat(75)}…` },
    ];
    for (const { typed, shown } of cases) {
      for (const verb of ['snapshot', 'history', 'watch']) {
        const text = String((await h.command({ text: `${verb} ${typed}`, channel: 'C0INCIDENT' })).json?.text);
        assert.ok(text.startsWith(`Unknown service \`${shown}\`. `), `${verb} ${typed.slice(0, 40)}: ${text.slice(0, 300)}`);
        assert.ok(!/<[@!]/.test(text), `no mention: ${text.slice(0, 300)}`);
        assert.ok(text.length < 1000, `${text.length} characters`);
      }
    }
  });

  it('Slack-escaped text is decoded; a service in angle brackets (copied from usage) is accepted', async () => {
    // Slack sends what the user typed with & < > escaped (formatting#escaping): `<svc-payment>`
    // arrives as `&lt;svc-payment&gt;`.
    const hist = String((await h.command({ text: 'history &lt;svc-payment&gt;' })).json?.text);
    assert.match(hist, /No snapshots of svc-payment yet/);
    const typo = String((await h.command({ text: 'history &lt;svc-ordr&gt;' })).json?.text);
    assert.match(typo, /^Unknown service `svc-ordr`\. Did you mean `svc-order`\?/);
    // Echoed words are escaped once, not twice: a typed `a&b` shows as `a&amp;b`, never `a&amp;amp;b`.
    const amp = String((await h.command({ text: 'history svc-payment a&amp;b' })).json?.text);
    assert.ok(amp.startsWith('Too many arguments: `a&amp;b`.'), amp);
  });

  it('a service name typed in capitals, in Slack formatting or with a typographic dash names the service', async () => {
    // `SVC-PAYMENT`, a name in backticks copied from help's examples, bold, or with the dash a
    // document turned into U+2011: each was "Unknown service" (the backticks echoed as ``svc-payment``).
    for (const typed of ['SVC-PAYMENT', '`svc-payment`', '*svc-payment*', 'svc\u2011payment', 'Svc-Payment']) {
      const r = String((await h.command({ text: `history ${typed}` })).json?.text);
      assert.match(r, /^No snapshots of svc-payment yet/, `${typed}: ${r}`);
    }
    // A name near none: perhaps added to the config since the start, which only a restart reads.
    const added = String((await h.command({ text: 'history svc-inventory' })).json?.text);
    assert.match(added, /^Unknown service `svc-inventory`\. Registered services: `svc-order`, `svc-payment`\. A service added to the config since leakbot started needs a restart of leakbot \(the config is read at start\)\./, added);
    // Only an exact match once loosened: a typo still gets "Did you mean".
    assert.match(String((await h.command({ text: 'history `svc-paymnt`' })).json?.text), /^Unknown service/);
  });

  it('watch takes days up to the maximum, and over it says the maximum', async () => {
    const over = String((await h.command({ text: 'watch svc-payment for 2d', channel: 'C0INCIDENT' })).json?.text);
    assert.ok(over.startsWith('A watch lasts at most 1d here (`watch.maxDurationMinutes` in the config): try `/leak watch svc-payment for 1d`.'), over);
    // Without `every`, a day-long watch captures as often as the capture cap allows (500: every 3 min).
    const day = String((await h.command({ text: 'watch svc-payment for 1d', channel: 'C0INCIDENT' })).json?.text);
    assert.match(day, /^Watching \*svc-payment\* every 3 min for 24 h \(481 captures\)/);
    // Too often: said like the maximum, with the setting and a command that works (trial5 read
    // "Capture at most every 30 s", which says the opposite of a minimum interval).
    const often = String((await h.command({ text: 'watch svc-payment every 10s for 5m', channel: 'C0INCIDENT' })).json?.text);
    assert.ok(often.startsWith('A watch captures at most once every 30 s here (`watch.minIntervalSeconds` in the config): try `/leak watch svc-payment every 30s`.'), often);
    // Too many captures: the command that fits, not only "capture less often".
    const many = String((await h.command({ text: 'watch svc-order every 30s for 5h', channel: 'C0INCIDENT' })).json?.text);
    assert.ok(many.startsWith('That is 601 captures; a watch takes at most 500 here (`watch.maxCaptures` in the config): try `/leak watch svc-order every 37s for 5h`, or leave out `every` and leakbot picks it.'), many);
    const fits = String((await h.command({ text: 'watch svc-order every 37s for 5h', channel: 'C0INCIDENT' })).json?.text);
    assert.match(fits, /^Watching \*svc-order\* every 37 s for 5 h \(487 captures\)/);
    await h.command({ text: 'watch stop svc-order', channel: 'C0INCIDENT' });
  });

  it('missing service argument names the usage', async () => {
    const r = await h.command({ text: 'history' });
    assert.match(String(r.json?.text), /Which service\?/);
    assert.match(String(r.json?.text), /Usage: `\/leak history &lt;service&gt;`/);
  });

  it('bad signature → 401, nothing done', async () => {
    const r = await h.command({ text: 'help' }, { wrongSecret: 'not-the-secret' });
    assert.equal(r.status, 401);
  });

  it('stale timestamp (10 minutes old, correctly signed) → 401', async () => {
    const r = await h.command({ text: 'help' }, { staleSeconds: 600 });
    assert.equal(r.status, 401);
  });

  it('unsigned request → 401', async () => {
    const r = await h.command({ text: 'help' }, { unsigned: true });
    assert.equal(r.status, 401);
  });

  it('channels outside allowedChannels are refused with the allowed list', async () => {
    const r = await h.command({ text: 'services', channel: 'C0RANDOM' });
    assert.match(String(r.json?.text), /not enabled in this channel/);
    assert.match(String(r.json?.text), /<#C0INCIDENT>/);
  });

  it('admin-only verbs refuse other users', async () => {
    const r = await h.command({ text: 'baseline svc-order', user: 'U0BOB' });
    assert.match(String(r.json?.text), /Only leakbot admins/);
  });

  it('services and history answer from Redis', async () => {
    const s = await h.command({ text: 'services' });
    assert.match(String(s.json?.text), /svc-order\* — no snapshot yet/);
    const hist = await h.command({ text: 'history svc-payment' });
    assert.match(String(hist.json?.text), /No snapshots of svc-payment yet/);
  });

  it('diff without snapshots explains what to do', async () => {
    const r = await h.command({ text: 'diff svc-order' });
    assert.match(String(r.json?.text), /No snapshots of svc-order yet/);
  });

  it('GET /healthz is 200 with Redis up; /metrics is Prometheus text', async () => {
    const hz = await fetch(`${h.baseUrl}/healthz`);
    assert.equal(hz.status, 200);
    assert.equal(((await hz.json()) as { redis: string }).redis, 'ok');
    const m = await fetch(`${h.baseUrl}/metrics`);
    assert.equal(m.status, 200);
    const text = await m.text();
    assert.match(text, /leakbot_commands_total\{verb="help",outcome="ok"\}/);
    assert.match(text, /leakbot_queue_depth/);
  });
});
