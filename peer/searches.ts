import { EventEmitter } from 'eventemitter3';
import { nanoid } from 'nanoid';
import type { PeerMessages } from '../common/wire/peer-messages.js';
import { Download, type DownloadOptions } from './download.js';
import { stemOf } from './file-name.js';
import type { Hasher } from './hasher.js';
import type { PeerChannel } from './peer-listener.js';
import type { PeerFolders } from './peer-folders.js';
import type { PeerEventBody } from './peer-events.js';

export interface SearchesOptions {
  /** How long a search waits for a holder to answer before `not-found`. Default 3000 ms. */
  queryTimeoutMs?: number;
  download?: DownloadOptions;
}

interface Search {
  qid: string;
  query: string;
  started: number;
  timer: NodeJS.Timeout;
  download?: Download;
}

/**
 * The searches this peer started: each waits for offers from holders, takes the first one that matches what was
 * asked (exact name, or a file whose stem it is), declines the rest, and reports `not-found` when nobody answers in
 * time. Emits peer events directly.
 */
export class Searches extends EventEmitter<{ event: (e: PeerEventBody) => void }> {
  private readonly searches = new Map<string, Search>();

  constructor(
    private readonly folders: PeerFolders,
    private readonly hasher: Hasher,
    private readonly options: SearchesOptions = {},
  ) {
    super();
  }

  /** Registers a search; returns its query id (the caller floods it). */
  begin(query: string): string {
    const qid = nanoid();
    const timer = setTimeout(() => {
      const s = this.searches.get(qid);
      if (s && !s.download) {
        this.searches.delete(qid);
        this.emit('event', { event: 'not-found', qid, file: query });
      }
    }, this.options.queryTimeoutMs ?? 3000);
    this.searches.set(qid, { qid, query, started: Date.now(), timer });
    return qid;
  }

  /** Is a search for this exact text already waiting or downloading? */
  pending(query: string): boolean {
    return [...this.searches.values()].some((s) => s.query === query);
  }

  /** A holder dialled us with an offer. */
  onOffer(channel: PeerChannel, offer: PeerMessages['offer']): void {
    const search = this.searches.get(offer.qid);
    const decline = (reason: string) => {
      channel.send('decline', { qid: offer.qid, reason });
      channel.end();
    };
    if (!search) return decline('no search with this id is waiting (it finished or timed out)');
    if (search.download) return decline('already downloading it from another holder');
    if (offer.file !== search.query && stemOf(offer.file) !== search.query) return decline(`asked for ${search.query}, not ${offer.file}`);
    const problem = Download.offerProblem(offer);
    if (problem) return decline(problem);

    clearTimeout(search.timer);
    const from = offer.from.name;
    const download = new Download(channel, offer, this.folders, this.hasher, this.options.download);
    search.download = download;
    const base = { qid: offer.qid, file: offer.file };
    download.on('started', () => this.emit('event', { event: 'download-started', ...base, from, bytes: offer.size, sha256: offer.sha256 }));
    download.on('progress', (received) => this.emit('event', { event: 'download-progress', ...base, from, bytes: offer.size, received }));
    download.on('complete', (path, sha256) => {
      this.searches.delete(offer.qid);
      this.emit('event', { event: 'download-complete', ...base, path, bytes: offer.size, sha256, from, ms: Date.now() - search.started });
    });
    download.on('failed', (reason) => {
      this.searches.delete(offer.qid);
      this.emit('event', { event: 'download-failed', ...base, reason, from });
    });
    void download.start();
  }

  /** Ends every search and download (the peer is leaving). */
  abortAll(reason: string): void {
    for (const s of this.searches.values()) {
      clearTimeout(s.timer);
      s.download?.abort(reason);
    }
    this.searches.clear();
  }
}
