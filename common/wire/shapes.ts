import { arr, bool, int, obj, optional, str } from '../schema.js';
import { PEER_NAME_PATTERN } from '../peer-name.js';

/** Field checks shared by both protocols. */
export const nameField = str({ min: 1, max: 32, pattern: PEER_NAME_PATTERN });
/** nanoid ids (21 chars by default); bounded and URL-safe. */
export const idField = str({ min: 8, max: 64, pattern: /^[A-Za-z0-9_-]+$/ });
/** A host name or IPv4/IPv6 literal. */
export const hostField = str({ min: 1, max: 255, pattern: /^[A-Za-z0-9._:%-]+$/ });
export const portField = int({ min: 1, max: 65535 });
export const MAX_PEERS_ON_WIRE = 256;

/** Where a peer can be reached. */
export const peerRefShape = obj({ name: nameField, id: idField, host: hostField, port: portField });
export interface PeerRef {
  name: string;
  id: string;
  host: string;
  port: number;
}

/** A peer with its neighbour names: one node of TOPO. */
export const peerInfoShape = obj({
  name: nameField,
  id: idField,
  host: hostField,
  port: portField,
  neighbours: arr(nameField, { max: MAX_PEERS_ON_WIRE }),
  backup: optional(bool()),
  mirror: optional(bool()),
});
export interface PeerInfo extends PeerRef {
  neighbours: string[];
  /** A backup peer (`--backup`): it keeps a copy of every content in the mesh. */
  backup?: boolean;
  /** A mirror peer (`--mirror`): it keeps a copy of every other member's `shared/` tree. */
  mirror?: boolean;
}
