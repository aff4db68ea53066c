// A goroutine profile of the size issue 12 measured (item 3): debug=1 text of 1,000,000 goroutines
// over 250,000 distinct stacks (≈ 40 MB), in the exact layout runtime/pprof writes for debug=1
// (`N @ pc…` then one `#\tpc\tfunc+off\tfile:line` per frame). No Go program can park that many
// distinct stacks, so it is generated; the frames are real Go runtime and user-code shapes.

/** Builds the dump. `stacks` distinct stacks of `perStack` goroutines each. */
export function bigDebug1Dump(stacks = 250_000, perStack = 4): Buffer {
  const parts: string[] = [`goroutine profile: total ${stacks * perStack}\n`];
  const hex = (n: number): string => `0x${(0x400000 + n).toString(16)}`;
  for (let i = 0; i < stacks; i++) {
    const leaf = i % 500;
    const caller = Math.floor(i / 500);
    const pcs = [hex(1), hex(0x10000 + leaf * 16), hex(0x80000 + caller * 16), hex(3)];
    parts.push(
      `${perStack} @ ${pcs.join(' ')}\n` +
        `#\t${hex(0x10000 + leaf * 16)}\tsvc/h.wait${leaf}+0x2f\t/src/h/w.go:${10 + leaf}\n` +
        `#\t${hex(0x80000 + caller * 16)}\tsvc/api.serve${caller}+0x45\t/src/api/s.go:${20 + caller}\n\n`,
    );
  }
  return Buffer.from(parts.join(''));
}
