import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TopologyView } from '../feeders/topology-feeder.js';
import { textWidth } from '../text-width.js';
import { drawTopology, pictureText } from '../topology-picture.js';

function mesh(names: string[], links: [string, string][]): TopologyView {
  return {
    self: names[0]!,
    nodes: names.map((name, i) => ({
      name,
      address: `127.0.0.1:${7000 + i}`,
      self: i === 0,
      neighbours: links.filter((l) => l.includes(name)).map((l) => (l[0] === name ? l[1] : l[0])),
    })),
    links,
    updatedAt: 1,
  };
}

const FIVE = mesh(
  ['s1', 's2', 's3', 's4', 's5'],
  [
    ['s1', 's2'],
    ['s1', 's3'],
    ['s2', 's4'],
    ['s3', 's4'],
    ['s4', 's5'],
  ],
);

for (const [width, height] of [
  [30, 7],
  [46, 13],
  [116, 30],
] as const) {
  test(`draws every peer's name inside a ${width}x${height} box`, () => {
    const rows = drawTopology(FIVE, width, height);
    const text = pictureText(rows);
    assert.is(text.length, height);
    for (const line of text) assert.is(line.length, width);
    for (const name of ['s1', 's2', 's3', 's4', 's5'])
      assert.ok(text.join('\n').includes(name), `${name} missing:\n${text.join('\n')}`);
  });
}

test('marks this peer and its links for highlighting', () => {
  const rows = drawTopology(FIVE, 40, 9);
  const kinds = rows.flat();
  assert.ok(kinds.some((s) => s.kind === 'self' && s.text === 's1'));
  assert.ok(kinds.some((s) => s.kind === 'self-edge'));
  assert.ok(kinds.some((s) => s.kind === 'edge'));
  assert.not.ok(kinds.some((s) => s.kind === 'node' && s.text.includes('s1')));
});

test('two peers sit side by side joined by a horizontal line', () => {
  const text = pictureText(drawTopology(mesh(['s1', 's2'], [['s1', 's2']]), 20, 3));
  assert.match(text[1]!, / s1 ─+ s2 /);
  assert.is(text[0]!.trim(), '');
});

test('falls back to ASCII lines without unicode', () => {
  const text = pictureText(drawTopology(mesh(['s1', 's2'], [['s1', 's2']]), 20, 3, false)).join('\n');
  assert.match(text, / s1 -+ s2 /);
  assert.not.match(text, /[─│╱╲┼]/);
});

test('a name too long for a drawing turns it into a list, and a single peer is centred', () => {
  const long = pictureText(
    drawTopology(mesh(['a-very-long-peer-name-indeed', 'b'], [['a-very-long-peer-name-indeed', 'b']]), 20, 3),
  );
  assert.equal(long, ['a-very-long-peer-name-indeed → b', 'b → a-very-long-peer-name-indeed']);
  const alone = pictureText(drawTopology(mesh(['solo'], []), 11, 3));
  assert.is(alone[1], '   solo    ');
});

test('a box too small draws nothing instead of throwing', () => {
  assert.equal(drawTopology(FIVE, 0, 5), []);
  assert.is(drawTopology(FIVE, 3, 1).length, 1);
});

/** A ring with a chord through the middle and a few more links: crossings and every slope. */
function ring(names: string[]): TopologyView {
  const wanted: [string, string][] = names.map((n, i) => [n, names[(i + 1) % names.length]!]);
  wanted.push([names[0]!, names[Math.floor(names.length / 2)]!]);
  if (names.length > 4) wanted.push([names[1]!, names[names.length - 2]!]);
  const links = new Map<string, [string, string]>();
  for (const [a, b] of wanted) if (a !== b) links.set([a, b].sort().join(' '), [a, b].sort() as [string, string]);
  return mesh(names, [...links.values()]);
}

const LINE = /[─│╱╲┼]/u;

/** Checks a drawn picture: every name whole, a blank cell on each side of it, every link with a visible cell. */
function assertLegible(view: TopologyView, width: number, height: number): 'picture' | 'list' {
  const rows = drawTopology(view, width, height);
  const text = pictureText(rows);
  assert.ok(text.length <= height);
  for (const line of text) assert.ok(textWidth(line) <= width, line);
  if (text.some((l) => l.includes(' → '))) {
    for (const node of view.nodes)
      assert.ok(
        text.some((l) => l.includes(`${node.name} → `)),
        node.name,
      );
    return 'list';
  }
  for (const line of text) assert.is(textWidth(line), width, line);
  for (const node of view.nodes) {
    const row = text.find((l) => l.includes(` ${node.name} `) || l.startsWith(`${node.name} `));
    assert.ok(row, `${node.name} not whole with a space on each side:\n${text.join('\n')}`);
    const at = row!.indexOf(node.name);
    assert.not.match(row![at - 1] ?? ' ', LINE);
    assert.not.match(row![at + node.name.length] ?? ' ', LINE);
  }
  // Each name is a segment of its own, never mixed with line cells.
  for (const node of view.nodes)
    assert.ok(rows.flat().some((s) => (s.kind === 'node' || s.kind === 'self') && s.text === node.name));
  return 'picture';
}

test('1 to 10 peers are drawn legibly at the panel sizes of 120x40, and listed when the panel is small', () => {
  for (let n = 1; n <= 10; n += 1) {
    const names = Array.from({ length: n }, (_, i) => `s${i + 1}`);
    assert.is(assertLegible(ring(names), 46, 12), 'picture', `${n} peers at 46x12`);
    assertLegible(ring(names), 29, 5);
  }
});

test('every link has a visible cell: a link hidden under labels makes it a list', () => {
  for (let n = 2; n <= 10; n += 1) {
    const names = Array.from({ length: n }, (_, i) => `peer-${i + 1}`);
    const view = ring(names);
    const rows = drawTopology(view, 46, 12);
    if (pictureText(rows).some((l) => l.includes(' → '))) continue;
    // Remove each link in turn: the picture changes, so each one drew something of its own.
    for (const link of view.links) {
      const without = { ...view, links: view.links.filter((l) => l !== link) };
      assert.not.equal(pictureText(drawTopology(without, 46, 12)), pictureText(rows), `${link.join('-')} invisible`);
    }
  }
});

test('names in other scripts and 32-character names are shown whole, with their widths', () => {
  const names = ['节点一', '🎉peer', 'café', 'ноутбук', 'x'.repeat(32)];
  const text = pictureText(drawTopology(ring(names), 116, 30));
  for (const name of names)
    assert.ok(
      text.some((l) => l.includes(name)),
      `${name}:\n${text.join('\n')}`,
    );
  for (const line of text) assert.is(textWidth(line), 116);
});

test('beyond ten peers: a list, in columns when there are more peers than rows', () => {
  const names = Array.from({ length: 12 }, (_, i) => `s${i + 1}`);
  const text = pictureText(drawTopology(ring(names), 116, 30));
  assert.is(text[0], 's1 → s2, s12, s7');
  assert.is(text.length, 12);
  const narrow = pictureText(drawTopology(ring(names), 40, 6));
  assert.is(narrow.length, 6);
  assert.match(narrow[0]!, /^s1 → .* {2}s7 → /);
  assert.ok(narrow.every((l) => textWidth(l) <= 40));
});

test.run();
