/**
 * What a join must prove before the registry sees it (docs/SECURITY.md "Identities"): the id it names is the one
 * its connection proved (common/identity-proof.ts), and the name it asks for is not bound to another id in the
 * server's name book (name-book.ts). The registry then refuses a name held by a live peer, as before.
 */
import type { ProvedIdentity } from '../common/identity-proof.js';
import { PEER_NAME_PATTERN } from '../common/peer-name.js';
import type { ServerMessages } from '../common/wire/server-messages.js';
import type { NameBook } from './name-book.js';
import type { JoinRefusal } from './server-connection.js';

export function joinIdentityRefusal(
  proved: ProvedIdentity | undefined,
  join: ServerMessages['join'],
  names: NameBook,
): JoinRefusal | undefined {
  if (!proved || proved.id !== join.id) {
    return {
      code: 'P2P_ERR_IDENTITY',
      reason: `this join names the id ${join.id.slice(0, 64)} but its connection proved ${proved?.id ?? 'no id'}: a peer joins under the id of its own key`,
    };
  }
  if (!PEER_NAME_PATTERN.test(join.name)) return undefined; // the registry refuses it, saying why
  const owner = names.idOf(join.name);
  if (owner === undefined || owner === join.id) return undefined;
  const name = join.name.toLowerCase();
  return {
    code: 'P2P_ERR_NAME_TAKEN',
    reason:
      `the name "${name}" belongs to another peer (the one whose identity key made id ${owner}): choose another ` +
      `name, or start ${name} from its own folder; the operator can free the name with: metadata-server forget ${name}`,
  };
}
