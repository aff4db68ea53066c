// What pasting does to a dump, as functions of its text: each one is a transformation seen in real
// pastes (terminal, CI log, GitHub comment, chat). Used by the paste tests and the property tests.
import type { Snapshot } from '../../../src/engine/model.js';

const lines = (t: string): string[] => t.split('\n');

/** Every line indented by `n` spaces (a Markdown code block, a quoted log). Blank lines too. */
export function reindent(t: string, n: number): string {
  const pad = ' '.repeat(n);
  return lines(t).map((l, i, all) => (i === all.length - 1 && l === '' ? l : pad + l)).join('\n');
}

/** Each tab replaced by `width` spaces (a terminal or chat that expands tabs; width 0 deletes them). */
export function tabsToSpaces(t: string, width: number): string {
  return t.replace(/\t/g, ' '.repeat(width));
}

/** Hard-wrapped as a terminal's scrollback copies it (or `fold -w`): every line wider than `width`
 *  columns is cut into lines of exactly `width` columns, a tab taking a terminal's 8-column stop. */
export function wrapAt(t: string, width: number): string {
  const out: string[] = [];
  for (const line of t.split('\n')) {
    let piece = '';
    let col = 0;
    for (const ch of line) {
      const next = ch === '\t' ? (col | 7) + 1 : col + 1;
      if (next > width) {
        out.push(piece);
        piece = '';
        col = 0;
      }
      piece += ch;
      col = ch === '\t' ? (col | 7) + 1 : col + 1;
    }
    out.push(piece);
  }
  return out.join('\n');
}

/** Quoted as in Markdown or e-mail: `> ` before each line, `>` alone on blank ones. */
export function quote(t: string): string {
  return lines(t).map((l, i, all) => (i === all.length - 1 && l === '' ? l : l === '' ? '>' : `> ${l}`)).join('\n');
}

/** A CI log's timestamp in front of every line (GitHub Actions style), the fraction varying per line. */
export function ciPrefix(t: string): string {
  return lines(t)
    .map((l, i, all) => (i === all.length - 1 && l === '' ? l : `2026-03-01T10:00:${String(i % 60).padStart(2, '0')}.${String((i * 7919) % 10_000_000).padStart(7, '0')}Z ${l}`))
    .join('\n');
}

/** Markdown ate the leading `#` of debug=1 lines (and the blank after it). */
export function stripHash(t: string): string {
  return lines(t).map((l) => l.replace(/^#[ \t]*/, '')).join('\n');
}

/** Markdown took the `*`s of pointer receivers (`main.(*T).run`) as emphasis marks and dropped them. */
export function eatStars(t: string): string {
  return t.replace(/\*/g, '');
}

/** Argument lists shortened by hand to `(...)`. */
export function shortenArgs(t: string): string {
  return lines(t).map((l) => (/^\S.*\(.+\)$/.test(l) && !l.startsWith('goroutine ') ? l.replace(/\([^()]*\)$/, '(...)') : l)).join('\n');
}

/** Without its final newline. */
export function noFinalNewline(t: string): string {
  return t.replace(/\n+$/, '');
}

/** With what `go run` prints after a crash. */
export function exitTrailer(t: string): string {
  return `${t.replace(/\n*$/, '\n')}exit status 2\n`;
}

/** CRLF line ends (copied from a Windows tool). */
export function crlf(t: string): string {
  return t.replace(/\n/g, '\r\n');
}

/** A snapshot without its warnings: what a transformed paste must read as. */
export function body(s: Snapshot): Omit<Snapshot, 'warnings'> {
  const { warnings: _said, ...rest } = s;
  return rest;
}

/** body() without what is read from frame arguments (the lock and Cond addresses in StackGroup.waitObjects,
 *  the Cond tickets in condTickets, the calls' hashes in calls and their values in argWords):
 *  a paste whose arguments became `(...)` reads the same but for those. */
export function bodyWithoutArgs(s: Snapshot): Omit<Snapshot, 'warnings'> {
  const b = body(s);
  return { ...b, groups: b.groups.map(({ waitObjects: _args, condTickets: _tickets, calls: _calls, argWords: _words, ...g }) => g) };
}

/** Whether one of the snapshot's warnings matches. */
export function said(s: Snapshot, re: RegExp): boolean {
  return s.warnings.some((w) => re.test(w));
}
