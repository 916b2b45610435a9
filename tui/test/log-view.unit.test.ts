import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { answerBoxHeight, answerLines, answerRect, fitsInPanel } from '../answer-view.js';
import { LogFeeder, type LogLine } from '../feeders/log-feeder.js';
import { logLines, wrapIndented } from '../log-view.js';
import { ScrollState } from '../scroll-state.js';
import { at, untag } from './events.js';

const line = (text: string, indent?: number): LogLine =>
  indent === undefined ? { t: 0, level: 'info', text } : { t: 0, level: 'info', text, indent };

test('a long line wraps at word boundaries, its continuation indented, and nothing is lost', () => {
  const text = 'metadata server 127.0.0.1:7000 unreachable: connect ECONNREFUSED; retrying in 5s END';
  const rows = wrapIndented(text, 30);
  assert.ok(rows.length > 2);
  for (const row of rows) assert.ok(row.length <= 30, row);
  assert.ok(rows.slice(1).every((r) => r.startsWith('  ') && !r.startsWith('   ')));
  assert.is(rows.map((r) => r.trim()).join(' '), text);
  // A word longer than the width is cut, not dropped.
  assert.is(wrapIndented('x'.repeat(25), 10).join('').replace(/ /g, ''), 'x'.repeat(25));
});

test('a table row goes on under its last column, or starts that column on a row of its own when narrow', () => {
  const row = `  ${'Stop all'.padEnd(12)}  ask every peer of the mesh to leave`;
  assert.equal(wrapIndented(row, 40, 16), ['  Stop all      ask every peer of the', '                mesh to leave']);
  assert.equal(wrapIndented(row, 24, 16), ['  Stop all', '      ask every peer of', '      the mesh to leave']);
});

test('a table row with wide names keeps its columns: the indent counts columns, not characters', () => {
  // '数据集.txt' is 10 columns in 7 characters; the last column starts at column 2 + 10 + 2 = 14.
  const row = '  数据集.txt  s2, s3, s4, s5, s6, s7, s8';
  assert.equal(wrapIndented(row, 20, 14), ['  数据集.txt', '     s2, s3, s4, s5,', '     s6, s7, s8']);
});

test('control characters are measured as the ? they are drawn as: nothing is cut', () => {
  const text = '{数éa—\t👨‍👩‍👧é👨‍👩‍👧a.🎉👨‍👩‍👧🎉{  ';
  const rows = wrapIndented(text, 17);
  assert.ok(rows.every((row) => !row.includes('…')));
  assert.is(rows.join('').replace(/ /g, ''), text.replace('\t', '?').replace(/ /g, ''));
});

test('scrolled up, the log shows older rows and says how many lines are below; new ones are counted', () => {
  const f = new LogFeeder();
  for (let i = 0; i < 20; i += 1) f.add('info', `line ${i}`);
  const scroll = new ScrollState('bottom');
  assert.equal(logLines(f.view(), 30, 5, true, scroll).map(untag), [
    'line 15',
    'line 16',
    'line 17',
    'line 18',
    'line 19',
  ]);
  scroll.page(-1);
  let shown = logLines(f.view(), 30, 5, true, scroll).map(untag);
  assert.equal(shown.slice(0, 4), ['line 11', 'line 12', 'line 13', 'line 14']);
  assert.is(shown[4], '↓ 5 more lines below · End to…');
  f.add('warn', 'line 20');
  f.add('warn', 'line 21');
  shown = logLines(f.view(), 40, 5, true, scroll).map(untag);
  assert.equal(shown, ['line 11', 'line 12', 'line 13', 'line 14', '↓ 2 new lines below · End to follow']);
  scroll.end();
  assert.is(logLines(f.view(), 40, 5, true, scroll).map(untag)[4], 'line 21');
});

test('the pinned welcome stays on top while following, unless it leaves fewer than two rows', () => {
  const f = new LogFeeder();
  const [welcome] = f.add('ok', 'Welcome! Try alpha.txt');
  for (let i = 0; i < 10; i += 1) f.add('info', `line ${i}`);
  const scroll = new ScrollState('bottom');
  assert.equal(logLines(f.view(), 30, 3, true, scroll, welcome).map(untag), [
    'Welcome! Try alpha.txt',
    'line 8',
    'line 9',
  ]);
  assert.equal(logLines(f.view(), 12, 3, true, scroll, welcome).map(untag), ['line 7', 'line 8', 'line 9']);
});

test('a long answer: its header stays on top, the rest scrolls, the footer says where and how', () => {
  const f = new LogFeeder();
  f.apply({
    ...at(5, {
      event: 'list',
      files: Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, size: 1, sha256: '', holders: 1 })),
    }),
    cmd: 4,
  } as Parameters<LogFeeder['apply']>[0]);
  const answer = f.answer(4)!;
  assert.is(answer.title, 'list');
  assert.is(answer.lines.length, 31);
  assert.is(f.answer(3), null);
  const content = { title: answer.title, lines: answer.lines };
  const view = new ScrollState('top');
  let rows = answerLines(content, 60, 10, view, true).map(untag);
  assert.is(rows.length, 10);
  assert.is(rows[0], 'list: 30 files in the mesh');
  assert.match(rows[1]!, /^ {2}f0 /);
  assert.match(rows[9]!, /^rows 1–8 of 30 · PgUp\/PgDn, wheel, Home\/End/);
  view.end();
  rows = answerLines(content, 60, 10, view, true).map(untag);
  assert.is(rows[0], 'list: 30 files in the mesh', 'the header is never lost');
  assert.match(rows[8]!, /^ {2}f29 /);
  // The view is as tall as it needs, at most the body; at the bottom of it.
  assert.is(answerBoxHeight(content, 62, 21, true), 21);
  assert.is(answerBoxHeight({ title: 'x', lines: [line('short')] }, 62, 21, true), 4);
  assert.equal(answerRect({ top: 1, left: 0, width: 80, height: 21, visible: false }, content), {
    top: 1,
    left: 0,
    width: 80,
    height: 21,
    visible: false,
  });
  assert.not.ok(fitsInPanel(answer.lines, { top: 0, left: 0, width: 47, height: 8, visible: true }, 0));
  assert.ok(fitsInPanel([line('a'), line('b')], { top: 0, left: 0, width: 47, height: 8, visible: true }, 2));
});

test.run();
