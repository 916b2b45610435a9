import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { nanoid } from 'nanoid';

export interface Identity {
  id: string;
  created: number;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * The peer's persistent id (an address can change, the id does not): made on first start and kept in
 * `.p2p/identity.json`, so the mesh knows the peer again when it returns from another address.
 */
export function loadIdentity(stateDir: string): Identity {
  const file = join(stateDir, 'identity.json');
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Identity>;
    if (typeof parsed.id === 'string' && ID_PATTERN.test(parsed.id)) {
      return { id: parsed.id, created: typeof parsed.created === 'number' ? parsed.created : Date.now() };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
  }
  const identity = { id: nanoid(), created: Date.now() };
  writeFileSync(`${file}.tmp`, JSON.stringify(identity) + '\n');
  renameSync(`${file}.tmp`, file);
  return identity;
}
