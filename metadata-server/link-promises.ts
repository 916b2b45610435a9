/**
 * Links the metadata server has promised but no peer has reported yet, kept in the registry's shared buffer
 * (shared-registry.ts): a slotCount × slotCount table of Float64, [a][b] = until when (ms since epoch) the link a–b
 * counts as reserved because a was told to dial b (a referral, or repair advice). referral-policy.ts counts them as
 * degree, so racing newcomers spread over the mesh. Read and write it holding the registry's lock.
 */
export class LinkPromises {
  private readonly until: Float64Array;

  /** Bytes the table takes for `slots` peers. */
  static size(slots: number): number {
    return slots * slots * 8;
  }

  constructor(
    buffer: SharedArrayBuffer,
    offset: number,
    private readonly slots: number,
  ) {
    this.until = new Float64Array(buffer, offset, slots * slots);
  }

  /** `from` was told to dial `to`: the link counts as reserved until `until`. */
  promise(from: number, to: number, until: number): void {
    this.until[this.at(from, to)] = until;
  }

  /** Forgets what `slot` was told to dial (it has dialled it all, or is given new referrals). */
  clear(slot: number): void {
    const row = this.at(slot, 0);
    this.until.fill(0, row, row + this.slots);
  }

  /** Forgets every promise to or from `slot` (its slot was admitted or freed). */
  forget(slot: number): void {
    this.clear(slot);
    for (let a = 0; a < this.slots; a++) this.until[this.at(a, slot)] = 0;
  }

  /** Whether a link between `a` and `b` is promised, either way, beyond `now`. */
  held(a: number, b: number, now: number): boolean {
    return this.until[this.at(a, b)]! > now || this.until[this.at(b, a)]! > now;
  }

  /** How many links promised to or by `a` beyond `now` lead to a slot `counts` accepts. */
  reserved(a: number, now: number, counts: (b: number) => boolean): number {
    let n = 0;
    for (let b = 0; b < this.slots; b++) if (b !== a && this.held(a, b, now) && counts(b)) n++;
    return n;
  }

  private at(a: number, b: number): number {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= this.slots || b >= this.slots)
      throw new RangeError(`no slots ${a}, ${b}`);
    return a * this.slots + b;
  }
}
