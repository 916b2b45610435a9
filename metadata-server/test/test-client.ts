import { connect } from 'node:net';
import { once } from 'node:events';
import { Channel } from '../../common/channel.js';
import { keyedMesh, OPEN_MESH } from '../../common/mesh-tls.js';
import { SigningKey } from '../../common/signing-key.js';
import { memberHandshake } from '../../harness/member-handshake.js';
import { meshKeyOf } from '../../harness/server-process.js';
import { serverMessages, PROTOCOL_VERSION, type ServerMessages } from '../../common/wire/server-messages.js';
import type { ServerMessage } from '../registry-protocol.js';

/** Default bound on every wait in these tests. */
export const WAIT_MS = 5000;

type Kind = keyof ServerMessages & string;

/**
 * A peer's side of the server protocol for tests: a real socket wrapped in the same Channel peers use, with an
 * inbox so a test can wait (boundedly) for the next message of a kind.
 */
export class TestClient {
  private readonly inbox: ServerMessage[] = [];
  private wake: (() => void) | undefined;
  readonly closed: Promise<void>;
  private isClosed = false;

  private constructor(
    readonly channel: Channel<ServerMessages>,
    /** The identity key this client proved on connecting: its joins must name `id`. */
    readonly key: SigningKey,
  ) {
    channel.on('message', (msg) => {
      this.inbox.push(msg);
      this.wake?.();
    });
    channel.on('error', () => {});
    this.closed = new Promise((resolve) =>
      channel.on('close', () => {
        this.isClosed = true;
        this.wake?.();
        resolve();
      }),
    );
  }

  /**
   * Dials as a keyed member with `key` (default: the key of the server started on `port`), plain without one, and
   * proves `identity` (default: a fresh key), as a peer's transport does.
   */
  static async connect(
    port: number,
    host = '127.0.0.1',
    key = meshKeyOf(port),
    identity = SigningKey.generate(),
  ): Promise<TestClient> {
    const socket = connect({ port, host });
    const timer = setTimeout(
      () => socket.destroy(new Error(`no connection to ${host}:${port} within ${WAIT_MS} ms`)),
      WAIT_MS,
    );
    try {
      await once(socket, 'connect');
      const { stream, far } = await memberHandshake(socket, key ? keyedMesh(key) : OPEN_MESH, identity);
      return new TestClient(new Channel(stream, serverMessages, { idleTimeoutMs: 0, identity: far }), identity);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Connects and sends a join; resolves with the client and the server's answer (welcome or refused). */
  static async join(
    port: number,
    name: string,
    extra: Partial<ServerMessages['join']> = {},
    /** The identity to prove (default: a fresh one); pass a client's `key` to come back as the same peer. */
    identity = SigningKey.generate(),
  ): Promise<{ client: TestClient; answer: ServerMessage }> {
    const client = await TestClient.connect(port, '127.0.0.1', meshKeyOf(port), identity);
    client.send('join', joinBody(name, { id: client.id, ...extra }));
    const answer = await client.nextOf(['welcome', 'refused']);
    return { client, answer };
  }

  /** The id its identity key stands for. */
  get id(): string {
    return this.key.id;
  }

  get open(): boolean {
    return !this.isClosed;
  }

  send<K extends Kind>(kind: K, body: ServerMessages[K]): void {
    this.channel.send(kind, body);
  }

  /** The first queued or upcoming message of `kind` (others stay queued). Rejects after `ms` or on close. */
  async next<K extends Kind>(kind: K, ms = WAIT_MS): Promise<ServerMessages[K]> {
    const msg = await this.nextOf([kind], ms);
    return msg.body as ServerMessages[K];
  }

  /** The first queued or upcoming message of any of `kinds`. */
  async nextOf(kinds: Kind[], ms = WAIT_MS): Promise<ServerMessage> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex((m) => kinds.includes(m.kind));
      if (i >= 0) return this.inbox.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (this.isClosed || left <= 0) {
        const seen = this.inbox.map((m) => m.kind).join(', ') || 'nothing';
        throw new Error(
          `expected ${kinds.join(' or ')} but ${this.isClosed ? 'the connection closed' : `waited ${ms} ms`} (queued: ${seen})`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Resolves true once the server closed the connection, false if it is still open after `ms`. */
  async waitClosed(ms = WAIT_MS): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([this.closed.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  /**
   * Reports `listening`, then waits for the ack of a heartbeat sent behind it. `listening` has no answer of its
   * own, and requests from different connections run in parallel on the server's workers: the ack is what proves
   * the peer is live before the test makes another connection act on it.
   */
  async goLive(port: number, neighbours: string[] = []): Promise<void> {
    this.send('listening', { port, neighbours });
    await this.heartbeat(neighbours);
  }

  /** Sends a heartbeat and waits for its ack. */
  async heartbeat(neighbours: string[] = []): Promise<ServerMessages['heartbeat-ack']> {
    this.send('heartbeat', { neighbours });
    return this.next('heartbeat-ack');
  }

  close(): void {
    this.channel.destroy();
  }
}

let idCounter = 0;

/** A valid join body for `name` (fresh id each time); `extra` overrides fields. */
export function joinBody(name: string, extra: Partial<ServerMessages['join']> = {}): ServerMessages['join'] {
  const id = `test-id-${process.pid}-${++idCounter}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return { flag: 'p2p', name, id, host: '127.0.0.1', version: PROTOCOL_VERSION, ...extra };
}

/** Closes every client given (tests call it in `finally`). */
export async function closeAll(clients: Iterable<TestClient | undefined>): Promise<void> {
  const list = [...clients].filter((c): c is TestClient => c !== undefined);
  for (const c of list) c.close();
  await Promise.all(list.map((c) => c.waitClosed(WAIT_MS)));
}
