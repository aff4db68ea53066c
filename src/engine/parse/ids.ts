// The goroutine ids seen in one dump, to tell when a second dump starts (an id comes again).
// Ids are small and dense in practice (a process numbers goroutines from 1), so a bitmap that grows
// to the largest id answers in a few instructions; ids beyond MAX_BITMAP_ID go to a Set.

/** Ids below this are kept as bits (at most 8 MiB of bitmap). */
const MAX_BITMAP_ID = 1 << 26;

export class IdSet {
  private bits = new Uint32Array(1024);
  private big: Set<number> | null = null;

  has(id: number): boolean {
    if (id < MAX_BITMAP_ID) {
      const w = id >>> 5;
      return w < this.bits.length && (this.bits[w]! & (1 << (id & 31))) !== 0;
    }
    return this.big !== null && this.big.has(id);
  }

  add(id: number): void {
    if (id < MAX_BITMAP_ID) {
      const w = id >>> 5;
      if (w >= this.bits.length) {
        let n = this.bits.length * 2;
        while (n <= w) n *= 2;
        const next = new Uint32Array(n);
        next.set(this.bits);
        this.bits = next;
      }
      this.bits[w]! |= 1 << (id & 31);
    } else (this.big ??= new Set()).add(id);
  }

  clear(): void {
    this.bits.fill(0);
    this.big = null;
  }
}
