/** The catalog's lookup of what a user typed (peer/files/name-index.ts): exact path, base name, stem. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NameIndex } from '../files/name-index.js';
import { bestMatches } from '../files/relative-path.js';

const files = (...names: string[]) => names.map((name) => ({ name }));

test('finds the exact path, else a unique base name or stem, else every path that shares it', () => {
  const index = new NameIndex(files('docs/report.pdf', 'old/report.pdf', 'notes.txt', 'a/b/c/deep.bin'));
  assert.equal(
    index.find('docs/report.pdf').map((f) => f.name),
    ['docs/report.pdf'],
  );
  assert.equal(
    index.find('report.pdf').map((f) => f.name),
    ['docs/report.pdf', 'old/report.pdf'],
  );
  assert.equal(
    index.find('deep').map((f) => f.name),
    ['a/b/c/deep.bin'],
  );
  assert.equal(
    index.find('notes').map((f) => f.name),
    ['notes.txt'],
  );
  assert.equal(index.find('b/c'), []);
  assert.equal(
    index.find('report.pdf', (f) => f.name.startsWith('old/')).map((f) => f.name),
    ['old/report.pdf'],
    'a filter applies before the level is chosen',
  );
});

test('agrees with bestMatches on many names', () => {
  const names = ['a.txt', 'x/a.txt', 'x/y/a.md', 'a', 'b/a', 'c.d/e', 'c.d/e.f', 'caf\u00e9.txt', 'z/cafe\u0301.txt'];
  const index = new NameIndex(files(...names));
  for (const q of ['a.txt', 'a', 'x/a', 'e', 'c.d/e', 'café.txt', 'cafe\u0301', 'x/y/a', 'nope'])
    assert.equal(
      index
        .find(q)
        .map((f) => f.name)
        .sort(),
      bestMatches(q, names).sort(),
      q,
    );
});

test.run();
