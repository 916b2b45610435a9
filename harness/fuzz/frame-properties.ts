/**
 * Properties of the frame layer (common/frame-decoder.ts, common/frame-encoder.ts): what is encoded decodes the same
 * however the stream is cut, arbitrary bytes only ever raise the project's own errors, and limits are enforced as
 * soon as a length prefix is read, before the body is buffered.
 */
import fc from 'fast-check';
import { BufferOverflowError, FrameTooLargeError, P2pError } from '../../common/errors.js';
import { FrameDecoder, type Frame } from '../../common/frame-decoder.js';
import { encodeFrame } from '../../common/frame-encoder.js';
import { thrown, type FuzzProperty } from './fuzz-runner.js';

const frameArb = fc.record({ type: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 300 }) });

/** Cuts `bytes` at the given offsets (any order, repeats allowed) into consecutive chunks. */
export function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

const plain = (frames: Frame[]) => frames.map((f) => ({ type: f.type, payload: [...f.payload] }));

export const frameProperties: FuzzProperty[] = [
  {
    name: 'frames: encode then decode, cut anywhere, gives the frames back',
    runs: 3000,
    property: () =>
      fc.property(fc.array(frameArb, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, offsets) => {
        const wire = Buffer.concat(frames.map((f) => encodeFrame(f.type, Buffer.from(f.payload))));
        const d = new FrameDecoder();
        const got = cut(wire, offsets).flatMap((c) => d.push(c));
        const want = frames.map((f) => ({ type: f.type, payload: [...f.payload] }));
        return JSON.stringify(plain(got)) === JSON.stringify(want) && d.pendingBytes === 0;
      }),
  },
  {
    name: 'frames: arbitrary bytes raise only P2pError and never buffer past the limit',
    runs: 3000,
    property: () =>
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }),
        fc.integer({ min: 1, max: 512 }),
        (chunks, maxFrameBytes) => {
          const d = new FrameDecoder({ maxFrameBytes, maxBufferedBytes: maxFrameBytes + 64 });
          for (const c of chunks) {
            const err = thrown(() => {
              for (const f of d.push(Buffer.from(c))) if (f.payload.length + 1 > maxFrameBytes) throw new Error('big');
            });
            if (err !== undefined) return err instanceof P2pError;
            if (d.pendingBytes > maxFrameBytes + 64) return false;
          }
          return true;
        },
      ),
  },
  {
    name: 'frames: a declared length over the limit is refused by the prefix alone',
    runs: 2000,
    property: () =>
      fc.property(
        fc.integer({ min: 1, max: 1 << 20 }),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.array(fc.nat(), { maxLength: 3 }),
        (max, declared, offsets) => {
          fc.pre(declared > max);
          const prefix = Buffer.alloc(4);
          prefix.writeUInt32BE(declared);
          const d = new FrameDecoder({ maxFrameBytes: max });
          const chunks = cut(prefix, offsets).filter((c) => c.length > 0);
          // Every chunk before the last completes no prefix; the last one must be refused at once.
          for (const c of chunks.slice(0, -1)) if (d.push(c).length !== 0) return false;
          const err = thrown(() => d.push(chunks.at(-1)!));
          return err instanceof FrameTooLargeError;
        },
      ),
  },
  {
    name: 'frames: a legal length trickled in never holds more than the buffer limit',
    runs: 1000,
    property: () =>
      fc.property(
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 0, max: 4096 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }),
        (max, slack, sizes) => {
          const d = new FrameDecoder({ maxFrameBytes: max, maxBufferedBytes: max + slack });
          const head = Buffer.alloc(4);
          head.writeUInt32BE(max);
          if (d.push(head).length !== 0) return false;
          for (const n of sizes) {
            const err = thrown(() => d.push(Buffer.alloc(n)));
            if (err !== undefined) return err instanceof BufferOverflowError || err instanceof P2pError;
            if (d.pendingBytes > max + slack) return false;
          }
          return true;
        },
      ),
  },
];
