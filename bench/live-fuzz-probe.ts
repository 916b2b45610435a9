/**
 * The live fuzzer's connections (bench/live-fuzz.ts): `connectTo` opens every one of them, as a stranger (plain TCP,
 * no key: against a keyed mesh the TLS handshake refuses it, and what it receives is watched,
 * bench/live-fuzz-stranger.ts) or as a member (through the mesh key's handshake and the identity proof,
 * harness/member-handshake.ts, as the peers do: hostile bytes then reach the frame decoders, like a member of the mesh
 * that misbehaves). On an open mesh (`--open`) both are the same plain TCP. A probe opens a connection, optionally
 * opens a session the way a real client does (`join` to the server, `hello` to a peer), sends hostile bytes and
 * collects what comes back.
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { FrameDecoder } from '../common/frame-decoder.js';
import type { MeshMode } from '../common/mesh-tls.js';
import { SigningKey } from '../common/signing-key.js';
import { memberHandshake } from '../harness/member-handshake.js';
import { peerMessages } from '../common/wire/peer-messages.js';
import { PROTOCOL_VERSION, serverMessages } from '../common/wire/server-messages.js';
import type { Protocol } from '../harness/fuzz/hostile-traffic.js';
import { watchStranger } from './live-fuzz-stranger.js';

export interface Target {
  /** `server`, or the peer's name. */
  name: string;
  protocol: Protocol;
  host: string;
  port: number;
}

/** Who the fuzzer is: a stranger (plain TCP, no key) or a member (the mesh's own handshake). */
export type As = 'stranger' | 'member';

/** How the fuzzer reaches a port: as whom, and the mesh's mode (keyed, or open: `--open`). */
export interface Access {
  as: As;
  mesh: MeshMode;
}

/**
 * Opens one connection to `target`, the only place the fuzzer connects: plain TCP, then for a member the mesh
 * key's handshake (nothing on an open mesh); a stranger's socket is watched. Rejects after `ms`, handshake included.
 */
export function connectTo(target: Target, access: Access, ms = 3000): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const raw: Socket = connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => (raw.destroy(), reject(new Error('connect timed out'))), ms);
    raw.on('error', (err) => (clearTimeout(timer), reject(err))); // after the connection is up: a no-op
    raw.once('connect', () => {
      if (access.as === 'stranger') {
        if (access.mesh.keyed) watchStranger(raw, target.protocol);
        clearTimeout(timer);
        return resolve(raw);
      }
      memberHandshake(raw, access.mesh, FUZZ_KEY).then(
        ({ stream }) => (clearTimeout(timer), resolve(stream)),
        (err: unknown) => (clearTimeout(timer), raw.destroy(), reject(err as Error)),
      );
    });
  });
}

/** A connection with its incoming frames decoded by the target's protocol table. */
export class Session {
  readonly received: string[] = [];
  readonly frames: Buffer[] = [];
  closed = false;
  closedAt = 0;
  private readonly decoder = new FrameDecoder({ maxFrameBytes: 80 * 1024 * 1024 });
  private wake: (() => void) | undefined;

  constructor(
    readonly socket: Duplex,
    readonly protocol: Protocol,
  ) {
    socket.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = this.decoder.push(chunk);
      } catch {
        this.received.push('undecodable frame');
        return;
      }
      for (const f of frames) {
        const table = protocol === 'server' ? serverMessages : peerMessages;
        try {
          this.received.push(table.decode(f).kind);
        } catch {
          this.received.push(`bad type ${f.type}`);
        }
        const raw = Buffer.alloc(5 + f.payload.length);
        raw.writeUInt32BE(f.payload.length + 1);
        raw[4] = f.type;
        f.payload.copy(raw, 5);
        this.frames.push(raw);
      }
      this.wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.closedAt = Date.now();
      this.wake?.();
    });
  }

  send(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Waits until `done()` holds, the connection closes, or `ms` pass. */
  async until(done: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done() && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.wake = () => (clearTimeout(timer), resolve());
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * The fuzzer's one identity key: a member proves it on every connection (harness/member-handshake.ts), so its
 * sessions name its id; what else they claim is the fuzzer's choice.
 */
export const FUZZ_KEY = SigningKey.generate();

let fresh = 0;
/** A name no real peer uses, and the fuzzer's id. */
export function strangerRef() {
  fresh += 1;
  return { name: `fz${process.pid.toString(36)}${fresh.toString(36)}`, id: FUZZ_KEY.id };
}

/** The opening message of a real client: `join` for the server, `hello` for a peer. */
export function opener(protocol: Protocol): Buffer {
  const { name, id } = strangerRef();
  return protocol === 'server'
    ? serverMessages.encode('join', { flag: 'p2p', name, id, host: '127.0.0.1', version: PROTOCOL_VERSION })
    : peerMessages.encode('hello', { name, id, host: '127.0.0.1', port: 9, neighbours: [] });
}

/** Messages the far end sends by itself on a session (not answers to what the fuzzer sent). */
const BACKGROUND = new Set(['ping', 'heartbeat-ack', 'query', 'topo-query', 'trust']);
const ERRORS = new Set(['refused', 'decline', 'bye']);

export type Outcome = 'closed' | 'error answer' | 'silent' | 'answered' | 'connect failed';

export interface ProbeResult {
  outcome: Outcome;
  /** Kinds answered after the hostile bytes (background messages left out). */
  answers: string[];
  /** Whether the session opener was accepted (welcome / hello). */
  opened: boolean;
}

/** One probe: connect, maybe open a session, send `bytes`, collect answers for `waitMs`. */
export async function probe(
  target: Target,
  access: Access,
  bytes: Buffer,
  options: { session: boolean; end: boolean; waitMs: number },
): Promise<ProbeResult> {
  let socket: Duplex;
  try {
    socket = await connectTo(target, access);
  } catch {
    return { outcome: 'connect failed', answers: [], opened: false };
  }
  const s = new Session(socket, target.protocol);
  try {
    let opened = false;
    if (options.session) {
      s.send(opener(target.protocol));
      await s.until(() => s.received.length > 0, 3000);
      opened = s.received.some((k) => k === 'welcome' || k === 'hello');
    }
    const before = s.received.length;
    s.send(bytes);
    if (options.end) s.socket.end();
    await s.until(() => false, options.waitMs);
    const answers = s.received.slice(before).filter((k) => !BACKGROUND.has(k));
    const outcome: Outcome = answers.some((k) => ERRORS.has(k))
      ? 'error answer'
      : answers.length > 0
        ? 'answered'
        : s.closed
          ? 'closed'
          : 'silent';
    return { outcome, answers, opened };
  } finally {
    s.close();
  }
}
