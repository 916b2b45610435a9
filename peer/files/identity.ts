import { join } from 'node:path';
import { SigningKey } from '../../common/signing-key.js';

/** The peer's identity key's file inside its hidden state folder. */
export const IDENTITY_KEY_FILE = 'identity.key';

export interface Identity {
  /** The id derived from the public key (common/signing-key.ts `idOfPublicKey`). */
  id: string;
  key: SigningKey;
  /** True when the key was made by this start (a new folder, or one from before ids were proved). */
  created: boolean;
}

/**
 * The peer's persistent identity (an address can change, the id does not): an Ed25519 key pair made on first start
 * and kept in `.p2p/identity.key` (owner-only), its id derived from the public key, so the mesh knows the peer
 * again when it returns from another address and nobody else can claim that id (docs/SECURITY.md "Identities").
 * A folder from an earlier release (an `identity.json` holding a made-up id) gets a key, and with it a new id.
 */
export function loadIdentity(stateDir: string): Identity {
  const { key, created } = SigningKey.loadOrCreate(join(stateDir, IDENTITY_KEY_FILE));
  return { id: key.id, key, created };
}
