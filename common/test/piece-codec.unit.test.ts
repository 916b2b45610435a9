import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameDecoder } from '../frame-decoder.js';
import { allocPieceFrame, peerMessages, pieceFrameLimit } from '../wire/peer-messages.js';

test('a piece frame is allocated whole: the data region is a view the file can be read into', () => {
  const { frame, data } = allocPieceFrame(3, 10);
  assert.is(frame.length, 5 + 4 + 10);
  assert.is(data.buffer, frame.buffer, 'the data region shares the frame memory');
  data.fill(0xab);
  const [decoded] = new FrameDecoder().push(frame);
  assert.is(decoded!.type, peerMessages.typeOf('piece'));
  const msg = peerMessages.decode(decoded!);
  assert.is(msg.kind, 'piece');
  if (msg.kind !== 'piece') return;
  assert.is(msg.body.index, 3);
  assert.equal([...msg.body.data], Array(10).fill(0xab));
  assert.is(msg.body.data.buffer, frame.buffer, 'decoding returns a view, not a copy');
});

test('encoding a piece through the table gives the same bytes as the zero-copy frame', () => {
  const data = Buffer.from('0123456789');
  const piece = allocPieceFrame(7, data.length);
  data.copy(piece.data);
  assert.equal(peerMessages.encode('piece', { index: 7, data }), piece.frame);
});

test('the frame limit for a piece size admits exactly one full piece', () => {
  const d = new FrameDecoder({ maxFrameBytes: pieceFrameLimit(16) });
  assert.is(d.push(allocPieceFrame(0, 16).frame).length, 1);
  assert.throws(
    () => new FrameDecoder({ maxFrameBytes: pieceFrameLimit(16) }).push(allocPieceFrame(0, 17).frame),
    /exceeds the limit/,
  );
});

test('a piece assembled from several chunks owns its memory; a view into a larger chunk does not', () => {
  const { frame } = allocPieceFrame(1, 64);
  const split = new FrameDecoder();
  const [assembled] = [...split.push(frame.subarray(0, 20)), ...split.push(frame.subarray(20))];
  const whole = new FrameDecoder().push(Buffer.concat([frame, Buffer.alloc(8)]).subarray(0, frame.length));
  const owned = (f: typeof assembled) => {
    const m = peerMessages.decode(f!);
    return m.kind === 'piece' ? m.body.owned : undefined;
  };
  assert.is(owned(assembled), true);
  assert.is(owned(whole[0]), false);
});

test('a piece shorter than its index is refused', () => {
  assert.throws(
    () => peerMessages.decode({ type: peerMessages.typeOf('piece'), payload: Buffer.alloc(3) }),
    /shorter than its index/,
  );
});

test.run();
