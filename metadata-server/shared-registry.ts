import { DEFAULT_INDEX_BYTES_PER_PEER, IndexRegion, MAX_INDEX_BYTES_PER_PEER } from './index-region.js';
import { lockFutex, unlockFutex } from './futex-lock.js';
import { LinkPromises } from './link-promises.js';
import type { MeshGraph, MeshNode } from './mesh-graph.js';

/**
 * The registry of peers, laid out in one SharedArrayBuffer so every worker of the pool reads and writes the same
 * state, guarded by one Atomics mutex. Nothing here knows about sockets or messages: callers take the lock
 * (`withLock`), read and write slots, and build a `MeshGraph` snapshot for the pure policies.
 *
 * Layout (offsets in the element size of each view; all regions start 8-byte aligned):
 *   Int32   header   [LOCK, JOIN_SEQ, SLOT_COUNT, PORT_LOW, PORT_HIGH, PORT_CURSOR, RESERVED_PORT, GRAPH_VERSION,
 *                     INDEX_BYTES, spare]
 *   Int32   slots    SLOT_INTS per slot: [STATE, PORT, CONN, JOIN_SEQ, NAME_LEN, ID_LEN, HOST_LEN, spare]
 *   Float64 times    TIME_FIELDS per slot: [LAST_SEEN, ADVICE_UNTIL], then one busy-until per port of the range
 *   Uint8   text     TEXT_BYTES per slot: canonical name | persistent id | host (ASCII: the wire patterns allow
 *                    nothing else)
 *   Uint8   adjacency slotCount × slotCount: [a][b] = 1 when a reported b as a neighbour
 *   Float64 promised slotCount × slotCount: links promised and not reported yet (link-promises.ts)
 *   Uint8   index    INDEX_BYTES per slot: the peer's last `index` (index-region.ts), emptied whenever the slot is
 *                    admitted or freed
 */

/** Slot states. A slot is `joining` from `welcome` until the peer reports `listening`, then `live`. */
export const SlotState = { free: 0, joining: 1, live: 2 } as const;
export type SlotStateValue = (typeof SlotState)[keyof typeof SlotState];

const H_LOCK = 0;
const H_JOIN_SEQ = 1;
const H_SLOT_COUNT = 2;
const H_PORT_LOW = 3;
const H_PORT_HIGH = 4;
const H_PORT_CURSOR = 5;
const H_RESERVED_PORT = 6;
const H_GRAPH_VERSION = 7;
const H_INDEX_BYTES = 8;
const HEADER_INTS = 10;

const S_STATE = 0;
const S_PORT = 1;
const S_CONN = 2;
const S_JOIN_SEQ = 3;
const S_NAME_LEN = 4;
const S_ID_LEN = 5;
const S_HOST_LEN = 6;
const SLOT_INTS = 8;

const T_LAST_SEEN = 0;
const T_ADVICE_UNTIL = 1;
const TIME_FIELDS = 2;

/** Byte budgets match the wire's field limits (common/wire/shapes.ts): name 32, id 64, host 255. */
const NAME_BYTES = 32;
const ID_BYTES = 64;
const HOST_BYTES = 255;
const TEXT_BYTES = NAME_BYTES + ID_BYTES + HOST_BYTES + 1;

/** The wire carries at most 256 peers in one list (MAX_PEERS_ON_WIRE), so a registry never holds more. */
export const MAX_SLOTS = 256;

export interface RegistryLayout {
  /** Number of peer slots (the server's --max-peers). */
  slots: number;
  /** Inclusive range of listening ports handed to peers. */
  portLow: number;
  portHigh: number;
  /** A port inside the range that is never handed out (the server's own), or 0. */
  reservedPort?: number;
  /** Bytes of each slot's file-index region, a multiple of 8. Default DEFAULT_INDEX_BYTES_PER_PEER (580 KiB). */
  indexBytesPerSlot?: number;
}

/** Everything stored about one peer. */
export interface PeerRecord {
  slot: number;
  state: SlotStateValue;
  name: string;
  id: string;
  host: string;
  port: number;
  connId: number;
  joinSeq: number;
  lastSeen: number;
}

export class SharedRegistry {
  readonly buffer: SharedArrayBuffer;
  private readonly ints: Int32Array;
  private readonly times: Float64Array;
  private readonly text: Uint8Array;
  private readonly adjacency: Uint8Array;
  readonly promises: LinkPromises;
  /** Each slot's file list; read and write it holding the lock. */
  readonly index: IndexRegion;
  readonly slotCount: number;
  readonly portLow: number;
  readonly portHigh: number;
  private readonly timeBase: number;
  private readonly textBase: number;
  private readonly adjBase: number;

  /** Allocates and initialises a registry. */
  static create(layout: RegistryLayout): SharedRegistry {
    if (!Number.isInteger(layout.slots) || layout.slots < 1 || layout.slots > MAX_SLOTS) {
      throw new RangeError(`a registry holds 1–${MAX_SLOTS} peers, not ${layout.slots}`);
    }
    if (layout.portLow < 1 || layout.portHigh > 65535 || layout.portLow > layout.portHigh) {
      throw new RangeError(`bad peer port range ${layout.portLow}-${layout.portHigh}`);
    }
    const indexBytes = layout.indexBytesPerSlot ?? DEFAULT_INDEX_BYTES_PER_PEER;
    if (!IndexRegion.validBytesPerSlot(indexBytes)) {
      throw new RangeError(
        `the index region of a peer must be a multiple of 8 from 8 to ${MAX_INDEX_BYTES_PER_PEER} bytes, not ${indexBytes}`,
      );
    }
    const sizes = regionSizes(layout.slots, layout.portHigh - layout.portLow + 1, indexBytes);
    const buffer = new SharedArrayBuffer(sizes.total);
    const header = new Int32Array(buffer, 0, HEADER_INTS);
    header[H_SLOT_COUNT] = layout.slots;
    header[H_PORT_LOW] = layout.portLow;
    header[H_PORT_HIGH] = layout.portHigh;
    header[H_PORT_CURSOR] = layout.portLow;
    header[H_RESERVED_PORT] = layout.reservedPort ?? 0;
    header[H_INDEX_BYTES] = indexBytes;
    return new SharedRegistry(buffer);
  }

  /** Views a registry created elsewhere (in a worker, from `workerData`). */
  static attach(buffer: SharedArrayBuffer): SharedRegistry {
    return new SharedRegistry(buffer);
  }

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    const header = new Int32Array(buffer, 0, HEADER_INTS);
    this.slotCount = header[H_SLOT_COUNT]!;
    this.portLow = header[H_PORT_LOW]!;
    this.portHigh = header[H_PORT_HIGH]!;
    const sizes = regionSizes(this.slotCount, this.portHigh - this.portLow + 1, header[H_INDEX_BYTES]!);
    this.ints = new Int32Array(buffer, 0, sizes.ints / 4);
    this.timeBase = sizes.ints;
    this.times = new Float64Array(buffer, this.timeBase, sizes.times / 8);
    this.textBase = this.timeBase + sizes.times;
    this.text = new Uint8Array(buffer, this.textBase, sizes.text);
    this.adjBase = this.textBase + sizes.text;
    this.adjacency = new Uint8Array(buffer, this.adjBase, this.slotCount * this.slotCount);
    this.promises = new LinkPromises(buffer, sizes.promisedBase, this.slotCount);
    this.index = new IndexRegion(buffer, sizes.indexBase, this.slotCount, header[H_INDEX_BYTES]!);
  }

  /** Takes the mutex (futex-lock.ts): only workers may block; a contended lock throws on the main thread. */
  lock(): void {
    lockFutex(this.ints, H_LOCK);
  }

  unlock(): void {
    unlockFutex(this.ints, H_LOCK);
  }

  /** Runs `fn` holding the lock; the lock is released even when `fn` throws. */
  withLock<T>(fn: () => T): T {
    this.lock();
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }

  state(slot: number): SlotStateValue {
    return this.ints[this.si(slot) + S_STATE] as SlotStateValue;
  }

  setState(slot: number, state: SlotStateValue): void {
    this.ints[this.si(slot) + S_STATE] = state;
  }

  port(slot: number): number {
    return this.ints[this.si(slot) + S_PORT]!;
  }

  setPort(slot: number, port: number): void {
    this.ints[this.si(slot) + S_PORT] = port;
  }

  connId(slot: number): number {
    return this.ints[this.si(slot) + S_CONN]!;
  }

  name(slot: number): string {
    return this.readText(slot, 0, this.ints[this.si(slot) + S_NAME_LEN]!);
  }

  touch(slot: number, now: number): void {
    this.times[slot * TIME_FIELDS + T_LAST_SEEN] = now;
  }

  adviceUntil(slot: number): number {
    return this.times[slot * TIME_FIELDS + T_ADVICE_UNTIL]!;
  }

  setAdviceUntil(slot: number, until: number): void {
    this.times[slot * TIME_FIELDS + T_ADVICE_UNTIL] = until;
  }

  read(slot: number): PeerRecord {
    const i = this.si(slot);
    const nameLen = this.ints[i + S_NAME_LEN]!;
    const idLen = this.ints[i + S_ID_LEN]!;
    return {
      slot,
      state: this.ints[i + S_STATE] as SlotStateValue,
      name: this.readText(slot, 0, nameLen),
      id: this.readText(slot, NAME_BYTES, idLen),
      host: this.readText(slot, NAME_BYTES + ID_BYTES, this.ints[i + S_HOST_LEN]!),
      port: this.ints[i + S_PORT]!,
      connId: this.ints[i + S_CONN]!,
      joinSeq: this.ints[i + S_JOIN_SEQ]!,
      lastSeen: this.times[slot * TIME_FIELDS + T_LAST_SEEN]!,
    };
  }

  /** Fills a free slot for a newly admitted peer (state `joining`, a fresh join sequence, no reported edges). */
  admit(
    slot: number,
    peer: { name: string; id: string; host: string; port: number; connId: number },
    now: number,
  ): void {
    const i = this.si(slot);
    this.ints[i + S_STATE] = SlotState.joining;
    this.ints[i + S_PORT] = peer.port;
    this.ints[i + S_CONN] = peer.connId;
    this.ints[i + S_JOIN_SEQ] = ++this.ints[H_JOIN_SEQ]!;
    this.ints[i + S_NAME_LEN] = this.writeText(slot, 0, NAME_BYTES, peer.name);
    this.ints[i + S_ID_LEN] = this.writeText(slot, NAME_BYTES, ID_BYTES, peer.id);
    this.ints[i + S_HOST_LEN] = this.writeText(slot, NAME_BYTES + ID_BYTES, HOST_BYTES, peer.host);
    this.times[slot * TIME_FIELDS + T_LAST_SEEN] = now;
    this.times[slot * TIME_FIELDS + T_ADVICE_UNTIL] = 0;
    this.clearEdges(slot);
    this.index.clear(slot);
  }

  /** Frees a slot: its name and port become available; every edge to or from it and its files are forgotten. */
  free(slot: number): void {
    const i = this.si(slot);
    this.ints.fill(0, i, i + SLOT_INTS);
    this.times[slot * TIME_FIELDS + T_ADVICE_UNTIL] = 0;
    this.clearEdges(slot);
    this.index.clear(slot);
  }

  /** Slots that are not free, in slot order. */
  occupied(): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.slotCount; s++) if (this.state(s) !== SlotState.free) out.push(s);
    return out;
  }

  findFree(): number {
    for (let s = 0; s < this.slotCount; s++) if (this.state(s) === SlotState.free) return s;
    return -1;
  }

  findByConn(connId: number): number {
    for (let s = 0; s < this.slotCount; s++) {
      if (this.state(s) !== SlotState.free && this.connId(s) === connId) return s;
    }
    return -1;
  }

  /** The joining or live slot holding a canonical name, or -1. */
  findByName(canonical: string): number {
    for (let s = 0; s < this.slotCount; s++) {
      if (this.state(s) !== SlotState.free && this.name(s) === canonical) return s;
    }
    return -1;
  }

  countIn(...states: SlotStateValue[]): number {
    let n = 0;
    for (let s = 0; s < this.slotCount; s++) if (states.includes(this.state(s))) n++;
    return n;
  }

  /** Replaces what `slot` reports as its neighbours; returns true when that changed anything. */
  setReported(slot: number, neighbours: Iterable<number>): boolean {
    const row = slot * this.slotCount;
    const next = new Uint8Array(this.slotCount);
    for (const n of neighbours) if (n !== slot) next[n] = 1;
    let changed = false;
    for (let b = 0; b < this.slotCount; b++) {
      if (this.adjacency[row + b] !== next[b]) {
        this.adjacency[row + b] = next[b]!;
        changed = true;
      }
    }
    if (changed) this.ints[H_GRAPH_VERSION]!++;
    return changed;
  }

  /**
   * The mesh of live peers: an edge exists when either side reports it (ordered by join sequence), or with `mutual`
   * only when both do. Given `now`, each node's `reserved` counts links promised beyond `now` (link-promises.ts) to a
   * joining or live peer, not reported.
   */
  graph(now?: number, { mutual = false }: { mutual?: boolean } = {}): MeshGraph {
    const nodes: MeshNode[] = [];
    const live: boolean[] = [];
    for (let s = 0; s < this.slotCount; s++) live.push(this.state(s) === SlotState.live);
    for (let a = 0; a < this.slotCount; a++) {
      if (!live[a]) continue;
      const neighbours = new Set<number>();
      for (let b = 0; b < this.slotCount; b++) {
        if (b === a || !live[b]) continue;
        const ab = this.adjacency[a * this.slotCount + b];
        const ba = this.adjacency[b * this.slotCount + a];
        if (mutual ? ab && ba : ab || ba) neighbours.add(b);
      }
      const node: MeshNode = { key: a, name: this.name(a), joinSeq: this.ints[this.si(a) + S_JOIN_SEQ]!, neighbours };
      if (now !== undefined)
        node.reserved = this.promises.reserved(a, now, (b) => !neighbours.has(b) && !!this.state(b));
      nodes.push(node);
    }
    nodes.sort((x, y) => x.joinSeq - y.joinSeq);
    return { nodes };
  }

  /** The port never handed out (the server's own), or 0. */
  get reservedPort(): number {
    return this.ints[H_RESERVED_PORT]!;
  }

  /** Where the next port search starts, so freed ports are not handed straight back out (stale dials). */
  get portCursor(): number {
    return this.ints[H_PORT_CURSOR]!;
  }

  set portCursor(port: number) {
    this.ints[H_PORT_CURSOR] = port;
  }

  /** Until when (ms since epoch) a port of the range is considered busy; 0 when it is not. */
  busyUntil(port: number): number {
    if (port < this.portLow || port > this.portHigh) return 0;
    return this.times[this.slotCount * TIME_FIELDS + (port - this.portLow)]!;
  }

  setBusyUntil(port: number, until: number): void {
    if (port < this.portLow || port > this.portHigh) return;
    this.times[this.slotCount * TIME_FIELDS + (port - this.portLow)] = until;
  }

  private si(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slotCount) throw new RangeError(`no slot ${slot}`);
    return HEADER_INTS + slot * SLOT_INTS;
  }

  private clearEdges(slot: number): void {
    const n = this.slotCount;
    this.adjacency.fill(0, slot * n, slot * n + n);
    for (let a = 0; a < n; a++) this.adjacency[a * n + slot] = 0;
    this.promises.forget(slot);
    this.ints[H_GRAPH_VERSION]!++;
  }

  private writeText(slot: number, offset: number, max: number, value: string): number {
    if (value.length > max) throw new RangeError(`"${value.slice(0, 40)}…" is longer than ${max} characters`);
    const base = slot * TEXT_BYTES + offset;
    for (let k = 0; k < value.length; k++) {
      const code = value.charCodeAt(k);
      if (code > 0x7e) throw new RangeError('registry text must be ASCII');
      this.text[base + k] = code;
    }
    return value.length;
  }

  private readText(slot: number, offset: number, length: number): string {
    const base = slot * TEXT_BYTES + offset;
    let out = '';
    for (let k = 0; k < length; k++) out += String.fromCharCode(this.text[base + k]!);
    return out;
  }
}

function regionSizes(slots: number, ports: number, indexBytes: number) {
  const align8 = (n: number) => Math.ceil(n / 8) * 8;
  const ints = align8((HEADER_INTS + slots * SLOT_INTS) * 4);
  const times = (slots * TIME_FIELDS + ports) * 8;
  const text = align8(slots * TEXT_BYTES);
  const promisedBase = ints + times + text + align8(slots * slots);
  const indexBase = promisedBase + LinkPromises.size(slots);
  return { ints, times, text, promisedBase, indexBase, total: indexBase + IndexRegion.size(slots, indexBytes) };
}
