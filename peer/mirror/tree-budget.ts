import type { MirrorEntry } from '../../common/wire/mirror-messages.js';
import { entryCost, type MirrorBook } from './mirror-book.js';

/** Most files one owner's tree may have at a mirror: twice the 100,000 measured (docs/performance.md "Mirror"). */
export const MAX_TREE_FILES = 200_000;
/** Most bytes one owner's tree may cost a mirror in memory: its paths' bytes and a record's overhead for each. */
export const MAX_TREE_BYTES = 64 * 1024 * 1024;
/** Entries of a full round applied between two turns of the event loop (a large round never blocks it long). */
const APPLY_SLICE = 4096;

/** What a mirror holds for one owner at most (peer/mirror/mirror-limits.ts lowers them for tests). */
export interface TreeLimits {
  /** Most files one owner's tree may have at this mirror. Default MAX_TREE_FILES. */
  maxFiles?: number;
  /** Most bytes one owner's tree may cost this mirror in memory (mirror-book.ts `entryCost`). Default MAX_TREE_BYTES. */
  maxTreeBytes?: number;
}

/** Why a tree of `files` files costing `bytes` is more than a mirror holds for one owner, if it is. */
export function budgetProblem(files: number, bytes: number, limits: TreeLimits): string | undefined {
  const maxFiles = limits.maxFiles ?? MAX_TREE_FILES;
  const maxBytes = limits.maxTreeBytes ?? MAX_TREE_BYTES;
  if (files > maxFiles) return `a tree of more than ${maxFiles} files (this mirror's limit for one owner)`;
  if (bytes > maxBytes)
    return `a tree of more than ${maxBytes} bytes of paths and records (this mirror's limit for one owner)`;
  return undefined;
}

/** Why adding `entries` to the tree `book` holds would be more than `limits` allow, if it would. */
export function growthProblem(book: MirrorBook, entries: MirrorEntry[], limits: TreeLimits): string | undefined {
  let [files, bytes] = [book.published.size, book.treeBytes];
  for (const f of entries) if (!book.published.has(f.path)) [files, bytes] = [files + 1, bytes + entryCost(f.path)];
  return budgetProblem(files, bytes, limits);
}

/** A full answer gathered batch by batch, with its cost, until its last batch. */
export class FullRound {
  readonly files = new Map<string, MirrorEntry>();
  private bytes = 0;

  /** Adds a batch's entries; why the tree is now beyond `limits`, if it is. */
  add(entries: MirrorEntry[], limits: TreeLimits): string | undefined {
    for (const f of entries) {
      if (!this.files.has(f.path)) this.bytes += entryCost(f.path);
      this.files.set(f.path, f);
    }
    return budgetProblem(this.files.size, this.bytes, limits);
  }
}

/** How a full round changes a mirror's records (owner-sync.ts). */
export interface RoundSteps {
  publish(entry: MirrorEntry): void;
  unpublish(path: string): void;
  /** A copy written but not in the owner's tree: to delete. */
  stale(path: string): void;
  /** Whether to go on (the connection is still open). */
  alive(): boolean;
}

/**
 * Applies a full round (`files`: the owner's whole tree) to `book`, APPLY_SLICE entries per turn of the event loop.
 * Until it is whole the book's epoch is none, so a book saved meanwhile asks for the full tree again. False when
 * `alive` said stop first.
 */
export async function applyFullRound(
  book: MirrorBook,
  files: ReadonlyMap<string, MirrorEntry>,
  steps: RoundSteps,
): Promise<boolean> {
  book.epoch = '';
  let n = 0;
  const breathe = async () => {
    if (++n % APPLY_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    return steps.alive();
  };
  // (A map's walk visits what is left after the entry it stands on is deleted: no copy of its keys is made.)
  for (const path of book.published.keys()) {
    if (!files.has(path)) steps.unpublish(path);
    if (!(await breathe())) return false;
  }
  for (const f of files.values()) {
    steps.publish(f);
    if (!(await breathe())) return false;
  }
  // Copies written but never published in this epoch's list go as well.
  for (const path of book.written.keys()) {
    if (!book.published.has(path)) steps.stale(path);
    if (!(await breathe())) return false;
  }
  return true;
}
