import { describeError } from '../../common/errors.js';
import type { PeerMessages } from '../../common/wire/peer-messages.js';
import type { FileCatalog, HeldFile } from '../files/file-catalog.js';
import { sameName } from '../files/file-name.js';
import type { PeerContext } from '../peer-context.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import type { Dialer } from '../transport/transport.js';
import { Upload, type UploadOptions } from './upload.js';

/**
 * Every upload of this peer (the holder's side): a query reached us and we dial the requester back (`answer`), or a
 * requester that knows we hold a file dialled us with `fetch` (`onFetch`). Each transfer is an `Upload`; this part
 * turns its outcome into events and ends them all when the peer leaves.
 */
export class Uploads {
  private readonly running = new Set<Upload>();

  constructor(
    private readonly ctx: PeerContext,
    private readonly catalog: FileCatalog,
    private readonly transport: Dialer,
    private readonly options: UploadOptions = {},
    /** A file kept in custody for another peer under that name (peer/custody/custody-store.ts), if any. */
    private readonly custody: (name: string) => HeldFile[] = () => [],
  ) {}

  /** A query reached a holder: dial the requester back and offer the file. */
  async answer(q: PeerMessages['query'], held: HeldFile): Promise<void> {
    const upload = await this.prepare(q.qid, held, q.origin.name);
    if (!upload) return;
    await upload.dial(this.transport, q.origin);
    this.running.delete(upload);
  }

  /** A requester that knows we hold a file dialled us for it. */
  async onFetch(channel: PeerChannel, fetch: PeerMessages['fetch']): Promise<void> {
    const decline = (reason: string) => {
      channel.send('decline', { qid: fetch.qid, reason });
      channel.end();
    };
    if (channel.identity?.id !== fetch.from.id)
      return decline(`the fetch names ${fetch.from.name}'s id, but this connection proved another`);
    let held: HeldFile | undefined;
    try {
      held = this.catalog.resolve(fetch.file);
    } catch (err) {
      this.ctx.log(
        `${fetch.from.name} asked for ${JSON.stringify(fetch.file.slice(0, 80))}: refused (${describeError(err)})`,
        'warn',
      );
      return decline(describeError(err));
    }
    // Its own copy first; else a copy it keeps in custody for a peer that left (that content, when one is named).
    const own = held && sameName(held.name, fetch.file) ? [held] : [];
    const candidates = [...own, ...this.custody(fetch.file)];
    if (candidates.length === 0) return decline(`${this.ctx.name} does not hold ${fetch.file}`);
    let upload: Upload | undefined;
    for (const c of candidates) if (!upload) upload = await this.prepare(fetch.qid, c, fetch.from.name, fetch.sha256);
    if (!upload) return decline(`${this.ctx.name} holds another version of ${fetch.file}`);
    await upload.serve(channel);
    this.running.delete(upload);
  }

  /** Ends every upload in flight (the peer is leaving). */
  abortAll(reason: string): void {
    for (const upload of this.running) upload.abort(reason);
    this.running.clear();
  }

  private async prepare(qid: string, held: HeldFile, to: string, sha256?: string): Promise<Upload | undefined> {
    const base = { query: qid, file: held.name, to };
    let upload: Upload;
    try {
      const { manifest, stamp } = await this.catalog.version(held);
      if (sha256 && manifest.sha256 !== sha256) return undefined;
      const options = { bandwidth: this.ctx.bandwidth, ...this.options };
      upload = new Upload(qid, held, manifest, to, this.ctx.self(), options, stamp);
    } catch (err) {
      this.ctx.emit({ event: 'upload-failed', ...base, reason: describeError(err), sent: 0 });
      return undefined;
    }
    this.running.add(upload);
    upload.on('started', (bytes) => this.ctx.emit({ event: 'upload-started', ...base, bytes }));
    upload.on('progress', (sent, bytes) => this.ctx.emit({ event: 'upload-progress', ...base, sent, bytes }));
    upload.on('complete', (sent) => this.ctx.emit({ event: 'upload-complete', ...base, bytes: held.size, sent }));
    upload.on('declined', (reason) => this.ctx.log(`${to} declined ${held.name}: ${reason}`));
    upload.on('failed', (reason, sent) => this.ctx.emit({ event: 'upload-failed', ...base, reason, sent }));
    return upload;
  }
}
