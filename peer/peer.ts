import { removeLeftoverCopies } from './content/final-move.js';
import { EventEmitter } from 'eventemitter3';
import { nanoid } from 'nanoid';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PeerInfo, PeerRef } from '../common/wire/shapes.js';
import { Hasher } from './content/hasher.js';
import { PartialFiles } from './content/partial-file.js';
import { CommandGate, notJoinedYet } from './control/command-gate.js';
import { COMMAND_HELP, parseCommand } from './control/command-parser.js';
import { MirrorAnswer } from './control/mirror-answer.js';
import { caused, type PeerEvent, type PeerEventBody, type PeerEventReport } from './control/peer-events.js';
import type { PeerHandle } from './control/peer-handle.js';
import { AddressBook } from './files/address-book.js';
import { FileCatalog } from './files/file-catalog.js';
import { strayNote } from './files/folder-notices.js';
import { loadIdentity } from './files/identity.js';
import { ServerKeyPin } from './files/server-pin.js';
import { TrustList } from './trust/trust-list.js';
import { Custody } from './custody/custody.js';
import { Mirror } from './mirror/mirror.js';
import { IndexPublisher } from './files/index-publisher.js';
import { Listings } from './files/listings.js';
import { PeerFolders } from './files/peer-folders.js';
import { FloodRouter } from './mesh/flood-router.js';
import { searchHopLimit } from './mesh/hop-limit.js';
import { NeighbourSet } from './mesh/neighbour-set.js';
import { SearchResponder } from './mesh/search-responder.js';
import { routeNeighbourMessage } from './mesh/neighbour-messages.js';
import { OriginCheck } from './mesh/origin-check.js';
import { ServerLink } from './mesh/server-link.js';
import { Topology } from './mesh/topology.js';
import { Tracer } from './mesh/tracer.js';
import { Membership } from './mesh/membership.js';
import { MeshMonitor } from './mesh/mesh-monitor.js';
import type { PeerContext } from './peer-context.js';
import type { PeerOptions } from './peer-options.js';
import { Downloads } from './transfer/downloads.js';
import { Bandwidth } from './transfer/bandwidth.js';
import { PartialDownloads } from './transfer/partials.js';
import { Uploads } from './transfer/uploads.js';
import { indexWithin } from './transfer/index-wait.js';
import { PeerListener, UNPROVEN_MAX_FRAME_BYTES } from './transport/peer-listener.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../common/frame-decoder.js';
import { Transport } from './transport/transport.js';

export type { PeerOptions };

/** A holder's dial-back (its connect deadline is 30 s) may arrive this long after our query. */
const OFFER_WINDOW_MS = 35_000;

/**
 * A peer: the composition root. It builds the parts (mesh/, transfer/, files/, content/, transport/), hands each a
 * small PeerContext, routes between them, and turns command lines into calls. It holds no protocol logic of its own
 * and never calls a user interface: front-ends see only events (PeerHandle).
 */
export class Peer implements PeerHandle {
  readonly name: string;
  readonly id: string;
  readonly folders: PeerFolders;
  readonly host: string;
  /** `--hops`: a fixed hop limit for this peer's searches (else from the server, peer/mesh/hop-limit.ts). */
  private readonly fixedHops: number | undefined;
  /** Process exit code once stopped: 0 graceful, 2 refused join, 1 failure (docs/CONTRACT.md "Exit codes"). */
  exitCode = 0;
  private readonly bus = new EventEmitter<{ event: (e: PeerEvent) => void }>();
  private readonly mirrorAnswer = new MirrorAnswer((listener) => this.subscribe(listener));
  private readonly ctx: PeerContext;
  private readonly hasher = new Hasher();
  private readonly catalog: FileCatalog;
  /** Every connection in or out goes through it (the seam for the mesh-key handshake). */
  private readonly transport: Transport;
  private readonly serverPin: ServerKeyPin;
  private readonly trust: TrustList;
  private readonly listener: PeerListener;
  private readonly neighbours: NeighbourSet;
  private readonly router: FloodRouter;
  private readonly server: ServerLink;
  private readonly downloads: Downloads;
  private readonly kept: PartialDownloads;
  private readonly uploads: Uploads;
  private readonly book: AddressBook;
  private readonly listings: Listings;
  private readonly topology: Topology;
  private readonly search: SearchResponder;
  private readonly tracer: Tracer;
  private readonly origins: OriginCheck;
  private readonly indexer: IndexPublisher;
  private readonly membership: Membership;
  private readonly custody: Custody;
  private readonly mirror: Mirror;
  private readonly monitor: MeshMonitor;
  private stopping: Promise<void> | undefined;
  private readonly strayNote: string | undefined;
  /** Numbers command lines and holds them until the peer is ready (PeerHandle.command). */
  private readonly gate = new CommandGate(
    (line, cmd) => this.run(line, cmd),
    (cmd) => this.emit(caused({ event: 'error', message: 'not run: the peer left before it joined the mesh' }, cmd)),
    (line, cmd) =>
      this.emit(caused({ event: 'log', level: 'info', message: notJoinedYet(line, this.serverState) }, cmd)),
  );
  /** The metadata server link's last state, for telling a user why a command waits. */
  private serverState: { state: string; address: string } | undefined;
  /** Hop limit of this peer's searches now. */
  get hopLimit(): number {
    return this.fixedHops ?? searchHopLimit(this.server.reach.current);
  }
  constructor(options: PeerOptions) {
    this.name = options.name;
    this.host = options.host ?? '127.0.0.1';
    this.fixedHops = options.hopLimit;
    this.folders = new PeerFolders(options.dir, options.downloadsDir).ensure();
    removeLeftoverCopies(this.folders.downloads);
    // Said at start: a folder that is not yet a peer's folder may hold files its user expects to be shared.
    this.strayNote = strayNote(this.folders.root, [this.folders.shared, this.folders.downloads, this.folders.state]);
    const identity = loadIdentity(this.folders.state);
    this.serverPin = new ServerKeyPin(this.folders.state);
    this.trust = new TrustList(this.folders.state, () => this.serverPin.key, options.trustedOnly ?? false);
    this.id = identity.id;
    this.ctx = {
      name: this.name,
      id: this.id,
      self: () => this.ref(),
      info: () => this.info(),
      emit: (body) => this.emit(body),
      log: (message, level = 'info') => this.emit({ event: 'log', level, message }),
      bandwidth: new Bandwidth(options.limits),
    };
    this.transport = new Transport({ mesh: options.mesh, identity: identity.key });
    // Holders answer a flood by dialling back with an offer, which may be large: only then do strangers get more room.
    this.listener = new PeerListener(this.transport, {
      firstFrameBytes: () =>
        this.router.originatedWithin('query', OFFER_WINDOW_MS) ? DEFAULT_MAX_FRAME_BYTES : UNPROVEN_MAX_FRAME_BYTES,
      knownId: (id) => this.origins.knowsId(id),
    });
    this.catalog = new FileCatalog(this.folders, this.hasher);
    this.neighbours = new NeighbourSet(() => this.info(), this.transport, {
      ...options.neighbours,
      liveIdOf: (name) => this.origins.liveIdOf(name),
    });
    this.router = new FloodRouter(this.neighbours);
    this.server = new ServerLink(
      options.server,
      this.transport,
      () => ({ name: this.name, id: this.id, host: this.host, ...(this.port ? { port: this.port } : {}) }),
      () => this.neighbours.names(),
      {
        ...options.serverLink,
        ...(options.keyFile === undefined ? {} : { keyFile: options.keyFile }),
        serverPin: this.serverPin,
        room: () => this.custody.room(),
      },
    );
    this.server.on('trust', (signed) => this.trust.take(signed, this.ctx.log));
    this.book = new AddressBook(join(this.folders.state, 'address-book.json'));
    const partials = new PartialFiles(this.folders.partial);
    this.downloads = new Downloads(
      this.folders.downloads,
      this.hasher,
      partials,
      this.book,
      {
        self: () => this.ref(),
        index: (mode, pattern) => indexWithin(this.server.files(mode, pattern)), // a silent server is not waited for
        flood: (qid, file) => this.router.originate('query', { qid, file, hops: this.hopLimit, origin: this.ref() }),
        hopLimit: () => this.hopLimit,
        transport: this.ctx.bandwidth.dialer(this.transport, 'down'), // it dials holders only, for their pieces
        member: async (name) =>
          this.neighbours.names().includes(name) || ((await this.server.peers()) ?? []).some((p) => p.name === name),
        knownIdOf: (name) => this.neighbours.get(name)?.ref.id ?? this.origins.liveIdOf(name),
        trust: this.trust.gate,
        where: (ref) => this.origins.where(ref), // peers named by a source (peer/transfer/peer-exchange.ts)
      },
      { downloadsLabel: this.folders.downloadsLabel, ...options.downloads },
    );
    this.kept = new PartialDownloads(partials, this.downloads);
    this.uploads = new Uploads(this.ctx, this.catalog, this.transport, options.upload, (n) => this.custody.serving(n));
    this.uploads.partialOf = (sha256) => this.downloads.servable(sha256); // served while downloading
    this.listings = new Listings({ index: (m, p) => this.server.files(m, p), book: this.book, catalog: this.catalog });
    this.topology = new Topology(this.ctx, this.router, this.neighbours, () => this.server.peers(), {
      timeoutMs: options.topoTimeoutMs ?? 1500,
    });
    this.origins = new OriginCheck({
      neighbours: () => this.neighbours.all().map((l) => l.ref),
      livePeers: () => this.server.peers(),
      seen: () => this.book.all().flatMap((s) => s.holders.map((h) => h.ref)),
      now: () => performance.now(),
    });
    this.search = new SearchResponder(
      { ...this.ctx, emit: (e) => (this.tracer.observe(e), this.ctx.emit(e)) }, // a traced copy's outcome is a step
      this.router,
      (file) => this.catalog.answers(file) ?? this.custody.serving(file).slice(0, 1),
      (q, held) => void this.uploads.answer(q, held),
      (origin) => this.origins.where(origin),
    );
    this.tracer = new Tracer(this.ctx, {
      ...{ router: this.router, neighbours: this.neighbours, signer: identity.key, hopLimit: () => this.hopLimit },
      knownId: (name) => this.neighbours.get(name)?.ref.id ?? this.origins.liveIdOf(name),
      livePeers: () => this.server.peers(),
      search: (link, q) => this.search.onQuery(link, q),
    });
    const more = () => this.custody.indexed();
    this.indexer = new IndexPublisher(this.ctx, this.catalog, (files) => this.server.index(files), { more });
    const { folders, hasher, transport, listener, server, catalog, origins } = this;
    const parts = { folders, hasher, transport, listener, server, catalog, origins, backup: options.backup };
    this.custody = new Custody(this.ctx, { ...parts, changed: () => void catalog.refresh(true) });
    const mirroring = { mirror: options.mirror, keeper: options.mirrorKeeper };
    this.mirror = new Mirror(this.ctx, { ...parts, ...mirroring, live: () => origins.livePeers() });
    this.membership = new Membership(this.ctx, this.host, this.server, this.listener, this.neighbours, {
      ready: () => this.onReady(),
      refused: (code) => {
        this.exitCode = 2;
        void this.stop(`refused: ${code}`, undefined, false);
      },
      stopAsked: (reason) => void this.stop(reason, undefined, false),
    });
    this.monitor = new MeshMonitor(this.ctx, this.neighbours, this.server, () => undefined, {
      intervalMs: options.refreshIntervalMs ?? 1000,
      onPeers: (peers, askedAt) => void (this.origins.note(peers, askedAt), this.book.follow(peers)),
    });
    this.wire();
  }

  /** The listening port, 0 until the metadata server assigned one. */
  get port(): number {
    return this.membership.port;
  }

  subscribe(listener: (event: PeerEvent) => void): () => void {
    this.bus.on('event', listener);
    return () => this.bus.off('event', listener);
  }

  start(): void {
    if (this.strayNote) this.ctx.log(this.strayNote, 'warn');
    this.catalog.start();
    this.server.start();
    this.monitor.start();
  }

  command(line: string): number {
    return this.gate.submit(line);
  }

  /** Runs command line number `cmd`; everything it causes carries that number. */
  private run(line: string, cmd: number): void {
    const parsed = parseCommand(line);
    const reply = (body: PeerEventBody) => this.emit(caused(body, cmd));
    const answer = (events: PeerEventBody[]) => events.forEach(reply);
    switch (parsed.kind) {
      case 'empty':
        return;
      case 'invalid':
        return reply({ event: 'error', message: parsed.message });
      case 'help':
      case 'mirror':
        return reply(parsed.kind === 'help' ? { event: 'help', commands: COMMAND_HELP } : this.mirrorAnswer.answer());
      case 'topo':
        return this.topology.request(cmd);
      case 'trace':
        return this.tracer.request(parsed.file, cmd);
      case 'stop':
        void this.stop(parsed.now ? 'stopped by the user (now)' : 'stopped by the user', cmd, !parsed.now);
        return;
      case 'stop-all':
        this.router.originate('stop-all', { qid: nanoid(), by: this.name });
        this.server.stopAll(this.name);
        void this.stop(`stop all requested by ${this.name}`, cmd, false);
        return;
      case 'download': {
        const held = this.catalog.resolve(parsed.file, true);
        if (held) return reply({ event: 'already-have', file: held.name, path: held.relative });
        return this.downloads.start(parsed.file, cmd, {
          from: parsed.from,
          prefix: parsed.sha256,
          secure: parsed.secure,
        });
      }
      case 'list':
        return void this.listings.list().then(answer);
      case 'find':
        return void this.listings.find(parsed.pattern).then(answer);
      case 'files':
        return answer(this.listings.files());
      case 'where':
        return void this.listings.where(parsed.file).then(answer);
      case 'cancel':
        return void this.kept.cancel(parsed.file, parsed.discard, cmd).then(answer);
      case 'partials':
        return reply({ event: 'partials', files: this.kept.list() });
      case 'trusted':
        return reply({ event: 'trusted', ...this.trust.answer() });
      case 'limit':
        return reply(this.ctx.bandwidth.command(parsed));
    }
  }

  leave(reason: string): void {
    void this.stop(reason);
  }

  /**
   * Leaves gracefully: `leaving` at once, then neighbours and the server are told, transfers end, `stopped` is
   * emitted. Both carry `cmd` when a command line asked for it. Idempotent: a second call only answers its `cmd` with `leaving`.
   */
  stop(reason: string, cmd?: number, handOff = true): Promise<void> {
    if (!handOff) this.custody.cancelHandoff(); // `Stop now`, a second Ctrl-C: no waiting for a handoff
    // A Stop typed while already leaving is still answered, so a script waiting on its number hears back.
    if (this.stopping && cmd !== undefined) this.emit(caused({ event: 'leaving', reason: 'already leaving' }, cmd));
    this.stopping ??= (async () => {
      this.emit(caused({ event: 'leaving', reason }, cmd));
      this.gate.close();
      this.monitor.stop();
      this.catalog.stop(); // it watches the folders itself (file-catalog.ts), and writes its digest cache
      await this.custody.leave(handOff && this.port > 0);
      this.mirror.stop();
      this.indexer.stop();
      await this.downloads.abortAll('this peer is leaving; verified pieces are kept for the next start');
      this.book.flush();
      this.uploads.abortAll('this peer is leaving');
      this.ctx.bandwidth.stop();
      this.topology.stop();
      this.tracer.stop();
      this.neighbours.closeAll(reason);
      this.server.leave(reason);
      this.listener.stop();
      this.hasher.stop();
      // Let the byes and the leave reach the wire before the process exits.
      await new Promise((r) => setTimeout(r, 100));
      this.emit(caused({ event: 'stopped', reason }, cmd));
    })();
    return this.stopping;
  }

  private ref(): PeerRef {
    return { name: this.name, id: this.id, host: this.host, port: this.port || 1 };
  }

  private info(): PeerInfo {
    return { ...this.ref(), neighbours: this.neighbours.names(), ...this.custody?.role(), ...this.mirror?.role() };
  }

  private emit(body: PeerEventReport): void {
    if (body.event === 'server') this.serverState = { state: body.state, address: body.address };
    this.bus.emit('event', { ...body, t: Date.now() } as PeerEvent);
  }

  private wire(): void {
    this.catalog.on('files', (shared, downloads, settling) => {
      this.emit({ event: 'files', shared, downloads, settling, custody: this.custody.entries() });
      this.indexer.schedule();
    });
    this.catalog.on('notice', (message, level) => this.ctx.log(message, level));
    this.downloads.on('event', (e) => {
      this.emit(e);
      if (e.event !== 'download-complete') return; // verified and placed whole: offered at once, without settling
      this.catalog.vouch(join(this.folders.downloads, e.path.slice(this.folders.downloadsLabel.length + 1)));
      this.catalog.refresh();
    });
    this.downloads.on('log', (message, level) => this.ctx.log(message, level));
    this.listener.on('hello', (channel, hello) => this.neighbours.accept(channel, hello));
    this.listener.on('offer', (ch, offer) => {
      if (!this.tracer.onOffer(ch, offer)) this.downloads.onOffer(this.ctx.bandwidth.attach(ch, 'down'), offer);
    });
    this.listener.on('fetch', (channel, fetch) => void this.uploads.onFetch(channel, fetch));
    this.listener.on('rejected', (remote, why) => this.ctx.log(`closed a connection from ${remote}: ${why}`, 'warn'));
    this.neighbours.on('up', (link) => this.emit({ event: 'neighbour-up', ...link.ref }));
    this.neighbours.on('down', (name, reason) => this.emit({ event: 'neighbour-down', name, reason }));
    this.neighbours.on('failed', (target, reason) => this.ctx.log(`could not link to ${target}: ${reason}`, 'warn'));
    this.neighbours.on('message', (link, msg) =>
      routeNeighbourMessage(link, msg, {
        query: (from, body) => this.tracer.onQuery(from, body),
        topoQuery: (from, body) => this.topology.onQuery(from, body),
        topoReply: (body) => this.topology.onReply(body),
        traceStep: (from, body) => this.tracer.onStep(from, body),
        stopAll: (from, body) => {
          if (!this.router.accept(body.qid, from.name)) return false;
          this.router.forward('stop-all', body, from.name);
          void this.stop(`stop all requested by ${body.by}`, undefined, false);
          return true;
        },
        log: (message, level) => this.ctx.log(message, level),
      }),
    );
  }

  private onReady(): void {
    const where = { server: this.server.display, dir: this.folders.root, downloads: this.folders.downloads };
    this.origins.refresh();
    this.emit({ event: 'ready', ...this.info(), ...where, keyed: this.transport.mesh.keyed, ...this.trust.mode() });
    if (this.ctx.bandwidth.capped) this.emit(this.ctx.bandwidth.limits());
    this.gate.open();
    this.custody.start();
    this.downloads.resumeAll();
    this.indexer.schedule();
  }
}
