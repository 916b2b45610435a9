/**
 * The discovery datagrams (docs/PROTOCOL.md "Discovery datagrams"): the metadata server's announcement of where it
 * listens, and a peer's query asking servers to announce now. Fixed-size binary records, so a datagram of any other
 * length is dropped before a byte of it is parsed. An announcement is signed by the server's Ed25519 key (a member
 * cannot pose as the server its peers pinned); in a keyed mesh both kinds also carry an HMAC-SHA256 under a key
 * derived from the mesh key (a stranger can neither announce nor make a server answer). An open mesh (`--open`)
 * has no key: its datagrams carry no MAC, and anyone on the LAN can forge them (docs/SECURITY.md "Discovery").
 * This module is pure: no sockets, no clock.
 *
 * May import: Node's standard library and common/.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, verifySignature, type SigningKey } from '../signing-key.js';

/** First bytes of every discovery datagram: "msd" and the format's version, 1. */
const MAGIC = Buffer.from([0x6d, 0x73, 0x64, 0x01]);
const KIND_ANNOUNCE = 1;
const KIND_QUERY = 2;
const MODE_OPEN = 0;
const MODE_KEYED = 1;
/** Bytes of a nonce (announcement or query): random, so a replay is recognised by it. */
export const NONCE_BYTES = 16;
const MAC_BYTES = 32;
const HEADER_BYTES = 8;
/** Header, time (8), nonce, echo, port (2), IPv4 address (4), server key: the part the server signs. */
const ANNOUNCE_SIGNED_BYTES = HEADER_BYTES + 8 + NONCE_BYTES + NONCE_BYTES + 2 + 4 + PUBLIC_KEY_BYTES;
const ANNOUNCE_OPEN_BYTES = ANNOUNCE_SIGNED_BYTES + SIGNATURE_BYTES;
const ANNOUNCE_KEYED_BYTES = ANNOUNCE_OPEN_BYTES + MAC_BYTES;
const QUERY_OPEN_BYTES = HEADER_BYTES + NONCE_BYTES;
const QUERY_KEYED_BYTES = QUERY_OPEN_BYTES + MAC_BYTES;
/** Longest datagram of this format; anything longer is dropped unread (the receive side checks it first). */
export const MAX_DISCOVERY_DATAGRAM_BYTES = ANNOUNCE_KEYED_BYTES;
/** Prefixed to what the server signs, so an announcement's signature can never stand for another signed thing. */
const SIGNING_CONTEXT = Buffer.from('meshshare discovery announcement v1\0');
/** HKDF label of the discovery MAC key: the mesh key itself is only ever the TLS pre-shared key. */
const MAC_KEY_LABEL = 'meshshare/discovery/mac/v1';
/** An echo of zeros: a periodic announcement, answering no query. */
export const NO_ECHO = Buffer.alloc(NONCE_BYTES);

/** How a process authenticates discovery datagrams: with the MAC key derived from its mesh key, or openly. */
export type DiscoveryAuth = { readonly keyed: true; readonly macKey: Buffer } | { readonly keyed: false };

/** The discovery auth of a keyed mesh (HKDF-SHA256 of the mesh key, with its own label) or of an open one. */
export function discoveryAuth(meshKey: Buffer | undefined): DiscoveryAuth {
  if (!meshKey) return { keyed: false };
  return { keyed: true, macKey: Buffer.from(hkdfSync('sha256', meshKey, Buffer.alloc(0), MAC_KEY_LABEL, 32)) };
}

export interface Announcement {
  kind: 'announce';
  /** When the server sent it, ms since epoch (its clock). */
  time: number;
  nonce: Buffer;
  /** The query nonce this answers; NO_ECHO for a periodic announcement. */
  echo: Buffer;
  /** Where the metadata server listens (TCP): an IPv4 address and a port. */
  host: string;
  port: number;
  /** The server's raw Ed25519 public key (its identity, docs/SECURITY.md "Identities"). */
  serverKey: Buffer;
}

export interface Query {
  kind: 'query';
  nonce: Buffer;
}

export type DiscoveryDatagram = Announcement | Query;

/** A decoded datagram, or the one-phrase reason it was dropped. */
export type DecodedDatagram = { ok: true; datagram: DiscoveryDatagram } | { ok: false; reason: string };

function header(kind: number, auth: DiscoveryAuth): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(head, 0);
  head[4] = kind;
  head[5] = auth.keyed ? MODE_KEYED : MODE_OPEN;
  return head;
}

function mac(auth: DiscoveryAuth, data: Buffer): Buffer {
  return auth.keyed ? createHmac('sha256', auth.macKey).update(data).digest() : Buffer.alloc(0);
}

function ipv4Bytes(host: string): Buffer {
  if (!isIPv4(host)) throw new RangeError(`an announcement carries an IPv4 address, not "${host}"`);
  return Buffer.from(host.split('.').map(Number));
}

/** An announcement of `host:port`, signed by `identity`, MACed when keyed. */
export function encodeAnnouncement(
  fields: { time: number; nonce: Buffer; echo?: Buffer; host: string; port: number },
  identity: SigningKey,
  auth: DiscoveryAuth,
): Buffer {
  const echo = fields.echo ?? NO_ECHO;
  if (fields.nonce.length !== NONCE_BYTES || echo.length !== NONCE_BYTES) throw new RangeError('nonces have 16 bytes');
  if (!Number.isInteger(fields.port) || fields.port < 1 || fields.port > 65535) throw new RangeError('bad port');
  const body = Buffer.alloc(ANNOUNCE_SIGNED_BYTES - HEADER_BYTES);
  body.writeBigUInt64BE(BigInt(fields.time), 0);
  fields.nonce.copy(body, 8);
  echo.copy(body, 8 + NONCE_BYTES);
  body.writeUInt16BE(fields.port, 8 + 2 * NONCE_BYTES);
  ipv4Bytes(fields.host).copy(body, 10 + 2 * NONCE_BYTES);
  identity.publicKey.copy(body, 14 + 2 * NONCE_BYTES);
  const signed = Buffer.concat([header(KIND_ANNOUNCE, auth), body]);
  const withSignature = Buffer.concat([signed, identity.sign(Buffer.concat([SIGNING_CONTEXT, signed]))]);
  return Buffer.concat([withSignature, mac(auth, withSignature)]);
}

/** A peer's query: "servers, announce now", carrying a nonce the answer echoes. */
export function encodeQuery(nonce: Buffer, auth: DiscoveryAuth): Buffer {
  if (nonce.length !== NONCE_BYTES) throw new RangeError('nonces have 16 bytes');
  const data = Buffer.concat([header(KIND_QUERY, auth), nonce]);
  return Buffer.concat([data, mac(auth, data)]);
}

/**
 * Checks and decodes one datagram, in the cheapest order: length and header, then the MAC (constant time), then the
 * fields, then the signature. Never throws: anything else is `{ ok: false, reason }`.
 */
export function decodeDatagram(data: Buffer, auth: DiscoveryAuth): DecodedDatagram {
  const drop = (reason: string): DecodedDatagram => ({ ok: false, reason });
  if (data.length < HEADER_BYTES || data.length > MAX_DISCOVERY_DATAGRAM_BYTES)
    return drop(`${data.length} bytes is no discovery datagram`);
  if (!data.subarray(0, 4).equals(MAGIC)) return drop('not a discovery datagram of this version');
  const kind = data[4];
  const mode = data[5];
  if (data[6] !== 0 || data[7] !== 0) return drop('reserved header bytes are not zero');
  if (mode !== MODE_OPEN && mode !== MODE_KEYED) return drop('unknown mesh mode');
  if (mode === MODE_OPEN && auth.keyed)
    return drop('unauthenticated (no mesh-key MAC): an open-mesh process or a stranger');
  if (mode === MODE_KEYED && !auth.keyed) return drop('sent by a keyed mesh, and this process runs --open');
  const expected =
    kind === KIND_ANNOUNCE
      ? auth.keyed
        ? ANNOUNCE_KEYED_BYTES
        : ANNOUNCE_OPEN_BYTES
      : kind === KIND_QUERY
        ? auth.keyed
          ? QUERY_KEYED_BYTES
          : QUERY_OPEN_BYTES
        : -1;
  if (expected < 0) return drop(`unknown datagram kind ${kind}`);
  if (data.length !== expected) return drop(`${data.length} bytes where this kind has ${expected}`);
  if (auth.keyed) {
    const given = data.subarray(expected - MAC_BYTES);
    if (!timingSafeEqual(given, mac(auth, data.subarray(0, expected - MAC_BYTES))))
      return drop('wrong MAC: not made with this mesh key');
  }
  if (kind === KIND_QUERY) {
    return { ok: true, datagram: { kind: 'query', nonce: Buffer.from(data.subarray(8, 8 + NONCE_BYTES)) } };
  }
  const time = data.readBigUInt64BE(8);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) return drop('time out of range');
  let at = 16;
  const take = (n: number) => Buffer.from(data.subarray(at, (at += n)));
  const nonce = take(NONCE_BYTES);
  const echo = take(NONCE_BYTES);
  const port = take(2).readUInt16BE(0);
  const host = [...take(4)].join('.');
  const serverKey = take(PUBLIC_KEY_BYTES);
  const signature = take(SIGNATURE_BYTES);
  if (port === 0) return drop('port 0');
  if (host.startsWith('0.') || host === '255.255.255.255' || Number(host.split('.')[0]) >= 224)
    return drop(`${host} is not an address a server listens on`);
  const signed = data.subarray(0, ANNOUNCE_SIGNED_BYTES);
  if (!verifySignature(serverKey, Buffer.concat([SIGNING_CONTEXT, signed]), signature))
    return drop('bad signature: not signed by the server key it names');
  return { ok: true, datagram: { kind: 'announce', time: Number(time), nonce, echo, host, port, serverKey } };
}
