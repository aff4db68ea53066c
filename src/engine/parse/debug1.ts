// Reader for `/debug/pprof/goroutine?debug=1` (and goroutineleak?debug=1): one record per distinct
// stack with a count. Go hides the runtime frames a goroutine parks in (gopark, chansend, …), so
// the kind is inferred from the visible frames, else from how many runtime PCs were hidden.
//
//   goroutine profile: total 17
//   2 @ 0x486daa 0x4167bc 0x4163b7 0x524a9f 0x524a93 0x48d481
//   # labels: {"handler":"/api/order"}
//   #	0x524a9e	main.main.func1.1+0x1e	/tmp/probe/main.go:28
//
// Read as people paste it too: without the `total` line, with the leading `#` eaten by Markdown,
// with tabs turned into spaces, indented; each repair is counted and reported.
// Source: runtime/pprof/pprof.go printCountProfile and printStackRecord (Go 1.13–1.27).
import type { BlockKind, Frame, Goroutine } from '../model.js';
import { blockPark, chanOps, mostCommon, pairKey, type ChanOp, type HiddenChanOp } from './chanops.js';
import { inferFromFrames } from '../classify.js';
import type { FrameTable } from '../intern.js';
import { readQuoted } from './quote.js';
import { parseLocation } from './debug2.js';
import type { LineSink } from './lines.js';
import { aggregated, type Emit, type ParseReport } from './types.js';

const HEADER = /^(goroutine|goroutineleak) profile: total (\d+)$/;
const RECORD = /^(\d+) @((?:[ \t]+0x[0-9a-fA-F]+)*)$/;
const FRAME = /^(#?)([ \t]*)(0x[0-9a-fA-F]+)(?:([ \t]+)(\S+)[ \t]+(\S.*))?$/;
const LABELS = /^#?[ \t]*labels: (\{.*)$/;

/** Reads debug=1 text line by line and emits one aggregated Goroutine per record; `end()` says
 *  whether the profile was cut (fewer goroutines than its total) and lists every repair. Never throws. */
export class Debug1Parser implements LineSink {
  private count = 0;
  private pcs: string[] = [];
  private labels: Record<string, string> = {};
  private frames: Frame[] = [];
  private firstPc = '';
  private inRecord = false;
  private lastComplete = true;
  private declaredTotal: number | null = null;
  private seenTotal = 0;
  private leakProfile = false;
  private lineNo = 0;
  private readonly n = { unsymbolised: 0, noHash: 0, spaces: 0, indented: 0, noTotal: 0 };
  /** `#` lines in a record that no frame form matched, and the first of them as the user pasted it. */
  private unreadable = 0;
  private firstUnreadable = '';
  private recordRepair = { noHash: false, spaces: false, indented: false };
  /** Channel operations whose direction only the whole dump tells (chanops.ts): emitted at its end. */
  private pendingOps: { g: Goroutine; op: HiddenChanOp }[] = [];
  /** Selects told only by their two hidden PCs: `select {}` or not, the whole dump tells (blockPark).
   *  `gopark`: the first hidden PC, gopark's return address when the goroutine is parked. */
  private pendingSelects: { g: Goroutine; park: number; gopark: number }[] = [];
  /** Kinds the visible frames gave to hidden PC pairs in this dump. */
  private knownPairs = new Map<string, ChanOp>();

  /** `onNewDump(line)`: a second `goroutine profile: total` header after records (concatenated dumps). */
  constructor(
    private readonly table: FrameTable,
    private readonly emit: Emit,
    private readonly onNewDump: (line: number) => void = () => {},
  ) {}

  line(b: Buffer, s: number, e: number): void {
    this.text(b.toString('utf8', s, e));
  }

  text(raw: string): void {
    this.lineNo++;
    const line = raw.trim();
    if (line.length === 0) return this.finish();
    const indented = line.length > 0 && raw.length > 0 && (raw.charCodeAt(0) === 32 || raw.charCodeAt(0) === 9);
    const c = line.charCodeAt(0);
    if (c === 35 /* # */ || (this.inRecord && (c === 48 || c === 108))) {
      // `#\t0x…` frames and `# labels:`; without the `#` when Markdown ate it.
      if (!this.inRecord) return;
      const lm = LABELS.exec(line);
      if (lm) {
        this.labels = parseJsonishLabels(lm[1]!);
        return;
      }
      const fm = FRAME.exec(line) ?? this.gluedFrame(line);
      if (fm) return this.frameLine(fm, indented);
      if (c !== 35) return this.junk();
      // A `#` line that is no frame we can read: said, never dropped silently.
      if (this.unreadable++ === 0) this.firstUnreadable = line.length > 80 ? `${line.slice(0, 80)}…` : line;
      return;
    }
    if (c >= 48 && c <= 57) {
      const m = RECORD.exec(line);
      if (m) {
        this.finish();
        const n = Number(m[1]);
        if (!Number.isSafeInteger(n) || n <= 0) return; // Go never prints an empty record
        if (this.declaredTotal === null && this.seenTotal === 0) this.n.noTotal = 1;
        this.count = n;
        this.pcs = m[2]!.trim().split(/[ \t]+/);
        this.inRecord = true;
        this.lastComplete = false;
        this.recordRepair = { noHash: false, spaces: false, indented };
        return;
      }
    }
    const h = HEADER.exec(line);
    if (h) {
      this.finish();
      if (this.seenTotal > 0 || this.declaredTotal !== null) {
        this.flushOps();
        this.onNewDump(this.lineNo);
        this.seenTotal = 0;
      }
      this.n.noTotal = 0;
      this.leakProfile = h[1] === 'goroutineleak';
      this.declaredTotal = Number(h[2]);
      return;
    }
    if (this.inRecord) this.junk();
  }

  /** Text after a record that is none of its lines (`exit status 2`, a log line): the record ends. */
  private junk(): void {
    this.finish();
  }

  /** A frame line whose tabs were removed, its fields run together:
   *  `#0x6748c6main.lookupPrice.func1+0x46/tmp/svc/main.go:38`. The PC cannot be told from a function
   *  that starts with a hex letter by its text alone, so it is taken from the record's own `@` line:
   *  Go prints each frame's PC as a listed PC or that PC − 1 (a return address, runtime/symtab.go
   *  CallersFrames). The offset ends where the file begins (`/`, `C:\`, `<autogenerated>`, `_testmain.go`).
   *  Returns FRAME's match shape (gap and separator empty), or null. */
  private gluedFrame(line: string): RegExpExecArray | null {
    const hash = line.startsWith('#') ? '#' : '';
    const rest = line.slice(hash.length).trimStart();
    let pc = '';
    for (const p of this.pcs) {
      const v = parseInt(p, 16);
      for (const c of [`0x${v.toString(16)}`, `0x${(v - 1).toString(16)}`]) if (c.length > pc.length && rest.startsWith(c)) pc = c;
    }
    if (!pc) return null;
    const m = /^(\S+?\+0x[0-9a-f]+?)((?:\/|[A-Za-z]:[\\/]|<|_)\S*:\d+)$/.exec(rest.slice(pc.length));
    if (!m) return null;
    const out = [line, hash, '', pc, '', m[1]!, m[2]!] as unknown as RegExpExecArray;
    return out;
  }

  /** `#\t0x524a9e\tmain.f+0x1e\t\t/path/main.go:28` (tabwriter may add tabs). */
  private frameLine(m: RegExpExecArray, indented: boolean): void {
    const [, hash, gap, pc, sep, sym, loc] = m;
    if (hash === '') this.recordRepair.noHash = true;
    else if (gap !== '\t' || (sep !== undefined && !sep.startsWith('\t'))) this.recordRepair.spaces = true;
    if (indented) this.recordRepair.indented = true;
    if (sep === '') this.recordRepair.spaces = true; // fields run together (gluedFrame): tabs removed
    if (sym === undefined) {
      this.n.unsymbolised++; // `#\t0x…` only: no symbol for this PC
      this.lastComplete = true;
      return;
    }
    const plus = sym.lastIndexOf('+0x');
    const func = plus > 0 ? sym.slice(0, plus) : sym;
    if (this.frames.length === 0) this.firstPc = pc!;
    this.frames.push(this.table.frame(func, loc!.trim(), parseLocation));
    this.lastComplete = /:\d+$/.test(loc!.trim());
  }

  private finish(): void {
    if (!this.inRecord) return;
    this.inRecord = false;
    const frames = this.frames;
    // Visible frames that explain the wait (sync, time, net poll…) first, then the hidden count.
    const hidden = hiddenRuntimePcs(this.pcs, this.firstPc);
    const named = inferFromFrames(frames);
    const c = named ?? fromHiddenCount(hidden) ?? { kind: 'runnable', state: 'runnable' };
    const g = aggregated(this.count, c, frames, this.labels, this.leakProfile);
    const selectPark = !named && hidden === 2 ? parseInt(this.pcs[1]!, 16) : NaN;
    const pair = hiddenChanOp(this.pcs, hidden);
    const op = c.kind === 'unknown' ? pair : null;
    if (pair && !op && c.kind !== 'runnable' && c.kind !== 'running') this.knownPairs.set(pairKey(pair), c);
    const r = this.recordRepair;
    if (r.noHash) this.n.noHash += this.count;
    if (r.spaces) this.n.spaces += this.count;
    if (r.indented) this.n.indented += this.count;
    this.seenTotal += this.count;
    if (op) this.pendingOps.push({ g, op });
    else if (Number.isFinite(selectPark)) this.pendingSelects.push({ g, park: selectPark, gopark: parseInt(this.pcs[0]!, 16) });
    else this.emit(g);
    this.frames = [];
    this.labels = {};
    this.pcs = [];
    this.firstPc = '';
    this.lastComplete = true;
  }

  /** Emit the channel operations and selects held back, each with the direction or form the dump's PCs
   *  tell (or unknown / select). */
  private flushOps(): void {
    const kinds = chanOps(this.pendingOps.map((p) => p.op), this.knownPairs);
    this.pendingOps.forEach((p, i) => {
      const k = kinds[i];
      if (k) {
        p.g.kind = k.kind;
        p.g.state = k.state;
        if (k.recv) p.g.recv = k.recv;
      }
      this.emit(p.g);
    });
    this.pendingOps = [];
    this.knownPairs = new Map();
    // Only parked goroutines show a park site: one caught running inside selectgo (woken, not yet
    // returned) shows another address of selectgo, which beside the real park site would read as
    // block's. Parked ones share gopark's return address: the most common first PC.
    const gopark = mostCommon(this.pendingSelects.map((p) => p.gopark)) ?? NaN;
    const parked = this.pendingSelects.filter((p) => p.gopark === gopark);
    const block = blockPark(parked.map((p) => p.park));
    for (const p of this.pendingSelects) {
      if (p.gopark === gopark && p.park === block) {
        p.g.kind = 'select-nocases';
        p.g.state = 'select (no cases)';
      }
      this.emit(p.g);
    }
    this.pendingSelects = [];
  }

  /** Call at end of input. `endedMidLine`: the last line had no newline. `stopped`: the caller
   *  stopped reading (a byte cap) and says so itself: no warning blames the input for the cut. */
  end(endedMidLine: boolean, stopped = false): ParseReport {
    const open = this.inRecord;
    const lastComplete = this.lastComplete;
    this.finish();
    this.flushOps();
    const warnings: string[] = [];
    let truncated = false;
    if (stopped) truncated = true;
    else if (this.declaredTotal !== null && this.seenTotal < this.declaredTotal) {
      truncated = true;
      warnings.push(`profile declares ${this.declaredTotal} goroutines but only ${this.seenTotal} were read (truncated): analysed as far as it goes`);
    } else if (open && endedMidLine && !lastComplete) {
      truncated = true;
      warnings.push('input ends mid-record (truncated): analysed as far as it goes');
    }
    const n = this.n;
    if (n.noTotal > 0) warnings.push('no "goroutine profile: total N" line: read the records as debug=1 without it');
    if (n.noHash > 0) warnings.push(`read ${n.noHash} goroutine(s) whose frame lines had lost their leading "#" (eaten by Markdown?)`);
    if (n.spaces > 0) warnings.push(`read ${n.spaces} goroutine(s) whose tabs had become spaces (or were removed)`);
    if (n.indented > 0) warnings.push(`read ${n.indented} goroutine(s) from an indented paste`);
    if (n.unsymbolised > 0) warnings.push('some frames had no symbol (stripped binary?)');
    if (this.unreadable > 0) {
      warnings.push(`${this.unreadable} frame line(s) could not be read and are left out of their stacks, the first: ${JSON.stringify(this.firstUnreadable)} (expected "#", the PC, function+offset and file:line, tab-separated)`);
    }
    return { truncated, warnings, leakProfile: this.leakProfile, headerSeen: this.declaredTotal !== null };
  }
}

/** PCs listed on the `@` line before the first printed frame: the runtime frames Go hid. A
 *  printed frame's PC is its return address minus one. */
function hiddenRuntimePcs(pcs: readonly string[], firstPc: string): number {
  if (firstPc === '') return 0;
  const want = parseInt(firstPc, 16) + 1;
  for (let i = 0; i < pcs.length; i++) if (parseInt(pcs[i]!, 16) === want) return i;
  return 0;
}

/** The park site and wrapper return address of a channel operation's hidden PCs (3 hidden: gopark,
 *  chansend/chanrecv, the wrapper; 4 on Go ≤ 1.13, goparkunlock first), or null. */
function hiddenChanOp(pcs: readonly string[], hidden: number): HiddenChanOp | null {
  if (hidden !== 3 && hidden !== 4) return null;
  const park = parseInt(pcs[hidden - 2]!, 16);
  const wrapper = parseInt(pcs[hidden - 1]!, 16);
  return Number.isFinite(park) && Number.isFinite(wrapper) ? { park, wrapper, gopark: parseInt(pcs[0]!, 16) } : null;
}

/** gopark + selectgo/block = 2 hidden; gopark + chansend/chanrecv + chansend1/chanrecv1 = 3; Go ≤ 1.13
 *  also hid goparkunlock before a channel operation = 4. Without symbols for them a channel
 *  operation's direction cannot be told apart. */
function fromHiddenCount(hidden: number): { kind: BlockKind; state: string } | null {
  if (hidden === 2) return { kind: 'select', state: 'select' };
  if (hidden === 3 || hidden === 4) return { kind: 'unknown', state: 'chan send or receive' };
  return null;
}

/** `{"k":"v", "k2": "v2"}` with Go-quoted strings. Malformed text yields what parsed before it. */
export function parseJsonishLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = s.indexOf('{');
  if (i < 0) return out;
  i++;
  for (;;) {
    while (s[i] === ' ' || s[i] === ',') i++;
    if (s[i] !== '"') return out;
    const k = readQuoted(s, i);
    if (!k || s[k.end] !== ':') return out;
    let j = k.end + 1;
    while (s[j] === ' ') j++;
    const v = readQuoted(s, j);
    if (!v) return out;
    out[k.value] = v.value;
    i = v.end;
  }
}
