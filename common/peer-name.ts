import { P2pError } from './errors.js';

/** docs/CONTRACT.md "Commands": a peer's name is 1–32 letters, digits, `-` or `_`, compared case-insensitively. */
export const PEER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** Returns the canonical (lower-case) form of a valid name; throws P2P_ERR_BAD_NAME otherwise. */
export function canonicalName(name: string): string {
  if (!PEER_NAME_PATTERN.test(name)) {
    throw new P2pError(
      'P2P_ERR_BAD_NAME',
      `"${name.slice(0, 40)}" is not a valid peer name: use 1–32 letters, digits, "-" or "_" (for example s1)`,
    );
  }
  return name.toLowerCase();
}
