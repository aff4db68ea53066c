// How `leakbot analyze` reads what a new user hands it: a file saved with a byte-order mark or as
// UTF-16 (Windows PowerShell's `>`), from a file or stdin; a file saved from a CI log; a file larger than --max-bytes; and how
// `leakbot diff <url>` words a failed capture of the URL the user typed.
import { after, describe, it } from 'node:test';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { leakbotCommand, repoRoot, runLeakbot } from './support/leakbot-cli.js';

const DUMP = join(repoRoot, 'test/fixtures/dumps/go1.26/leak-chansend.t1.debug2.txt');
const dump = readFileSync(DUMP);
const dir = mkdtempSync(join(tmpdir(), 'leakbot-cli-read-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  goroutines: number;
  findings: unknown[];
  snapshots: Array<{ warnings: string[] }>;
}

const warningsOf = (r: Report): string[] => r.snapshots.flatMap((s) => s.warnings);

/** `leakbot analyze - --json` with `input` on stdin. */
function analyzeStdin(input: Buffer, ...args: string[]): { code: number | null; report: Report | null; stderr: string } {
  const [cmd, argv] = leakbotCommand(['analyze', '-', '--json', ...args]);
  const r = spawnSync(cmd, argv, { cwd: repoRoot, input, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
  return { code: r.status, report: r.status === 0 ? (JSON.parse(r.stdout) as Report) : null, stderr: r.stderr };
}

async function analyzeFile(path: string, ...args: string[]): Promise<{ code: number; report: Report | null; stderr: string }> {
  const r = await runLeakbot(['analyze', path, '--json', ...args]);
  return { code: r.code, report: r.code === 0 ? (JSON.parse(r.stdout) as Report) : null, stderr: r.stderr };
}

describe('leakbot analyze: byte-order marks and UTF-16', { timeout: 120_000 }, () => {
  it('reads a dump behind a UTF-8 mark, and a UTF-16LE one (said), with every goroutine, from a file and from stdin', async () => {
    const plain = await analyzeFile(DUMP);
    assert.equal(plain.code, 0);
    const want = plain.report!;
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), dump]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(dump.toString('utf8'), 'utf16le')]);
    writeFileSync(join(dir, 'bom.txt'), bom);
    writeFileSync(join(dir, 'utf16.txt'), utf16);
    for (const [what, r] of [
      ['file with a UTF-8 mark', await analyzeFile(join(dir, 'bom.txt'))],
      ['stdin with a UTF-8 mark', analyzeStdin(bom)],
    ] as const) {
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      assert.deepEqual(r.report, want, what);
    }
    for (const [what, r] of [
      ['UTF-16 file', await analyzeFile(join(dir, 'utf16.txt'))],
      ['UTF-16 stdin', analyzeStdin(utf16)],
    ] as const) {
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      assert.equal(r.report!.goroutines, want.goroutines, what);
      assert.deepEqual(r.report!.findings, want.findings, what);
      assert.ok(warningsOf(r.report!).some((w) => /^read as UTF-16LE/.test(w)), `${what}: ${warningsOf(r.report!).join(' | ')}`);
    }
  });
});

describe('leakbot analyze: a file saved from a CI log (a timestamp on every line)', { timeout: 120_000 }, () => {
  it('reads it as the plain dump and says what it removed from the dump, not from "a pasted dump" (it is a file)', async () => {
    const lines = dump.toString('utf8').split('\n');
    writeFileSync(join(dir, 'ci.log'), lines.map((l) => `2026-03-01T10:00:00.1234567Z ${l}`).join('\n'));
    const plain = await analyzeFile(DUMP);
    const r = await analyzeFile(join(dir, 'ci.log'));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.report!.findings, plain.report!.findings);
    const said = warningsOf(r.report!).filter((w) => /^removed /.test(w));
    assert.equal(said.length, 1, warningsOf(r.report!).join(' | '));
    assert.match(said[0]!, /^removed a timestamp prefix \("2026-03-01T10:00:00\.1234567Z" on the first\) from \d+ line\(s\) of the dump$/);
    assert.doesNotMatch(said[0]!, /pasted/);
  });
});

describe('leakbot analyze: a file larger than --max-bytes', { timeout: 120_000 }, () => {
  it('says once, in MiB, how much of how much it read, blames no truncation on the input, and exits 0 with what it read', async () => {
    // A 600 MB file: the real dump repeated for its first 3 MiB, the rest a hole (no disk used).
    const path = join(dir, 'big.txt');
    const fd = openSync(path, 'w');
    let n = 0;
    while (n < 3 << 20) n += writeSync(fd, dump);
    ftruncateSync(fd, 600_000_000);
    closeSync(fd);
    const r = await analyzeFile(path, '--max-bytes', '1MiB');
    assert.equal(r.code, 0, r.stderr);
    const w = warningsOf(r.report!);
    const cap = w.filter((x) => /max-bytes/.test(x));
    assert.deepEqual(cap, ['read the first 1 MiB of 572.2 MiB (--max-bytes): leakbot stopped reading there and analysed the dump truncated at that point; raise --max-bytes to read the rest']);
    assert.ok(!w.some((x) => /input ends|cut off|byte limit|\d-byte|no file:line/.test(x)), w.join(' | '));
    assert.ok(r.report!.goroutines > 0);
    // Gzip'd, the file's size is not the dump's: the warning gives no total rather than a wrong one.
    const gz = join(dir, 'big.txt.gz');
    writeFileSync(gz, gzipSync(readFileSync(path).subarray(0, 3 << 20)));
    const z = await analyzeFile(gz, '--max-bytes', '1MiB');
    assert.deepEqual(warningsOf(z.report!).filter((x) => /max-bytes/.test(x)), [cap[0]!.replace(' of 572.2 MiB', '')]);
    // The text report says it once, too.
    const text = await runLeakbot(['analyze', path, '--max-bytes', '1MiB']);
    assert.equal(text.stdout.split('\n').filter((l) => /truncated|read the first/.test(l)).length, 1, text.stdout);
  });
});

describe('leakbot analyze: --max-bytes below the first goroutine', { timeout: 120_000 }, () => {
  it('is bad input (exit 2) whose one line says the cap stopped it, not that the input is no dump', async () => {
    const crash = join(repoRoot, 'test/fixtures/dumps/go1.26/crash-panic.txt');
    const r = await analyzeFile(crash, '--max-bytes', '100');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^leakbot: .*crash-panic\.txt: read the first 100 bytes of 1\.\d KiB \(--max-bytes\) and no whole goroutine was in it \(the text from line 4 on\); raise --max-bytes\n$/);
  });
});

describe('leakbot diff <url>: a failed capture is worded for the URL the user typed', { timeout: 120_000 }, () => {
  /** A loopback HTTP service without net/http/pprof: 404 for the profile, or no answer at all. */
  async function service(answer: boolean): Promise<{ server: Server; url: string }> {
    const server = createServer((_req, res) => {
      if (answer) res.writeHead(404).end('404 page not found\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    return { server, url: `http://127.0.0.1:${port}` };
  }

  it('404: "Check the URL", not "the registered URL" (the bot\'s wording)', async () => {
    const { server, url } = await service(true);
    try {
      const r = await runLeakbot(['diff', url, '--interval', '1s']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /\(404\)\. Check the URL and that the service imports net\/http\/pprof/);
      assert.doesNotMatch(r.stderr, /registered/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('--timeout 1ms against a service that does not answer: "within 1 ms", not "within 0 s"', async () => {
    const { server, url } = await service(false);
    try {
      const r = await runLeakbot(['diff', url, '--interval', '1s', '--timeout', '1ms']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /within 1 ms/);
      assert.doesNotMatch(r.stderr, /within 0 s/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
