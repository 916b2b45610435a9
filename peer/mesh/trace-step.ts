import { idOfPublicKey, PUBLIC_KEY_BYTES, verifySignature } from '../../common/signing-key.js';
import type { TraceStepMessage } from '../../common/wire/peer-messages.js';

/** The bytes a step's signature covers: a fixed context, then every field of the step but the key and signature. */
function transcript(s: Omit<TraceStepMessage, 'key' | 'sig'>): Buffer {
  return Buffer.from(
    `meshshare/1 trace-step\n${JSON.stringify([s.qid, s.peer, s.from, s.hops, s.action, s.us, s.to])}`,
  );
}

/** The signer a step needs: this peer's identity key (peer/files/identity.ts). */
export interface StepSigner {
  publicKey: Buffer;
  sign(data: Buffer): Buffer;
}

/** A step of ours, signed with this peer's identity key, ready for the wire. */
export function signStep(step: Omit<TraceStepMessage, 'key' | 'sig'>, signer: StepSigner): TraceStepMessage {
  return {
    ...step,
    key: signer.publicKey.toString('base64'),
    sig: signer.sign(transcript(step)).toString('base64'),
  };
}

/**
 * Why a step that reached the origin is not believed, or undefined when it is: it must be signed by the key whose id
 * the mesh knows for the peer it names (`knownId`: a neighbour's proven id, or the metadata server's live list). So a
 * peer relaying steps can drop or delay them but not forge or alter one; what a step says is its signer's word.
 */
export function stepProblem(step: TraceStepMessage, knownId: string | undefined): string | undefined {
  if (knownId === undefined) return `${step.peer} is not a peer this mesh knows`;
  const key = Buffer.from(step.key, 'base64');
  if (key.length !== PUBLIC_KEY_BYTES || idOfPublicKey(key) !== knownId) return `not signed by ${step.peer}'s key`;
  const { key: _key, sig, ...fields } = step;
  if (!verifySignature(key, transcript(fields), Buffer.from(sig, 'base64'))) return `a bad signature for ${step.peer}`;
  return undefined;
}
