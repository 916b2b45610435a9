/**
 * What strangers got (bench/live-fuzz.ts): every byte a stranger connection receives is kept per connection and
 * sorted when the connection closes. Against a keyed mesh a stranger must get nothing, TLS alerts, or the metadata
 * server's one fixed answer to plain bytes (a plain `refused`, `P2P_ERR_MESH_KEY`: docs/PROTOCOL.md "The mesh key:
 * TLS 1.3 with a pre-shared key"); any other byte, and any name, id or file name of the mesh, is a leak.
 */
import type { Socket } from 'node:net';
import { FrameDecoder } from '../common/frame-decoder.js';
import { peerMessages } from '../common/wire/peer-messages.js';
import { serverMessages } from '../common/wire/server-messages.js';
import type { Protocol } from '../harness/fuzz/hostile-traffic.js';

export interface StrangerTally {
  connections: number;
  /** Bytes received on all stranger connections. */
  bytes: number;
  /** Connections that received nothing at all. */
  nothing: number;
  /** Connections that received only TLS alert records, and their bytes. */
  alerts: { connections: number; bytes: number };
  /** Connections that received only the metadata server's `refused` P2P_ERR_MESH_KEY, and their bytes. */
  refusals: { connections: number; bytes: number };
  /** Anything else: a leak. Up to 20 descriptions. */
  other: string[];
  otherBytes: number;
  /** Secrets of the mesh (names, ids, file names, hashes) found in what strangers got. */
  secretsSeen: string[];
}

export const strangers: StrangerTally = {
  connections: 0,
  bytes: 0,
  nothing: 0,
  alerts: { connections: 0, bytes: 0 },
  refusals: { connections: 0, bytes: 0 },
  other: [],
  otherBytes: 0,
  secretsSeen: [],
};

/** Strings that must never reach a stranger: set by the fuzzer once the mesh runs. */
export const meshSecrets: string[] = [];

const KEEP = 256 * 1024;

/** Watches a stranger's socket: keeps what it receives (up to 256 KiB) and sorts it when the socket closes. */
export function watchStranger(socket: Socket, protocol: Protocol): void {
  strangers.connections += 1;
  const chunks: Buffer[] = [];
  let kept = 0;
  let total = 0;
  socket.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (kept < KEEP) (chunks.push(chunk), (kept += chunk.length));
  });
  socket.once('close', () => sort(Buffer.concat(chunks), total, protocol));
}

function sort(got: Buffer, total: number, protocol: Protocol): void {
  strangers.bytes += total;
  if (total === 0) return void (strangers.nothing += 1);
  const text = got.toString('latin1');
  for (const s of meshSecrets)
    if (text.includes(s) && !strangers.secretsSeen.includes(s)) strangers.secretsSeen.push(s);
  if (onlyAlerts(got) && got.length === total) {
    strangers.alerts.connections += 1;
    strangers.alerts.bytes += total;
  } else if (protocol === 'server' && onlyMeshKeyRefusals(got) && got.length === total) {
    strangers.refusals.connections += 1;
    strangers.refusals.bytes += total;
  } else {
    strangers.otherBytes += total;
    if (strangers.other.length < 20) strangers.other.push(`${protocol}: ${total} bytes, ${describe(got, protocol)}`);
  }
}

/** TLS records of content type 21 (alert), version 3.x, each whole. */
function onlyAlerts(got: Buffer): boolean {
  let at = 0;
  while (at < got.length) {
    if (got.length - at < 5 || got[at] !== 0x15 || got[at + 1] !== 0x03) return false;
    at += 5 + got.readUInt16BE(at + 3);
  }
  return at === got.length;
}

function onlyMeshKeyRefusals(got: Buffer): boolean {
  try {
    const frames = new FrameDecoder({ maxFrameBytes: 64 * 1024 }).push(got);
    return (
      frames.length > 0 &&
      frames.reduce((n, f) => n + 5 + f.payload.length, 0) === got.length &&
      frames.every((f) => {
        const m = serverMessages.decode(f);
        return m.kind === 'refused' && m.body.code === 'P2P_ERR_MESH_KEY';
      })
    );
  } catch {
    return false;
  }
}

function describe(got: Buffer, protocol: Protocol): string {
  try {
    const table = protocol === 'server' ? serverMessages : peerMessages;
    const frames = new FrameDecoder({ maxFrameBytes: 80 * 1024 * 1024 }).push(got);
    if (frames.length > 0) return `frames ${frames.map((f) => table.decode(f).kind).join(', ')}`;
  } catch {
    // not frames
  }
  return `starting ${got.subarray(0, 16).toString('hex')}`;
}
