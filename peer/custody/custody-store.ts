import { mkdirSync, rmSync, statfsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.js';
import type { CustodyFile } from '../../common/wire/peer-messages.js';
import type { IndexedFile } from '../../common/wire/server-messages.js';
import { underRoot } from '../files/relative-path.js';
import { readRecordFolders } from './record-folders.js';

/** An owner's files as this custodian keeps them (`owner.json` beside them). */
export interface CustodyRecord {
  owner: { name: string; id: string };
  files: CustodyFile[];
}

/** One file held for an owner, as the `files` event lists it. */
export interface CustodyEntry {
  owner: string;
  file: string;
  bytes: number;
  sha256: string;
}

/** Room left free beyond the files taken for others. */
export const ROOM_MARGIN = 64 * 1024 * 1024;

/** Ids are base64url (common/signing-key.ts): safe as a folder name. */
const ID = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * What this peer keeps in custody for peers that left (docs/PROTOCOL.md "Custody"): under `.p2p/custody/<owner
 * id>/`, apart from its own `shared/` and `Downloads/`, each owner's files in `files/` and what they are in
 * `owner.json` (written atomically). They are served under their names and indexed, but never counted as this
 * peer's own shares.
 */
export class CustodyStore {
  /** The records by owner id, read once at start and kept in step with every change. */
  private readonly byOwner: Map<string, CustodyRecord>;

  constructor(private readonly root: string) {
    this.byOwner = readRecordFolders<CustodyRecord>(
      root,
      ID,
      'owner.json',
      (r, id) => r.owner?.id === id && Array.isArray(r.files),
    );
  }

  /** Where an owner's files go (made on demand). */
  dirOf(ownerId: string): string {
    if (!ID.test(ownerId)) throw new Error(`"${ownerId.slice(0, 70)}" is not a peer id`);
    return join(this.root, ownerId, 'files');
  }

  records(): CustodyRecord[] {
    return [...this.byOwner.values()];
  }

  /** Notes a file fetched and verified for `owner`. */
  add(owner: { name: string; id: string }, file: CustodyFile): void {
    const known = this.byOwner.get(owner.id)?.files ?? [];
    const record = {
      owner: { name: owner.name, id: owner.id },
      files: [...known.filter((f) => f.sha256 !== file.sha256), file],
    };
    mkdirSync(this.dirOf(owner.id), { recursive: true });
    writeFileAtomic(join(this.root, owner.id, 'owner.json'), `${JSON.stringify(record, null, 2)}\n`);
    this.byOwner.set(owner.id, record);
  }

  /** Deletes the copies of these contents kept for `ownerId`; returns what went. */
  release(ownerId: string, sha256s: string[]): CustodyFile[] {
    const record = this.byOwner.get(ownerId);
    if (!record) return [];
    const gone = record.files.filter((f) => sha256s.includes(f.sha256));
    for (const f of gone) {
      const path = underRoot(this.dirOf(ownerId), f.name); // a path checked to stay inside the owner's folder
      if (!path) continue;
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    }
    record.files = record.files.filter((f) => !sha256s.includes(f.sha256));
    if (record.files.length > 0)
      writeFileAtomic(join(this.root, ownerId, 'owner.json'), `${JSON.stringify(record, null, 2)}\n`);
    else {
      rmSync(join(this.root, ownerId), { recursive: true, force: true });
      this.byOwner.delete(ownerId);
    }
    return gone;
  }

  entries(): CustodyEntry[] {
    return this.records().flatMap((r) =>
      r.files.map((f) => ({ owner: r.owner.name, file: f.name, bytes: f.size, sha256: f.sha256 })),
    );
  }

  /** What the index lists for this peer besides its own files. */
  indexed(): IndexedFile[] {
    return this.records().flatMap((r) => r.files.map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 })));
  }

  /** The folders a file of that name may be kept in, for serving it. */
  foldersFor(name: string): string[] {
    return this.records()
      .filter((r) => r.files.some((f) => f.name === name || f.name.normalize('NFC') === name.normalize('NFC')))
      .map((r) => this.dirOf(r.owner.id));
  }

  /**
   * Bytes this peer can take for others: what is free where custody copies are kept, less ROOM_MARGIN (a custodian
   * never fills its disk for someone else). The metadata server plans with the same figure (heartbeat `room`).
   */
  room(): number {
    mkdirSync(this.root, { recursive: true });
    const fs = statfsSync(this.root);
    return Math.max(0, fs.bavail * fs.bsize - ROOM_MARGIN);
  }
}
