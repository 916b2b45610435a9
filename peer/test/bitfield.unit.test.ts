import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bitfield } from '../content/bitfield.js';

test('bit i lives in byte i >> 3, least significant bit first', () => {
  const b = new Bitfield(10);
  assert.is(b.bytes.length, 2);
  b.set(0);
  b.set(9);
  assert.equal([...b.bytes], [0b1, 0b10]);
  assert.ok(b.has(0) && b.has(9) && !b.has(1));
});

test('counts set bits, and set/clear say whether they changed anything', () => {
  const b = new Bitfield(5);
  assert.is(b.set(3), true);
  assert.is(b.set(3), false);
  assert.is(b.count, 1);
  assert.is(b.clear(3), true);
  assert.is(b.clear(3), false);
  assert.is(b.count, 0);
  for (let i = 0; i < 5; i++) b.set(i);
  assert.ok(b.full);
});

test('takes bytes of the right size, clears stray bits past the end, ignores a wrong size', () => {
  const b = new Bitfield(10, Uint8Array.from([0xff, 0xff]));
  assert.is(b.count, 10);
  assert.equal([...b.bytes], [0xff, 0b11]);
  assert.is(new Bitfield(10, Uint8Array.from([0xff])).count, 0);
  assert.is(new Bitfield(10, Uint8Array.from([1, 0, 0])).count, 0);
});

test('the constructor copies: the source bytes stay its own', () => {
  const src = Uint8Array.from([0]);
  const b = new Bitfield(8, src);
  b.set(0);
  assert.is(src[0], 0);
});

test('out of range: has is false, set throws', () => {
  const b = new Bitfield(3);
  assert.not.ok(b.has(-1));
  assert.not.ok(b.has(3));
  assert.throws(() => b.set(3), /outside/);
});

test('firstMissing finds the first clear bit from a point', () => {
  const b = new Bitfield(4);
  b.set(0);
  b.set(1);
  b.set(3);
  assert.is(b.firstMissing(), 2);
  assert.is(b.firstMissing(3), 4);
  assert.is(new Bitfield(0).firstMissing(), 0);
});

test.run();
