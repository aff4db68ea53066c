// Reader for `go tool pprof -traces` output of a goroutine profile: one record per distinct stack
// with its count, innermost function first, like debug=1 but with function names only (no
// file:line) and with the runtime frames kept, so the wait is inferred from them.
//
//   Type: goroutine
//   -----------+-------------------------------------------------------
//         role:  locked
//            1   runtime.gopark
//                runtime.chanrecv
//                main.locked (inline)
//   -----------+-------------------------------------------------------
// Source: github.com/google/pprof internal/report/report.go printTraces.
import type { Frame } from '../model.js';
import { inferFromFrames } from '../classify.js';
import type { FrameTable } from '../intern.js';
import type { LineSink } from './lines.js';
import { aggregated, type Emit, type ParseReport } from './types.js';

const SEPARATOR = /^-+\+-+$/;
const COUNT = /^(\d+)\s+(\S.*)$/;
const LABEL = /^(\S.*?):\s+(.*)$/;
const TYPE = /^Type:\s*(\S+)/;

/** Reads `go tool pprof -traces` text line by line and emits one aggregated Goroutine per record;
 *  `end()` reports that the format has no file:line. Never throws. */
export class TracesParser implements LineSink {
  private inSection = false;
  private count = 0;
  private labels: Record<string, string> = {};
  private frames: Frame[] = [];
  private leakProfile = false;
  private records = 0;
  private goroutines = 0;

  constructor(
    private readonly table: FrameTable,
    private readonly emit: Emit,
  ) {}

  line(b: Buffer, s: number, e: number): void {
    this.text(b.toString('utf8', s, e));
  }

  text(raw: string): void {
    const line = raw.trim();
    if (SEPARATOR.test(line)) {
      this.finish();
      this.inSection = true;
      return;
    }
    if (!this.inSection) {
      const t = TYPE.exec(line);
      if (t) this.leakProfile = t[1] === 'goroutineleak';
      return;
    }
    if (line.length === 0) return this.finish();
    if (this.count === 0) {
      const c = COUNT.exec(line);
      if (c) {
        this.count = Number(c[1]);
        this.push(c[2]!);
        return;
      }
      const l = LABEL.exec(line);
      if (l) this.labels[l[1]!] = l[2]!;
      return;
    }
    this.push(line);
  }

  private push(func: string): void {
    const name = func.endsWith(' (inline)') ? func.slice(0, -9) : func;
    this.frames.push(this.table.frameOf(name, '', 0));
  }

  private finish(): void {
    if (this.count > 0 && Number.isSafeInteger(this.count)) {
      const frames = this.frames;
      const c = inferFromFrames(frames) ?? { kind: 'runnable' as const, state: 'runnable' };
      const g = aggregated(this.count, c, frames, this.labels, this.leakProfile);
      this.records++;
      this.goroutines += this.count;
      this.emit(g);
    }
    this.count = 0;
    this.frames = [];
    this.labels = {};
  }

  end(): ParseReport {
    this.finish();
    return {
      truncated: false,
      warnings: [`read \`go tool pprof -traces\` output: ${this.records} stack(s) of ${this.goroutines} goroutine(s) with function names only — no file:line in this format, so give leakbot debug=2 for exact sites`],
      leakProfile: this.leakProfile,
      headerSeen: this.records > 0,
    };
  }
}
