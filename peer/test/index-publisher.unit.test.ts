/** What a peer tells the metadata server's index (peer/files/index-publisher.ts fitIndex). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_INDEX_NAME_BYTES, MAX_INDEXED_FILES } from '../../common/wire/server-messages.js';
import { fitIndex } from '../files/index-publisher.js';

const file = (name: string) => ({ name, size: 1, sha256: 'a'.repeat(64) });

test('the index takes at most MAX_INDEXED_FILES files and MAX_INDEX_NAME_BYTES bytes of names', () => {
  const short = Array.from({ length: MAX_INDEXED_FILES + 10 }, (_, i) => file(`f${i}`));
  assert.is(fitIndex(short).length, MAX_INDEXED_FILES);
  const long = Array.from({ length: 1000 }, (_, i) => file(`${'folder/'.repeat(140)}${i}`)); // ~1 KB each
  const fitted = fitIndex(long);
  const bytes = fitted.reduce((n, f) => n + Buffer.byteLength(f.name), 0);
  assert.ok(bytes <= MAX_INDEX_NAME_BYTES, `${bytes}`);
  assert.ok(bytes + Buffer.byteLength(long[fitted.length]!.name) > MAX_INDEX_NAME_BYTES, 'as many as fit');
  assert.equal(fitted, long.slice(0, fitted.length), 'a head of the list, in order');
  assert.equal(fitIndex([]), []);
});

test.run();
