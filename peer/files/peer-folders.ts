import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * A peer's folder (docs/CONTRACT.md "Commands"): `shared/` holds what it offers, `Downloads/` what it fetched, and hidden state
 * (`.p2p/`: identity, digest cache, partial downloads, the dashboard's log) lives beside them.
 */
export class PeerFolders {
  readonly root: string;
  readonly shared: string;
  readonly downloads: string;
  readonly state: string;
  readonly partial: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.shared = join(this.root, 'shared');
    this.downloads = join(this.root, 'Downloads');
    this.state = join(this.root, '.p2p');
    this.partial = join(this.state, 'partial');
  }

  /** Creates whatever is missing. */
  ensure(): this {
    for (const dir of [this.shared, this.downloads, this.state, this.partial]) mkdirSync(dir, { recursive: true });
    return this;
  }
}
