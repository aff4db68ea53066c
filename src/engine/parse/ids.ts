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

  delete(id: number): void {
    if (id < MAX_BITMAP_ID) {
      const w = id >>> 5;
      if (w < this.bits.length) this.bits[w]! &= ~(1 << (id & 31));
    } else this.big?.delete(id);
  }

  clear(): void {
    this.bits.fill(0);
    this.big = null;
  }
}

/** The ids of one snapshot, for lookups once all are known: a bitmap sized by the largest id (at most
 *  MAX_BITMAP_ID bits), else an IdSet. Built in one plain loop (LiveIds.of), which runs once per dump,
 *  mostly before V8 optimises it. */
export class LiveIds {
  private readonly words: Uint32Array | null;
  private readonly big: IdSet | null;
  /** An id was added twice. */
  repeated = false;

  /** `maxId`: the largest id that will be added. */
  constructor(maxId: number) {
    this.words = maxId < MAX_BITMAP_ID ? new Uint32Array((maxId >>> 5) + 1) : null;
    this.big = this.words === null ? new IdSet() : null;
  }

  /** The set of `ids` (each at most `maxId`). */
  static of(ids: ArrayLike<number>, maxId: number): LiveIds {
    const set = new LiveIds(maxId);
    const words = set.words;
    if (words === null) {
      for (let i = 0; i < ids.length; i++) set.add(ids[i]!);
      return set;
    }
    let repeated = false;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const w = id >>> 5;
      const bit = 1 << (id & 31);
      if ((words[w]! & bit) !== 0) repeated = true;
      words[w] = words[w]! | bit;
    }
    set.repeated = repeated;
    return set;
  }

  add(id: number): void {
    if (this.words === null) {
      if (this.big!.has(id)) this.repeated = true;
      this.big!.add(id);
      return;
    }
    const w = id >>> 5;
    const bit = 1 << (id & 31);
    if ((this.words[w]! & bit) !== 0) this.repeated = true;
    this.words[w] = this.words[w]! | bit;
  }

  has(id: number): boolean {
    if (this.words === null) return this.big!.has(id);
    const w = id >>> 5;
    return w < this.words.length && (this.words[w]! & (1 << (id & 31))) !== 0;
  }
}
