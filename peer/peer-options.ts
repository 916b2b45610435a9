import type { HostPort } from '../common/host-port.js';
import type { MeshMode } from '../common/mesh-tls.js';
import type { NeighbourSetOptions } from './mesh/neighbour-set.js';
import type { MirrorKeeperOptions } from './mirror/mirror-keeper.js';
import type { ServerLinkOptions } from './mesh/server-link.js';
import type { BandwidthLimits } from './transfer/bandwidth.js';
import type { DownloadsOptions } from './transfer/downloads.js';
import type { UploadOptions } from './transfer/upload.js';

/** What a peer is started with (peer/main.ts turns the command line into this). */
export interface PeerOptions {
  /** Canonical (lower-case) name. */
  name: string;
  /** The peer's folder (shared/, Downloads/, .p2p/). */
  dir: string;
  /** Where downloads go instead of `dir`/Downloads (`--downloads DIR`, relative to the current directory). */
  downloadsDir?: string;
  /** Metadata server address. */
  server: HostPort;
  /** Keyed with the mesh key, or open (`--open`): every connection (docs/CONTRACT.md "The trusted mesh"). */
  mesh: MeshMode;
  /** Where the mesh key was read, for the sentences that name it. */
  keyFile?: string;
  /** Address this peer binds and advertises. Default 127.0.0.1. */
  host?: string;
  /** A fixed hop limit of flooded searches. Default: from the metadata server (peer/mesh/hop-limit.ts). */
  hopLimit?: number;
  /** Interval of the `neighbour-stats`, `mesh` and folder-scan refreshes. Default 1000 ms. */
  refreshIntervalMs?: number;
  /** TOPO's longest wait for answers. Default 1500 ms. */
  topoTimeoutMs?: number;
  downloads?: DownloadsOptions;
  /** `--trusted-only` (peer/transfer/trust-gate.ts), `--backup`, `--mirror` (peer/backup/, mirror/). Default false. */
  trustedOnly?: boolean;
  backup?: boolean;
  mirror?: boolean;
  /** A mirror's limits and timings (peer/mirror/mirror-keeper.ts). Default theirs. */
  mirrorKeeper?: MirrorKeeperOptions;
  neighbours?: NeighbourSetOptions;
  serverLink?: ServerLinkOptions;
  upload?: UploadOptions;
  /** `--max-up`, `--max-down`, bytes per second (peer/transfer/bandwidth.ts). Default none. */
  limits?: BandwidthLimits;
}
