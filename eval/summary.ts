// Outcomes → one row per corpus × Go version × format × mode, with issue 8's target beside each.
import type { GokerOutcome } from './goker-score.js';
import type { HangOutcome } from './hangs.js';
import type { LabelledFinding } from './match.js';
import type { NoiseOutcome } from './noise-score.js';

export interface Row {
  corpus: 'goker' | 'noise' | 'hangs';
  go: string;
  format: string;
  mode: string;
  /** Expected leaks (or hangs) present, and how many were found. */
  observed: number;
  found: number;
  /** Strong findings where there is no leak (harness, no-leak scenarios, healthy services). */
  falses: number;
  /** debug=1/proto/leak vs debug=2 on the same observed leaks: same outcome / compared. */
  agree: { same: number; of: number } | null;
  /** Issue 8's target for this row, in words; null when the issue sets none. */
  target: string | null;
  /** Whether the row meets its target (null when none). */
  met: boolean | null;
}

export const rowKey = (r: Pick<Row, 'corpus' | 'go' | 'format' | 'mode'>) => `${r.corpus}|${r.go}|${r.format}|${r.mode}`;
const pct = (a: number, b: number) => (b === 0 ? 1 : a / b);

function gokerTarget(go: string, format: string, mode: string): { recall?: number; agree?: number } {
  if (format === 'debug2' && mode === 'diff') return { recall: 0.97 };
  if (format === 'debug2' && mode === 'single') return { recall: go === 'go1.19' ? 0.8 : 0.9 };
  if ((format === 'debug1' || format === 'proto') && mode === 'diff') return { agree: 0.95 };
  return {};
}

export function gokerRows(go: string, outcomes: GokerOutcome[]): Row[] {
  const rows: Row[] = [];
  const keys = [...new Set(outcomes.map((o) => `${o.format}|${o.mode}`))];
  for (const k of keys) {
    const [format, mode] = k.split('|') as [string, string];
    const os = outcomes.filter((o) => o.format === format && o.mode === mode);
    const observed = os.reduce((n, o) => n + o.leaks.length, 0);
    const found = os.reduce((n, o) => n + o.leaks.filter((l) => l.found).length, 0);
    const falses = os.reduce((n, o) => n + o.falses.length, 0);
    let agree: Row['agree'] = null;
    if (format !== 'debug2') {
      agree = { same: 0, of: 0 };
      for (const o of os) {
        const ref = outcomes.find((r) => r.format === 'debug2' && r.mode === mode && r.scenario === o.scenario);
        if (!ref) continue;
        for (const l of o.leaks) {
          const rl = ref.leaks.find((x) => x.leak === l.leak);
          if (!rl) continue;
          agree.of++;
          if (rl.found === l.found) agree.same++;
        }
      }
    }
    const t = gokerTarget(go, format, mode);
    const words = [t.recall !== undefined ? `recall ≥${t.recall * 100}%` : null, t.agree !== undefined ? `agree ≥${t.agree * 100}%` : null, '0 false']
      .filter(Boolean)
      .join(', ');
    const met = (t.recall === undefined || pct(found, observed) >= t.recall) && (t.agree === undefined || (agree !== null && pct(agree.same, agree.of) >= t.agree)) && falses === 0;
    rows.push({ corpus: 'goker', go, format, mode, observed, found, falses, agree, target: words, met });
  }
  return rows;
}

export function noiseRows(outcomes: NoiseOutcome[]): Row[] {
  const rows: Row[] = [];
  const keys = [...new Set(outcomes.map((o) => `${o.toolchain}|${o.format}|${o.mode}`))];
  for (const k of keys) {
    const [go, format, mode] = k.split('|') as [string, string, string];
    const os = outcomes.filter((o) => o.toolchain === go && o.format === format && o.mode === mode);
    const hidden = os.filter((o) => o.program.startsWith('hidden-'));
    const observed = hidden.reduce((n, o) => n + o.analyses, 0);
    const found = hidden.reduce((n, o) => n + o.found, 0);
    const falses = os.reduce((n, o) => n + o.falses.length, 0);
    const need = mode === 'series' ? 1 : mode === 'single' ? 0.8 : null;
    const target = need === null ? '0 false' : `hidden ≥${need * 100}%, 0 false`;
    const met = falses === 0 && (need === null || pct(found, observed) >= need);
    rows.push({ corpus: 'noise', go, format, mode, observed, found, falses, agree: null, target, met });
  }
  return rows;
}

export function hangRows(outcomes: HangOutcome[]): Row[] {
  const rows: Row[] = [];
  for (const go of [...new Set(outcomes.map((o) => o.toolchain))]) {
    const os = outcomes.filter((o) => o.toolchain === go);
    const found = os.filter((o) => o.found).length;
    rows.push({ corpus: 'hangs', go, format: 'crash', mode: 'single', observed: os.length, found, falses: 0, agree: null, target: 'stuck named 100%', met: found === os.length });
  }
  return rows;
}

const ORDER = { corpus: ['goker', 'noise', 'hangs'], format: ['debug2', 'leak', 'debug1', 'proto', 'crash'], mode: ['diff', 'series', 'baseline', 'single'] };
const rank = (list: string[], v: string) => (list.includes(v) ? list.indexOf(v) : list.length);

/** Rows in table order: corpus, Go version, format, mode. */
export function sortRows(rows: Row[]): Row[] {
  return [...rows].sort(
    (a, b) =>
      rank(ORDER.corpus, a.corpus) - rank(ORDER.corpus, b.corpus) ||
      a.go.localeCompare(b.go) ||
      rank(ORDER.format, a.format) - rank(ORDER.format, b.format) ||
      rank(ORDER.mode, a.mode) - rank(ORDER.mode, b.mode),
  );
}

/** The table `npm run eval` prints. */
export function renderTable(rows: Row[]): string {
  const head = ['corpus', 'go', 'format', 'mode', 'found/observed', 'recall', 'false', 'agree', 'target', 'met'];
  const body = sortRows(rows).map((r) => [
    r.corpus,
    r.go,
    r.format,
    r.mode,
    `${r.found}/${r.observed}`,
    r.observed ? `${((100 * r.found) / r.observed).toFixed(1)}%` : '—',
    String(r.falses),
    r.agree ? `${((100 * r.agree.same) / Math.max(1, r.agree.of)).toFixed(1)}%` : '—',
    r.target ?? '—',
    r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n');
}

/** Issue 8's targets, one line each, with the measured values (for the closing note). */
export function renderTargets(rows: Row[]): string {
  const pctOf = (r: Row | undefined) => (r && r.observed ? `${((100 * r.found) / r.observed).toFixed(1)}%` : '—');
  const get = (corpus: string, go: string, format: string, mode: string) => rows.find((r) => r.corpus === corpus && r.go === go && r.format === format && r.mode === mode);
  const gos = [...new Set(rows.filter((r) => r.corpus === 'goker').map((r) => r.go))];
  const lines: string[] = [];
  const goker = (format: string, mode: string) =>
    gos.map((g) => get('goker', g, format, mode)).filter((r): r is Row => r !== undefined);
  const sum = (rs: Row[], pick: (r: Row) => number) => rs.reduce((n, r) => n + pick(r), 0);
  if (gos.length) {
    const d = goker('debug2', 'diff');
    lines.push(`GoKer diff, debug=2 (≥97% each Go, 0 false): ${d.map((r) => `${r.go} ${pctOf(r)}`).join(', ')}; false ${sum(d, (r) => r.falses)}`);
    const s = goker('debug2', 'single');
    lines.push(`GoKer single, debug=2 (≥90% on 1.26, ≥80% on 1.19, 0 false): ${s.map((r) => `${r.go} ${pctOf(r)}`).join(', ')}; false ${sum(s, (r) => r.falses)}`);
    const ag = [...goker('debug1', 'diff'), ...goker('proto', 'diff')];
    lines.push(`GoKer diff, debug=1 / proto agree with debug=2 (≥95%): ${ag.map((r) => `${r.go} ${r.format} ${r.agree ? ((100 * r.agree.same) / Math.max(1, r.agree.of)).toFixed(1) : '—'}%`).join(', ')}`);
  }
  const noise = rows.filter((r) => r.corpus === 'noise');
  if (noise.length) {
    for (const mode of ['single', 'diff', 'series']) {
      const rs = noise.filter((r) => r.mode === mode);
      const hidden = mode === 'diff' ? '' : `; hidden leaks found ${sum(rs, (r) => r.found)}/${sum(rs, (r) => r.observed)} (${mode === 'series' ? '100%' : '≥80%'})`;
      lines.push(`Noise ${mode}: high/medium on healthy noise ${sum(rs, (r) => r.falses)} (0, any age)${hidden}`);
    }
  }
  const hangs = rows.filter((r) => r.corpus === 'hangs');
  if (hangs.length) lines.push(`Hangs: stuck goroutine named in ${sum(hangs, (r) => r.found)}/${sum(hangs, (r) => r.observed)} dumps (100%)`);
  return lines.join('\n');
}

/** Per evidence row (signal and points as the engine cited it): on how many findings that were real
 *  leaks, and on how many that were not (harness, no-leak scenarios, healthy noise), with the share at
 *  high/medium. What the README's evidence table can be calibrated on. */
export function renderEvidence(all: LabelledFinding[]): string {
  const by = new Map<string, { leak: number; notLeak: number; strongNot: number }>();
  for (const f of all) {
    if (f.label === 'other') continue;
    for (const s of f.signals.length ? f.signals : ['(none)']) {
      const e = by.get(s) ?? { leak: 0, notLeak: 0, strongNot: 0 };
      if (f.label === 'leak') e.leak++;
      else {
        e.notLeak++;
        if (f.confidence !== 'low') e.strongNot++;
      }
      by.set(s, e);
    }
  }
  const rows = [...by.entries()].sort((a, b) => b[1].leak + b[1].notLeak - (a[1].leak + a[1].notLeak));
  const head = ['evidence', 'on leaks', 'on non-leaks', 'of those high/medium', 'leak share'];
  const body = rows.map(([s, e]) => [s, String(e.leak), String(e.notLeak), String(e.strongNot), `${((100 * e.leak) / Math.max(1, e.leak + e.notLeak)).toFixed(0)}%`]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i]!)).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n');
}
