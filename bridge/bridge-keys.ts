/**
 * What a bridge derives from the mesh key (docs/BEYOND-LAN.md "What would change in the product"): the DHT topic
 * under which an office's bridge announces itself, and the key of the hello that proves, on each bridge stream, that
 * the far end holds the mesh key. Both are HKDF-SHA256 of the mesh key with an empty salt and a label of their own,
 * as the discovery key is (docs/PROTOCOL.md "Discovery datagrams"): the mesh key itself stays the TLS pre-shared key.
 *
 * May import: Node's standard library only.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const TOPIC_LABEL = 'meshshare/bridge/topic/v1';
const HELLO_KEY_LABEL = 'meshshare/bridge/auth/v1';
const HELLO_CONTEXT = 'meshshare/1 bridge hello';

/** Bytes of a hello proof (an HMAC-SHA256). */
export const HELLO_PROOF_BYTES = 32;

/** Which end of a stream signs: the two ends' proofs differ, so one cannot be reflected back as the other. */
export type HelloRole = 'initiator' | 'responder';

export interface BridgeKeys {
  /** The 32-byte DHT topic: only holders of the mesh key can compute it, so only they find each other. */
  topic: Buffer;
  /** The key of the hello proofs. */
  helloKey: Buffer;
}

function derive(meshKey: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', meshKey, Buffer.alloc(0), label, 32));
}

export function bridgeKeys(meshKey: Buffer): BridgeKeys {
  return { topic: derive(meshKey, TOPIC_LABEL), helloKey: derive(meshKey, HELLO_KEY_LABEL) };
}

/**
 * The proof one end sends: HMAC-SHA256 under the hello key of the context, its role, the stream's Noise handshake
 * hash (the same at both ends and new for every session: the proof is good on this stream only) and its own Noise
 * public key.
 */
export function helloProof(helloKey: Buffer, role: HelloRole, handshakeHash: Buffer, ownPublicKey: Buffer): Buffer {
  return createHmac('sha256', helloKey)
    .update(HELLO_CONTEXT)
    .update(Buffer.from([role === 'initiator' ? 1 : 2]))
    .update(handshakeHash)
    .update(ownPublicKey)
    .digest();
}

/** Does `proof` come from the far end of this stream (`role` is the far end's), holding the mesh key? */
export function helloProofValid(
  helloKey: Buffer,
  role: HelloRole,
  handshakeHash: Buffer,
  remotePublicKey: Buffer,
  proof: Buffer,
): boolean {
  if (proof.length !== HELLO_PROOF_BYTES) return false;
  return timingSafeEqual(helloProof(helloKey, role, handshakeHash, remotePublicKey), proof);
}
