import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  MAX_INDEX_ENTRIES,
  serverMessages,
  type IndexEntry,
  type IndexedFile,
} from '../../common/wire/server-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import { fitFilesReply, searchIndex, stemOf, type Holding } from '../file-index.js';

/** A distinct, valid sha256 per label (the label's char codes, padded with zeros). */
function sha(label: string): string {
  return Buffer.from(label).toString('hex').padEnd(64, '0').slice(0, 64);
}

function file(name: string, label = name, size = 100): IndexedFile {
  return { name, size, sha256: sha(label) };
}

function peer(name: string, port = 30000): PeerRef {
  return { name, id: `id-of-${name}`, host: '127.0.0.1', port };
}

function held(name: string, files: IndexedFile[]): Holding {
  return { holder: peer(name), files };
}

/** [name, sha label, holder names] of each entry, for compact comparisons. */
function summary(entries: IndexEntry[]): [string, string, string[]][] {
  return entries.map((e) => [
    e.name,
    Buffer.from(e.sha256, 'hex').toString().replace(/\0+$/, ''),
    e.holders.map((h) => h.name),
  ]);
}

test('a stem is the name without its last extension; dotless and dot-leading names are their own stem', () => {
  assert.is(stemOf('song.mp3'), 'song');
  assert.is(stemOf('archive.tar.gz'), 'archive.tar');
  assert.is(stemOf('README'), 'README');
  assert.is(stemOf('.bashrc'), '.bashrc');
  assert.is(stemOf('notes.'), 'notes');
  assert.is(stemOf('..x'), '.');
});

test('all lists one entry per (name, sha256), holders sorted by name, entries by name then sha256', () => {
  const entries = searchIndex(
    [
      held('s3', [file('b.txt'), file('a.txt')]),
      held('s1', [file('b.txt')]),
      held('s2', [file('a.txt', 'other'), file('b.txt')]),
    ],
    { mode: 'all', pattern: '' },
  );
  assert.equal(summary(entries), [
    ['a.txt', 'a.txt', ['s3']],
    ['a.txt', 'other', ['s2']],
    ['b.txt', 'b.txt', ['s1', 's2', 's3']],
  ]);
  assert.equal(entries[2]!.holders[0], peer('s1'), 'holders carry name, id, host and port');
});

test('the same name with two contents gives two entries, ordered by sha256', () => {
  const entries = searchIndex([held('s1', [file('x.bin', 'zz')]), held('s2', [file('x.bin', 'aa')])], {
    mode: 'all',
    pattern: '',
  });
  assert.equal(summary(entries), [
    ['x.bin', 'aa', ['s2']],
    ['x.bin', 'zz', ['s1']],
  ]);
});

test('a peer listing a file twice is one holder; disagreeing sizes keep the first holder by name', () => {
  const entries = searchIndex([held('s2', [file('a', 'a', 7)]), held('s1', [file('a', 'a', 5), file('a', 'a', 5)])], {
    mode: 'all',
    pattern: '',
  });
  assert.equal(summary(entries), [['a', 'a', ['s1', 's2']]]);
  assert.is(entries[0]!.size, 5);
});

test('names sort by code unit, not locale: upper case before lower case, accents after z', () => {
  const entries = searchIndex([held('s1', [file('été'), file('zebra'), file('apple'), file('Zoo')])], {
    mode: 'all',
    pattern: '',
  });
  assert.equal(
    entries.map((e) => e.name),
    ['Zoo', 'apple', 'zebra', 'été'],
  );
});

test('substring ignores case on both sides; an empty pattern matches everything', () => {
  const holdings = [held('s1', [file('Annual-REPORT.pdf'), file('report.txt'), file('notes.md')])];
  const names = (pattern: string) => searchIndex(holdings, { mode: 'substring', pattern }).map((e) => e.name);
  assert.equal(names('Report'), ['Annual-REPORT.pdf', 'report.txt']);
  assert.equal(names('ÉTÉ'), []);
  assert.equal(names(''), ['Annual-REPORT.pdf', 'notes.md', 'report.txt']);
  assert.equal(
    searchIndex([held('s1', [file('Été.jpg')])], { mode: 'substring', pattern: 'été' }).length,
    1,
    'non-ASCII case too',
  );
});

test('name matches exactly and case-sensitively, and an exact match hides stem matches', () => {
  const holdings = [held('s1', [file('song'), file('song.mp3'), file('Song.ogg')])];
  assert.equal(
    searchIndex(holdings, { mode: 'name', pattern: 'song' }).map((e) => e.name),
    ['song'],
  );
  assert.equal(
    searchIndex(holdings, { mode: 'name', pattern: 'song.mp3' }).map((e) => e.name),
    ['song.mp3'],
  );
  assert.equal(searchIndex(holdings, { mode: 'name', pattern: 'SONG.MP3' }), []);
});

test('name falls back to the stem when no name is equal', () => {
  const holdings = [
    held('s1', [file('song.mp3'), file('song.flac'), file('Song.ogg'), file('song.tar.gz'), file('.song')]),
  ];
  assert.equal(
    searchIndex(holdings, { mode: 'name', pattern: 'song' }).map((e) => e.name),
    ['song.flac', 'song.mp3'],
  );
  assert.equal(
    searchIndex(holdings, { mode: 'name', pattern: 'song.tar' }).map((e) => e.name),
    ['song.tar.gz'],
  );
  assert.equal(searchIndex(holdings, { mode: 'name', pattern: 'nothing' }), []);
  assert.equal(searchIndex(holdings, { mode: 'name', pattern: '' }), [], 'no stem is empty');
});

test('answers are truncated to MAX_INDEX_ENTRIES after sorting', () => {
  const files = Array.from({ length: MAX_INDEX_ENTRIES + 7 }, (_, i) =>
    file(`f${String(i).padStart(5, '0')}`, `h${i}`),
  );
  const entries = searchIndex([held('s1', files.reverse())], { mode: 'all', pattern: '' });
  assert.is(entries.length, MAX_INDEX_ENTRIES);
  assert.is(entries[0]!.name, 'f00000');
  assert.is(entries[MAX_INDEX_ENTRIES - 1]!.name, `f0${MAX_INDEX_ENTRIES - 1}`);
  assert.equal(
    searchIndex([held('s1', files)], { mode: 'all', pattern: '' }, 2).map((e) => e.name),
    ['f00000', 'f00001'],
  );
});

test('a files answer is cut to the longest prefix whose frame fits the limit', () => {
  const entries = searchIndex(
    [
      held(
        's1',
        Array.from({ length: 50 }, (_, i) => file(`name-${i}`)),
      ),
    ],
    { mode: 'all', pattern: '' },
  );
  const frameBytes = (list: IndexEntry[]) => serverMessages.encode('files', { rid: 'r-1', entries: list }).length - 4;
  const limit = frameBytes(entries.slice(0, 20)) + 10;
  const cut = fitFilesReply('r-1', entries, limit);
  assert.is(cut.length, 20);
  assert.ok(frameBytes(cut) <= limit && frameBytes(entries.slice(0, 21)) > limit);
  assert.is(fitFilesReply('r-1', entries, frameBytes(entries)).length, 50, 'an exact fit is kept whole');
  assert.is(fitFilesReply('r-1', entries, frameBytes(entries) - 1).length, 49);
});

test.run();

test('name search over paths: the exact path, else every path of that base name, else of that stem', () => {
  const holdings = [
    held('s1', [file('docs/report.pdf'), file('notes.txt')]),
    held('s2', [file('old/report.pdf'), file('v1.2/README')]),
  ];
  const names = (pattern: string) => searchIndex(holdings, { mode: 'name', pattern }).map((e) => e.name);
  assert.equal(names('docs/report.pdf'), ['docs/report.pdf']);
  assert.equal(names('report.pdf'), ['docs/report.pdf', 'old/report.pdf']);
  assert.equal(names('report'), ['docs/report.pdf', 'old/report.pdf']);
  assert.equal(names('docs/report'), ['docs/report.pdf']);
  assert.equal(names('README'), ['v1.2/README']);
  assert.equal(names('v1'), [], 'a dot in a folder is no extension');
  assert.equal(names('notes'), ['notes.txt']);
});

test('a path of 1024 characters fits the wire', () => {
  const long = `${'d/'.repeat(300)}${'x'.repeat(400)}`.slice(0, 1024);
  const frame = serverMessages.encode('index', { files: [file(long)] });
  const decoded = serverMessages.decode({ type: frame[4]!, payload: frame.subarray(5) });
  assert.is(decoded.kind === 'index' && decoded.body.files[0]!.name, long);
});
