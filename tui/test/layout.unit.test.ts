import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeLayout, computeLayoutWithStatus, type PanelName, type Rect } from '../layout.js';

const overlaps = (a: Rect, b: Rect) =>
  a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;

for (const [width, height] of [
  [80, 24],
  [120, 40],
  [200, 60],
  [66, 16],
  [100, 30],
  [40, 12],
  [20, 5],
] as const) {
  test(`at ${width}x${height} visible panels fit the screen without overlapping`, () => {
    const rects = computeLayout(width, height);
    const visible = (Object.entries(rects) as [PanelName, Rect][]).filter(
      ([name, r]) => r.visible && name !== 'overlay',
    );
    for (const [name, r] of visible) {
      assert.ok(
        r.left >= 0 && r.top >= 0 && r.left + r.width <= width && r.top + r.height <= height,
        `${name} ${JSON.stringify(r)} outside ${width}x${height}`,
      );
    }
    for (let i = 0; i < visible.length; i += 1) {
      for (let j = i + 1; j < visible.length; j += 1) {
        assert.not.ok(overlaps(visible[i]![1], visible[j]![1]), `${visible[i]![0]} overlaps ${visible[j]![0]}`);
      }
    }
    assert.is(rects.command.top, height - 1);
    assert.is(rects.status.top, height - 2);
    if (height - 3 >= 3) assert.ok(rects.log.visible, 'the log is there whenever a bordered panel fits');
  });
}

test('80x24 shows every panel with room for content', () => {
  const r = computeLayout(80, 24);
  for (const name of [
    'header',
    'topology',
    'neighbours',
    'files',
    'transfers',
    'throughputIn',
    'throughputOut',
    'log',
  ] as const) {
    assert.ok(r[name].visible, `${name} hidden at 80x24`);
  }
  assert.ok(r.transfers.height - 2 >= 4, 'two in-flight transfers fit');
  assert.ok(r.log.height - 2 >= 5, 'the log shows several lines');
  assert.ok(r.topology.height - 2 >= 5, 'the picture has rows to draw on');
  // The panels tile the body exactly: nothing is wasted between the header and the status line.
  const area = (
    ['topology', 'neighbours', 'files', 'transfers', 'throughputIn', 'throughputOut', 'log'] as const
  ).reduce((sum, n) => sum + r[n].width * r[n].height, 0);
  assert.is(area, 80 * (24 - 3));
});

test('small panes keep transfers and the log; medium heights drop files and throughput first', () => {
  const small = computeLayout(50, 14);
  assert.ok(small.transfers.visible && small.log.visible);
  assert.not.ok(small.topology.visible || small.files.visible || small.throughputIn.visible);
  const medium = computeLayout(80, 18);
  assert.ok(medium.topology.visible && medium.neighbours.visible && medium.transfers.visible);
  assert.not.ok(medium.files.visible || medium.throughputIn.visible);
});

test('the overlay covers the body and leaves the status and command lines visible', () => {
  const r = computeLayout(120, 40);
  assert.equal([r.overlay.top, r.overlay.height, r.overlay.width], [1, 37, 120]);
});

test('a three-row status message takes its rows from the body, never overlapping it', () => {
  const rects = computeLayoutWithStatus(80, 24, 3);
  assert.equal(rects.status, { top: 20, left: 0, width: 80, height: 3, visible: true });
  assert.equal(rects.command, { top: 23, left: 0, width: 80, height: 1, visible: true });
  assert.is(rects.log.top + rects.log.height, 20);
  assert.equal(computeLayoutWithStatus(80, 24, 1), computeLayout(80, 24));
  // A tiny terminal keeps its body: the message is cut instead.
  assert.is(computeLayoutWithStatus(40, 9, 3).status.height, 1);
});

test.run();
