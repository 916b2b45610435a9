import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_NAME_BYTES, fileNameProblem, unusedName } from '../files/file-name.js';

const takenOnce = (name: string) => (candidate: string) => candidate === name;

test('numbers a taken name before its extension', () => {
  assert.is(unusedName('notes.txt', takenOnce('notes.txt')), 'notes (2).txt');
  assert.is(unusedName('README', takenOnce('README')), 'README (2)');
});

test('a numbered long name is shortened to stay within the byte limit, by whole characters', () => {
  for (const name of [
    'a'.repeat(251) + '.txt',
    '文'.repeat(83) + '.b',
    '😀'.repeat(63) + 'ab',
    'a.' + 'x'.repeat(253),
  ]) {
    assert.ok(Buffer.byteLength(name) <= MAX_NAME_BYTES, name);
    const free = unusedName(name, takenOnce(name));
    assert.is(fileNameProblem(free), undefined, free);
    assert.ok(free.includes(' (2)'), free);
    assert.not.ok(free.includes('\ufffd'), free);
  }
  assert.is(unusedName('a'.repeat(251) + '.txt', takenOnce('a'.repeat(251) + '.txt')), 'a'.repeat(247) + ' (2).txt');
});

test.run();
