/**
 * A rate cap for one kind of traffic (the backup peer's catching up, peer/backup/backup-keeper.ts): after each piece
 * it says how long to wait before asking for the next one so that, over time, no more than `bytesPerSecond` flow.
 * With one piece in flight (peer/transfer/swarm-download.ts) that bounds the rate the holder sends at.
 */
export function pacer(bytesPerSecond: number, now: () => number = Date.now): (bytes: number) => number {
  let free = now(); // when the budget spent so far is paid back
  return (bytes) => {
    const t = now();
    free = Math.max(free, t) + (bytes / bytesPerSecond) * 1000;
    return Math.max(0, free - t);
  };
}

/** What a backup peer may take of its holders' and the LAN's bandwidth while it catches up. */
export const BACKUP_BYTES_PER_SECOND = 4 * 1024 * 1024;
