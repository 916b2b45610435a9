import { describeError } from '../../common/errors.js';
import type { PeerMessages } from '../../common/wire/peer-messages.js';
import type { FileCatalog, HeldFile } from '../files/file-catalog.js';
import { sameName } from '../files/file-name.js';
import type { PeerContext } from '../peer-context.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import type { Dialer } from '../transport/transport.js';
import { Upload, type UploadOptions } from './upload.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import { Crowd } from './crowd.js';
import { UploadSlots, type ServedPartial } from './partial-serving.js';

/** Pieces of partial files sent at once by one peer (partial-serving.ts `UploadSlots`). */
export const PARTIAL_UPLOAD_SLOTS = 4;
/** Requesters one peer serves a content it is still downloading to at once (more are declined). */
export const MAX_PARTIAL_REQUESTERS = 8;

/**
 * Every upload of this peer (the holder's side): a query reached us and we dial the requester back (`answer`), or a
 * requester that knows we hold a file dialled us with `fetch` (`onFetch`). Each transfer is an `Upload`; this part
 * turns its outcome into events and ends them all when the peer leaves.
 */
export class Uploads {
  private readonly running = new Set<Upload>();
  /** Who fetches what from us now: introduced to each other (crowd.ts). */
  private readonly crowd = new Crowd();
  private readonly slots = new UploadSlots(PARTIAL_UPLOAD_SLOTS);
  /** Uploads of partial files running, by content. */
  private readonly partialUploads = new Map<string, number>();
  /** A download of this content still running, to be served while it runs (set by peer.ts). */
  partialOf: (sha256: string) => ServedPartial | undefined = () => undefined;

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
    const upload = await this.prepare(q.qid, held, q.origin);
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
    const partial = candidates.length === 0 && fetch.sha256 ? this.partialOf(fetch.sha256) : undefined;
    if (partial) return this.servePartial(channel, fetch, partial);
    if (candidates.length === 0) return decline(`${this.ctx.name} does not hold ${fetch.file}`);
    let upload: Upload | undefined;
    for (const c of candidates) if (!upload) upload = await this.prepare(fetch.qid, c, fetch.from, fetch.sha256);
    if (!upload) return decline(`${this.ctx.name} holds another version of ${fetch.file}`);
    await upload.serve(channel);
    this.running.delete(upload);
  }

  /** Ends every upload in flight (the peer is leaving). */
  abortAll(reason: string): void {
    for (const upload of this.running) upload.abort(reason);
    this.running.clear();
  }

  /**
   * Serves a content this peer is still downloading (docs/PROTOCOL.md "Swarming"): its verified pieces only, to at
   * most MAX_PARTIAL_REQUESTERS requesters a content, their pieces sent through the peer's upload slots.
   */
  private async servePartial(channel: PeerChannel, fetch: PeerMessages['fetch'], partial: ServedPartial) {
    const { sha256, size } = partial.manifest;
    const serving = this.partialUploads.get(sha256) ?? 0;
    if (serving >= MAX_PARTIAL_REQUESTERS) {
      channel.send('decline', { qid: fetch.qid, reason: `${this.ctx.name} serves as many requesters as it can` });
      return channel.end();
    }
    const held: HeldFile = { name: partial.file, path: partial.path, relative: partial.file, size };
    const options = { bandwidth: this.ctx.bandwidth, ...this.options, partial, slots: this.slots };
    const upload = new Upload(fetch.qid, held, partial.manifest, fetch.from.name, this.ctx.self(), options);
    this.partialUploads.set(sha256, serving + 1);
    partial.met(fetch.from); // it downloads this content too: ask it for pieces in turn (as BitTorrent's links go both ways)
    this.track(upload, held, fetch.from, sha256);
    await upload.serve(channel);
    this.running.delete(upload);
    const left = (this.partialUploads.get(sha256) ?? 1) - 1;
    if (left > 0) this.partialUploads.set(sha256, left);
    else this.partialUploads.delete(sha256);
  }

  private async prepare(qid: string, held: HeldFile, from: PeerRef, sha256?: string): Promise<Upload | undefined> {
    let upload: Upload;
    let content: string;
    try {
      const { manifest, stamp } = await this.catalog.version(held);
      if (sha256 && manifest.sha256 !== sha256) return undefined;
      const options = { bandwidth: this.ctx.bandwidth, ...this.options };
      upload = new Upload(qid, held, manifest, from.name, this.ctx.self(), options, stamp);
      content = manifest.sha256;
    } catch (err) {
      const base = { query: qid, file: held.name, to: from.name };
      this.ctx.emit({ event: 'upload-failed', ...base, reason: describeError(err), sent: 0 });
      return undefined;
    }
    this.track(upload, held, from, content);
    return upload;
  }

  /** Turns an upload's outcome into events, and introduces its requester to the others of that content. */
  private track(upload: Upload, held: HeldFile, from: PeerRef, sha256: string): void {
    const to = from.name;
    const base = { query: upload.qid, file: held.name, to };
    this.running.add(upload);
    let leave: (() => void) | undefined;
    upload.on('listening', () => (leave = this.crowd.join(sha256, from, (peers) => upload.tell(peers))));
    const left = () => leave?.();
    upload.on('complete', left);
    upload.on('failed', left);
    upload.on('declined', left);
    upload.on('started', (bytes) => this.ctx.emit({ event: 'upload-started', ...base, bytes }));
    upload.on('progress', (sent, bytes) => this.ctx.emit({ event: 'upload-progress', ...base, sent, bytes }));
    upload.on('complete', (sent) => this.ctx.emit({ event: 'upload-complete', ...base, bytes: held.size, sent }));
    upload.on('declined', (reason) => this.ctx.log(`${to} declined ${held.name}: ${reason}`));
    upload.on('failed', (reason, sent) => this.ctx.emit({ event: 'upload-failed', ...base, reason, sent }));
  }
}
