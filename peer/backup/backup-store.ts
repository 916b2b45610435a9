import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.js';
import type { IndexedFile } from '../../common/wire/server-messages.js';
import { readRecordFolders } from '../custody/record-folders.js';

/** One content as the backup peer keeps it: its SHA-256, size, and every name the mesh shared it under. */
export interface BackupRecord {
  sha256: string;
  size: number;
  /** The name its file is stored under (the first one seen), then the others. */
  names: string[];
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * What a backup peer (`--backup`) keeps (docs/PROTOCOL.md "Backup peer"): every content shared in the mesh, once per
 * SHA-256, in `.p2p/backup/<sha256>/`: the file under its first name in `file/`, and beside it `content.json`,
 * written atomically once the file is whole and verified. Apart from the peer's own files; served and indexed under every name seen.
 */
export class BackupStore {
  /** The records by SHA-256, read once at start and kept in step with every change. */
  private readonly bySha: Map<string, BackupRecord>;

  constructor(private readonly root: string) {
    const valid = (r: BackupRecord, d: string) => r.sha256 === d && Array.isArray(r.names) && r.names.length > 0;
    this.bySha = readRecordFolders(root, SHA256, 'content.json', valid);
  }

  /** Where a content's file goes: `<sha256>/file/` (its description beside that folder, never inside it). */
  dirOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`"${sha256.slice(0, 70)}" is not a SHA-256`);
    return join(this.root, sha256, 'file');
  }

  records(): BackupRecord[] {
    return [...this.bySha.values()];
  }

  has(sha256: string): boolean {
    return this.bySha.has(sha256);
  }

  /** Notes a content stored whole under `stored`, or another name for one already kept. */
  add(file: IndexedFile, stored = file.name): void {
    const known = this.bySha.get(file.sha256);
    const names = known
      ? [...new Set([...known.names, file.name])]
      : [stored, ...(stored === file.name ? [] : [file.name])];
    const record: BackupRecord = { sha256: file.sha256, size: file.size, names };
    this.dirOf(file.sha256); // checks the SHA-256 before it names a folder
    writeFileAtomic(join(this.root, file.sha256, 'content.json'), `${JSON.stringify(record)}\n`);
    this.bySha.set(file.sha256, record);
  }

  /** What the index lists for the backup: every content under every name seen. */
  indexed(): IndexedFile[] {
    return this.records().flatMap((r) => r.names.map((name) => ({ name, size: r.size, sha256: r.sha256 })));
  }

  /** Where a file asked for by that name is kept (its stored name), for serving it. */
  lookup(name: string): { dir: string; stored: string }[] {
    const nfc = name.normalize('NFC');
    return this.records()
      .filter((r) => r.names.some((n) => n.normalize('NFC') === nfc))
      .map((r) => ({ dir: this.dirOf(r.sha256), stored: r.names[0]! }));
  }

  totals(): { files: number; bytes: number } {
    const records = this.records();
    return { files: records.length, bytes: records.reduce((sum, r) => sum + r.size, 0) };
  }
}
