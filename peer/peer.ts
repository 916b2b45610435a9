import { EventEmitter } from 'eventemitter3';
import { nanoid } from 'nanoid';
import { join } from 'node:path';
import { describeError } from '../common/errors.js';
import { formatHostPort, type HostPort } from '../common/host-port.js';
import type { Tagged } from '../common/message-table.js';
import { MAX_HOPS, type PeerMessages } from '../common/wire/peer-messages.js';
import { MAX_INDEXED_FILES } from '../common/wire/server-messages.js';
import type { PeerInfo, PeerRef } from '../common/wire/shapes.js';
import { COMMAND_HELP, parseCommand } from './command-parser.js';
import { FileCatalog, type HeldFile } from './file-catalog.js';
import { fileNameProblem } from './file-name.js';
import { FloodRouter, FROM_SELF } from './flood-router.js';
import { Hasher } from './hasher.js';
import { loadIdentity } from './identity.js';
import type { NeighbourLink } from './neighbour-link.js';
import { NeighbourSet, type NeighbourSetOptions } from './neighbour-set.js';
import type { PeerEvent, PeerEventBody } from './peer-events.js';
import { PeerFolders } from './peer-folders.js';
import type { PeerHandle } from './peer-handle.js';
import { PeerListener, type PeerChannel } from './peer-listener.js';
import { AddressBook } from './address-book.js';
import { Downloads, type DownloadsOptions } from './downloads.js';
import { Listings } from './listings.js';
import { PartialState } from './partial-state.js';
import { ServerLink, type ServerLinkOptions } from './server-link.js';
import { TopologyCollector } from './topology-collector.js';
import { Upload, type UploadOptions } from './upload.js';

export interface PeerOptions {
  /** Canonical (lower-case) name. */
  name: string;
  /** The peer's folder (shared/, Downloads/, .p2p/). */
  dir: string;
  /** Metadata server address. */
  server: HostPort;
  /** Address this peer binds and advertises. Default 127.0.0.1. */
  host?: string;
  /** Hop limit of flooded searches. Default 7 (issue 2). */
  hopLimit?: number;
  /** Interval of the `neighbour-stats`, `mesh` and folder-scan refreshes. Default 1000 ms. */
  refreshIntervalMs?: number;
  /** TOPO's longest wait for answers. Default 1500 ms. */
  topoTimeoutMs?: number;
  downloads?: DownloadsOptions;
  neighbours?: NeighbourSetOptions;
  serverLink?: ServerLinkOptions;
  upload?: UploadOptions;
}

/**
 * A peer: the composition root that wires its parts together. It joins through the metadata server, keeps
 * neighbour links, floods and answers searches, runs transfers, and reports everything as events (PeerHandle);
 * it never calls a user interface.
 */
export class Peer implements PeerHandle {
  readonly name: string;
  readonly id: string;
  readonly folders: PeerFolders;
  readonly host: string;
  port = 0;
  /** Process exit code once stopped: 0 graceful, 2 refused join, 1 failure (SPEC "Exit codes"). */
  exitCode = 0;
  private readonly bus = new EventEmitter<{ event: (e: PeerEvent) => void }>();
  private readonly hasher = new Hasher();
  private readonly catalog: FileCatalog;
  private readonly listener = new PeerListener();
  private readonly neighbours: NeighbourSet;
  private readonly router: FloodRouter;
  private readonly server: ServerLink;
  private readonly downloads: Downloads;
  private readonly book: AddressBook;
  private readonly listings: Listings;
  private indexTimer: NodeJS.Timeout | undefined;
  private readonly uploads = new Set<Upload>();
  private readonly topo = new Map<string, TopologyCollector>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private ready = false;
  private stopping: Promise<void> | undefined;
  private lastMesh = '';

  constructor(private readonly options: PeerOptions) {
    this.name = options.name;
    this.host = options.host ?? '127.0.0.1';
    this.folders = new PeerFolders(options.dir).ensure();
    this.id = loadIdentity(this.folders.state).id;
    this.catalog = new FileCatalog(this.folders, this.hasher);
    this.neighbours = new NeighbourSet(() => ({ ...this.ref(), neighbours: this.neighbours.names() }), options.neighbours);
    this.router = new FloodRouter(this.neighbours);
    this.book = new AddressBook(join(this.folders.state, 'address-book.json'));
    this.downloads = new Downloads(this.folders.downloads, this.hasher, new PartialState(this.folders.partial), this.book, {
      self: () => this.ref(),
      index: (mode, pattern) => this.server.files(mode, pattern),
      flood: (qid, file) => this.router.originate('query', { qid, file, hops: this.options.hopLimit ?? 7, origin: this.ref() }),
    }, options.downloads);
    this.listings = new Listings({ index: (mode, pattern) => this.server.files(mode, pattern), book: this.book, catalog: this.catalog });
    this.server = new ServerLink(options.server, () => ({ name: this.name, id: this.id, host: this.host, ...(this.port ? { port: this.port } : {}) }), () => this.neighbours.names(), options.serverLink);
    this.wire();
  }

  subscribe(listener: (event: PeerEvent) => void): () => void {
    this.bus.on('event', listener);
    return () => this.bus.off('event', listener);
  }

  /** Joins the mesh; progress and the outcome arrive as events. */
  start(): void {
    this.catalog.refresh();
    this.server.start();
    this.refreshTimer = setInterval(() => this.refresh(), this.options.refreshIntervalMs ?? 1000);
  }

  command(line: string): void {
    const cmd = parseCommand(line);
    switch (cmd.kind) {
      case 'empty':
        return;
      case 'invalid':
        return this.emit({ event: 'error', message: cmd.message });
      case 'help':
        return this.emit({ event: 'help', commands: COMMAND_HELP });
      case 'topo':
        return this.topology();
      case 'stop':
        void this.stop('stopped by the user');
        return;
      case 'stop-all':
        this.router.originate('stop-all', { qid: nanoid(), by: this.name });
        this.server.stopAll(this.name);
        void this.stop(`stop all requested by ${this.name}`);
        return;
      case 'download':
        return this.download(cmd.file);
      case 'list':
        return void this.listings.list().then((events) => events.forEach((e) => this.emit(e)));
      case 'find':
        return void this.listings.find(cmd.pattern).then((events) => events.forEach((e) => this.emit(e)));
      case 'files':
        return this.listings.files().forEach((e) => this.emit(e));
      case 'where':
        return void this.listings.where(cmd.file).then((events) => events.forEach((e) => this.emit(e)));
    }
  }

  /** Leaves gracefully: neighbours and the server are told, transfers end, `stopped` is emitted. Idempotent. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.refreshTimer);
      clearTimeout(this.indexTimer);
      await this.downloads.abortAll('this peer is leaving; verified pieces are kept for the next start');
      this.book.flush();
      for (const upload of this.uploads) upload.abort('this peer is leaving');
      for (const collector of this.topo.values()) collector.finish();
      this.neighbours.closeAll(reason);
      this.server.leave(reason);
      this.listener.stop();
      this.hasher.stop();
      // Let the byes and the leave reach the wire before the process exits.
      await new Promise((r) => setTimeout(r, 100));
      this.emit({ event: 'stopped', reason });
    })();
    return this.stopping;
  }

  private ref(): PeerRef {
    return { name: this.name, id: this.id, host: this.host, port: this.port || 1 };
  }

  private info(): PeerInfo {
    return { ...this.ref(), neighbours: this.neighbours.names() };
  }

  private emit(body: PeerEventBody): void {
    this.bus.emit('event', { ...body, t: Date.now() } as PeerEvent);
  }

  private log(message: string, level: 'info' | 'warn' = 'info'): void {
    this.emit({ event: 'log', level, message });
  }

  private wire(): void {
    this.catalog.on('files', (shared, downloads) => {
      this.emit({ event: 'files', shared, downloads });
      this.scheduleIndex();
    });
    this.downloads.on('event', (e) => {
      this.emit(e);
      if (e.event === 'download-complete') this.catalog.refresh();
    });
    this.downloads.on('log', (message, level) => this.log(message, level));

    this.server.on('state', (state, detail) => this.emit({ event: 'server', state, address: this.server.display, ...detail }));
    this.server.on('welcome', (body, rejoin) => void this.onWelcome(body.port, body.referrals, rejoin));
    this.server.on('refused', (code, reason, first) => {
      this.emit({ event: 'error', message: `the metadata server refused this peer: ${reason}` });
      if (first) {
        this.exitCode = 2;
        void this.stop(`refused: ${code}`);
      }
    });
    this.server.on('link', (refs) => {
      for (const ref of refs) {
        if (this.neighbours.get(ref.name)) continue;
        this.log(`mesh repair: dialling ${ref.name} at ${formatHostPort(ref)} as the metadata server advised`);
        void this.neighbours.dial(ref);
      }
    });
    this.server.on('stop', (reason) => void this.stop(reason));

    this.listener.on('hello', (channel, hello) => this.neighbours.accept(channel, hello));
    this.listener.on('offer', (channel, offer) => this.downloads.onOffer(channel, offer));
    this.listener.on('fetch', (channel, fetch) => void this.onFetch(channel, fetch));
    this.listener.on('rejected', (remote, reason) => this.log(`closed a connection from ${remote}: ${reason}`, 'warn'));

    this.neighbours.on('up', (link) => {
      this.emit({ event: 'neighbour-up', ...link.ref });
      this.server.reportNeighbours();
    });
    this.neighbours.on('down', (name, reason) => {
      this.emit({ event: 'neighbour-down', name, reason });
      this.server.reportNeighbours();
    });
    this.neighbours.on('failed', (target, reason) => this.log(`could not link to ${target}: ${reason}`, 'warn'));
    this.neighbours.on('message', (link, msg) => this.onNeighbourMessage(link, msg));
  }

  private async onWelcome(port: number, referrals: PeerRef[], rejoin: boolean): Promise<void> {
    if (this.port === 0) {
      try {
        await this.listener.listen(this.host, port);
      } catch (err) {
        this.log(`cannot listen on ${this.host}:${port} (${describeError(err)}); asking the metadata server for another port`, 'warn');
        this.server.portBusy(port);
        return;
      }
      this.port = port;
    }
    // Link to the referrals first: the server refers newcomers only to peers that said `listening`.
    await Promise.all(referrals.map((ref) => this.neighbours.dial(ref)));
    this.server.listening(this.port);
    if (rejoin || this.ready) {
      this.log(`re-registered with the metadata server at ${this.server.display}`);
      return;
    }
    this.ready = true;
    this.emit({ event: 'ready', name: this.name, id: this.id, host: this.host, port: this.port, neighbours: this.neighbours.names(), server: this.server.display, dir: this.folders.root });
    this.downloads.resumeAll();
    this.scheduleIndex();
  }

  private download(file: string): void {
    const held = this.catalog.resolve(file);
    if (held) return this.emit({ event: 'already-have', file: held.name, path: held.relative });
    this.downloads.start(file);
  }

  /** Tells the metadata server what this peer holds, once every held file is hashed (debounced). */
  private scheduleIndex(): void {
    clearTimeout(this.indexTimer);
    this.indexTimer = setTimeout(() => {
      void this.catalog.warm().then((files) => {
        // The server refuses (and drops the peer for) an index over its limit: send at most that many.
        const listed = files.slice(0, MAX_INDEXED_FILES).map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 }));
        this.server.index(listed);
        this.log(`hashes ready for ${files.length} held files; the metadata server's index is told`);
        if (files.length > listed.length) {
          this.log(`only the first ${MAX_INDEXED_FILES} of ${files.length} files are in the mesh's index; the rest are found by flooding`, 'warn');
        }
      });
    }, 200);
  }

  private topology(): void {
    const qid = nanoid();
    const collector = new TopologyCollector(qid, this.info(), (peers) => {
      this.topo.delete(qid);
      this.emit({ event: 'topology', peers });
    }, { timeoutMs: this.options.topoTimeoutMs ?? 1500 });
    this.topo.set(qid, collector);
    this.router.originate('topo-query', { qid, hops: MAX_HOPS, origin: this.ref() });
    void this.server.peers().then((peers) => collector.expect(peers ? peers.map((p) => p.name) : null));
  }

  private onNeighbourMessage(link: NeighbourLink, msg: Tagged<PeerMessages>): void {
    switch (msg.kind) {
      case 'query':
        return this.onQuery(link, msg.body);
      case 'topo-query':
        if (!this.router.accept(msg.body.qid, link.name)) return;
        this.router.forward('topo-query', msg.body, link.name);
        link.send('topo-reply', { qid: msg.body.qid, peer: this.info() });
        return;
      case 'topo-reply': {
        const upstream = this.router.upstream(msg.body.qid);
        if (upstream === FROM_SELF) this.topo.get(msg.body.qid)?.add(msg.body.peer);
        else if (upstream) this.neighbours.get(upstream)?.send('topo-reply', msg.body);
        return;
      }
      case 'stop-all':
        if (!this.router.accept(msg.body.qid, link.name)) return;
        this.router.forward('stop-all', msg.body, link.name);
        void this.stop(`stop all requested by ${msg.body.by}`);
        return;
      default:
        this.log(`${link.name} sent an unexpected ${msg.kind} on a neighbour link; closing it`, 'warn');
        link.channel.destroy();
    }
  }

  private onQuery(link: NeighbourLink, q: PeerMessages['query']): void {
    const seen = { qid: q.qid, file: q.file, from: link.name, origin: q.origin.name, hops: q.hops };
    if (!this.router.accept(q.qid, link.name)) return this.emit({ event: 'query-seen', ...seen, action: 'duplicate' });
    const problem = fileNameProblem(q.file);
    if (problem) return this.emit({ event: 'query-seen', ...seen, action: 'refused', reason: problem });
    const forwarded = this.router.forward('query', q, link.name);
    if (q.origin.name === this.name) return this.emit({ event: 'query-seen', ...seen, action: 'own' });
    const held = this.catalog.resolve(q.file);
    if (!held) return this.emit({ event: 'query-seen', ...seen, action: forwarded > 0 ? 'forwarded' : 'expired' });
    this.emit({ event: 'query-seen', ...seen, action: 'answered' });
    void this.answer(q, held);
  }

  /** A query reached a holder: dial the requester back and offer the file. */
  private async answer(q: PeerMessages['query'], held: HeldFile): Promise<void> {
    const upload = await this.prepareUpload(q.qid, held, q.origin.name);
    if (upload) await upload.dial(q.origin);
    this.forgetUpload(upload);
  }

  /** A requester that knows we hold a file dialled us for it. */
  private async onFetch(channel: PeerChannel, fetch: PeerMessages['fetch']): Promise<void> {
    const decline = (reason: string) => {
      channel.send('decline', { qid: fetch.qid, reason });
      channel.end();
    };
    let held: HeldFile | undefined;
    try {
      held = this.catalog.resolve(fetch.file);
    } catch (err) {
      this.log(`${fetch.from.name} asked for ${JSON.stringify(fetch.file.slice(0, 80))}: refused (${describeError(err)})`, 'warn');
      return decline(describeError(err));
    }
    if (!held || held.name !== fetch.file) return decline(`${this.name} does not hold ${fetch.file}`);
    const upload = await this.prepareUpload(fetch.qid, held, fetch.from.name, fetch.sha256);
    if (!upload) return decline(`${this.name} holds another version of ${fetch.file}`);
    await upload.serve(channel);
    this.forgetUpload(upload);
  }

  private async prepareUpload(qid: string, held: HeldFile, to: string, sha256?: string): Promise<Upload | undefined> {
    const base = { qid, file: held.name, to };
    let upload: Upload;
    try {
      const digest = await this.catalog.digest(held);
      if (sha256 && digest.sha256 !== sha256) return undefined;
      upload = new Upload(qid, held, digest, to, this.ref(), this.options.upload);
    } catch (err) {
      this.emit({ event: 'upload-failed', ...base, reason: describeError(err), sent: 0 });
      return undefined;
    }
    this.uploads.add(upload);
    upload.on('started', (bytes) => this.emit({ event: 'upload-started', ...base, bytes }));
    upload.on('progress', (sent, bytes) => this.emit({ event: 'upload-progress', ...base, sent, bytes }));
    upload.on('complete', (sent) => this.emit({ event: 'upload-complete', ...base, bytes: held.size, sent }));
    upload.on('declined', (reason) => this.log(`${to} declined ${held.name}: ${reason}`));
    upload.on('failed', (reason, sent) => this.emit({ event: 'upload-failed', ...base, reason, sent }));
    return upload;
  }

  private forgetUpload(upload: Upload | undefined): void {
    if (upload) this.uploads.delete(upload);
  }

  private refresh(): void {
    this.catalog.refresh();
    if (this.neighbours.size > 0) this.emit({ event: 'neighbour-stats', neighbours: this.neighbours.all().map((l) => l.stats()) });
    void this.server.peers().then((peers) => {
      if (!peers) return;
      const key = JSON.stringify(peers);
      if (key === this.lastMesh) return;
      this.lastMesh = key;
      this.emit({ event: 'mesh', peers });
    });
  }
}
