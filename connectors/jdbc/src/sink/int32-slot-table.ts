/**
 * The slot of each int32 key of one batch: open addressing (linear probing, Fibonacci hashing)
 * over typed arrays. The sink reduces every keyed batch by key; for the common integer key this
 * costs a multiply and a probe or two per row, with no allocation and no rebuilt Map per batch.
 * Entries of earlier batches are told apart by a generation stamp, so {@link clear} is O(1).
 */
export class Int32SlotTable {
  private keys: Int32Array;
  private slots: Int32Array;
  /** Generation in which each position was filled; a position of another generation is empty. */
  private stamps: Uint32Array;
  private generation = 1;
  private shift: number;
  private count = 0;

  constructor(expectedKeys: number) {
    // Load factor at most 1/2 for the expected batch: short probe sequences.
    let bits = 4;
    while (1 << bits < expectedKeys * 2 && bits < 24) bits++;
    this.keys = new Int32Array(1 << bits);
    this.slots = new Int32Array(1 << bits);
    this.stamps = new Uint32Array(1 << bits);
    this.shift = 32 - bits;
  }

  /** The slot recorded for `key`, or -1 after recording `slot` for it. */
  slotOf(key: number, slot: number): number {
    const keys = this.keys;
    const stamps = this.stamps;
    const mask = keys.length - 1;
    const generation = this.generation;
    for (let i = Math.imul(key, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      if (stamps[i] !== generation) {
        keys[i] = key;
        this.slots[i] = slot;
        stamps[i] = generation;
        if (++this.count * 2 > keys.length) this.grow();
        return -1;
      }
      if (keys[i] === key) return this.slots[i] as number;
    }
  }

  /** Forgets every key. */
  clear(): void {
    this.count = 0;
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  private grow(): void {
    const { keys, slots, stamps, generation } = this;
    const bits = 32 - this.shift + 1;
    this.keys = new Int32Array(1 << bits);
    this.slots = new Int32Array(1 << bits);
    this.stamps = new Uint32Array(1 << bits);
    this.shift = 32 - bits;
    this.generation = 1;
    this.count = 0;
    for (let i = 0; i < keys.length; i++)
      if (stamps[i] === generation) this.slotOf(keys[i] as number, slots[i] as number);
  }
}
