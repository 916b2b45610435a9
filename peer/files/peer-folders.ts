import { mkdirSync, realpathSync } from 'node:fs';
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
    this.option = downloads;
    // Checked by name before anything is created, and again by real path once it exists (links, `..`).
    this.checkDownloads(this.root, this.shared, this.state, this.downloads);
  }

  private readonly option: string | undefined;

  /** Creates whatever is missing. */
  ensure(): this {
    for (const dir of [this.shared, this.downloads, this.state, this.partial]) mkdirSync(dir, { recursive: true });
    const real = (path: string) => realpathSync(path);
    this.checkDownloads(real(this.root), real(this.shared), real(this.state), real(this.downloads));
    return this;
  }

  /**
   * A downloads folder apart from the peer's own: not its folder or one above it, not in its `shared/` (files
   * would be offered twice), not in its hidden state (partial files, identity and logs must never be served).
   */
  private checkDownloads(root: string, shared: string, state: string, downloads: string): void {
    if (this.option === undefined) return;
    if (within(shared, downloads) || within(state, downloads) || within(downloads, root))
      throw new P2pError(
        'P2P_ERR_BAD_ARGS',
        `--downloads ${this.option} would mix downloads with the peer's own folder, its shared/ or its hidden state: give another folder`,
      );
  }
}

function within(parent: string, path: string): boolean {
  return path === parent || path.startsWith(parent + sep);
}
