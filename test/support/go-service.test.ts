import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import { go119, leakPatterns, startGoService, type GoService } from './go-service.js';

async function dump(svc: GoService, path: string): Promise<string> {
  const res = await fetch(`${svc.url}${path}`);
  assert.equal(res.status, 200, path);
  return res.text();
}

/** How many goroutines show the frame Go prints for a site: `func(args)\n\tfile:line`. */
function framesAt(text: string, func: string, file: string, line: number): number {
  const at = `\n\t${file}:${line}`;
  let n = 0;
  for (let i = text.indexOf(at); i >= 0; i = text.indexOf(at, i + 1)) {
    const start = text.lastIndexOf('\n', i - 1) + 1;
    if (text.slice(start, i).startsWith(`${func}(`)) n++;
  }
  return n;
}

describe('leaksvc (Go 1.26)', { timeout: 600_000 }, () => {
  let svc: GoService;
  before(async () => {
    svc = await startGoService();
  });
  after(async () => {
    await svc?.stop();
  });

  it('serves pprof and leaks with every pattern at the site /patterns names', async () => {
    const sites = await svc.patterns();
    assert.deepEqual(Object.keys(sites).sort(), [...leakPatterns].sort());
    for (const pattern of leakPatterns) {
      const site = sites[pattern];
      // Counted at the site, not as the process total: goroutines of earlier requests (connections,
      // a previous pattern's helpers) may end between two counts on a busy machine.
      const atSite = (text: string) =>
        site.stdFunc ? text.split(`\n${site.stdFunc}(`).length - 1 : framesAt(text, site.func, site.file, site.line);
      const was = atSite(await dump(svc, '/debug/pprof/goroutine?debug=2'));
      await svc.leak(pattern, 5);
      const now = atSite(await dump(svc, '/debug/pprof/goroutine?debug=2'));
      if (site.stdFunc) assert.ok(now > was, `${pattern}: ${site.stdFunc} in the dump (${was} → ${now})`);
      else assert.ok(now >= was + 5, `${pattern}: ${site.func} at ${site.file}:${site.line}: ${was} → ${now}`);
    }
    const d1 = await dump(svc, '/debug/pprof/goroutine?debug=1');
    assert.match(d1, /^goroutine profile: total \d+\n/);
    const proto = Buffer.from(await (await fetch(`${svc.url}/debug/pprof/goroutine?debug=0`)).arrayBuffer());
    assert.deepEqual([...proto.subarray(0, 2)], [0x1f, 0x8b], 'debug=0 is gzip');
    const leak = await fetch(`${svc.url}/debug/pprof/goroutineleak?debug=1`);
    assert.equal(leak.status, 404, 'no leak profile without the experiment');
    await leak.arrayBuffer();
  });

  it('adds healthy noise: a pool that stays and a surge that drains', async () => {
    // Counted where each parks, not as the process total: goroutines of earlier requests may end
    // between two counts on a busy machine (the process total fell short of before + 150 in a CI run beside
    // two busy loops).
    const parkedIn = async (func: string) => (await dump(svc, '/debug/pprof/goroutine?debug=2')).split(`\n${func}(`).length - 1;
    const before = await svc.count();
    const pooled = await parkedIn('example.com/fixtures/internal/leaks.poolWorker');
    await svc.pool(50);
    assert.ok((await parkedIn('example.com/fixtures/internal/leaks.poolWorker')) >= pooled + 50);
    // Held 3 s: the dump that counts them comes well before any of them finishes, however busy the machine.
    await svc.surge(100, 3000);
    assert.ok((await parkedIn('example.com/fixtures/internal/leaks.handleRequest')) >= 100);
    let now = await svc.count();
    for (let i = 0; i < 600 && now > before + 60; i++) {
      await sleep(50);
      now = await svc.count();
    }
    assert.ok(now <= before + 60, `surge drained: ${now}`);
  });

  it('misbehaves on request: slow, not pprof, redirect, required header, huge', async () => {
    await svc.notPprof();
    assert.match(await dump(svc, '/debug/pprof/goroutine?debug=1'), /<html>/);
    await svc.reset();
    await svc.redirect('http://127.0.0.1:1/elsewhere');
    const r = await fetch(`${svc.url}/debug/pprof/goroutine?debug=1`, { redirect: 'manual' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), 'http://127.0.0.1:1/elsewhere');
    await svc.reset();
    await svc.requireHeader('Authorization', 'Bearer t0k');
    assert.equal((await fetch(`${svc.url}/debug/pprof/goroutine?debug=1`)).status, 401);
    assert.equal((await fetch(`${svc.url}/debug/pprof/goroutine?debug=1`, { headers: { Authorization: 'Bearer t0k' } })).status, 200);
    assert.equal((await svc.seenHeaders()).authorization, 'Bearer t0k');
    await svc.reset();
    await svc.slow(300);
    const ac = AbortSignal.timeout(100);
    await assert.rejects(fetch(`${svc.url}/debug/pprof/goroutine?debug=1`, { signal: ac }));
    await svc.reset();
    await svc.huge();
    const res = await fetch(`${svc.url}/debug/pprof/goroutine?debug=2`);
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 8 << 20) got += (await reader.read()).value!.length;
    await reader.cancel();
    assert.ok(got >= 8 << 20, 'endless body keeps coming');
    await svc.reset();
  });

  it('stops and kills', async () => {
    const other = await startGoService();
    await other.kill();
    await assert.rejects(fetch(`${other.url}/count`));
  });
});

describe('leaksvc with GOEXPERIMENT=goroutineleakprofile', { timeout: 600_000 }, () => {
  it('serves /debug/pprof/goroutineleak marking the leaked goroutines', async () => {
    const svc = await startGoService({ experiment: true });
    try {
      assert.equal(svc.leakProfile, true);
      await svc.leak('chanrecv', 7);
      await svc.pool(20);
      const text = await dump(svc, '/debug/pprof/goroutineleak?debug=2');
      const leaked = text.match(/^goroutine \d+ \[chan receive \(leaked\)\]:$/gm) ?? [];
      assert.equal(leaked.length, 7);
    } finally {
      await svc.stop();
    }
  });
});

describe('leaksvc built by Go 1.19', { timeout: 600_000 }, () => {
  it('builds and leaks', async () => {
    const svc = await startGoService({ goBin: go119 });
    try {
      assert.match(svc.goVersion, /^go1\.19/);
      const before = await svc.count();
      assert.ok((await svc.leak('mutex', 4)) >= before + 4);
      assert.match(await dump(svc, '/debug/pprof/goroutine?debug=2'), /\[semacquire\]:/);
    } finally {
      await svc.stop();
    }
  });
});

/** Go 1.27 comes through GOTOOLCHAIN (module cache or proxy); skip where it cannot be had. */
function go127Available(): boolean {
  try {
    return execFileSync('go', ['env', 'GOVERSION'], { env: { ...process.env, GOTOOLCHAIN: 'go1.27.0' }, timeout: 120_000 }).toString().startsWith('go1.27');
  } catch {
    return false;
  }
}

describe('leaksvc built by Go 1.27', { timeout: 600_000 }, () => {
  it('serves the goroutine leak profile by default', { skip: !go127Available() && 'Go 1.27 toolchain not available' }, async () => {
    const svc = await startGoService({ env: { GOTOOLCHAIN: 'go1.27.0' } });
    try {
      assert.match(svc.goVersion, /^go1\.27/);
      assert.equal(svc.leakProfile, true);
      await svc.leak('nilchan', 3);
      const text = await dump(svc, '/debug/pprof/goroutineleak?debug=2');
      assert.equal((text.match(/^goroutine \d+ \[chan receive \(nil chan\) \(leaked\)\]:$/gm) ?? []).length, 3);
    } finally {
      await svc.stop();
    }
  });
});
