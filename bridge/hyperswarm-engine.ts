/**
 * Hyperswarm, loaded only when a bridge runs (docs/BEYOND-LAN.md "The bridge"): the packages are optional
 * dependencies, so `npm install` without them, `npm start` and every other command work as before. This is the one
 * file that imports them, and the one place that makes a DHT node: always with an explicit bootstrap list, never
 * the packages' default (public nodes, chosen by `opts.bootstrap || BOOTSTRAP_NODES` in hyperdht's `index.js`).
 *
 * May import: common/ (and the optional packages, lazily).
 */
import type { Duplex } from 'node:stream';

import type { HostPort } from '../common/host-port.js';

/** A host and UDP port of a DHT node. */
export type DhtAddress = HostPort;

export interface NoiseKeyPair {
  publicKey: Buffer;
  secretKey: Buffer;
}

/** What a bridge uses of a Hyperswarm connection: an encrypted Noise stream (a streamx Duplex). */
export interface NoiseStream extends Duplex {
  readonly publicKey: Buffer;
  readonly remotePublicKey: Buffer;
  /** The Noise session's hash: the same at both ends, new for every session. */
  readonly handshakeHash: Buffer;
  readonly isInitiator: boolean;
}

export interface DhtNode {
  ready(): Promise<void>;
  fullyBootstrapped(): Promise<void>;
  address(): { host: string; port: number };
  destroy(): Promise<void>;
}

export interface Swarm {
  readonly keyPair: NoiseKeyPair;
  join(topic: Buffer, opts: { server: boolean; client: boolean }): { flushed(): Promise<void> };
  flush(): Promise<void>;
  on(event: 'connection', listener: (stream: NoiseStream) => void): void;
  destroy(): Promise<void>;
}

interface DhtClass {
  new (opts: Record<string, unknown>): DhtNode;
  keyPair(seed?: Buffer): NoiseKeyPair;
}

type SwarmClass = new (opts: Record<string, unknown>) => Swarm;

export interface HyperswarmEngine {
  /** The Noise key pair of an Ed25519 seed: the same public key as node:crypto makes from that seed. */
  keyPair(seed: Buffer): NoiseKeyPair;
  /**
   * A DHT node for a bridge (ephemeral: it stores no records for others) bound to `host` (default all addresses),
   * bootstrapping from `bootstrap` only. An empty list is refused: it would not find anyone anyway.
   */
  node(opts: {
    bootstrap: DhtAddress[];
    host?: string;
    port?: number;
    keyPair?: NoiseKeyPair;
    /** The node's UDP address is reachable from the other bridges as it is (no NAT): skip holepunching. */
    reachable?: boolean;
  }): DhtNode;
  /**
   * A persistent DHT node that others bootstrap from (an office's own bootstrap node on a public address, or a
   * test's "internet"): `bootstrap` lists the other nodes of that private DHT, empty for the first one.
   */
  bootstrapNode(opts: { bootstrap: DhtAddress[]; host: string; port: number }): DhtNode;
  swarm(opts: { dht: DhtNode; keyPair: NoiseKeyPair; maxPeers: number; firewall: (key: Buffer) => boolean }): Swarm;
}

/** Loads the optional packages; a sentence saying they are missing when they are not installed. */
export async function loadHyperswarm(): Promise<HyperswarmEngine | string> {
  let Dht: DhtClass;
  let Hyperswarm: SwarmClass;
  try {
    // Specifiers in variables: the packages ship no types, and nothing must load them before a bridge starts.
    const dhtName = 'hyperdht';
    const swarmName = 'hyperswarm';
    Dht = ((await import(dhtName)) as { default: DhtClass }).default;
    Hyperswarm = ((await import(swarmName)) as { default: SwarmClass }).default;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND')
      return 'the bridge needs the optional packages hyperswarm and hyperdht: run npm install with optional dependencies';
    return `cannot load hyperswarm (${(err as Error).message})`;
  }
  const list = (bootstrap: DhtAddress[]) => bootstrap.map((a) => ({ host: a.host, port: a.port }));
  return {
    keyPair: (seed) => Dht.keyPair(seed),
    node: ({ bootstrap, host, port, keyPair, reachable }) => {
      if (bootstrap.length === 0) throw new Error('a bridge needs at least one DHT bootstrap node (--dht HOST:PORT)');
      const where = { host: host ?? '0.0.0.0', port: port ?? 0 };
      return new Dht({ bootstrap: list(bootstrap), ...where, keyPair, ...(reachable ? { firewalled: false } : {}) });
    },
    bootstrapNode: ({ bootstrap, host, port }) =>
      new Dht({ bootstrap: list(bootstrap), host, port, ephemeral: false, firewalled: false }),
    swarm: ({ dht, keyPair, maxPeers, firewall }) => new Hyperswarm({ dht, keyPair, maxPeers, firewall }),
  };
}
