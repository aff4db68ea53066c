// The `leakbot` command: offline analysis of goroutine dumps (analyze, diff), live capture from a pprof
// endpoint (diff <url>), and the bot's processes (start, web, worker). Bad input is one line on stderr
// and exit code 2, never a stack trace; --fail-on-leak makes suspects exit 3 for CI.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Analysis, AnalyzeOptions, Snapshot } from './engine/index.js';
import { formatCount } from './engine/count.js';
import { packageVersion } from './package.js';
import { loadEngine, type Engine } from './load-engine.js';
import { readDumpFile, withSize } from './read-dump.js';
import { pprofBaseOf, shownUrl } from './capture/pprof-url.js';
import type { CaptureTarget } from './capture/index.js';

export const EXIT = { ok: 0, failure: 1, badInput: 2, leak: 3 } as const;

let loadedEngine: Engine | undefined;
/** The analysis engine, imported on first use so `--help`, `--version` and the bot's verbs start fast. */
async function engine(): Promise<Engine> {
  return (loadedEngine ??= await loadEngine());
}

/** A one-line error for the user: printed as is, exit code 2. */
class InputError extends Error {}

type Format = 'text' | 'markdown' | 'json';

interface OutputOptions {
  json?: boolean;
  format: Format;
  failOnLeak?: boolean;
  ignore?: string[];
  minDelta?: number;
  maxFindings?: number;
  /** bytes read of a dump file or stdin (--max-bytes; default the engine's 256 MiB). */
  maxBytes?: number;
}

interface DiffOptions extends OutputOptions {
  interval: number;
  /** ms a live capture may take (--timeout). */
  timeout: number;
  header?: string[];
  instance?: RegExp;
  /** --debug2-max: goroutines up to which a live capture takes debug=2 (the bot's debug2MaxGoroutines). */
  debug2Max: number;
  /** --separate-processes: the files are dumps of different processes (a baseline from another run). */
  separateProcesses?: boolean;
}

const EXIT_HELP = `
Exit codes:
  0  analysed (findings may still be listed; a dump over --max-bytes is analysed up to it, with a warning)
  1  leakbot itself failed (LEAKBOT_DEBUG=1 prints the stack)
  2  bad input: unreadable file, not a goroutine profile, bad option
  3  with --fail-on-leak: at least one high or medium confidence finding
`;

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

/** `30s`, `2m`, `500ms`, `1m30s` → milliseconds. */
export function parseInterval(v: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let ms = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(v))) {
    ms += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    end = re.lastIndex;
  }
  if (end !== v.length || v.length === 0 || ms <= 0 || ms > 3_600_000) {
    throw new InvalidArgumentError('expected a duration such as 30s, 2m or 500ms (at most 1h)');
  }
  return ms;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };
/** Largest --max-bytes: a text dump past ~512 MiB no longer fits one JavaScript string. */
const MAX_CAPTURE_BYTES = 512 * 1024 ** 2;

/** `64MiB`, `200MB`, `500kB`, `1048576` → bytes (1 to 512 MiB). */
export function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim());
  const unit = m ? SIZE_UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  const bytes = m && unit ? Math.floor(Number(m[1]) * unit) : 0;
  if (bytes < 1 || bytes > MAX_CAPTURE_BYTES) throw new InvalidArgumentError('expected a size such as 64MiB, 200MB or 500kB (at most 512MiB)');
  return bytes;
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

function outputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print JSON (same as --format json)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown', 'json']).default('text'))
    .option('--fail-on-leak', 'exit with code 3 when any high or medium confidence finding is found (for CI)')
    .option('--ignore <regex>', 'ignore stacks with a function matching this regex (repeatable)', collect)
    .option('--min-delta <n>', 'growth (in goroutines) below which a group counts as steady (default 5)', nonNegativeInt)
    .option('--max-findings <n>', 'list at most this many findings (default 25)', nonNegativeInt)
    .addOption(
      new Option('--max-bytes <size>', `largest input read: of a dump file or stdin (default 256MiB; beyond it the report says what was left unread), or of a profile a live capture may deliver (default 64MiB, the bot's maxBytes)`).argParser(parseSize),
    );
}

/** A live capture's --debug2-max when none is given: the bot's default debug2MaxGoroutines (src/config/schema.ts). */
const DEBUG2_MAX_GOROUTINES = 20_000;

/** A live capture's --max-bytes when none is given: the bot's default maxBytes (src/config/schema.ts). */
const CAPTURE_MAX_BYTES = 64 * 1024 ** 2;

function analyzeOptions(o: OutputOptions & { separateProcesses?: boolean }): AnalyzeOptions {
  return { ignore: o.ignore ?? [], minDelta: o.minDelta, maxFindings: o.maxFindings, ...(o.separateProcesses ? { separateProcesses: true } : {}) };
}

async function load(path: string, maxBytes?: number): Promise<Snapshot> {
  return (await loadAll(path, maxBytes)).at(-1)!;
}

/** Every dump in the file, oldest first (a paste may hold several one after another). `maxBytes`:
 *  --max-bytes (the engine's default cap when not given). */
async function loadAll(path: string, maxBytes?: number): Promise<Snapshot[]> {
  if (isUrl(path)) {
    const shown = shownUrl(path);
    throw new InputError(
      `${shown}: analyze reads a dump file, not a URL. For a live service run \`leakbot diff ${shown}\` (two captures, compared), ` +
        `or fetch one first: curl -o dump.txt '${goroutineUrl(path)}' && leakbot analyze dump.txt`,
    );
  }
  const eng = await engine();
  const { DumpFormatError } = eng;
  const label = path === '-' ? 'stdin' : path;
  try {
    const opts = { ...(maxBytes === undefined ? {} : { maxBytes }), maxBytesSetting: '--max-bytes' };
    return path === '-' ? await eng.readSnapshots(process.stdin, withSize(0, opts)) : await readDumpFile(path, eng, opts);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err instanceof DumpFormatError) throw new InputError(`${label}: ${err.message}`);
    if (err.code === 'ENOENT') {
      // `host:6060` is a live service typed without its scheme, not a file name.
      if (isHostPort(path)) throw new InputError(`${label}: no such file; ${schemeHint(path)}`);
      throw new InputError(`${label}: no such file`);
    }
    if (err.code === 'EISDIR') throw new InputError(`${label}: is a directory, expected a goroutine dump file`);
    if (err.code === 'EACCES') throw new InputError(`${label}: permission denied`);
    throw err;
  }
}

/** `a` with the CLI's own notes (files given twice, see repeated-dumps.ts) after the engine's. */
function withNotes(a: Analysis, notes: string[]): Analysis {
  return notes.length ? { ...a, notes: [...(a.notes ?? []), ...notes] } : a;
}

/** Dumps with neither a capture time nor goroutine ids (debug=1 text) are compared in the order given,
 *  and a leak read backwards looks like a pile draining. Their files' modification times are no proof
 *  of order (a copy or a checkout rewrites them), so they are not used to reorder; but when they
 *  contradict the order given by a second or more, say so. `paths`: one per snapshot. */
async function mtimeNotes(snaps: Snapshot[], paths: string[]): Promise<string[]> {
  if (snaps.some((s) => s.capturedAt !== null) || snaps.every((s) => s.maxId !== undefined)) return [];
  const times = await fileTimes(paths);
  if (times === null) return [];
  const i = times.findIndex((t, k) => k > 0 && t < times[k - 1]! - 1000);
  if (i < 0) return [];
  return [
    `${paths[i]} was saved ${Math.round((times[i - 1]! - times[i]!) / 1000)} s before ${paths[i - 1]} but is given after it: without capture times or goroutine ids, diff trusts the order given (oldest first), and a leak read backwards looks like a pile draining`,
  ];
}

/** Modification times (ms) of dump files, one per path; null when one is stdin or not a file. */
async function fileTimes(paths: string[]): Promise<number[] | null> {
  const { stat } = await import('node:fs/promises');
  const times: number[] = [];
  for (const p of paths) {
    if (p === '-') return null;
    const st = await stat(p).catch(() => null);
    if (!st?.isFile()) return null;
    times.push(st.mtimeMs);
  }
  return times;
}

/** Whether the files were saved in the order given, each later than the one before: evidence of the
 *  order that goroutine ids alone may read backwards (AnalyzeOptions.givenInOrder). A copy or a
 *  checkout rewrites modification times, so this only keeps an order the ids do not rule out. */
async function savedInOrder(paths: string[]): Promise<boolean> {
  const times = await fileTimes(paths);
  return times !== null && times.every((t, i) => i === 0 || t > times[i - 1]!);
}

/** Notes on dump files named twice or holding the same bytes; a file named twice is bad input. */
async function repeatedNotes(paths: string[]): Promise<string[]> {
  const { repeatedDumps, RepeatedDumpError } = await import('./repeated-dumps.js');
  try {
    return await repeatedDumps(paths);
  } catch (e) {
    if (e instanceof RepeatedDumpError) throw new InputError(e.message);
    throw e;
  }
}

async function print(a: Analysis, snapshots: Snapshot[], o: OutputOptions): Promise<void> {
  const { renderJson, renderMarkdown, renderText } = await engine();
  const format: Format = o.json ? 'json' : o.format;
  const color = format === 'text' && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const out =
    format === 'json'
      ? renderJson(a, snapshots)
      : format === 'markdown'
        ? renderMarkdown(a)
        : renderText(a, { color });
  process.stdout.write(out);
  if (o.failOnLeak && actionable(a) > 0) process.exitCode = EXIT.leak;
}

/** High and medium findings of `a`, counted before --max-findings cut the list: presentation never
 *  changes the exit code (the verdict line and JSON `counts` use the same numbers). */
function actionable(a: Analysis): number {
  return a.counts ? a.counts.high + a.counts.medium : a.findings.filter((f) => f.confidence !== 'low').length;
}

/** '-' when no dump was named and something is piped in (`kubectl exec … curl … | leakbot analyze`,
 *  as people type it at 3 a.m.); on a terminal, an error that says how to give one. */
function pipedStdin(verb: 'analyze' | 'diff'): string {
  if (!process.stdin.isTTY) return '-';
  throw new InputError(
    verb === 'analyze'
      ? 'analyze needs a goroutine dump: a file, or - for stdin (curl -s http://127.0.0.1:6060/debug/pprof/goroutine?debug=2 | leakbot analyze -)'
      : 'diff needs dumps, oldest first (leakbot diff before.txt after.txt), or a live service (leakbot diff http://127.0.0.1:6060)',
  );
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);
/** The debug=2 goroutine profile URL of a service typed as its base URL or as a pprof URL someone
 *  copied (`…/debug/pprof`, `…/debug/pprof/goroutine?debug=1`): the same suffix capture strips. */
function goroutineUrl(typed: string): string {
  try {
    return `${pprofBaseOf(new URL(typed))}/debug/pprof/goroutine?debug=2`;
  } catch {
    return `${typed.replace(/\/+$/, '')}/debug/pprof/goroutine?debug=2`;
  }
}

/** `host:6060` or `10.0.0.7:6060/debug/pprof`: a live service typed without its scheme. */
const isHostPort = (s: string) => /^[\w.-]+:\d{1,5}(\/\S*)?$/.test(s);
const schemeHint = (s: string) => `for a live service give the URL with its scheme: leakbot diff http://${s}`;

/** `Name: value` → [name, value]; the value is sent, never printed. */
function parseHeader(v: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+:\s*\S/.test(v)) throw new InvalidArgumentError('expected "Name: value"');
  return v;
}

/** Two captures of a live pprof endpoint, `interval` apart, with the capture code the bot uses (a
 *  capture over the limit warns so itself: capture/index.ts protoOnlyWarning). `debug2Max`: the
 *  goroutine count up to which the detailed debug=2 dump is taken (above it, the proto profile alone,
 *  as the bot's debug2MaxGoroutines). */
async function captureSeries(url: string, interval: number, headerLines: string[], timeoutMs: number, maxBytes: number, debug2Max: number): Promise<Snapshot[]> {
  // Loaded only here so the offline commands never load undici.
  const { captureSnapshot, CaptureError } = await import('./capture/index.js');
  const target: CaptureTarget = {
    name: new URL(url).host,
    url,
    headers: Object.fromEntries(headerLines.map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()])),
    timeoutSeconds: timeoutMs / 1000,
    timeoutSetting: '--timeout',
    maxBytes,
    sizeSetting: '--max-bytes',
    urlSource: 'typed',
    debug2MaxGoroutines: debug2Max,
    debug2Setting: '--debug2-max',
  };
  const once = async () => {
    try {
      return await captureSnapshot(target);
    } catch (e) {
      if (e instanceof CaptureError) throw new InputError(e.userMessage);
      throw e;
    }
  };
  const first = await once();
  // Over the limit the capture is the proto profile alone: no ids or creators, so the verdict rests on
  // counts. Say so where the user looks, with the option that changes it.
  const how = first.overLimit ? ` (profile.proto only: more than --debug2-max ${debug2Max})` : '';
  process.stderr.write(`captured ${formatCount(first.snapshot.total)} goroutines${how}; capturing again in ${interval / 1000} s…\n`);
  await new Promise((r) => setTimeout(r, interval));
  return [first.snapshot, (await once()).snapshot];
}

function parseRegex(v: string): RegExp {
  try {
    return new RegExp(v);
  } catch (e) {
    throw new InvalidArgumentError(`not a valid regular expression: ${(e as Error).message}`);
  }
}

/** `leakbot diff` over dumps of several processes: each process compared with itself only (from
 *  its last restart on), one report per process; JSON is `{ instances: [{ instance, files, ...report }] }`. */
async function diffByInstance(groups: Array<{ instance: string; files: string[] }>, o: DiffOptions): Promise<void> {
  const eng = await engine();
  const { adoptProfileTimes, currentLife } = await import('./dump-series.js');
  const format: Format = o.json ? 'json' : o.format;
  const reports: object[] = [];
  const texts: string[] = [];
  let leak = false;
  for (const g of groups) {
    const notes = await repeatedNotes(g.files);
    const all: Snapshot[] = [];
    for (const f of g.files) all.push(await load(f, o.maxBytes));
    const life = currentLife(all);
    for (const r of life.restarts)
      process.stderr.write(`${g.instance}: restarted before ${g.files[r.at]} (${r.reason}); earlier dumps of it are not compared with later ones\n`);
    const snaps = all.slice(life.from);
    const files = g.files.slice(life.from);
    notes.push(...adoptProfileTimes(snaps, files), ...(await mtimeNotes(snaps, files)));
    const opts = { ...analyzeOptions(o), givenInOrder: await savedInOrder(files) };
    const a = withNotes(snaps.length > 1 ? eng.compare(snaps, opts) : eng.analyze(snaps[0]!, opts), notes);
    leak ||= actionable(a) > 0;
    if (format === 'json') reports.push({ instance: g.instance, files, ...(life.restarts.length ? { restartedBefore: g.files[life.from] } : {}), ...eng.toJsonReport(a, snaps) });
    else {
      const head = `${format === 'markdown' ? '## ' : '== '}${g.instance} (${files.length} dump${files.length === 1 ? '' : 's'}: ${files.join(', ')})${format === 'markdown' ? '' : ' =='}`;
      texts.push(`${head}\n${format === 'markdown' ? eng.renderMarkdown(a) : eng.renderText(a, { color: process.stdout.isTTY === true && !process.env.NO_COLOR })}`);
    }
  }
  process.stdout.write(format === 'json' ? `${JSON.stringify({ instances: reports }, null, 2)}\n` : texts.join('\n'));
  if (o.failOnLeak && leak) process.exitCode = EXIT.leak;
}

export function buildProgram(): Command {
  const program = new Command('leakbot')
    .description('Find goroutine leaks in Go services: analyse pprof goroutine dumps, or run the Slack bot.')
    .version(packageVersion(), '-V, --version', 'print the leakbot version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_HELP);

  outputOptions(
    program
      .command('analyze')
      .description('analyse one goroutine dump (debug=0 proto, debug=1 or debug=2 text; gzip ok)')
      .argument('[file]', 'dump file, or - for stdin (the default when input is piped: go test 2>&1 | leakbot analyze)'),
  )
    .addHelpText('after', EXIT_HELP)
    .action(async (file: string | undefined, o: OutputOptions) => {
      const snap = await load(file ?? pipedStdin('analyze'), o.maxBytes);
      await print((await engine()).analyze(snap, analyzeOptions(o)), [snap], o);
    });

  outputOptions(
    program
      .command('diff')
      .description(
        'compare snapshots of one service, oldest first (a leak keeps growing, a surge rises and falls); ' +
          'or capture two from a live pprof endpoint: leakbot diff http://host:6060 --interval 30s',
      )
      .argument('[before]', 'oldest dump file, or the base URL of a service serving net/http/pprof, or - for stdin (the default when input is piped: a paste of several dumps)')
      .argument('[after...]', 'later dump files, oldest first'),
  )
    .addOption(new Option('--interval <duration>', 'with a URL: time between the two captures').argParser(parseInterval).default(30_000, '30s'))
    .addOption(new Option('--timeout <duration>', 'with a URL: how long each capture may take').argParser(parseInterval).default(30_000, '30s'))
    .addOption(
      new Option('--debug2-max <n>', 'with a URL: take the detailed debug=2 dump (goroutine ids, creators) up to this many goroutines; above it, the proto profile alone (debug=2 stops the world while Go writes it)')
        .argParser(nonNegativeInt)
        .default(DEBUG2_MAX_GOROUTINES, formatCount(DEBUG2_MAX_GOROUTINES)), // not toLocaleString: its first call loads ICU (≈ 12 ms of every start)
    )
    .option('-H, --header <header>', 'with a URL: request header for the pprof endpoint, "Name: value" (repeatable)', (v: string, prev: string[] | undefined) => [...(prev ?? []), parseHeader(v)])
    .addOption(
      new Option(
        '--instance <regex>',
        'files from several processes: the first capture group of this regex in each file name names its process ' +
          '(default: the name without a trailing counter or timestamp, pod-a-2.txt → pod-a, when that splits the files into processes)',
      ).argParser(parseRegex),
    )
    .option(
      '--separate-processes',
      'the dumps are of different processes (a dump saved from another run, e.g. main\'s CI run): compare goroutine counts per stack, not goroutine ids (found by itself on Go >= 1.26)',
    )
    .addHelpText('after', EXIT_HELP)
    .action(async (given: string | undefined, after: string[], o: DiffOptions) => {
      const before = given ?? pipedStdin('diff');
      let snaps: Snapshot[];
      let notes: string[] = [];
      let givenInOrder = false;
      if (isUrl(before)) {
        if (after.length > 0) throw new InputError('diff <url> takes no files; use --interval to space the captures');
        snaps = await captureSeries(before, o.interval, o.header ?? [], o.timeout, o.maxBytes ?? CAPTURE_MAX_BYTES, o.debug2Max);
      } else {
        if (after.length === 0) {
          if (isHostPort(before)) throw new InputError(`${before} is not a URL: ${schemeHint(before)}`);
          // One file holding several dumps one after another (a pasted series) compares them.
          snaps = await loadAll(before, o.maxBytes);
          if (snaps.length < 2) throw new InputError('diff needs at least two dump files (or one URL, or one file holding several dumps)');
          return print((await engine()).compare(snaps, analyzeOptions(o)), snaps, o);
        }
        const { adoptProfileTimes, groupFiles } = await import('./dump-series.js');
        let groups;
        try {
          groups = groupFiles([before, ...after], o.instance);
        } catch (e) {
          throw new InputError((e as Error).message);
        }
        if (groups.length > 1 || o.instance) return diffByInstance(groups, o);
        notes = await repeatedNotes([before, ...after]);
        snaps = [];
        for (const p of [before, ...after]) snaps.push(await load(p, o.maxBytes));
        notes.push(...adoptProfileTimes(snaps, [before, ...after]), ...(await mtimeNotes(snaps, [before, ...after])));
        givenInOrder = await savedInOrder([before, ...after]);
      }
      await print(withNotes((await engine()).compare(snaps, { ...analyzeOptions(o), givenInOrder }), notes), snaps, o);
    });

  program
    .command('doctor')
    .description('check the setup without Slack: config, Redis, PORT, every service reachable; print what would be posted')
    .action(async () => {
      const { runDoctor, formatDoctorReport } = await import('./doctor.js');
      const report = await runDoctor(process.env);
      process.stdout.write(formatDoctorReport(report));
      if (!report.ok) process.exitCode = EXIT.failure;
    });

  const proc = (name: 'start' | 'web' | 'worker', fn: 'runAll' | 'runWeb' | 'runWorker', what: string) =>
    program
      .command(name)
      .description(what)
      .action(async () => {
        process.stdout.off('error', onOutputError);
        // Loaded only here: the bot's side pulls in Bolt, BullMQ and Redis clients.
        const main = await import('./main.js');
        await main[fn]();
      });
  proc('start', 'runAll', 'run the Slack bot: HTTP receiver and a worker in one process');
  proc('web', 'runWeb', 'run only the HTTP side (Slack events, webhooks, health, metrics)');
  proc('worker', 'runWorker', 'run only a queue worker (many can share one Redis)');
  return program;
}

/** A reader that stops early (`leakbot analyze dump | head`, `leakbot --help | less` quit) closes the pipe:
 *  stop quietly with the exit code so far, as Unix tools do, instead of an unhandled EPIPE stack trace.
 *  Other write errors stay errors. The bot's verbs remove it: a log pipe that breaks under a running bot
 *  is its supervisor's business, not a quiet exit 0. */
function onOutputError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok);
  throw e;
}

/** The /leak verbs that exist only in Slack. */
const SLACK_VERBS = new Set(['snapshot', 'baseline', 'history', 'services', 'watch', 'checklist', 'postmortem']);

export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', onOutputError);
  const program = buildProgram().exitOverride();
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed the message (or the help). A /leak verb typed here (a newcomer's
      // `leakbot snapshot svc-order`) is Slack's: say what does it on the command line.
      if (e.code === 'commander.unknownCommand' && SLACK_VERBS.has(argv[0] ?? '')) {
        process.stderr.write(`leakbot: \`${argv[0]}\` is a Slack command (/leak ${argv[0]} in Slack). On the command line, capture a live service twice and compare with \`leakbot diff http://<host>:6060 --interval 30s\`, or read a saved dump with \`leakbot analyze dump.txt\`.\n`);
      }
      return e.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (e instanceof InputError || e instanceof SyntaxError || (loadedEngine && e instanceof loadedEngine.DumpFormatError)) {
      process.stderr.write(`leakbot: ${e.message}\n`);
      return EXIT.badInput;
    }
    const err = e as Error;
    process.stderr.write(`leakbot: ${err?.message ?? String(e)}\n`);
    if (process.env.LEAKBOT_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
    return EXIT.failure;
  }
}

process.exitCode = await main(process.argv.slice(2));
