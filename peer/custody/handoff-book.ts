import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.js';
import type { CustodyFile } from '../../common/wire/peer-messages.js';

interface Handed {
  custodian: { name: string; id: string };
  files: CustodyFile[];
}

/**
 * What this peer handed off, and to whom (`.p2p/handoffs.json`): a returning owner takes back only the files it
 * handed to that custodian (by id and SHA-256), so no other member can push content into its `shared/`.
 */
export class HandoffBook {
  private readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, 'handoffs.json');
  }

  all(): Handed[] {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Handed[];
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  }

  record(custodian: { name: string; id: string }, files: CustodyFile[]): void {
    const all = this.all();
    const rest = all.filter((h) => h.custodian.id !== custodian.id);
    const before = all.find((h) => h.custodian.id === custodian.id)?.files ?? [];
    const merged = [...before.filter((f) => !files.some((g) => g.sha256 === f.sha256)), ...files];
    this.save([...rest, { custodian: { name: custodian.name, id: custodian.id }, files: merged }]);
  }

  /** The files handed to the custodian with this id. */
  handedTo(custodianId: string): CustodyFile[] {
    return this.all().find((h) => h.custodian.id === custodianId)?.files ?? [];
  }

  /** These are back (or were never missing): forgotten. */
  settle(custodianId: string, sha256s: string[]): void {
    const next = this.all()
      .map((h) =>
        h.custodian.id === custodianId ? { ...h, files: h.files.filter((f) => !sha256s.includes(f.sha256)) } : h,
      )
      .filter((h) => h.files.length > 0);
    this.save(next);
  }

  private save(all: Handed[]): void {
    writeFileAtomic(this.file, `${JSON.stringify(all, null, 2)}\n`);
  }
}
