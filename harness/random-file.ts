import { randomFillSync } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

/** Writes `bytes` of random data to `path` in 16 MiB blocks (memory stays flat). */
export function writeRandomFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const block = Buffer.allocUnsafe(16 * 1024 * 1024);
  try {
    for (let left = bytes; left > 0;) {
      const n = Math.min(left, block.length);
      randomFillSync(block, 0, n);
      writeSync(fd, block, 0, n);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
}
