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

test.run();
