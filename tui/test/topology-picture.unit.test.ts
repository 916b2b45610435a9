import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TopologyView } from '../feeders/topology-feeder.js';
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
  assert.match(text[1]!, /s1─+s2/);
  assert.is(text[0]!.trim(), '');
});

test('falls back to ASCII lines without unicode', () => {
  const text = pictureText(drawTopology(mesh(['s1', 's2'], [['s1', 's2']]), 20, 3, false)).join('\n');
  assert.match(text, /s1-+s2/);
  assert.not.match(text, /[─│╱╲┼]/);
});

test('a long name is cut so that it fits, and a single peer is centred', () => {
  const long = drawTopology(
    mesh(['a-very-long-peer-name-indeed', 'b'], [['a-very-long-peer-name-indeed', 'b']]),
    20,
    3,
  );
  for (const line of pictureText(long)) assert.is(line.length, 20);
  const alone = pictureText(drawTopology(mesh(['solo'], []), 11, 3));
  assert.is(alone[1], '   solo    ');
});

test('a box too small draws nothing instead of throwing', () => {
  assert.equal(drawTopology(FIVE, 0, 5), []);
  assert.is(drawTopology(FIVE, 3, 1).length, 1);
});

test.run();
