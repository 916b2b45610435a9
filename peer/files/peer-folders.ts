import { mkdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { P2pError } from '../../common/errors.js';

/**
 * A peer's folder (docs/CONTRACT.md "Folders"): `shared/` holds what it offers, `Downloads/` what it fetched (or
 * the folder `--downloads DIR` names, anywhere), and hidden state (`.p2p/`: identity, digest cache, partial
 * downloads, the dashboard's log) lives beside them.
 */
export class PeerFolders {
  readonly root: string;
  readonly shared: string;
  readonly downloads: string;
  /**
   * How events name the downloads folder in a `path`: relative to the peer's folder (`Downloads`, `incoming`), or
   * its absolute path when it lies outside the peer's folder.
   */
  readonly downloadsLabel: string;
  readonly state: string;
  readonly partial: string;

  /** `downloads`: `--downloads DIR`, relative to the current directory; default `Downloads/` in the peer's folder. */
  constructor(root: string, downloads?: string) {
    this.root = resolve(root);
    this.shared = join(this.root, 'shared');
    this.downloads = downloads === undefined ? join(this.root, 'Downloads') : resolve(downloads);
    this.state = join(this.root, '.p2p');
    this.partial = join(this.state, 'partial');
    const inside = relative(this.root, this.downloads);
    const outside = inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside);
    this.downloadsLabel = outside ? this.downloads : inside.split(sep).join('/');
    if (this.downloads === this.shared || within(this.state, this.downloads) || this.downloads === this.root)
      throw new P2pError(
        'P2P_ERR_BAD_ARGS',
        `--downloads ${downloads} would mix downloads with the peer's own folder, its shared/ or its hidden state: give another folder`,
      );
  }

  /** Creates whatever is missing. */
  ensure(): this {
    for (const dir of [this.shared, this.downloads, this.state, this.partial]) mkdirSync(dir, { recursive: true });
    return this;
  }
}

function within(parent: string, path: string): boolean {
  return path === parent || path.startsWith(parent + sep);
}
