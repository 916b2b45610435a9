import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { notFoundMessage, suggestNames } from '../transfer/suggestions.js';

const MESH = ['dataset-4mb.bin', 'notes.txt', 'Notes.md', 'poem.txt', 'lan-party.txt', 'movie.bin', 'readme'];

test('a word that is part of a name suggests that name', () => {
  assert.equal(suggestNames('dataset', MESH), ['dataset-4mb.bin']);
  assert.equal(suggestNames('PARTY', MESH), ['lan-party.txt']);
});

test('another case, a stem, and typos are suggested, closest first', () => {
  assert.equal(suggestNames('NOTES.TXT', MESH), ['notes.txt', 'Notes.md']);
  assert.equal(suggestNames('notse.txt', MESH), ['notes.txt', 'Notes.md']);
  assert.equal(suggestNames('poen', MESH), ['poem.txt']);
  assert.equal(suggestNames('moive.bin', MESH), ['movie.bin']);
});

test('nothing close suggests nothing; at most five; the name itself never', () => {
  assert.equal(suggestNames('zzzz', MESH), []);
  assert.equal(suggestNames('notes.txt', ['notes.txt']), []);
  const many = Array.from({ length: 9 }, (_, i) => `log-${i}.txt`);
  assert.is(suggestNames('log', many).length, 5);
});

test('the message asks "did you mean" only when there is something to suggest', () => {
  assert.match(notFoundMessage('dataset', ['dataset-4mb.bin']), /did you mean dataset-4mb\.bin\?$/);
  assert.not.match(notFoundMessage('zzzz', []), /did you mean/);
});

test('another case of a name in any script, composed or decomposed, is suggested', () => {
  assert.equal(suggestNames('CAFÉ.TXT', ['cafe\u0301.txt', 'notes.txt']), ['cafe\u0301.txt']);
});

test('names that could not be fetched, or would garble a terminal, are never suggested', () => {
  const hostile = ['movie\u001b]0;PWNED\u0007\u001b[2J.bin', 'movie/../../etc.bin', '.movie.bin', 'movie.bin'];
  assert.equal(suggestNames('movie', hostile), ['movie.bin']);
});

test('thousands of long names from a hostile index cost milliseconds, not seconds', () => {
  const names = Array.from({ length: 6000 }, (_, i) => `${'x'.repeat(240)}-${String(i).padStart(8, '0')}.bin`);
  for (const query of ['dataset', 'y'.repeat(60), 'z'.repeat(250)]) {
    const started = performance.now();
    suggestNames(query, names);
    const ms = performance.now() - started;
    // The unbanded distance took 0.5 s for 10 characters and 11.6 s for 250 here.
    assert.ok(ms < 400, `${query.length}-character query over 6000 names: ${ms.toFixed(0)} ms`);
  }
});

test.run();
