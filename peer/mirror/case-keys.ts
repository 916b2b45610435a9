import { collisionKey } from '../files/relative-path.js';
import type { MirrorBook } from './mirror-book.js';

/**
 * Paths of one owner's tree that differ only by case or accents (relative-path.ts `collisionKey`), which a mirror
 * cannot hold both of: the first one published is written, the others are skipped. Skipped paths are counted out
 * of the owner's `behind` (the status would stay `syncing` for ever) and named in its `problem`.
 */
export class CaseKeys {
  private readonly holders = new Map<string, string>();
  private readonly skipped = new Set<string>();

  constructor(paths: Iterable<string>) {
    for (const path of paths) this.add(path);
  }

  add(path: string): void {
    const key = collisionKey(path);
    if (!this.holders.has(key)) this.holders.set(key, path);
  }

  remove(path: string): void {
    const key = collisionKey(path);
    if (this.holders.get(key) === path) this.holders.delete(key);
    this.skipped.delete(path);
  }

  /** The other path that holds the name of `path`, if one does (then `path` is skipped); else `path` holds it. */
  clash(path: string): string | undefined {
    const key = collisionKey(path);
    const holder = this.holders.get(key);
    if (holder === undefined) this.holders.set(key, path);
    if (holder === undefined || holder === path) return undefined;
    this.skipped.add(path);
    return holder;
  }

  /** Skipped paths that `book` would count as behind. */
  behind(book: MirrorBook): number {
    let n = 0;
    for (const path of this.skipped) if (book.needsFetch(path)) n++;
    return n;
  }

  /** The status's problem while paths are skipped. */
  problem(): string | undefined {
    const [first] = this.skipped;
    if (first === undefined) return undefined;
    const n = this.skipped.size;
    return `${n} ${n === 1 ? 'path differs' : 'paths differ'} only in case from another of the tree, not written (${first})`;
  }
}
