/**
 * A tiny file system for tests of a full disk: a tmpfs of `size` (`12m`) mounted on `dir`. Needs root; the caller
 * skips with a note when `canMount()` is false. The returned function unmounts it lazily (it detaches even while a
 * killed process's files are still open) and never throws.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

export function canMount(): boolean {
  return process.getuid?.() === 0;
}

export function mountSmallDisk(dir: string, size: string): { grow(size: string): void; unmount(): void } {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  return {
    grow: (bigger) => void execFileSync('mount', ['-o', `remount,size=${bigger}`, dir]),
    unmount: () => {
      try {
        execFileSync('umount', ['-l', dir]);
      } catch {
        // already unmounted
      }
    },
  };
}
