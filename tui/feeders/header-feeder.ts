import type { PeerEvent } from '../../peer/control/peer-events.js';
import type { Feeder } from './feeder.js';

/** Where the peer is in its life, as the header shows it. */
export type PeerPhase = 'joining' | 'ready' | 'leaving' | 'stopped';

/** What the metadata server connection looks like from here. */
export type ServerState = 'connecting' | 'connected' | 'unreachable' | 'lost';

export interface HeaderView {
  name: string;
  /** Persistent id, or null until `ready`. */
  id: string | null;
  /** `host:port` this peer listens on, or null until `ready`. */
  listen: string | null;
  server: { address: string; state: ServerState; message: string | null; retryInMs: number | null };
  /** Peers in the mesh as last reported (topology or server), or null when unknown. */
  meshSize: number | null;
  neighbours: number;
  phase: PeerPhase;
  version: string;
  /** The mesh runs `--open` (no mesh key), as the `ready` event said; false until then and when keyed. */
  open: boolean;
  /** The peer takes trusted content only (`--trusted-only`), as the `ready` event said. */
  trustedOnly: boolean;
  /** A backup peer (`--backup`), as the `ready` event said. */
  backup?: boolean;
  /** A mirror peer (`--mirror`), as the `ready` event said. */
  mirror?: boolean;
  /** The bandwidth caps in bytes/s (null: none), from the last `limits` event. */
  caps?: { up: number | null; down: number | null };
}

export interface HeaderFeederOptions {
  /** The peer's name before `ready` confirms it (PeerHandle.name). */
  name: string;
  /** The metadata server address the peer was started with. */
  serverAddress: string;
  version: string;
}

/** Feeds the one-line header: identity, listen address, server state, mesh size. */
export class HeaderFeeder implements Feeder<HeaderView> {
  private readonly state: HeaderView;
  private readonly neighbourNames = new Set<string>();

  constructor(options: HeaderFeederOptions) {
    this.state = {
      name: options.name,
      id: null,
      listen: null,
      server: { address: options.serverAddress, state: 'connecting', message: null, retryInMs: null },
      meshSize: null,
      neighbours: 0,
      phase: 'joining',
      version: options.version,
      open: false,
      trustedOnly: false,
    };
  }

  apply(event: PeerEvent): boolean {
    const s = this.state;
    switch (event.event) {
      case 'ready':
        s.name = event.name;
        s.id = event.id;
        s.open = event.keyed === false;
        s.trustedOnly = event.trustedOnly === true;
        s.backup = event.backup === true;
        s.mirror = event.mirror === true;
        s.listen = `${event.host}:${event.port}`;
        if (event.server) s.server.address = event.server;
        // Joining implies the server answered: the core may not send a separate `server` event for it.
        s.server.state = 'connected';
        s.phase = s.phase === 'leaving' ? 'leaving' : 'ready';
        this.neighbourNames.clear();
        for (const n of event.neighbours) this.neighbourNames.add(n);
        s.neighbours = this.neighbourNames.size;
        if (s.meshSize === null) s.meshSize = event.neighbours.length + 1;
        return true;
      case 'server':
        s.server = {
          address: event.address || s.server.address,
          state: event.state,
          message: event.message ?? null,
          retryInMs: event.retryInMs ?? null,
        };
        if (typeof event.peers === 'number') s.meshSize = event.peers;
        return true;
      case 'topology':
      case 'mesh':
        if (s.meshSize === event.peers.length) return false;
        s.meshSize = event.peers.length;
        return true;
      case 'neighbour-up':
        this.neighbourNames.add(event.name);
        s.neighbours = this.neighbourNames.size;
        return true;
      case 'neighbour-down':
        this.neighbourNames.delete(event.name);
        s.neighbours = this.neighbourNames.size;
        return true;
      case 'leaving':
        // The core began to leave: the header says so before `stopped` arrives.
        if (s.phase === 'stopped') return false;
        s.phase = 'leaving';
        return true;
      case 'stopped':
        s.phase = 'stopped';
        return true;
      case 'limits':
        s.caps = { up: event.up, down: event.down };
        return true;
      default:
        return false;
    }
  }

  view(): HeaderView {
    return { ...this.state, server: { ...this.state.server } };
  }
}
