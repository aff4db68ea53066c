// Counts, durations and rates as people read them: `40,005`, `3.0 s`, `+60/min`. For counts,
// Number.prototype.toLocaleString gives the same text, but its first call loads ICU's locale data
// (≈ 12 ms here), a tenth of a CLI run on a small dump.

/** `n` with `,` between groups of three digits, as `n.toLocaleString('en-US')` writes an integer
 *  (`-1,234`, `40,005`); a non-integer or an unsafe integer is handed to toLocaleString itself. */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const s = String(n);
  return s.length <= 3 ? s : s.replace(/\B(?=(\d{3})+$)/g, ',');
}

/** `0.5 s`, `42 s`, `2.0 min`, `1.5 h`: tenths below 10 s, so captures a second apart never read
 *  "over 0 s". */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** How fast a pile grew, in words: `+60/min` over a minute or more; over less, the time it took
 *  (`in 3.0 s`), since a per-minute rate from captures seconds apart (+8000/min) claims a minute
 *  nobody watched. Null without growth or without capture times. `perMinute` in goroutines/min. */
export function growthText(delta: number, perMinute: number | null): string | null {
  if (perMinute === null || delta <= 0 || perMinute <= 0) return null;
  const minutes = delta / perMinute;
  if (minutes >= 1) return `+${perMinute >= 10 ? perMinute.toFixed(0) : perMinute.toFixed(1)}/min`;
  return `in ${formatDuration(minutes * 60_000)}`;
}
