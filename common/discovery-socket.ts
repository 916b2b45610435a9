/**
 * The UDP sockets of LAN discovery, limited to one interface (docs/PROTOCOL.md "Discovery datagrams"): datagrams
 * are received on a socket bound to the interface's broadcast address and the discovery port, so only what is
 * broadcast on that interface's subnet arrives, and sent from a socket bound to the process's own address to that
 * broadcast address, so they leave by that interface only. Both sockets set SO_REUSEADDR: a metadata server and
 * several peers on one machine all listen on the same port, and every one of them receives each broadcast.
 *
 * May import: Node's standard library, eventemitter3 and common/.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'eventemitter3';
import { describeError, P2pError } from './errors.js';
import type { LanInterface } from './lan-interface.js';

/** The well-known discovery port (UDP). Not a TCP port of ours: the server's default TCP port is 7000. */
export const DISCOVERY_PORT = 7070;
/** Overrides the discovery port for both commands (tests give each run its own, so parallel runs never meet). */
export const DISCOVERY_PORT_ENV = 'MESHSHARE_DISCOVERY_PORT';

/** The discovery port: `--discovery-port`, else $MESHSHARE_DISCOVERY_PORT, else DISCOVERY_PORT. */
export function discoveryPortOf(flag: string | undefined, env = process.env[DISCOVERY_PORT_ENV]): number {
  const [text, what] = flag !== undefined ? [flag, '--discovery-port'] : env ? [env, DISCOVERY_PORT_ENV] : ['', ''];
  if (!what) return DISCOVERY_PORT;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535))
    throw new P2pError('P2P_ERR_BAD_ARGS', `${what} must be a UDP port from 1 to 65535, not "${text.slice(0, 40)}"`);
  return port;
}

export interface DiscoverySocketEvents {
  /** One datagram received on the interface's broadcast address; `data` is untrusted. */
  datagram: (data: Buffer, from: RemoteInfo) => void;
  /** A send or receive failed (the socket stays up); one sentence. */
  problem: (message: string) => void;
}

export class DiscoverySocket extends EventEmitter<DiscoverySocketEvents> {
  private receiver: Socket | undefined;
  private sender: Socket | undefined;
  private stopped = false;

  constructor(
    readonly lan: LanInterface,
    readonly port: number,
  ) {
    super();
  }

  /** Where datagrams go, for log lines: `lo (127.255.255.255, udp port 7070)`. */
  get where(): string {
    return `${this.lan.name} (${this.lan.broadcast}, udp port ${this.port})`;
  }

  /** Binds both sockets; rejects (EADDRINUSE, EADDRNOTAVAIL…) when either cannot be bound, leaving none open. */
  async start(): Promise<void> {
    const receiver = createSocket({ type: 'udp4', reuseAddr: true });
    const sender = createSocket({ type: 'udp4', reuseAddr: true });
    this.receiver = receiver;
    this.sender = sender;
    try {
      await bind(receiver, this.port, this.lan.broadcast);
      await bind(sender, 0, this.lan.address);
      sender.setBroadcast(true);
    } catch (err) {
      this.stop();
      throw err;
    }
    receiver.on('message', (data, from) => this.emit('datagram', data, from));
    for (const socket of [receiver, sender])
      socket.on('error', (err) => this.emit('problem', `discovery socket: ${describeError(err)}`));
  }

  /** Broadcasts `data` on the interface; a failure is reported as `problem`, never thrown. */
  send(data: Buffer): void {
    if (this.stopped || !this.sender) return;
    this.sender.send(data, this.port, this.lan.broadcast, (err) => {
      if (err) this.emit('problem', `could not send on ${this.where}: ${describeError(err)}`);
    });
  }

  /** Closes both sockets. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const socket of [this.receiver, this.sender]) {
      try {
        socket?.close();
      } catch {
        /* never bound, or already closed */
      }
    }
  }
}

function bind(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
