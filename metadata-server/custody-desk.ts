/**
 * Who keeps a leaving peer's files (docs/PROTOCOL.md "Custody"): the metadata
 * server sees every joined connection's `index`, `listening` and `heartbeat` (with the bytes free where the peer
 * keeps files), so on `custody-request` it knows which of the asker's files no other live member holds, by SHA-256
 * not by name, and names a custodian: the live peer with the most room that can take them all. Each plan is
 * remembered in `custody.json` in the state folder (atomic writes), owner by owner.
 *
 * Only the main thread uses it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';
import type { IndexedFile, ServerMessages } from '../common/wire/server-messages.js';
import type { PeerRef } from '../common/wire/shapes.js';

export const CUSTODY_FILE = 'custody.json';
const UNSPECIFIED_HOSTS = new Set(['0.0.0.0', '::']);

/** A live member as the desk knows it. */
interface Member {
  /** The connection it joined on: a late close of a replaced connection must not forget the new one. */
  conn: number;
  ref: PeerRef;
  files: IndexedFile[];
  /** Bytes free where it keeps files, as its last heartbeat said; undefined until one did. */
  room?: number;
}

/** A plan as remembered: whose files went to whom. */
export interface CustodyRecord {
  owner: { name: string; id: string };
  custodian: { name: string; id: string };
  files: IndexedFile[];
  at: number;
}

export class CustodyDesk {
  private readonly members = new Map<string, Member>();
  private records: CustodyRecord[] = [];

  constructor(readonly file?: string) {
    if (!file) return;
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { records?: CustodyRecord[] };
      if (Array.isArray(parsed.records)) this.records = parsed.records;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} is not a custody record`);
    }
  }

  static inState(stateDir: string): CustodyDesk {
    return new CustodyDesk(join(stateDir, CUSTODY_FILE));
  }

  /** A join was admitted under `join.name` from `remoteHost`; its port comes with `listening`. */
  joined(conn: number, join: ServerMessages['join'], remoteHost: string): void {
    const host = UNSPECIFIED_HOSTS.has(join.host) ? remoteHost : join.host;
    const name = join.name.toLowerCase();
    this.members.set(name, { conn, ref: { name, id: join.id, host, port: join.port ?? 0 }, files: [] });
  }

  /** What a joined connection said that the desk keeps: its port, its index, its room. */
  heard(name: string, message: { kind: string; body: unknown }): void {
    const member = this.members.get(name);
    if (!member) return;
    if (message.kind === 'listening') member.ref.port = (message.body as ServerMessages['listening']).port;
    if (message.kind === 'index') member.files = (message.body as ServerMessages['index']).files;
    if (message.kind === 'heartbeat') {
      const room = (message.body as ServerMessages['heartbeat']).room;
      if (room !== undefined) member.room = room;
    }
  }

  left(name: string, conn: number): void {
    if (this.members.get(name)?.conn === conn) this.members.delete(name);
  }

  /** Plans the handoff of `name`'s files: the ones nobody else holds, and the custodian that can take them all. */
  plan(name: string, rid: string): ServerMessages['custody-plan'] {
    const owner = this.members.get(name);
    if (!owner) return { rid, files: [], reason: 'this peer has not joined' };
    const elsewhere = new Set<string>();
    for (const [other, m] of this.members) if (other !== name) for (const f of m.files) elsewhere.add(f.sha256);
    const seen = new Set<string>();
    const files = owner.files.filter((f) => !elsewhere.has(f.sha256) && !seen.has(f.sha256) && seen.add(f.sha256));
    if (files.length === 0) return { rid, files, reason: 'every file of this peer is held by another member too' };
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    const candidates = [...this.members.values()]
      .filter((m) => m.ref.name !== name && m.ref.port > 0)
      .sort((a, b) => (b.room ?? -1) - (a.room ?? -1));
    const custodian = candidates.find((m) => m.room === undefined || m.room >= bytes);
    if (!custodian) {
      const why = candidates.length === 0 ? 'no other member is live' : `no member has room for ${bytes} bytes`;
      return { rid, files, reason: why };
    }
    this.remember({
      owner: { name, id: owner.ref.id },
      custodian: { name: custodian.ref.name, id: custodian.ref.id },
      files,
      at: Date.now(),
    });
    return { rid, files, custodian: { ...custodian.ref }, reason: '' };
  }

  /** The plans remembered, newest per owner. */
  all(): CustodyRecord[] {
    return [...this.records];
  }

  private remember(record: CustodyRecord): void {
    this.records = [...this.records.filter((r) => r.owner.id !== record.owner.id), record];
    if (this.file) writeFileAtomic(this.file, `${JSON.stringify({ version: 1, records: this.records }, null, 2)}\n`);
  }
}
