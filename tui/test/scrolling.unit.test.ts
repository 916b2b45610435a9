import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RowKey } from '../scroll-state.js';
import { Scrolling } from '../scrolling.js';

const rows = (count: number): RowKey[] => Array.from({ length: count }, (_, key) => ({ key, sub: 0 }));

test('the keys scroll the log, or the open view; Home and End only when they cannot move the cursor', () => {
  const s = new Scrolling();
  s.log.layout(rows(40), 10);
  const empty = { text: '', cursor: 0 };
  assert.ok(s.key('pageup', empty));
  assert.not.ok(s.log.atRest);
  assert.not.ok(s.key('end', { text: 'notes', cursor: 2 }), 'End moves the cursor first');
  assert.not.ok(s.key('home', { text: 'notes', cursor: 2 }));
  assert.not.ok(s.key('up', empty), 'Up is the history');
  assert.not.ok(s.key('q', empty));
  assert.ok(s.key('end', { text: 'notes', cursor: 5 }));
  assert.ok(s.log.atRest);
  s.open({ kind: 'topology' });
  s.view.layout(rows(40), 10);
  assert.ok(s.key('pagedown', empty));
  assert.ok(s.log.atRest, 'the log stays put under a view');
  assert.is(s.view.layout(rows(40), 10), 9);
  s.wheel(-1);
  assert.is(s.view.layout(rows(40), 10), 6);
  assert.ok(s.close());
  assert.not.ok(s.close());
  s.wheel(-1);
  assert.not.ok(s.log.atRest, 'with no view the wheel scrolls the log');
});

test('a long answer opens in a view sized to it, at the bottom of the body; a short one stays in the log', () => {
  const s = new Scrolling();
  const log = { top: 14, left: 33, width: 47, height: 8, visible: true };
  const line = (text: string) => ({ t: 0, level: 'info' as const, text });
  assert.not.ok(s.openIfLong({ title: 'where', lines: [line('where x: 1 holder'), line('  s2')] }, log));
  assert.is(s.overlay, null);
  const lines = Array.from({ length: 8 }, (_, i) => line(`row ${i}`));
  assert.ok(s.openIfLong({ title: 'help', lines }, log));
  const body = { top: 1, left: 0, width: 80, height: 21, visible: false };
  const placed = s.place({ overlay: body } as Parameters<Scrolling['place']>[0]);
  assert.equal(placed.overlay, { top: 11, left: 0, width: 80, height: 11, visible: false });
});

test.run();
