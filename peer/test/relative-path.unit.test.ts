import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import {
  baseOf,
  bestMatches,
  collisionKey,
  nameMatch,
  pathProblem,
  pathStem,
  underRoot,
  MAX_PATH_DEPTH,
} from '../files/relative-path.js';

test('plain relative paths pass', () => {
  for (const p of ['a.txt', 'docs/report.pdf', 'a/b/c/d.bin', '数据/报告.txt', 'café/x'])
    assert.is(pathProblem(p), undefined, p);
});

test('escapes, absolute paths and odd components are refused', () => {
  const bad = ['', '/etc/passwd', '../x', 'a/../../x', 'a/./b', 'a//b', 'a/', 'C:/x', 'a\\b', '.hidden/x', 'a/.p2p'];
  for (const p of bad) assert.type(pathProblem(p), 'string', JSON.stringify(p));
  assert.type(pathProblem('a\u0000b/c'), 'string');
  assert.type(
    pathProblem(
      Array(MAX_PATH_DEPTH + 1)
        .fill('d')
        .join('/'),
    ),
    'string',
  );
  assert.type(pathProblem('x'.repeat(2000)), 'string');
});

test('underRoot keeps a path inside its root and refuses what pathProblem refuses', () => {
  assert.is(underRoot('/r', 'a/b.txt'), join('/r', 'a', 'b.txt'));
  assert.is(underRoot('/r', '../b.txt'), undefined);
  assert.is(underRoot('/r', '/etc/passwd'), undefined);
});

test('baseOf and collisionKey', () => {
  assert.is(baseOf('docs/report.pdf'), 'report.pdf');
  assert.is(baseOf('report.pdf'), 'report.pdf');
  assert.is(collisionKey('Docs/Café.txt'), collisionKey('docs/cafe\u0301.TXT'));
});

test.run();

test('a typed name matches a path exactly, by its base name, or by a stem', () => {
  assert.is(nameMatch('docs/report.pdf', 'docs/report.pdf'), 0);
  assert.is(nameMatch('report.pdf', 'docs/report.pdf'), 1);
  assert.is(nameMatch('report', 'docs/report.pdf'), 2);
  assert.is(nameMatch('docs/report', 'docs/report.pdf'), 2);
  assert.is(nameMatch('report.pdf', 'report.pdf'), 0, 'a top-level file is its own base name: exact');
  assert.is(nameMatch('cafe\u0301.txt', 'x/café.txt'), 1, 'compared in NFC');
  assert.is(nameMatch('other/report.pdf', 'docs/report.pdf'), undefined, 'a path names only itself');
  assert.is(nameMatch('docs', 'docs/report.pdf'), undefined, 'a folder is not a file');
  assert.is(nameMatch('v1', 'v1.2/README'), undefined, 'a dot in a folder is no extension');
  assert.is(pathStem('v1.2/README'), 'v1.2/README');
  assert.is(pathStem('docs/a.tar.gz'), 'docs/a.tar');
});

test('the best matches: the exact path wins, else every path of the base name, else of the stem', () => {
  const names = ['report.pdf', 'docs/report.pdf', 'old/report.pdf', 'docs/report.odt', 'notes/todo.txt'];
  assert.equal(bestMatches('report.pdf', names), ['report.pdf']);
  assert.equal(bestMatches('report.pdf', names.slice(1)), ['docs/report.pdf', 'old/report.pdf']);
  assert.equal(bestMatches('todo', names), ['notes/todo.txt']);
  assert.equal(bestMatches('docs/report', names), ['docs/report.pdf', 'docs/report.odt']);
  assert.equal(bestMatches('nothing', names), []);
});
