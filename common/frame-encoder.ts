import { FRAME_HEADER_BYTES } from './frame-decoder.js';

/** Encodes one frame: `u32 length (type + payload) | u8 type | payload`. */
export function encodeFrame(type: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUInt32BE(payload.length + 1, 0);
  out.writeUInt8(type, 4);
  payload.copy(out, FRAME_HEADER_BYTES);
  return out;
}
