// "Did you mean …?" for mistyped verbs and service names.

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate, if close enough to be a plausible typo (or a unique prefix/substring). */
export function didYouMean(input: string, candidates: readonly string[]): string | null {
  const q = input.toLowerCase();
  if (!q) return null;
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(q, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  if (best && bestD <= Math.max(2, Math.floor(q.length / 3))) return best;
  const partial = candidates.filter((c) => c.toLowerCase().includes(q) || q.includes(c.toLowerCase()));
  return partial.length === 1 ? partial[0]! : null;
}
