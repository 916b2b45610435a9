import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CommandLine, type KeyInfo } from '../command-line.js';

/** Types text as blessed reports it: one keypress per character. */
function type(line: CommandLine, text: string): void {
  for (const ch of text) line.handleKey(ch, { name: ch === ' ' ? 'space' : ch, full: ch === ' ' ? 'space' : ch });
}
const key = (full: string): KeyInfo => ({ name: full, full, ctrl: full.startsWith('C-') });

test('Enter submits the line, records it and empties the editor', () => {
  const line = new CommandLine();
  type(line, 'notes.txt');
  assert.equal(line.handleKey('\r', key('return')), { kind: 'submit', line: 'notes.txt' });
  assert.is(line.text, '');
  assert.equal(line.entries, ['notes.txt']);
});

test('Up and Down walk the history and restore what was being typed', () => {
  const line = new CommandLine();
  for (const l of ['one', 'two', 'three']) {
    type(line, l);
    line.submit();
  }
  type(line, 'draft');
  line.handleKey(undefined, key('up'));
  assert.is(line.text, 'three');
  line.handleKey(undefined, key('up'));
  line.handleKey(undefined, key('up'));
  assert.is(line.text, 'one');
  assert.equal(line.handleKey(undefined, key('up')), { kind: 'ignored' }, 'nothing older');
  line.handleKey(undefined, key('down'));
  assert.is(line.text, 'two');
  line.handleKey(undefined, key('down'));
  line.handleKey(undefined, key('down'));
  assert.is(line.text, 'draft');
  assert.is(line.cursor, 5);
});

test('history skips blanks and immediate repeats, and is bounded', () => {
  const line = new CommandLine({ historySize: 3 });
  for (const l of ['a', 'a', '  ', 'b', 'c', 'd']) {
    type(line, l);
    line.submit();
  }
  assert.equal(line.entries, ['b', 'c', 'd']);
});

test('Tab completes a unique name, case-insensitively', () => {
  const line = new CommandLine({ completions: () => ['Holiday-Photo.png', 'notes.txt'] });
  type(line, 'holi');
  assert.equal(line.handleKey('\t', key('tab')), { kind: 'edited' });
  assert.is(line.text, 'Holiday-Photo.png');
  assert.is(line.cursor, line.text.length);
});

test('Tab extends to the common prefix, lists the candidates, then cycles through them', () => {
  const line = new CommandLine({ completions: () => ['report-2023.pdf', 'report-2024.pdf', 'readme.md'] });
  type(line, 'rep');
  assert.equal(line.handleKey('\t', key('tab')), {
    kind: 'completions',
    candidates: ['report-2023.pdf', 'report-2024.pdf'],
  });
  assert.is(line.text, 'report-202');
  line.handleKey('\t', key('tab'));
  assert.is(line.text, 'report-202', 'nothing more in common: the next Tab starts cycling');
  line.handleKey('\t', key('tab'));
  assert.is(line.text, 'report-2023.pdf');
  line.handleKey('\t', key('tab'));
  assert.is(line.text, 'report-2024.pdf');
  line.handleKey('\t', key('tab'));
  assert.is(line.text, 'report-2023.pdf');
});

test('Tab offers the command words too, and reports when nothing matches', () => {
  const line = new CommandLine({ completions: () => ['topography.txt'] });
  type(line, 'to');
  assert.equal(line.handleKey('\t', key('tab')), { kind: 'completions', candidates: ['TOPO', 'topography.txt'] });
  line.clear();
  type(line, 'zzz');
  assert.equal(line.handleKey('\t', key('tab')), { kind: 'completions', candidates: [] });
  assert.is(line.text, 'zzz');
  line.clear();
  type(line, 'mir');
  line.handleKey('\t', key('tab'));
  assert.is(line.text, 'mirror');
});

test('after find or where, Tab completes the file name argument', () => {
  const line = new CommandLine({ completions: () => ['report-2024.pdf', 'readme.md'] });
  type(line, 'where rep');
  line.handleKey('\t', key('tab'));
  assert.is(line.text, 'where report-2024.pdf');
  line.clear();
  type(line, 'wh');
  line.handleKey('\t', key('tab'));
  assert.is(line.text, 'where ', 'the command word itself completes with its space');
});

test('cancel and partials complete as words, and a file name after cancel completes', () => {
  const line = new CommandLine({ completions: () => ['movie.bin'] });
  type(line, 'par');
  line.handleKey('\t', key('tab'));
  assert.is(line.text, 'partials');
  line.clear();
  type(line, 'can');
  line.handleKey('\t', key('tab'));
  assert.is(line.text, 'cancel ');
  type(line, 'mo');
  line.handleKey('\t', key('tab'));
  assert.is(line.text, 'cancel movie.bin');
});

test('editing keys move the cursor and delete as in a shell', () => {
  const line = new CommandLine();
  type(line, 'hello world');
  line.handleKey(undefined, key('C-w'));
  assert.is(line.text, 'hello ');
  line.handleKey(undefined, key('home'));
  type(line, '>');
  assert.equal([line.text, line.cursor], ['>hello ', 1]);
  line.handleKey(undefined, key('delete'));
  assert.is(line.text, '>ello ');
  line.handleKey(undefined, key('end'));
  line.handleKey('\x7f', key('backspace'));
  assert.is(line.text, '>ello');
  line.handleKey(undefined, key('left'));
  line.handleKey(undefined, key('C-k'));
  assert.is(line.text, '>ell');
  line.handleKey(undefined, key('C-u'));
  assert.equal([line.text, line.cursor], ['', 0]);
});

test('control keys and escape sequences are not inserted', () => {
  const line = new CommandLine();
  assert.equal(line.handleKey('\x03', key('C-c')), { kind: 'ignored' });
  assert.equal(line.handleKey(undefined, key('f5')), { kind: 'ignored' });
  assert.equal(line.handleKey('\x1b', key('escape')), { kind: 'ignored' });
  assert.is(line.text, '');
});

test('the visible slice scrolls to keep the cursor on screen', () => {
  const line = new CommandLine();
  type(line, 'abcdefghij');
  assert.equal(line.visible(5), { text: 'ghij', cursor: 4 });
  line.handleKey(undefined, key('home'));
  assert.equal(line.visible(5), { text: 'abcde', cursor: 0 });
});

test('names in other scripts: typed as blessed splits them, edited and completed by whole characters', () => {
  const line = new CommandLine({
    completions: () => ['数据集-报告.txt', '数据表.csv', '🎉party.bin', 'cafe\u0301.txt'],
  });
  // blessed reports one keypress per UTF-16 unit: an emoji arrives as its two halves.
  const units = (text: string) => {
    for (const unit of text.split('')) line.handleKey(unit, { full: unit });
  };
  units('a🎉b');
  assert.is(line.text, 'a🎉b');
  line.handleKey(undefined, key('left'));
  line.handleKey(undefined, key('left'));
  assert.is(line.cursor, 1);
  line.handleKey(undefined, key('delete'));
  assert.is(line.text, 'ab');
  line.clear();
  units('e\u0301x');
  line.handleKey(undefined, key('left'));
  line.handleKey(undefined, key('backspace'));
  assert.is(line.text, 'x');
  line.clear();
  units('数据');
  assert.equal(line.handleKey('\t', key('tab')), {
    kind: 'completions',
    candidates: ['数据表.csv', '数据集-报告.txt'],
  });
  assert.is(line.text, '数据');
  line.clear();
  units('🎉');
  line.handleKey('\t', key('tab'));
  assert.is(line.text, '🎉party.bin');
  // `café` typed composed completes the name stored decomposed (macOS style), spelled as stored.
  line.clear();
  units('find caf\u00e9');
  line.handleKey('\t', key('tab'));
  assert.is(line.text, 'find cafe\u0301.txt');
  assert.equal(line.visible(6), { text: 'e\u0301.txt', cursor: 5 });
});

test.run();
