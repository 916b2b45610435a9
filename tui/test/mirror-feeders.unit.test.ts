import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MirrorOwnerStatus, PeerEventReport } from '../../peer/control/peer-events.js';
import { HeaderFeeder } from '../feeders/header-feeder.js';
import { LogFeeder } from '../feeders/log-feeder.js';
import { MirrorFeeder, type MirrorView } from '../feeders/mirror-feeder.js';
import {
  MIRROR_FIRST_LINES,
  MIRROR_LINES_PER_SECOND,
  MIRROR_MAX_CONFLICT_LINES,
  MIRROR_QUIET_MS,
  MIRROR_SUMMARY_EVERY_MS,
  MirrorLines,
} from '../feeders/mirror-lines.js';
import { computeLayout } from '../layout.js';
import { mirrorPanelLines, mirrorViewLines, mirrorViewRows, stateText, syncFraction } from '../mirror-text.js';
import { headerLine } from '../panel-text.js';
import { ScrollState } from '../scroll-state.js';
import { Scrolling } from '../scrolling.js';
import { textWidth } from '../text-width.js';
import { at, untag } from './events.js';

const NOW = 1_800_000_000_000;
const READY: Extract<PeerEventReport, { event: 'ready' }> = {
  event: 'ready',
  name: 's1',
  id: 'id-self-0001',
  host: '127.0.0.1',
  port: 7001,
  neighbours: [] as string[],
  server: '127.0.0.1:7000',
  dir: '/tmp/fake',
};

function owner(name: string, over: Partial<MirrorOwnerStatus> = {}): MirrorOwnerStatus {
  return {
    owner: name,
    state: 'in-sync',
    version: 1,
    behind: 0,
    files: 1_204,
    bytes: 3_328_599_654,
    total: { files: 0, bytes: 0 },
    done: { files: 0, bytes: 0 },
    lastChange: NOW - 12_000,
    ...over,
  };
}

const SYNCING = owner('s3', {
  state: 'syncing',
  behind: 800,
  files: 400,
  bytes: 1_288_490_188,
  total: { files: 1_200, bytes: 3_865_470_566 },
  done: { files: 400, bytes: 1_288_490_188 },
  lastChange: NOW,
});
const OFFLINE = owner('s4', {
  state: 'offline',
  behind: 12,
  files: 300,
  bytes: 209_715_200,
  lastChange: NOW - 180_000,
});
const REFUSED = owner('s5', {
  state: 'refused',
  files: 0,
  bytes: 0,
  lastChange: null,
  problem: 'its shared/ holds names that differ only in case (Notes.txt, notes.txt)',
});
const VIEW: MirrorView = { active: true, owners: [owner('s2'), SYNCING, OFFLINE, REFUSED], updatedAt: NOW };

const lines = (rows: string[]) => rows.map(untag);

test('the mirror feeder takes each status whole, sorted by owner, and a change moves its owner’s last change', () => {
  const feeder = new MirrorFeeder();
  assert.is(feeder.apply(at(NOW, { ...READY })), false);
  assert.is(feeder.view().active, false);
  assert.is(feeder.apply(at(NOW, { ...READY, mirror: true })), true);
  assert.is(feeder.view().active, true);
  assert.is(feeder.apply(at(NOW, { event: 'mirror-status', owners: [SYNCING, owner('s2')] })), true);
  assert.equal(
    feeder.view().owners.map((o) => o.owner),
    ['s2', 's3'],
  );
  assert.is(feeder.apply(at(NOW + 500, { event: 'mirror', owner: 's2', path: 'a.txt', action: 'added' })), true);
  assert.is(feeder.view().owners[0]!.lastChange, NOW + 500);
  assert.is(feeder.apply(at(NOW, { event: 'mirror', owner: 'nobody', path: 'a.txt', action: 'added' })), false);
});

test('the Mirror panel gives each owner one line with what fits at 80x24 and at 120x40', () => {
  for (const [width, height] of [
    [80, 24],
    [120, 40],
  ] as const) {
    const panel = computeLayout(width, height, true).mirror;
    assert.ok(panel.visible, `${width}x${height}`);
    const inner = { width: panel.width - 2, height: panel.height - 2 };
    const rows = lines(mirrorPanelLines(VIEW, inner.width, inner.height, NOW, true));
    assert.ok(rows.length <= inner.height, `${rows.length} rows in ${inner.height}`);
    for (const row of rows) assert.ok(textWidth(row) <= inner.width, `too wide: ${row}`);
    const owners = rows.filter((r) => /^s\d /.test(r));
    assert.match(owners[0]!, /^s2 +✓ in sync/);
    assert.match(owners[0]!, /12s ago/);
    assert.match(owners[1]!, /^s3 +█+░+ 400\/1,200/);
    assert.match(owners[2]!, /^s4 +offline · 12/);
    assert.match(owners[3]!, /^s5 +✗ refused: its shared/);
  }
  // With rows to spare (120x40), a syncing owner gets a line of bytes, an offline one its reason.
  const offline = { ...OFFLINE, problem: 's4 left the mesh' };
  const wide = lines(mirrorPanelLines({ ...VIEW, owners: [owner('s2'), SYNCING, offline, REFUSED] }, 46, 8, NOW, true));
  assert.equal(wide, [
    's2 ✓ in sync 1,204 files 3.1 GB · 12s ago',
    's3 ███████░░░░░░░░░░░░░ 400/1,200 files',
    '   1.2 GB of 3.6 GB · 800 files behind',
    's4 offline · 12 files behind · 3m00s ago',
    '   s4 left the mesh',
    's5 ✗ refused: its shared/ holds names that di…',
    '1,904 files, 4.5 GB · type mirror',
  ]);
  // Short of rows, the details go first, then the footer (80x24: four rows for four owners).
  const details = (height: number) =>
    lines(mirrorPanelLines(VIEW, 46, height, NOW, true)).filter((r) => r.startsWith('   ')).length;
  assert.equal([6, 5, 4].map(details), [1, 0, 0]);
  assert.is(lines(mirrorPanelLines(VIEW, 46, 5, NOW, true))[4], '1,904 files, 4.5 GB · type mirror');
  assert.is(
    untag(mirrorPanelLines(VIEW, 80, 8, NOW, true).at(-1)!),
    'Mirror/ holds 1,904 files, 4.5 GB · type mirror for details',
  );
});

test('the Mirror panel says how many owners it could not show, and what shows them', () => {
  const rows = lines(mirrorPanelLines(VIEW, 31, 3, NOW, true));
  assert.is(rows.length, 3);
  assert.is(rows[2], '+2 more · type mirror');
  assert.equal(lines(mirrorPanelLines({ active: true, owners: [], updatedAt: null }, 31, 4, NOW, true)), [
    'no other member to mirror yet',
  ]);
});

test('the mirror view: a header, a table of every owner, a bar under a syncing one, the problems, a footer', () => {
  for (const width of [78, 118]) {
    const rows = lines(mirrorViewLines(VIEW, width, 20, NOW, true, new ScrollState('top')));
    for (const row of rows) assert.ok(textWidth(row) <= width, `too wide: ${row}`);
    assert.is(rows[0], 'mirror: 4 owners · 1 in sync, 1 syncing, 1 offline, 1 refused');
    assert.match(rows[1]!, /^owner +state +behind +files +held +last change$/);
    assert.match(rows[2]!, /^s2 +✓ in sync +0 +1,204 +3\.1 GB +12s ago$/);
    assert.match(rows[3]!, /^s3 +syncing 33% +800 +400 +1\.2 GB +just now$/);
    assert.match(rows[4]!, /^ {2}█+░+ 400 of 1,200 files · 1\.2 GB of 3\.6 GB$/);
    assert.match(rows[5]!, /^s4 +offline +12 +300 +200 MB +3m00s ago$/);
    assert.match(rows[6]!, /^s5 +✗ refused +0 +0 +0 B +never$/);
    assert.match(rows[7]!, /^ {2}its shared\/ holds names that differ only in case/);
    assert.match(rows[8]!, /^total +812 +1,904 +4\.5 GB +$/);
    assert.is(rows[rows.length - 1], 'Esc closes');
    assert.is(mirrorViewRows(VIEW), 10);
  }
});

test('a sync round reported past its total, or with nothing to move, shows between 0 and 100%', () => {
  const over = { ...SYNCING, done: { files: 1_300, bytes: SYNCING.total.bytes * 2 } };
  const empty = { ...SYNCING, total: { files: 0, bytes: 0 }, done: { files: 0, bytes: 0 } };
  assert.equal([syncFraction(over), syncFraction(empty)], [1, 1]);
  assert.ok(Math.abs(syncFraction(SYNCING) - 1 / 3) < 1e-6);
  assert.is(stateText(over, true), 'syncing 100%');
});

test('names from the network show as typed: no tag recolours a panel, no control character reaches the terminal', () => {
  const hostile = owner('{red-fg}x\u001b[2J', { state: 'refused', problem: '{bold}bad\u0007' });
  const view: MirrorView = { active: true, owners: [hostile], updatedAt: NOW };
  const panel = mirrorPanelLines(view, 46, 3, NOW, true);
  const table = mirrorViewLines(view, 78, 8, NOW, true, new ScrollState('top'));
  for (const row of [...panel, ...table]) assert.not.match(row, /\{red-fg\}x|\{bold\}bad|[\u0000-\u001f]/, row);
  assert.match(untag(panel[0]!), /^\{red-fg\}x\?\[2J ✗ refused: \{bold\}bad\?/);
});

test('a mirror view longer than its room scrolls under its header, and its footer says which rows show', () => {
  const many: MirrorView = {
    active: true,
    owners: Array.from({ length: 30 }, (_, i) => owner(`p${String(i).padStart(2, '0')}`)),
    updatedAt: NOW,
  };
  const scroll = new ScrollState('top');
  let rows = lines(mirrorViewLines(many, 78, 10, NOW, true, scroll));
  assert.is(rows.length, 10);
  assert.is(rows[0], 'mirror: 30 owners · 30 in sync');
  assert.match(rows[9]!, /^rows 1–8 of 32 · PgUp\/PgDn/);
  scroll.page(1);
  rows = lines(mirrorViewLines(many, 78, 10, NOW, true, scroll));
  assert.is(rows[0], 'mirror: 30 owners · 30 in sync');
  assert.match(rows[1]!, /^p06 /);
  // Placed as tall as it needs, at the bottom of the body, at most the whole body.
  const scrolling = new Scrolling();
  scrolling.open({ kind: 'mirror' });
  const rects = computeLayout(80, 24, true);
  assert.is(scrolling.place(rects, VIEW).overlay.height, 12);
  assert.is(scrolling.place(rects, many).overlay.height, rects.overlay.height);
});

test('the layout puts the Mirror panel in the files panel’s place, or the neighbours’ when short', () => {
  const plain = computeLayout(80, 24);
  const mirror = computeLayout(80, 24, true);
  assert.is(plain.mirror.visible, false);
  assert.is(mirror.files.visible, false);
  assert.equal(mirror.mirror, plain.files);
  const short = computeLayout(80, 18, true);
  assert.equal(short.mirror, computeLayout(80, 18).neighbours);
  assert.is(computeLayout(50, 20, true).mirror.visible, false);
});

test('the header marks a mirror peer', () => {
  const header = new HeaderFeeder({ name: 's1', serverAddress: '127.0.0.1:7000', version: '0.1.0' });
  header.apply(at(NOW, { ...READY, mirror: true }));
  assert.match(untag(headerLine(header.view(), 80, true)), /connected +mirror +mesh/);
});

test('the log shows the first changes of a burst one by one, then sums up the rest when the owner falls quiet', () => {
  const log = new LogFeeder();
  const actions = ['added', 'changed', 'deleted'] as const;
  for (let i = 0; i < 400; i += 1)
    log.apply(at(NOW + i, { event: 'mirror', owner: 's2', path: `docs/f${i}.txt`, action: actions[i % 3]! }));
  log.apply(
    at(NOW + 400, {
      event: 'mirror',
      owner: 's2',
      path: 'docs/a.txt',
      action: 'conflict',
      kept: 'a.conflict-20261202-101500.txt',
    }),
  );
  let text = log.view().lines.map((l) => l.text);
  assert.equal(text.slice(0, 4), [
    '+ s2/docs/f0.txt',
    '~ s2/docs/f1.txt changed',
    '- s2/docs/f2.txt deleted',
    '+ s2/docs/f3.txt',
  ]);
  assert.is(text.length, MIRROR_FIRST_LINES + 1);
  assert.is(text[5], '! conflict on s2/docs/a.txt: kept your edit as Mirror/s2/docs/a.conflict-20261202-101500.txt');
  assert.is(log.tick(NOW + 400 + MIRROR_QUIET_MS - 1), false);
  assert.is(log.tick(NOW + 400 + MIRROR_QUIET_MS), true);
  text = log.view().lines.map((l) => l.text);
  assert.is(text[6], 'mirrored 395 more from s2: 132 added, 131 changed, 132 deleted');
  assert.is(log.tick(NOW + 10 * MIRROR_QUIET_MS), false);
});

test('10,000 changes in one second make a handful of log lines, summed up every 10 s while a sync goes on', () => {
  const mirror = new MirrorLines();
  let out = 0;
  const started = performance.now();
  for (let i = 0; i < 10_000; i += 1)
    out += mirror.lines(
      at(NOW + i / 10, { event: 'mirror', owner: 's2', path: `f${i}`, action: 'added' }) as never,
    ).length;
  assert.ok(performance.now() - started < 500, `${performance.now() - started} ms`);
  assert.is(out, MIRROR_FIRST_LINES);
  // A sync that goes on for 25 s: a summary every 10 s, then the last one once quiet.
  const long = new MirrorLines();
  const summaries: string[] = [];
  for (let s = 0; s < 25; s += 1) {
    for (let i = 0; i < 100; i += 1)
      long.lines(
        at(NOW + s * 1000 + i * 5, { event: 'mirror', owner: 's3', path: `f${s}-${i}`, action: 'added' }) as never,
      );
    summaries.push(...long.tick(NOW + s * 1000 + 600).map((d) => d[1]));
  }
  summaries.push(...long.tick(NOW + 26_000).map((d) => d[1]));
  assert.ok(MIRROR_SUMMARY_EVERY_MS === 10_000);
  assert.equal(summaries, [
    'mirrored 1,095 more from s3: 1,095 added',
    'mirrored 1,000 more from s3: 1,000 added',
    'mirrored 400 more from s3: 400 added',
  ]);
});

test('many owners syncing at once share a budget of lines a second; each one’s rest is summed up', () => {
  const mirror = new MirrorLines();
  let shown = 0;
  for (let o = 0; o < 8; o += 1)
    for (let i = 0; i < 50; i += 1)
      shown += mirror.lines(
        at(NOW + i, { event: 'mirror', owner: `p${o}`, path: `f${i}`, action: 'added' }) as never,
      ).length;
  assert.is(shown, MIRROR_LINES_PER_SECOND);
  const summaries = mirror.tick(NOW + 60 + MIRROR_QUIET_MS).map((d) => d[1]);
  assert.is(summaries.length, 8);
  assert.is(summaries[0], 'mirrored 45 more from p0: 45 added');
  assert.is(summaries[7], 'mirrored 50 from p7: 50 added', 'none of p7’s changes had a line');
});

test('conflicts get a line each up to a bound; the others are counted in the summary', () => {
  const mirror = new MirrorLines();
  let shown = 0;
  for (let i = 0; i < MIRROR_MAX_CONFLICT_LINES + 5; i += 1)
    shown += mirror.lines(
      at(NOW, { event: 'mirror', owner: 's4', path: `d/f${i}.txt`, action: 'conflict' }) as never,
    ).length;
  assert.is(shown, MIRROR_MAX_CONFLICT_LINES);
  const [summary] = mirror.tick(NOW + MIRROR_QUIET_MS);
  assert.equal(summary, ['warn', 'mirrored 5 more from s4: 5 conflicts (your edits kept as *.conflict-*)']);
  // A burst that ended without a tick since is summed up before the next burst's first line.
  for (let i = 0; i < MIRROR_FIRST_LINES + 2; i += 1)
    mirror.lines(at(NOW, { event: 'mirror', owner: 's5', path: `x${i}`, action: 'deleted' }) as never);
  const next = mirror.lines(at(NOW + 5_000, { event: 'mirror', owner: 's5', path: 'y', action: 'added' }) as never);
  assert.equal(
    next.map((d) => d[1]),
    ['mirrored 2 more from s5: 2 deleted', '+ s5/y'],
  );
});

test('TOPO marks a mirror peer in the log', () => {
  const log = new LogFeeder();
  log.apply(
    at(NOW, {
      event: 'topology',
      cmd: 1,
      peers: [{ name: 's2', id: 'id-s2-000002', host: '127.0.0.1', port: 7002, neighbours: [], mirror: true }],
    }),
  );
  assert.match(log.view().lines[1]!.text, /s2 .*\(mirror\)$/);
});

test.run();
