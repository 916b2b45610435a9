import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.js';
import { describeError } from '../../common/errors.js';
import { nestsWithin } from '../../common/json-bounds.js';
import { verifySignature } from '../../common/signing-key.js';
import {
  TRUST_SIGNING_CONTEXT,
  trustListShape,
  type ServerMessages,
  type TrustedFile,
  type TrustedPeer,
  type TrustListBody,
} from '../../common/wire/server-messages.js';
import type { TrustGate } from '../transfer/trust-gate.js';

/** Where the last verified list is kept, with its signature (re-verified on every start). */
export const TRUST_LIST_FILE = 'trust-list.json';

/**
 * The trust list as this peer verified it (docs/SECURITY.md "Trusted peers and files"): which peers the metadata
 * server trusts (with the ids bound to their names) and which contents they share. A list counts only if it is
 * signed by the server key this peer pinned (peer/files/server-pin.ts); an older list than the one held is ignored
 * (a replay). The last one is kept in the peer's hidden state, so `--trusted-only` and `secure-get` keep their word
 * while the server is away.
 */
export class TrustList {
  private body: TrustListBody | undefined;
  private readonly file: string;

  /** What downloads ask of trust (peer/transfer/trust-gate.ts). */
  readonly gate: TrustGate;

  constructor(
    stateDir: string,
    /** The metadata server's pinned public key, once a join has seen it. */
    private readonly serverKey: () => Buffer | undefined,
    /** `--trusted-only`: every download takes trusted content only. */
    trustedOnly = false,
  ) {
    this.gate = { trustedOnly, list: this };
    this.file = join(stateDir, TRUST_LIST_FILE);
    try {
      const kept = JSON.parse(readFileSync(this.file, 'utf8')) as ServerMessages['trust'];
      if (typeof kept.list === 'string' && typeof kept.signature === 'string') this.accept(kept, false);
    } catch {
      /* none kept yet, or unreadable: the server sends one at the next join */
    }
  }

  /** Verifies and takes a list from the server; returns why it was not taken, or undefined. */
  accept(signed: ServerMessages['trust'], keep = true): string | undefined {
    const key = this.serverKey();
    if (!key) return 'a trust list arrived before the metadata server proved its key';
    const signature = Buffer.from(signed.signature, 'base64');
    if (!verifySignature(key, Buffer.from(TRUST_SIGNING_CONTEXT + signed.list, 'utf8'), signature))
      return "the trust list's signature is not the metadata server's";
    let body: TrustListBody;
    try {
      const text = Buffer.from(signed.list, 'utf8');
      if (!nestsWithin(text)) throw new Error('nested too deep');
      body = trustListShape(JSON.parse(signed.list), 'trust list') as TrustListBody;
    } catch (err) {
      return `the trust list is malformed (${describeError(err)})`;
    }
    if (this.body && body.issued < this.body.issued) return 'an older trust list than the one held was ignored';
    this.body = body;
    if (keep) writeFileAtomic(this.file, `${JSON.stringify(signed)}\n`);
    return undefined;
  }

  /** Takes a list the metadata server sent, and says in the log what it holds, or why it was not taken. */
  take(signed: ServerMessages['trust'], log: (message: string, level?: 'info' | 'warn') => void): void {
    const problem = this.accept(signed);
    if (problem) return log(problem, 'warn');
    const peers = this.peers().map((p) => p.name);
    if (peers.length === 0) return;
    const files = this.files().length;
    log(`trusted peers: ${peers.join(', ')}; ${files} trusted file${files === 1 ? '' : 's'} (type trusted)`);
  }

  /** How this peer takes content, as its `ready` event says. */
  mode(): { trustedOnly: boolean } {
    return { trustedOnly: this.gate.trustedOnly };
  }

  /** The answer to `trusted`. */
  answer(): { peers: TrustedPeer[]; files: TrustedFile[]; verified: boolean; complete: boolean } {
    return { peers: this.peers(), files: this.files(), verified: this.known, complete: this.complete };
  }

  /** Whether a verified list is held. */
  get known(): boolean {
    return this.body !== undefined;
  }

  /** Whether the last list held every trusted file (a list holds at most MAX_TRUSTED_FILES). */
  get complete(): boolean {
    return this.body?.complete ?? true;
  }

  peers(): TrustedPeer[] {
    return this.body?.peers ?? [];
  }

  files(): TrustedFile[] {
    return this.body?.files ?? [];
  }

  /** The id of the trusted peer `name`, when it is trusted and its name is bound. */
  trustedId(name: string): string | undefined {
    return this.body?.peers.find((p) => p.name === name.toLowerCase())?.id;
  }

  isTrustedPeer(name: string): boolean {
    return this.body?.peers.some((p) => p.name === name.toLowerCase()) ?? false;
  }

  /** Whether a content (by SHA-256) is on the trusted-file list. */
  contentTrusted(sha256: string): boolean {
    return this.body?.files.some((f) => f.sha256 === sha256) ?? false;
  }
}
