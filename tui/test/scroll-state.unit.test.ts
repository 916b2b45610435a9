import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ScrollState, type RowKey } from '../scroll-state.js';

/** `lines` lines of `each` rows apiece, keyed from `first`. */
function rows(lines: number, each = 1, first = 0): RowKey[] {
  return Array.from({ length: lines * each }, (_, i) => ({ key: first + Math.floor(i / each), sub: i % each }));
}

test('the log rests at its bottom; PgUp goes a screen back keeping one row, PgDn to the bottom follows again', () => {
  const s = new ScrollState('bottom');
  assert.is(s.layout(rows(20), 5), 15);
  assert.ok(s.atRest);
  s.page(-1);
  assert.not.ok(s.atRest);
  assert.is(s.layout(rows(20), 5), 11);
  s.page(-1);
  s.page(-1);
  s.page(-1);
  assert.is(s.layout(rows(20), 5), 0, 'stops at the oldest row');
  s.page(1);
  assert.is(s.layout(rows(20), 5), 4);
  s.end();
  assert.ok(s.atRest);
  assert.is(s.layout(rows(20), 5), 15);
});

test('scrolled up, the same text stays on top while lines arrive below or old ones are dropped', () => {
  const s = new ScrollState('bottom');
  s.layout(rows(20), 5);
  s.page(-1);
  assert.is(s.layout(rows(20), 5), 11);
  assert.is(s.newestWhenScrolled, 19);
  // Ten new lines, the five oldest dropped: key 11 is now row 6.
  assert.is(s.layout(rows(25, 1, 5), 5), 6);
  // Rewrapped at another width (two rows per line): still line 11, its first row.
  assert.is(s.layout(rows(25, 2, 5), 5), 12);
  s.scrollBy(100);
  assert.ok(s.atRest, 'scrolling past the bottom follows again');
  assert.is(s.newestWhenScrolled, null);
});

test('nothing to scroll: PgUp stays at rest; a view rests at its top and End goes to its last page', () => {
  const log = new ScrollState('bottom');
  log.layout(rows(3), 5);
  log.page(-1);
  assert.ok(log.atRest);
  const view = new ScrollState('top');
  assert.is(view.layout(rows(30), 10), 0);
  view.end();
  assert.is(view.layout(rows(30), 10), 20);
  view.scrollBy(-3);
  assert.is(view.layout(rows(30), 10), 17);
  view.home();
  assert.ok(view.atRest);
});

test.run();
