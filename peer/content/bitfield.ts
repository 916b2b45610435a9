/**
 * A set of piece indices packed one bit each (bit i in byte i >> 3, least significant bit first), as the partial
 * record stores it on disk and the hashing thread keeps it. Bits past `length` are never set, so two bitfields of
 * the same length compare by their bytes.
 */
export class Bitfield {
  readonly bytes: Uint8Array;
  private held = 0;

  constructor(
    readonly length: number,
    bytes?: Uint8Array,
  ) {
    this.bytes = new Uint8Array(Bitfield.byteLength(length));
    if (bytes) {
      // Taken only when it has exactly the right size; stray bits past the end are cleared.
      if (bytes.length === this.bytes.length) this.bytes.set(bytes);
      const spare = this.bytes.length * 8 - length;
      if (spare > 0) this.bytes[this.bytes.length - 1]! &= 0xff >> spare;
      for (let i = 0; i < length; i++) if (this.has(i)) this.held++;
    }
  }

  /** Bytes needed for `length` bits. */
  static byteLength(length: number): number {
    return Math.ceil(length / 8);
  }

  /** How many bits are set. */
  get count(): number {
    return this.held;
  }

  get full(): boolean {
    return this.held === this.length;
  }

  has(i: number): boolean {
    return i >= 0 && i < this.length && (this.bytes[i >> 3]! & (1 << (i & 7))) !== 0;
  }

  /** Sets bit `i`; false when it was already set. */
  set(i: number): boolean {
    if (i < 0 || i >= this.length) throw new RangeError(`bit ${i} is outside a bitfield of ${this.length}`);
    if (this.has(i)) return false;
    this.bytes[i >> 3]! |= 1 << (i & 7);
    this.held++;
    return true;
  }

  /** Clears bit `i`; false when it was not set. */
  clear(i: number): boolean {
    if (!this.has(i)) return false;
    this.bytes[i >> 3]! &= ~(1 << (i & 7));
    this.held--;
    return true;
  }

  /** The first index at or after `from` whose bit is clear, or `length` when there is none. */
  firstMissing(from = 0): number {
    let i = Math.max(0, from);
    while (i < this.length && this.has(i)) i++;
    return i;
  }
}
