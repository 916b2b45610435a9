import type { Duplex } from 'node:stream';
import { Channel } from '../common/channel.js';
import type { ProvedIdentity } from '../common/identity-proof.js';
import { describeError, P2pError, type P2pErrorCode } from '../common/errors.js';
import { serverMessages, type ServerMessages } from '../common/wire/server-messages.js';
import {
  emptyResult,
  PEER_REQUEST_KINDS,
  type PeerRequest,
  type RegistryRequest,
  type RegistryResult,
  type ServerMessage,
} from './registry-protocol.js';
import { unexpected } from './registry-service.js';

/** Largest frame accepted before a connection was admitted: a join is well under 1 KiB. */

/** Most `port-busy` reports one join may send (docs/SECURITY.md "Limits"). */
export const MAX_PORT_BUSY_REPORTS = 8;
export const UNJOINED_MAX_FRAME_BYTES = 16 * 1024;

export interface ServerConnectionOptions {
  /** Close a connection that has not been admitted this long after it opened. */
  joinTimeoutMs: number;
  /** Close a connection silent for this long (the heartbeat timeout). */
  idleTimeoutMs: number;
  /** Largest frame accepted from a peer once it joined (before: UNJOINED_MAX_FRAME_BYTES). */
  maxFrameBytes: number;
  /** Most requests a connection may have waiting for the pool; a flood beyond it closes the connection. */
  maxQueuedRequests: number;
}

export interface JoinRefusal {
  code: P2pErrorCode;
  reason: string;
}

/** What a connection needs from the server that owns it. */
export interface ConnectionHost {
  /** Performs a request on the pool. */
  run(request: RegistryRequest): Promise<RegistryResult>;
  /** Writes a result's logs, pushes and closes (everything but the requester's own reply). */
  deliver(result: RegistryResult): void;
  /** A request failed (a worker died, the server is stopping). */
  failed(conn: ServerConnection, err: Error): void;
  log(line: string): void;
  /**
   * Why this connection's join is refused before the registry sees it: the id is not the one the connection proved,
   * the name belongs to another id, too many slots at its address.
   */
  joinRefusal(conn: ServerConnection, join: ServerMessages['join']): JoinRefusal | undefined;
  /** The registry admitted this connection's join (its `welcome` was just sent). */
  admitted(conn: ServerConnection, join: ServerMessages['join']): void;
  /** The registry accepted this joined connection's `index`. */
  indexed(conn: ServerConnection, files: ServerMessages['index']['files']): void;
  /** A joined connection sent this (before the registry sees it): what the custody desk keeps of it. */
  heard(conn: ServerConnection, message: ServerMessage): void;
  /** A joined connection asks who keeps its files when it leaves: the answer (custody-desk.ts). */
  custody(conn: ServerConnection, rid: string): ServerMessage;
  /** The connection closed; its slot (if any) has been freed. */
  closed(conn: ServerConnection): void;
}

/**
 * One peer's connection to the metadata server, on the main thread. It owns the Channel (framing, limits, idle
 * timeout), the join timer, and a queue that hands the connection's requests to the pool ONE AT A TIME, in arrival
 * order: with several workers, a `listening` could otherwise overtake its own `join`. When the connection closes, a
 * `disconnect` request is queued behind whatever is in flight, so it is performed after it.
 */
export class ServerConnection {
  readonly channel: Channel<ServerMessages>;
  readonly remote: string;
  readonly remoteHost: string;
  private queue: RegistryRequest[] = [];
  private busy = false;
  /** The pool admitted this connection (it may hold a slot until a disconnect is performed). */
  private registered = false;
  private mayHoldSlot = false;
  private portBusyReports = 0;
  /** The (canonical) name this connection was admitted under. */
  joinedName: string | undefined;
  /** We are ending the connection: nothing more it sends is read. */
  private ending = false;
  private joinTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    /** The secured stream (a TLSSocket, or the TCP socket of an open mesh). */
    socket: Duplex & { remoteAddress?: string | undefined; remotePort?: number | undefined },
    /** Who the far end proved to be (common/identity-proof.ts). */
    identity: ProvedIdentity,
    private readonly options: ServerConnectionOptions,
    private readonly host: ConnectionHost,
  ) {
    this.remoteHost = socket.remoteAddress ?? 'unknown';
    this.remote = `${this.remoteHost}:${socket.remotePort ?? '?'}`;
    this.channel = new Channel(socket, serverMessages, {
      // Until it joined, a connection is a stranger: a join fits in a few hundred bytes (docs/SECURITY.md "Limits").
      maxFrameBytes: Math.min(UNJOINED_MAX_FRAME_BYTES, options.maxFrameBytes),
      idleTimeoutMs: options.idleTimeoutMs,
      identity,
    });
    this.channel.on('message', (msg) => this.onMessage(msg));
    this.channel.on('error', (err) => {
      // A connection that holds a slot is logged once, by the disconnect that frees it (with this error as reason).
      if (this.mayHoldSlot) return;
      const code = err instanceof P2pError ? `${err.code}: ` : '';
      host.log(`closed ${this.remote}: ${code}${describeError(err)}`);
    });
    this.channel.on('close', (err) => this.onClose(err));
    this.joinTimer = setTimeout(() => {
      if (this.registered || this.ending) return;
      this.channel.destroy(new P2pError('P2P_ERR_TIMEOUT', `no join within ${options.joinTimeoutMs} ms`));
    }, options.joinTimeoutMs);
  }

  /** It sent a join being served, or was admitted: it may hold one of the mesh's slots. */
  get holdsSlot(): boolean {
    return this.mayHoldSlot || this.registered;
  }

  /** Closes the connection now (server shutdown). */
  close(): void {
    clearTimeout(this.joinTimer);
    this.channel.destroy();
  }

  private onMessage(msg: ServerMessage): void {
    if (this.ending) return;
    if (this.queue.length >= this.options.maxQueuedRequests) {
      const err = new P2pError(
        'P2P_ERR_BUFFER_OVERFLOW',
        `more than ${this.options.maxQueuedRequests} requests waiting`,
      );
      this.channel.destroy(err);
      return;
    }
    if (msg.kind === 'custody-request') {
      if (!this.registered) return this.refuseOutOfOrder(msg.kind, 'send join first');
      return this.send(this.host.custody(this, msg.body.rid));
    }
    if (!PEER_REQUEST_KINDS.has(msg.kind)) return this.refuseOutOfOrder(msg.kind, 'only the metadata server sends it');
    if (this.registered) this.host.heard(this, msg);
    this.queue.push({
      op: 'message',
      connId: this.id,
      remote: this.remote,
      remoteHost: this.remoteHost,
      message: msg as PeerRequest,
    });
    this.pump();
  }

  private onClose(err?: Error): void {
    clearTimeout(this.joinTimer);
    // A connection that went away before joining (a probe, a truncated frame) is logged once, here; one that
    // failed was logged by the error handler.
    if (!err && !this.ending && !this.mayHoldSlot)
      this.host.log(`closed ${this.remote}: it disconnected without joining`);
    this.ending = true;
    // Messages not yet handed to the pool die with the connection; a slot it may hold is freed by the disconnect.
    this.queue = [];
    if (this.mayHoldSlot || this.busy) {
      const reason = err ? describeError(err) : 'connection closed';
      this.queue.push({ op: 'disconnect', connId: this.id, reason });
      this.pump();
    } else {
      this.host.closed(this);
    }
  }

  private pump(): void {
    if (this.busy) return;
    const request = this.queue.shift();
    if (!request) {
      if (!this.channel.isOpen) this.host.closed(this);
      return;
    }
    if (request.op === 'message') {
      const kind = request.message.kind;
      if (!this.registered && kind !== 'join') return this.refuseOutOfOrder(kind, 'send join first');
      if (this.registered && kind === 'join') return this.refuseOutOfOrder(kind, 'this connection has already joined');
      // Each report makes the server skip a port for a while: a few cover a crowded machine, more is an attack
      // on the port range (newcomers would be refused for want of a port).
      if (kind === 'port-busy' && ++this.portBusyReports > MAX_PORT_BUSY_REPORTS)
        return this.refuseOutOfOrder(kind, `more than ${MAX_PORT_BUSY_REPORTS} busy ports reported by one join`);
      if (request.message.kind === 'join') {
        const refusal = this.host.joinRefusal(this, request.message.body);
        if (refusal) return this.refuseJoin(refusal);
        this.mayHoldSlot = true;
      }
    }
    this.busy = true;
    this.host
      .run(request)
      .then(
        (result) => this.apply(result, request),
        (err: Error) => this.host.failed(this, err),
      )
      .finally(() => {
        this.busy = false;
        this.pump();
      });
  }

  private apply(result: RegistryResult, request?: RegistryRequest): void {
    const message = request?.op === 'message' ? request.message : undefined;
    if (result.admitted) {
      if (message?.kind === 'join') this.joinedName = message.body.name.toLowerCase();
      this.registered = true;
      clearTimeout(this.joinTimer);
      this.channel.setMaxFrameBytes(this.options.maxFrameBytes);
    } else if (request?.op === 'message' && request.message.kind === 'join') {
      this.mayHoldSlot = false;
    }
    if (result.reply) this.send(result.reply);
    if (result.admitted && message?.kind === 'join') this.host.admitted(this, message.body);
    if (message?.kind === 'index' && !result.end && this.joinedName) this.host.indexed(this, message.body.files);
    this.host.deliver(result);
    if (result.end) this.endNow();
  }

  /** A well-formed message at the wrong time: the peer is told why, the connection ends, the server logs it. */
  private refuseOutOfOrder(kind: string, what: string): void {
    const out = emptyResult();
    unexpected(out, this.remote, kind, what);
    this.apply(out);
  }

  private refuseJoin({ code, reason }: JoinRefusal): void {
    const out = emptyResult();
    out.reply = { kind: 'refused', body: { code, reason } };
    out.end = true;
    out.logs.push(`refused ${this.remote}: ${code}: ${reason}`);
    this.apply(out);
  }

  private endNow(): void {
    if (this.ending) return;
    this.ending = true;
    this.queue = this.queue.filter((r) => r.op !== 'message');
    this.channel.end();
  }

  private send(message: ServerMessage): void {
    this.channel.send(message.kind, message.body);
  }
}
