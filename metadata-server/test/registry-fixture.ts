import { PROTOCOL_VERSION, type ServerMessages } from '../../common/wire/server-messages.js';
import { DEFAULT_MAX_REPLY_FRAME_BYTES } from '../metadata-server.js';
import type { Topology } from '../referral-policy.js';
import type { PeerRequest, PeerRequestKind, RegistryResult } from '../registry-protocol.js';
import { RegistryService } from '../registry-service.js';
import { SharedRegistry } from '../shared-registry.js';

/**
 * An in-process registry and service with a hand-driven clock, for unit tests of the behaviour without threads or
 * sockets. Connection ids are chosen by the test.
 */
export class RegistryFixture {
  readonly registry: SharedRegistry;
  readonly service: RegistryService;
  clock = 1_000_000;

  constructor(
    options: {
      maxPeers?: number;
      portLow?: number;
      portHigh?: number;
      topology?: Topology;
      indexBytesPerSlot?: number;
      maxReplyFrameBytes?: number;
    } = {},
  ) {
    this.registry = SharedRegistry.create({
      slots: options.maxPeers ?? 10,
      portLow: options.portLow ?? 30000,
      portHigh: options.portHigh ?? 30099,
      ...(options.indexBytesPerSlot === undefined ? {} : { indexBytesPerSlot: options.indexBytesPerSlot }),
    });
    this.service = new RegistryService(
      this.registry,
      {
        topology: options.topology ?? 'mesh',
        heartbeatTimeoutMs: 5000,
        busyPortMs: 60_000,
        adviceMemoryMs: 3000,
        maxReplyFrameBytes: options.maxReplyFrameBytes ?? DEFAULT_MAX_REPLY_FRAME_BYTES,
      },
      () => this.clock,
    );
  }

  send<K extends PeerRequestKind>(connId: number, kind: K, body: ServerMessages[K]): RegistryResult {
    const message = { kind, body } as PeerRequest;
    return this.service.handle({
      op: 'message',
      connId,
      remote: `127.0.0.1:${40000 + connId}`,
      remoteHost: '127.0.0.1',
      message,
    });
  }

  join(connId: number, name: string, extra: Partial<ServerMessages['join']> = {}): RegistryResult {
    return this.send(connId, 'join', {
      flag: 'p2p',
      name,
      id: `id-of-${name}-${connId}`,
      host: '127.0.0.1',
      version: PROTOCOL_VERSION,
      ...extra,
    });
  }

  /** Joins and goes live reporting its referrals as neighbours (what a well-behaved peer does). */
  joinLive(connId: number, name: string): { referrals: string[]; port: number } {
    const result = this.join(connId, name);
    if (result.reply?.kind !== 'welcome') throw new Error(`${name} was not admitted: ${JSON.stringify(result.reply)}`);
    const referrals = result.reply.body.referrals.map((r) => r.name);
    this.send(connId, 'listening', { port: result.reply.body.port, neighbours: referrals });
    return { referrals, port: result.reply.body.port };
  }
}

/** The code of a refusal, or the kind of any other reply. */
export function outcome(result: RegistryResult): string {
  if (!result.reply) return 'no reply';
  return result.reply.kind === 'refused' ? result.reply.body.code : result.reply.kind;
}
