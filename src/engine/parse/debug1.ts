// Reader for `/debug/pprof/goroutine?debug=1` (and goroutineleak?debug=1): one record per distinct
// stack with a count. Go hides the runtime frames a goroutine parks in (gopark, chansend, …), so
// the kind is inferred from the visible frames, else from how many runtime PCs were hidden.
//
//   goroutine profile: total 17
//   2 @ 0x486daa 0x4167bc 0x4163b7 0x524a9f 0x524a93 0x48d481
//   # labels: {"handler":"/api/order"}
//   #	0x524a9e	main.main.func1.1+0x1e	/tmp/probe/main.go:28
import type { BlockKind, Frame, Goroutine } from '../model.js';
import { inferFromFrames } from '../classify.js';
import type { FrameTable } from '../intern.js';
import { readQuoted } from './quote.js';
import { parseLocation } from './debug2.js';
import type { Emit, ParseReport } from './types.js';

const HEADER = /^(goroutine|goroutineleak) profile: total (\d+)$/;

export function isDebug1Header(line: string): boolean {
  return HEADER.test(line);
}

export class Debug1Parser {
  private count = 0;
  private pcs: string[] = [];
  private labels: Record<string, string> = {};
  private frames: Frame[] = [];
  private unsymbolised = false;
  private firstPc = '';
  private inRecord = false;
  private declaredTotal: number | null = null;
  private seenTotal = 0;
  private leakProfile = false;
  private readonly warnings: string[] = [];

  constructor(
    private readonly table: FrameTable,
    private readonly emit: Emit,
  ) {}

  line(line: string): void {
    if (line.length === 0) return this.finish();
    const c = line.charCodeAt(0);
    if (c === 35 /* # */) {
      if (!this.inRecord) return;
      if (line.startsWith('# labels: ')) {
        this.labels = parseJsonishLabels(line.slice(10));
        return;
      }
      if (line.charCodeAt(1) === 9) this.frameLine(line);
      return;
    }
    if (c >= 48 && c <= 57) {
      const at = line.indexOf(' @ ');
      if (at > 0) {
        this.finish();
        const n = Number(line.slice(0, at));
        if (!Number.isSafeInteger(n) || n <= 0) return; // Go never prints an empty record
        this.count = n;
        this.pcs = line.slice(at + 3).split(' ');
        this.inRecord = true;
        return;
      }
    }
    const m = HEADER.exec(line);
    if (m) {
      this.leakProfile = m[1] === 'goroutineleak';
      this.declaredTotal = Number(m[2]);
    }
  }

  /** `#\t0x524a9e\tmain.f+0x1e\t\t/path/main.go:28` (tabwriter may add tabs). */
  private frameLine(line: string): void {
    const cols = line.split('\t').filter((s) => s.length > 0);
    if (cols.length < 3) {
      this.unsymbolised = true; // `#\t0x…` only: no symbol for this PC
      return;
    }
    const sym = cols[2]!;
    const plus = sym.lastIndexOf('+0x');
    const func = plus > 0 ? sym.slice(0, plus) : sym;
    const loc = cols.slice(3).join('\t');
    if (this.frames.length === 0) this.firstPc = cols[1]!;
    this.frames.push(this.table.frame(func, loc, parseLocation));
  }

  private finish(): void {
    if (!this.inRecord) return;
    this.inRecord = false;
    const frames = this.frames;
    // Visible frames that explain the wait (sync, time, net poll…) first, then the hidden count.
    const { kind, state } = inferFromFrames(frames) ??
      fromHiddenCount(hiddenRuntimePcs(this.pcs, this.firstPc)) ?? { kind: 'runnable', state: 'runnable' };
    const g: Goroutine = {
      id: null,
      count: this.count,
      state,
      stateInferred: true,
      kind,
      waitMinutes: null,
      lockedToThread: false,
      leaked: this.leakProfile,
      labels: this.labels,
      frames,
      framesElided: false,
      createdBy: null,
      creatorId: null,
    };
    this.seenTotal += this.count;
    this.emit(g);
    this.frames = [];
    this.labels = {};
    this.pcs = [];
    this.firstPc = '';
  }

  end(endedMidLine: boolean): ParseReport {
    const open = this.inRecord;
    this.finish();
    let truncated = endedMidLine && open;
    if (this.declaredTotal !== null && this.seenTotal < this.declaredTotal) {
      truncated = true;
      this.warnings.push(`profile declares ${this.declaredTotal} goroutines but only ${this.seenTotal} were read (truncated): analysed as far as it goes`);
    } else if (truncated) {
      this.warnings.push('profile ends mid-record (truncated): analysed as far as it goes');
    }
    if (this.unsymbolised) this.warnings.push('some frames had no symbol (stripped binary?)');
    return { truncated, warnings: this.warnings, leakProfile: this.leakProfile, headerSeen: this.declaredTotal !== null };
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

/** gopark + selectgo/block = 2 hidden; gopark + chansend/chanrecv + chansend1/chanrecv1 = 3.
 *  Without symbols the direction of a channel operation cannot be told apart. */
function fromHiddenCount(hidden: number): { kind: BlockKind; state: string } | null {
  if (hidden === 2) return { kind: 'select', state: 'select' };
  if (hidden === 3) return { kind: 'unknown', state: 'chan send or receive' };
  return null;
}

/** `{"k":"v", "k2":"v2"}` with Go-quoted strings. Malformed text yields what parsed before it. */
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
    const v = readQuoted(s, k.end + 1);
    if (!v) return out;
    out[k.value] = v.value;
    i = v.end;
  }
}
