/** Which known holders a download dials before it floods. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { IndexEntry } from '../../common/wire/server-messages.js';
import type { Sighting } from '../files/address-book.js';
import { knownHolders } from '../transfer/known-holders.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const ref = (name: string) => ({ name, id: `${name}-id-0000`, host: '127.0.0.1', port: 7001 });
const entry = (name: string, sha256: string, holders: string[]): IndexEntry => ({
  name,
  size: 10,
  sha256,
  holders: holders.map(ref),
});
const sighting = (name: string, sha256: string, holders: string[]): Sighting => ({
  name,
  size: 10,
  sha256,
  holders: holders.map((h) => ({ ref: ref(h), seen: 1 })),
});

test('the exact name wins over a stem match, then the content most peers hold', () => {
  const index = [entry('notes.md', A, ['s1', 's2', 's3']), entry('notes', B, ['s4'])];
  assert.equal([...knownHolders('notes', undefined, index, []).keys()], ['s4']);
  const byCount = [entry('notes.txt', A, ['s1']), entry('notes.txt', B, ['s2', 's3'])];
  assert.equal([...knownHolders('notes.txt', undefined, byCount, []).keys()], ['s2', 's3']);
});

test('the address book adds holders of the same content, each holder once, the index first', () => {
  const index = [entry('x.bin', A, ['s1'])];
  const book = [sighting('x.bin', A, ['s1', 's5']), sighting('x.bin', B, ['s6'])];
  const got = knownHolders('x.bin', undefined, index, book);
  assert.equal([...got.keys()], ['s1', 's5']);
  assert.is(got.get('s5')!.sha256, A);
});

test('a download that knows its content dials only holders of that content; with no index the book decides', () => {
  const index = [entry('x.bin', A, ['s1', 's2'])];
  assert.equal([...knownHolders('x.bin', B, index, []).keys()], []);
  assert.equal([...knownHolders('x.bin', B, index, [sighting('x.bin', B, ['s7'])]).keys()], ['s7']);
  assert.equal(knownHolders('nothing', undefined, [], []).size, 0);
});

test.run();
