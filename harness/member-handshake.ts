/**
 * What a test client or a fuzzer must do on a connected socket to speak to a process as a member, exactly as the
 * peer's transport does (peer/transport/transport.ts `secure`): the mesh-key step, then the identity proof with a
 * key of its own (a fresh one unless given).
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { proveDialled, type ProvedIdentity } from '../common/identity-proof.js';
import { secureDialled, type MeshMode } from '../common/mesh-tls.js';
import { SigningKey } from '../common/signing-key.js';

export async function memberHandshake(
  socket: Socket,
  mode: MeshMode,
  key: SigningKey = SigningKey.generate(),
): Promise<{ stream: Duplex; far: ProvedIdentity; key: SigningKey }> {
  const stream = await secureDialled(socket, mode);
  const far = await proveDialled(stream, key);
  return { stream, far, key };
}
