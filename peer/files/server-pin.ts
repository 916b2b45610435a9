import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.js';
import { idOfPublicKey, PUBLIC_KEY_BYTES } from '../../common/signing-key.js';

/** The file, in the peer's hidden state folder, that keeps the metadata server's public key as first seen. */
export const SERVER_KEY_PIN_FILE = 'server-key';

/**
 * The metadata server's identity as this peer first met it (docs/SECURITY.md "Identities"): trust on first use, as
 * ssh does for hosts. The server proves its key on every connection (common/identity-proof.ts); a server that
 * proves another key is refused, because it is not the one whose trust lists this peer accepts: another member
 * posing as the server, or a server whose state was reset. The key is kept as 64 hexadecimal digits and a newline.
 */
export class ServerKeyPin {
  private readonly file: string;
  private pinned: Buffer | undefined;

  constructor(stateDir: string) {
    this.file = join(stateDir, SERVER_KEY_PIN_FILE);
    try {
      const text = readFileSync(this.file, 'utf8').trim();
      if (/^[0-9a-f]{64}$/.test(text)) this.pinned = Buffer.from(text, 'hex');
    } catch {
      /* first start, or a file that is not a pin: pinned at the first join */
    }
  }

  /** The server's public key as pinned, once a join has seen it. */
  get key(): Buffer | undefined {
    return this.pinned;
  }

  /**
   * Accepts `publicKey` (pinning it on first sight) and returns undefined, or returns the sentence saying why the
   * server is refused and what to do.
   */
  check(publicKey: Buffer, server: string): string | undefined {
    if (publicKey.length !== PUBLIC_KEY_BYTES) return `the metadata server at ${server} sent no valid identity key`;
    if (this.pinned?.equals(publicKey)) return undefined;
    if (this.pinned) {
      return (
        `the metadata server at ${server} proved another identity (${idOfPublicKey(publicKey)}) than the one this ` +
        `peer first joined (${idOfPublicKey(this.pinned)}): if its state folder was reset on purpose, delete ` +
        `${this.file} and start the peer again; otherwise something else poses as the metadata server`
      );
    }
    this.pinned = Buffer.from(publicKey);
    writeFileAtomic(this.file, `${publicKey.toString('hex')}\n`);
    return undefined;
  }
}
