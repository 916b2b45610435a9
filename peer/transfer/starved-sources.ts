/**
 * A swarm that no source can help any more: a source still downloading sends an empty `have` every 5 s, which keeps
 * its connection alive although it may hold none of the pieces we miss (two downloaders left with the same pieces
 * once the only full holder is gone). When no full holder is left and no source holds a missing piece (nor has one
 * in flight) for `afterMs`, every source is dropped, so the download looks for holders again and fails after the
 * usual retries, keeping its pieces (docs/PROTOCOL.md "Swarming").
 */
export class StarvedSources {
  /** Since when no source could help, if so. */
  private since: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly afterMs: number,
    /** The open sources' names. */
    private readonly names: () => Iterable<string>,
    /** Does this source hold a missing piece or have one in flight (PiecePicker.canSupply)? */
    private readonly useful: (name: string) => boolean,
    private readonly drop: (reason: string) => void,
  ) {
    this.timer = setInterval(() => this.sweep(Date.now()), Math.max(50, Math.floor(afterMs / 5))).unref();
  }

  /** Checks the sources now; calls `drop` once none could help for `afterMs`. */
  sweep(now: number): void {
    const names = [...this.names()];
    if (names.length === 0 || names.some(this.useful)) {
      this.since = undefined;
      return;
    }
    this.since ??= now;
    if (now - this.since < this.afterMs) return;
    this.since = undefined;
    this.drop(`no source holds any missing piece (for ${Math.round(this.afterMs / 1000)} s)`);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
