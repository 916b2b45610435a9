/**
 * A scripted adversary that speaks the real peer protocol: it links to a peer as a neighbour (so it sees the
 * peer's floods), and can dial a requester as a holder and then lie, stall or die. Used by the hostile-input tests.
 * It is a member of the mesh (it holds the mesh key): the worst case, an insider gone bad. It connects through the
 * peer's own Transport, so its connections are secured like a peer's.
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Channel } from '../../common/channel.js';
import type { MeshMode } from '../../common/mesh-tls.js';
import { SigningKey } from '../../common/signing-key.js';
import { memberHandshake } from '../../harness/member-handshake.js';
import { Transport, type Listening } from '../transport/transport.js';
import { peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import type { Tagged } from '../../common/message-table.js';
import { pieceCount, pieceLength, pieceSizeFor } from '../content/piece-plan.js';

export type FakeChannel = Channel<PeerMessages>;

/** What an honest holder of `data` offers: its SHA-256, piece size and packed piece hashes. */
export function describe(data: Buffer): { sha256: string; pieceSize: number; pieces: Buffer; prefixes: Buffer } {
  const pieceSize = pieceSizeFor(data.length);
  const count = pieceCount(data.length, pieceSize);
  const pieces = Buffer.alloc(count * 32);
  const prefixes = Buffer.alloc(count * 32);
  const whole = createHash('sha256');
  for (let i = 0; i < count; i++) {
    const piece = data.subarray(i * pieceSize, i * pieceSize + pieceLength(data.length, pieceSize, i));
    createHash('sha256')
      .update(piece)
      .digest()
      .copy(pieces, i * 32);
    whole
      .update(piece)
      .copy()
      .digest()
      .copy(prefixes, i * 32);
  }
  return { sha256: whole.digest('hex'), pieceSize, pieces, prefixes };
}

/** A whole piece frame, laid out by the piece codec (tests cut it, to send half a frame). */
export function pieceFrame(index: number, data: Buffer): Buffer {
  return peerMessages.encode('piece', { index, data });
}

/** A raw stream to a peer's port, secured with `mesh` (keyed: a TLS-PSK member that may then send garbage). */
export function dialRaw(port: number, mesh: MeshMode): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () =>
      memberHandshake(socket, mesh).then(({ stream }) => resolve(stream), reject),
    );
    socket.once('error', reject);
  });
}

export class FakePeer {
  /** Its identity key: a fake proves its own id like any member (what it claims beyond that is up to the test). */
  readonly key = SigningKey.generate();
  readonly id = this.key.id;
  readonly received: Tagged<PeerMessages>[] = [];
  /** Connections dialled into the fake's own listener (offers a real holder makes to it). */
  readonly inbound: { channel: FakeChannel; first: Tagged<PeerMessages> }[] = [];
  private server: Listening | undefined;
  port = 0;
  private channels: FakeChannel[] = [];
  private readonly transport: Transport;

  constructor(
    readonly name = 'mallory',
    mesh: MeshMode,
  ) {
    this.transport = new Transport({ mesh, identity: this.key });
  }

  async listen(): Promise<void> {
    this.server = await this.transport.listen(
      '127.0.0.1',
      0,
      peerMessages,
      { idleTimeoutMs: 10_000 },
      {
        channel: (channel) => {
          this.channels.push(channel);
          channel.once('message', (first) => this.inbound.push({ channel, first }));
        },
        rejected: () => undefined,
      },
    );
    this.port = this.server.port;
  }

  ref() {
    return { name: this.name, id: this.id, host: '127.0.0.1', port: this.port || 1 };
  }

  /** Links to a real peer as its neighbour; resolves with the channel once the peer's hello arrives. */
  async linkTo(port: number): Promise<FakeChannel> {
    const channel: FakeChannel = await this.transport.dial({ host: '127.0.0.1', port }, peerMessages, {
      idleTimeoutMs: 20_000,
    });
    this.channels.push(channel);
    channel.on('message', (m) => {
      this.received.push(m);
      if (m.kind === 'ping') channel.send('pong', { n: m.body.n });
    });
    channel.send('hello', { ...this.ref(), neighbours: [] });
    await this.waitFor((m) => m.kind === 'hello', 5000);
    return channel;
  }

  async waitFor(pred: (m: Tagged<PeerMessages>) => boolean, timeoutMs: number): Promise<Tagged<PeerMessages>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`fake peer: nothing matching within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Dials a requester as a holder, sends an offer, and resolves with the channel and the requester's answer. */
  async offer(
    port: number,
    offer: PeerMessages['offer'],
  ): Promise<{ channel: FakeChannel; answer: Tagged<PeerMessages> }> {
    const channel: FakeChannel = await this.transport.dial({ host: '127.0.0.1', port }, peerMessages, {
      idleTimeoutMs: 20_000,
    });
    this.channels.push(channel);
    const answer = new Promise<Tagged<PeerMessages>>((resolve, reject) => {
      channel.once('message', resolve);
      channel.once('close', () => reject(new Error('requester closed without answering')));
    });
    channel.send('offer', offer);
    return { channel, answer: await answer };
  }

  close(): void {
    for (const c of this.channels) c.destroy();
    this.server?.close();
  }
}
