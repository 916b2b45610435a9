import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fit, fitRight, printable, truncate, wrap } from '../format.js';
import { commandLineText } from '../panel-text.js';
import { spread, styled } from '../styled-text.js';
import { clusterWidth, graphemes, takeColumns, textWidth } from '../text-width.js';
import { untag } from './events.js';

const CAFE_NFD = 'cafe\u0301.txt';
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
const FLAG = '\u{1F1EB}\u{1F1F7}';

test('columns: wide and fullwidth 2, emoji 2 (ZWJ, VS16, skin tone, keycap, flag), marks and joiners 0', () => {
  assert.is(textWidth('abc'), 3);
  assert.is(textWidth('数据集-报告.txt'), 15);
  assert.is(textWidth('ＡＢ'), 4);
  assert.is(textWidth('한국어'), 6);
  assert.is(textWidth('🎉party.bin'), 11);
  assert.is(textWidth(CAFE_NFD), 8);
  assert.is(textWidth('café.txt'), 8);
  assert.is(clusterWidth(FAMILY), 2);
  assert.is(clusterWidth(FLAG), 2);
  assert.is(clusterWidth('❤\uFE0F'), 2);
  assert.is(clusterWidth('❤'), 1);
  assert.is(clusterWidth('👍🏽'), 2);
  assert.is(clusterWidth('1\uFE0F\u20E3'), 2);
  assert.is(clusterWidth('\u200D'), 0);
  assert.is(clusterWidth('\u0301'), 0);
  assert.is(textWidth('Ελλάδα Россия ½ · … →'), 21);
  assert.equal(graphemes(`a${FAMILY}${FLAG}e\u0301`), ['a', FAMILY, FLAG, 'e\u0301']);
});

test('cutting keeps whole clusters and never exceeds the width', () => {
  assert.is(takeColumns('数据集', 3), '数');
  assert.is(takeColumns(`${FAMILY}x`, 1), '');
  assert.is(takeColumns(`${FAMILY}x`, 2), FAMILY);
  assert.is(takeColumns(CAFE_NFD, 4), 'cafe\u0301');
  assert.is(truncate('数据集-报告.txt', 6), '数据…');
  assert.is(textWidth(truncate('数据集-报告.txt', 6)), 5);
  assert.is(truncate('🎉party.bin', 3), '🎉…');
  assert.is(truncate('🎉party.bin', 2), '…');
  assert.is(truncate('🎉party.bin', 1), '…');
  assert.is(fit('数据', 7), '数据   ');
  assert.is(fitRight('🎉', 4), '  🎉');
  for (let w = 0; w <= 16; w += 1) {
    for (const name of ['数据集-报告.txt', '🎉party.bin', CAFE_NFD, `${FAMILY} ${FLAG}.png`]) {
      const cut = fit(name, w);
      assert.is(textWidth(cut), w, `${name} at ${w}`);
      // No lone surrogate, no mark without its letter.
      assert.not.match(cut, /\p{Cs}/u);
      assert.ok(name.startsWith(cut.replace(/[ …]+$/u, '')), `${name} at ${w}: ${cut}`);
    }
  }
});

test('wrap, styled and spread count columns', () => {
  for (const line of wrap('下载 数据集-报告.txt 来自 s4 已验证 🎉🎉🎉🎉', 9)) assert.ok(textWidth(line) <= 9, line);
  assert.equal(wrap('数据集报告', 4), ['数据', '集报', '告']);
  assert.is(textWidth(untag(styled([['数据集-报告.txt', 'bold'], ' ← s4'], 10))), 10);
  const row = untag(spread([['🎉party.bin', 'bold']], ['33 KB'], 20));
  assert.is(row, '🎉party.bin    33 KB');
  assert.is(printable('a\u0007b\uD800c'), 'a?b?c');
  assert.is(printable(FAMILY), FAMILY);
});

test('the command line scrolls by whole characters and keeps the cursor visible', () => {
  const at = (text: string, cursor: number, width: number) =>
    untag(commandLineText('s1>', text, cursor, width, true)).replace(/\s+$/, '');
  assert.is(at('数据集-报告.txt', 0, 30), 's1> 数据集-报告.txt');
  // Cursor at the end: the last columns are shown, a wide character never half.
  const end = at('数据集-报告.txt', '数据集-报告.txt'.length, 12);
  assert.ok(textWidth(end) <= 12, end);
  assert.ok(end.endsWith('.txt'), end);
  assert.not.match(end, /\p{Cs}/u);
});

test.run();
