import { describeError } from '../../common/errors.js';
import { peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import { pathProblem } from '../files/relative-path.js';
import { decodeManifest, type Manifest } from '../content/manifest.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import type { Dialer } from '../transport/transport.js';
import { offerProblem } from './offer-limits.js';

/** A holder's answer to `fetch`: its offer on the open channel, or why there is none. */
export type HolderAnswer = { channel: PeerChannel; offer: PeerMessages['offer'] } | { problem: string };

/**
 * Dials a holder the index or the address book named and asks it to offer `file` (`fetch`, docs/PROTOCOL.md
 * "Peer ↔ peer"); resolves with its first message, an offer, or one sentence saying why not (the channel is then
 * closed). Never rejects.
 */
export async function askHolder(
  transport: Dialer,
  holder: PeerRef,
  request: { qid: string; file: string; sha256: string; from: PeerRef },
): Promise<HolderAnswer> {
  type Answer = { channel?: PeerChannel; first: PeerMessages['offer'] | string };
  const { channel, first } = await transport.dial(holder, peerMessages, { idleTimeoutMs: 5000 }).then(
    (open) =>
      new Promise<Answer>((resolve) => {
        // The index or the address book named the holder by id: the peer reached must prove it.
        if (open.identity?.id !== holder.id)
          return resolve({ channel: open, first: `the peer at that address is not ${holder.name} (another id)` });
        open.once('message', (msg) =>
          resolve({
            channel: open,
            first: msg.kind === 'offer' ? msg.body : msg.kind === 'decline' ? msg.body.reason : `answered ${msg.kind}`,
          }),
        );
        open.once('close', (err) =>
          resolve({ channel: open, first: err ? describeError(err) : 'closed the connection' }),
        );
        open.send('fetch', request);
      }),
    (err: unknown): Answer => ({ first: describeError(err) }),
  );
  if (typeof first === 'string' || !channel) {
    channel?.destroy();
    return { problem: typeof first === 'string' ? first : 'no connection' };
  }
  return { channel, offer: first };
}

/**
 * Why an offer is not from the peer it names, or undefined (docs/SECURITY.md "Identities"): its id must be the one
 * its connection proved, and its name must not be known in the mesh (a neighbour, the server's live list) under
 * another id. When the user chose that peer (`FILE from PEER`), the name must be known with exactly that id.
 */
export function senderProblem(
  channel: PeerChannel,
  from: PeerRef,
  knownId: string | undefined,
  chosen: boolean,
): string | undefined {
  if (channel.identity?.id !== from.id) return `the offer names ${from.name}'s id, but this connection proved another`;
  if (knownId !== undefined && knownId !== from.id) return `the offer says it is from ${from.name}, whose id it is not`;
  if (chosen && knownId === undefined) return `cannot check that this offer comes from ${from.name}: not in the mesh`;
  return undefined;
}

/**
 * Whether the host `from` advertises is the address its connection came from. Only the id is proved; host and port
 * are the sender's word, so the address book keeps a holder's address only when the connection confirms its host
 * (else a member could make peers dial a place of its choosing later: docs/SECURITY.md "Limits").
 */
export function cameFrom(channel: PeerChannel, from: PeerRef): boolean {
  const bare = (host: string) => host.replace(/^::ffff:/, '');
  return bare(channel.remote.slice(0, channel.remote.lastIndexOf(':'))) === bare(from.host);
}

/** The offer's manifest, or why it cannot be taken as it stands (malformed, or beyond offer-limits.ts). */
export function readOffer(offer: PeerMessages['offer']): Manifest | string {
  const nameProblem = pathProblem(offer.file);
  if (nameProblem) return `offered ${nameProblem}`;
  let manifest: Manifest;
  try {
    manifest = decodeManifest(offer);
  } catch (err) {
    return `offer: ${describeError(err)}`;
  }
  return offerProblem(manifest) ?? manifest;
}

/** Declines an offer on its channel with one sentence, and closes the channel. */
export function declineOffer(channel: PeerChannel, qid: string, reason: string): void {
  channel.send('decline', { qid, reason });
  channel.end();
}
