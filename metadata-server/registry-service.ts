import { describeError, type P2pErrorCode } from '../common/errors.js';
import { canonicalName } from '../common/peer-name.js';
import {
  JOIN_FLAG_PATTERN,
  PROTOCOL_VERSION,
  type IndexedFile,
  type ServerMessages,
} from '../common/wire/server-messages.js';
import { MAX_HOPS } from '../common/wire/peer-messages.js';
import type { PeerInfo, PeerRef } from '../common/wire/shapes.js';
import { fitFilesReply, searchIndex } from './file-index.js';
import { decodeIndex } from './index-region.js';
import { eccentricity } from './mesh-graph.js';
import { planRepair } from './mesh-repair.js';
import { PortAllocator } from './port-allocator.js';
import { chooseReferrals } from './referral-policy.js';
import { emptyResult, type RegistryConfig, type RegistryRequest, type RegistryResult } from './registry-protocol.js';
import { SlotState, type SharedRegistry } from './shared-registry.js';

/**
 * How long a referral counts as a reserved link of both peers unless the newcomer says `listening` sooner
 * (referral-policy.ts): twice the 5 s a peer gives a neighbour dial and its hello (peer/mesh/neighbour-set.ts), because
 * on a loaded machine the dial starts late (100 peers starting on two cores: docs/performance.md "Many peers"). A
 * newcomer that died keeps its places for that long at most. Repair advice holds its place as long as it is
 * remembered (`adviceMemoryMs`), since it is repeated after that.
 */
export const DEFAULT_REFERRAL_HOLD_MS = 10_000;

/** Hosts a peer may advertise that mean "all interfaces": its socket's address is advertised instead. */
const UNSPECIFIED_HOSTS = new Set(['0.0.0.0', '::']);

/**
 * Performs registry requests against the shared registry: the whole server behaviour that is not sockets. Runs in
 * every worker of the pool (and in-process in unit tests). Each request takes the lock once, so a request sees and
 * leaves the registry consistent however requests from other workers interleave; this is what makes racing joins
 * unable to get the same name or port.
 */
export class RegistryService {
  private readonly ports: PortAllocator;

  constructor(
    private readonly registry: SharedRegistry,
    private readonly config: RegistryConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.ports = new PortAllocator(registry);
  }

  handle(request: RegistryRequest): RegistryResult {
    const out = emptyResult();
    if (request.op === 'sweep') {
      this.registry.withLock(() => this.sweep(out));
    } else if (request.op === 'disconnect') {
      this.registry.withLock(() => this.disconnect(request.connId, request.reason, out));
    } else if (request.message.kind === 'join') {
      this.join(request.connId, request.remote, request.remoteHost, request.message.body, out);
    } else if (request.message.kind === 'files-request') {
      this.filesRequest(request.connId, request.remote, request.message.body, out);
    } else {
      const { connId, message, remote } = request;
      this.registry.withLock(() => {
        const slot = this.joinedSlot(connId, remote, message.kind, out);
        if (slot < 0) return;
        switch (message.kind) {
          case 'port-busy':
            return this.portBusy(slot, remote, message.body.port, out);
          case 'listening':
            return this.listening(slot, remote, message.body, out);
          case 'heartbeat':
            return this.heartbeat(slot, message.body.neighbours, out);
          case 'leave':
            return this.leave(slot, message.body.reason, out);
          case 'peers-request':
            out.reply = { kind: 'peers', body: { rid: message.body.rid, peers: this.peerInfos() } };
            return;
          case 'stop-all':
            return this.stopAll(message.body.by, out);
          case 'index':
            return this.index(slot, message.body.files, out);
        }
      });
    }
    return out;
  }

  /** The slot held by this connection, touched (any message proves liveness); else refuses the message, -1. */
  private joinedSlot(connId: number, remote: string, kind: string, out: RegistryResult): number {
    const slot = this.registry.findByConn(connId);
    if (slot < 0) {
      unexpected(out, remote, kind, 'send join first');
      return -1;
    }
    this.registry.touch(slot, this.now());
    return slot;
  }

  // ---- joining --------------------------------------------------------------------------------------------------

  private join(
    connId: number,
    remote: string,
    remoteHost: string,
    body: ServerMessages['join'],
    out: RegistryResult,
  ): void {
    const who = `"${body.name.slice(0, 40)}" from ${remote}`;
    if (body.version !== PROTOCOL_VERSION) {
      const reason = `this peer speaks protocol version ${body.version} but the metadata server speaks ${PROTOCOL_VERSION}: run the same release of both`;
      return refuse(out, who, 'P2P_ERR_BAD_MESSAGE', reason);
    }
    if (!JOIN_FLAG_PATTERN.test(body.flag)) {
      const reason = `the join flag "${body.flag}" is not "p2p": use a peer of this release, which sends the right flag`;
      return refuse(out, who, 'P2P_ERR_BAD_FLAG', reason);
    }
    let name: string;
    try {
      name = canonicalName(body.name);
    } catch (err) {
      return refuse(out, who, 'P2P_ERR_BAD_NAME', describeError(err));
    }
    const host = UNSPECIFIED_HOSTS.has(body.host) ? remoteHost : body.host;
    const r = this.registry;
    r.withLock(() => {
      if (r.findByConn(connId) >= 0) return unexpected(out, remote, 'join', 'this connection has already joined');
      const holder = r.findByName(name);
      if (holder >= 0 && r.read(holder).id === body.id) {
        // The same peer (same persistent id) on a new connection: it lost the old one before we noticed (our
        // heartbeat timeout has not expired yet). Replace the stale registration instead of refusing the peer.
        const stale = r.read(holder);
        r.free(holder);
        out.close.push(stale.connId);
        out.logs.push(`${name} reconnected from ${remote}: dropped its previous connection`);
      } else if (holder >= 0) {
        const reason = `the name "${name}" is already used by a live peer: choose another name, or stop the other ${name} first`;
        return refuse(out, who, 'P2P_ERR_NAME_TAKEN', reason);
      }
      if (r.countIn(SlotState.joining, SlotState.live) >= r.slotCount) {
        const reason = `the mesh is full (${r.slotCount} peers): try again when a peer leaves, or start the metadata server with a larger --max-peers`;
        return refuse(out, who, 'P2P_ERR_MESH_FULL', reason);
      }
      const now = this.now();
      const port = this.ports.allocate(now, body.port === undefined ? {} : { requested: body.port });
      if (port === 0) return refuse(out, who, 'P2P_ERR_NO_PORT', this.noPortReason());
      const slot = r.findFree();
      r.admit(slot, { name, id: body.id, host, port, connId }, now);
      out.admitted = true;
      const welcome = this.welcome(slot);
      out.reply = welcome;
      const referred = welcome.body.referrals.map((p) => p.name);
      const count = r.countIn(SlotState.joining, SlotState.live);
      out.logs.push(
        `${name} joined from ${remote} (${count}/${r.slotCount} peers): port ${port}, ` +
          `referred to ${referred.length ? referred.join(', ') : this.liveCount() ? 'nobody (every live peer is full)' : 'nobody (first peer)'}`,
      );
    });
  }

  /** The peer could not listen on its port: skip that port for a while and offer another, with fresh referrals. */
  private portBusy(slot: number, remote: string, port: number, out: RegistryResult): void {
    const r = this.registry;
    if (r.state(slot) !== SlotState.joining)
      return unexpected(out, remote, 'port-busy', 'it is only valid before listening');
    const now = this.now();
    const name = r.name(slot);
    // Only the port this peer was granted is marked: a peer cannot make the server skip ports it was never given.
    this.ports.markBusy(r.port(slot), now, this.config.busyPortMs);
    const next = this.ports.allocate(now, { exceptSlot: slot });
    if (next === 0) {
      r.free(slot);
      return refuse(out, `"${name}"`, 'P2P_ERR_NO_PORT', this.noPortReason());
    }
    r.setPort(slot, next);
    out.reply = this.welcome(slot);
    out.logs.push(`${name} reported port ${port} busy: offered port ${next}`);
  }

  private listening(slot: number, remote: string, body: ServerMessages['listening'], out: RegistryResult): void {
    const r = this.registry;
    if (r.state(slot) !== SlotState.joining)
      return unexpected(out, remote, 'listening', 'it is only valid once, after welcome');
    if (body.port !== r.port(slot)) {
      const reason = `listening on port ${body.port} but the metadata server granted port ${r.port(slot)}: listen on the granted port`;
      const name = r.name(slot);
      r.free(slot);
      return refuse(out, `"${name}"`, 'P2P_ERR_BAD_MESSAGE', reason);
    }
    r.setState(slot, SlotState.live);
    r.setReported(slot, this.resolve(body.neighbours));
    // Its referrals are dialled (a peer says `listening` after its dials ended): what was linked is reported now,
    // and a referral that failed must not keep a place reserved.
    r.promises.clear(slot);
    const neighbours = [...(r.graph().nodes.find((n) => n.key === slot)?.neighbours ?? [])].map((s) => r.name(s));
    out.logs.push(
      `${r.name(slot)} is live on ${r.read(slot).host}:${body.port}` +
        ` with neighbours ${neighbours.length ? neighbours.join(', ') : '(none)'}`,
    );
    this.repair(slot, out);
  }

  // ---- liveness -------------------------------------------------------------------------------------------------

  private heartbeat(slot: number, neighbours: string[], out: RegistryResult): void {
    this.registry.setReported(slot, this.resolve(neighbours));
    // The hops this peer's searches need (docs/PROTOCOL.md "Peer ↔ peer").
    out.reply = {
      kind: 'heartbeat-ack',
      body: { peers: this.liveCount(), link: [], ...reach(this.registry, slot, 0) },
    };
    this.repair(slot, out);
  }

  private leave(slot: number, reason: string, out: RegistryResult): void {
    const name = this.registry.name(slot);
    this.registry.free(slot);
    out.end = true;
    out.logs.push(`${name} left (${reason || 'no reason given'})`);
    this.repair(-1, out);
  }

  private disconnect(connId: number, reason: string, out: RegistryResult): void {
    const slot = this.registry.findByConn(connId);
    if (slot < 0) return;
    const name = this.registry.name(slot);
    this.registry.free(slot);
    out.logs.push(`${name} is gone: ${reason}`);
    this.repair(-1, out);
  }

  private sweep(out: RegistryResult): void {
    const r = this.registry;
    const now = this.now();
    let freed = false;
    for (const slot of r.occupied()) {
      const peer = r.read(slot);
      if (now - peer.lastSeen <= this.config.heartbeatTimeoutMs) continue;
      r.free(slot);
      out.close.push(peer.connId);
      out.logs.push(`${peer.name} is gone: no heartbeat for ${this.config.heartbeatTimeoutMs} ms`);
      freed = true;
    }
    if (freed) this.repair(-1, out);
  }

  // ---- the file index -------------------------------------------------------------------------------------------

  /**
   * Replaces what the peer holds (joining or live). An index the slot's region cannot hold is refused and the peer
   * dropped, like any refusal: storing part of it would silently hide files from everyone else.
   */
  private index(slot: number, files: IndexedFile[], out: RegistryResult): void {
    const r = this.registry;
    const name = r.name(slot);
    const written = r.index.write(slot, files);
    if (!written.ok) {
      r.free(slot);
      refuse(out, `"${name}"`, 'P2P_ERR_BAD_MESSAGE', written.reason);
      return this.repair(-1, out);
    }
    out.logs.push(`${name} now holds ${files.length} file${files.length === 1 ? '' : 's'}`);
  }

  /**
   * Answers from the files of live peers only. The lock is held just long enough to copy their encoded lists out
   * of the shared buffer; decoding, matching and sorting run unlocked so a big index never stalls other requests.
   */
  private filesRequest(
    connId: number,
    remote: string,
    body: ServerMessages['files-request'],
    out: RegistryResult,
  ): void {
    const r = this.registry;
    const copied = r.withLock(() => {
      if (this.joinedSlot(connId, remote, 'files-request', out) < 0) return undefined;
      const live = r.occupied().filter((s) => r.state(s) === SlotState.live && r.index.count(s) > 0);
      return live.map((s) => ({ holder: this.ref(s), bytes: r.index.copy(s) }));
    });
    if (!copied) return;
    const holdings = copied.map(({ holder, bytes }) => ({ holder, files: decodeIndex(bytes) }));
    const entries = fitFilesReply(body.rid, searchIndex(holdings, body), this.config.maxReplyFrameBytes);
    out.reply = { kind: 'files', body: { rid: body.rid, entries } };
  }

  // ---- the mesh -------------------------------------------------------------------------------------------------

  private stopAll(by: string, out: RegistryResult): void {
    const r = this.registry;
    const reason = `stop all requested by ${by}`;
    const targets = r.occupied();
    for (const slot of targets)
      out.pushes.push({ connId: r.connId(slot), message: { kind: 'stop', body: { reason } } });
    out.logs.push(`${reason}: told ${targets.length} peer${targets.length === 1 ? '' : 's'} to stop`);
  }

  /**
   * Advises split-off components to dial the main one (mesh-repair.ts). Advice for the requester rides on its own
   * heartbeat-ack; anyone else gets an unsolicited heartbeat-ack. Advice is remembered for `adviceMemoryMs`.
   */
  private repair(requester: number, out: RegistryResult): void {
    const r = this.registry;
    const now = this.now();
    const graph = r.graph(now);
    const advice = planRepair(graph, (slot) => r.adviceUntil(slot) > now, { topology: this.config.topology });
    if (advice.length === 0) return;
    const links = new Map<number, PeerRef[]>();
    for (const { from, to } of advice) {
      // Reserved as long as the advice is remembered: once it may be repeated, it no longer holds a place.
      r.setAdviceUntil(from, now + this.config.adviceMemoryMs);
      r.promises.promise(from, to, now + this.config.adviceMemoryMs);
      links.set(from, [...(links.get(from) ?? []), this.ref(to)]);
    }
    for (const [from, refs] of links) {
      out.logs.push(`mesh is split: advised ${r.name(from)} to dial ${refs.map((x) => x.name).join(' and ')}`);
      if (from === requester && out.reply?.kind === 'heartbeat-ack') out.reply.body.link.push(...refs);
      else
        out.pushes.push({
          connId: r.connId(from),
          message: { kind: 'heartbeat-ack', body: { peers: graph.nodes.length, link: refs } },
        });
    }
  }

  private welcome(slot: number): { kind: 'welcome'; body: ServerMessages['welcome'] } {
    const r = this.registry;
    const now = this.now();
    // Referrals handed out earlier (a port-busy welcome) are replaced by these; each is a reserved link until the
    // newcomer reports `listening` or the hold expires, so racing newcomers spread over the mesh.
    r.promises.clear(slot);
    const graph = r.graph(now);
    const chosen = chooseReferrals(graph, this.config.topology);
    for (const to of chosen) r.promises.promise(slot, to, now + this.holdMs);
    const referrals = chosen.map((s) => this.ref(s));
    const body = { port: r.port(slot), referrals, peers: this.liveCount() };
    // Linked to its first referral, the newcomer is one hop farther than that peer from everyone.
    return { kind: 'welcome', body: chosen.length > 0 ? { ...body, ...reach(r, chosen[0]!, 1) } : body };
  }

  private peerInfos(): PeerInfo[] {
    const r = this.registry;
    return r.graph().nodes.map((n) => ({ ...this.ref(n.key), neighbours: [...n.neighbours].map((s) => r.name(s)) }));
  }

  private ref(slot: number): PeerRef {
    const { name, id, host, port } = this.registry.read(slot);
    return { name, id, host, port };
  }

  /** Slots of the named peers that hold a slot; unknown names are ignored (the graph keeps live peers only). */
  private resolve(names: string[]): number[] {
    return names.map((n) => this.registry.findByName(n.toLowerCase())).filter((s) => s >= 0);
  }

  private get holdMs(): number {
    return this.config.referralHoldMs ?? DEFAULT_REFERRAL_HOLD_MS;
  }

  private liveCount(): number {
    return this.registry.countIn(SlotState.live);
  }

  private noPortReason(): string {
    const r = this.registry;
    return `no listening port is free in ${r.portLow}-${r.portHigh}: wait for a peer to leave, or start the metadata server with a wider --peer-ports`;
  }
}

/**
 * `{ reach }`: `key`'s eccentricity plus `extra`, at most MAX_HOPS; nothing when that is 0 (no neighbour). The larger
 * of the eccentricity over every reported link and over links both ends report: a peer claiming links it does not
 * have makes the first shorter but not the second, and a link reported by one end only so far (a newcomer's, until
 * the other end's next heartbeat) is missing from the second but not from the first.
 */
function reach(registry: SharedRegistry, key: number, extra: number): { reach?: number } {
  const hops =
    Math.max(eccentricity(registry.graph(), key), eccentricity(registry.graph(undefined, { mutual: true }), key)) +
    extra;
  return hops < 1 ? {} : { reach: Math.min(MAX_HOPS, hops) };
}

function refuse(out: RegistryResult, who: string, code: P2pErrorCode, reason: string): void {
  out.reply = { kind: 'refused', body: { code, reason } };
  out.end = true;
  out.logs.push(`refused ${who}: ${code}: ${reason}`);
}

/** A well-formed message at the wrong time: refused (so the sender learns why), then the connection ends. */
export function unexpected(out: RegistryResult, remote: string, kind: string, what: string): void {
  out.reply = { kind: 'refused', body: { code: 'P2P_ERR_UNEXPECTED_MESSAGE', reason: `unexpected ${kind}: ${what}` } };
  out.end = true;
  out.logs.push(`closed ${remote}: it sent ${kind} out of order (${what})`);
}
