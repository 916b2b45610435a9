import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { baseOf, collisionKey, pathProblem, underRoot, MAX_PATH_DEPTH } from '../files/relative-path.js';

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
