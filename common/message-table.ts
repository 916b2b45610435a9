import { BadMessageError, P2pError } from './errors.js';
import type { Frame } from './frame-decoder.js';
import { encodeFrame } from './frame-encoder.js';
import { MAX_JSON_DEPTH, nestsWithin } from './json-bounds.js';
import type { Check } from './schema.js';

/**
 * One message type: its type byte, name, and codec. JSON messages are checked against a schema on decode;
 * binary messages (file pieces) bring their own codec.
 */
export interface MessageCodec<T> {
  type: number;
  name: string;
  /** The whole frame, header included, in one buffer (so a binary codec can lay out its payload without a copy). */
  encode(msg: T): Buffer;
  decode(payload: Buffer): T;
}

/** A JSON message: UTF-8 JSON object, schema-checked on decode. */
export function jsonMessage<T>(type: number, name: string, check: Check<T>): MessageCodec<T> {
  return {
    type,
    name,
    encode: (msg) => encodeFrame(type, Buffer.from(JSON.stringify(msg), 'utf8')),
    decode: (payload) => {
      if (!nestsWithin(payload)) throw new BadMessageError(`${name}: nested deeper than ${MAX_JSON_DEPTH} levels`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload.toString('utf8'));
      } catch {
        throw new BadMessageError(`${name}: payload is not JSON`);
      }
      try {
        return check(parsed, '');
      } catch (err) {
        throw new BadMessageError(`${name}: ${(err as Error).message}`);
      }
    },
  };
}

/** A decoded message tagged with its kind, as dispatched to handlers. */
export type Tagged<M> = { [K in keyof M]: { kind: K; body: M[K] } }[keyof M];

/**
 * The registry of a protocol's message types, dispatched by one flat map (after protomux `addMessage`,
 * bittorrent-protocol's `_onMessage` switch). `M` maps message names to body types.
 */
export class MessageTable<M extends object> {
  private readonly byType = new Map<number, MessageCodec<unknown> & { name: string }>();
  private readonly byName = new Map<string, MessageCodec<unknown>>();

  constructor(codecs: { [K in keyof M]: MessageCodec<M[K]> }) {
    for (const [name, codec] of Object.entries(codecs) as [string, MessageCodec<unknown>][]) {
      if (this.byType.has(codec.type)) throw new Error(`duplicate message type ${codec.type}`);
      this.byType.set(codec.type, { ...codec, name });
      this.byName.set(name, codec);
    }
  }

  encode<K extends keyof M & string>(kind: K, body: M[K]): Buffer {
    const codec = this.byName.get(kind)!;
    return codec.encode(body);
  }

  typeOf(kind: keyof M & string): number {
    return this.byName.get(kind)!.type;
  }

  decode(frame: Frame): Tagged<M> {
    const codec = this.byType.get(frame.type);
    if (!codec) throw new P2pError('P2P_ERR_UNKNOWN_TYPE', `unknown message type ${frame.type}`);
    return { kind: codec.name, body: codec.decode(frame.payload) } as Tagged<M>;
  }
}
