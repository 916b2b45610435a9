/**
 * A far bridge's request becomes a line typed into the office peer only when the peer's parser reads it as exactly
 * a download of that file (bridge/download-line.ts): no command can be smuggled in as a file name.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { downloadLine } from '../download-line.js';

test('plain file names, with spaces, folders and any script, are typed as they are', () => {
  for (const file of ['plans.bin', 'docs/report.pdf', 'songs from home.mp3', '数据集-报告.txt', 'stop.txt'])
    assert.equal(downloadLine(file), { line: file });
});

test('names that the peer would read as a command, a choice or nothing are refused', () => {
  for (const file of [
    'stop all',
    'stop',
    'stop now',
    'topo',
    'limit off',
    'mirror',
    'cancel x',
    'secure-get x from s1',
    'x from s2',
    'x sha256 3f2a9c1e',
    ' padded',
    'two\nlines',
    '../etc/passwd',
    '',
  ])
    assert.ok('problem' in downloadLine(file), file);
});

test.run();
