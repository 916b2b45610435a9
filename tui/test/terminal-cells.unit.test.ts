import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TerminalCells, localeIsUtf8 } from '../terminal-cells.js';
import { textWidth } from '../text-width.js';

const CAFE_NFD = 'cafe\u0301.txt';
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
const FLAG = '\u{1F1EB}\u{1F1F7}';

test('terminal cells: one code per column for what blessed would get wrong, decoded back on output', () => {
  const cells = new TerminalCells(true);
  for (const text of ['plain ASCII', 'café ½ ─│┼', '数据集-报告.txt', `🎉party ${FAMILY} ${FLAG}`, CAFE_NFD]) {
    const encoded = cells.encode(text);
    assert.is(encoded.length, textWidth(text), text);
    assert.is(cells.decode(encoded), text);
  }
  // Plain text and characters blessed draws right go through unchanged.
  assert.is(cells.encode('{bold}s1{/bold} café ─'), '{bold}s1{/bold} café ─');
  // Without a UTF-8 locale, a question mark per column.
  assert.is(new TerminalCells(false).encode('数据 🎉 é'), '???? ?? ?');
});

test('terminal cells: running out of codes is reported once and a reset starts afresh', () => {
  const cells = new TerminalCells(true);
  let text = '';
  for (let cp = 0x4e00; cp < 0x4e00 + 3300; cp += 1) text += String.fromCodePoint(cp);
  const encoded = cells.encode(text);
  assert.is(encoded.length, 6600);
  assert.ok(encoded.endsWith('??'));
  assert.is(cells.ranOut(), true);
  assert.is(cells.ranOut(), false);
  cells.reset();
  assert.is(cells.decode(cells.encode('数')), '数');
});

test('the locale decides UTF-8 as the C library does: LC_ALL, then LC_CTYPE, then LANG', () => {
  assert.is(localeIsUtf8({ LANG: 'C.UTF-8' }), true);
  assert.is(localeIsUtf8({ LANG: 'en_US.utf8' }), true);
  assert.is(localeIsUtf8({ LANG: 'en_US.UTF-8', LC_ALL: 'C' }), false);
  assert.is(localeIsUtf8({ LANG: 'C', LC_CTYPE: 'zh_CN.UTF-8' }), true);
  assert.is(localeIsUtf8({}), false);
});

test.run();
