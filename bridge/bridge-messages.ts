/**
 * The bridge-to-bridge protocol (docs/BEYOND-LAN.md "The bridge"), spoken over one Hyperswarm stream with the
 * repository's framing (`u32 length | u8 type | payload`, common/frame-decoder.ts) and schema-checked JSON messages
 * (common/message-table.ts). The first message each way is `hello`, proving the mesh key for this stream
 * (bridge/bridge-keys.ts); anything before it closes the stream. A bridge then asks for a file with `want`; the far
 * bridge answers `none`, or `have` followed by exactly `size` bytes of `chunk` frames, one file at a time.
 *
 * May import: common/.
 */
import { encodeFrame } from '../common/frame-encoder.js';
import { MessageTable, jsonMessage, type MessageCodec } from '../common/message-table.js';
import { int, obj, str } from '../common/schema.js';
import { FRAME_HEADER_BYTES } from '../common/frame-decoder.js';

/** Most bytes of file data in one `chunk` frame. */
export const CHUNK_BYTES = 64 * 1024;
/** The largest frame a bridge accepts: a whole chunk (JSON messages are far smaller). */
export const BRIDGE_MAX_FRAME_BYTES = CHUNK_BYTES + FRAME_HEADER_BYTES;
/** Longest file path a `want` may name (docs/PROTOCOL.md "File names" bounds paths to 1024 bytes). */
const MAX_FILE_CHARS = 1024;

export interface BridgeMessages {
  /** Proof that the sender holds the mesh key, bound to this stream: base64 of 32 bytes. */
  hello: { proof: string };
  /** Send me this file, as your office holds it. `rid` ties the answer to the request. */
  want: { rid: string; file: string };
  /** The answer to `want`: the file follows in `chunk` frames, `size` bytes whose SHA-256 is `sha256`. */
  have: { rid: string; file: string; size: number; sha256: string };
  /** The answer to `want` when the far office could not get the file. */
  none: { rid: string; file: string; reason: string };
  /** File data of the current `have`, in order. */
  chunk: Buffer;
}

const rid = str({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ });
const file = str({ min: 1, max: MAX_FILE_CHARS });

const chunkCodec: MessageCodec<Buffer> = {
  type: 20,
  name: 'chunk',
  encode: (data) => encodeFrame(20, data),
  decode: (payload) => payload,
};

export const BRIDGE_MESSAGES = new MessageTable<BridgeMessages>({
  hello: jsonMessage(1, 'hello', obj({ proof: str({ min: 44, max: 44, pattern: /^[A-Za-z0-9+/]{43}=$/ }) })),
  want: jsonMessage(2, 'want', obj({ rid, file })),
  have: jsonMessage(
    3,
    'have',
    obj({
      rid,
      file,
      size: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      sha256: str({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/ }),
    }),
  ),
  none: jsonMessage(4, 'none', obj({ rid, file, reason: str({ max: 500 }) })),
  chunk: chunkCodec,
});
