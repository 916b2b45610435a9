import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameDecoder } from '../frame-decoder.js';
import { encodeFrame } from '../frame-encoder.js';
import { codeOf } from './error-code.js';

const frame = (type: number, text: string) => encodeFrame(type, Buffer.from(text));

test('decodes a frame delivered whole', () => {
  const d = new FrameDecoder();
  const frames = d.push(frame(7, 'hello'));
  assert.is(frames.length, 1);
  assert.is(frames[0]!.type, 7);
  assert.is(frames[0]!.payload.toString(), 'hello');
  assert.is(d.pendingBytes, 0);
});

test('decodes frames split at every byte boundary', () => {
  const bytes = Buffer.concat([frame(1, 'abc'), frame(2, ''), frame(3, 'a longer payload')]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const d = new FrameDecoder();
    const out = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
    assert.equal(
      out.map((f) => [f.type, f.payload.toString()]),
      [
        [1, 'abc'],
        [2, ''],
        [3, 'a longer payload'],
      ],
      `cut at ${cut}`,
    );
  }
});

test('decodes frames fed one byte at a time', () => {
  const bytes = Buffer.concat([frame(1, 'x'.repeat(300)), frame(9, 'yz')]);
  const d = new FrameDecoder();
  const out = [];
  for (const b of bytes) out.push(...d.push(Buffer.from([b])));
  assert.equal(
    out.map((f) => [f.type, f.payload.length]),
    [
      [1, 300],
      [9, 2],
    ],
  );
});

test('decodes many frames merged into one chunk', () => {
  const parts = Array.from({ length: 50 }, (_, i) => frame(i + 1, `m${i}`));
  const out = new FrameDecoder().push(Buffer.concat(parts));
  assert.is(out.length, 50);
  assert.is(out[49]!.payload.toString(), 'm49');
});

test('refuses a declared length over the frame limit before buffering the body', () => {
  const d = new FrameDecoder({ maxFrameBytes: 100 });
  const head = Buffer.alloc(4);
  head.writeUInt32BE(101);
  assert.is(
    codeOf(() => d.push(head)),
    'P2P_ERR_FRAME_TOO_LARGE',
  );
});

test('accepts a frame of exactly the limit', () => {
  const d = new FrameDecoder({ maxFrameBytes: 11 });
  assert.is(d.push(frame(1, 'x'.repeat(10))).length, 1);
});

test('refuses a frame that declares no type byte', () => {
  assert.is(
    codeOf(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0]))),
    'P2P_ERR_BAD_FRAME',
  );
});

test('refuses more unprocessed bytes than the buffer limit', () => {
  const d = new FrameDecoder({ maxFrameBytes: 1000, maxBufferedBytes: 50 });
  const big = frame(1, 'x'.repeat(900));
  assert.is(
    codeOf(() => d.push(big.subarray(0, 60))),
    'P2P_ERR_BUFFER_OVERFLOW',
  );
});

test('keeps partial state across pushes without losing bytes', () => {
  const d = new FrameDecoder();
  const f = frame(4, 'partial');
  assert.equal(d.push(f.subarray(0, 6)), []);
  assert.is(d.pendingBytes, 2);
  const out = d.push(f.subarray(6));
  assert.is(out[0]!.payload.toString(), 'partial');
});

test('a frame assembled from several chunks owns its memory (it can be handed to a worker)', () => {
  const f = encodeFrame(20, Buffer.alloc(200_000, 1));
  const d = new FrameDecoder({ maxFrameBytes: 300_000 });
  d.push(f.subarray(0, 70_000));
  const [out] = d.push(f.subarray(70_000));
  assert.is(out!.payload.length, 200_000);
  assert.is(out!.payload.buffer.byteLength, 200_001);
});

test('raising the frame limit lets larger frames through', () => {
  const d = new FrameDecoder({ maxFrameBytes: 10 });
  d.setMaxFrameBytes(1000);
  assert.is(d.push(frame(1, 'x'.repeat(500))).length, 1);
});

test.run();
