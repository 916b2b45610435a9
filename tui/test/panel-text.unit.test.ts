import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeaderView } from '../feeders/header-feeder.js';
import { DEFAULT_HINT } from '../feeders/status-feeder.js';
import type { TransferRow } from '../feeders/transfers-feeder.js';
import {
  commandLineText,
  fileLines,
  headerLine,
  neighbourLines,
  overlayLines,
  sparklineData,
  statusLine,
  statusLines,
  throughputTitle,
} from '../panel-text.js';
import { logLines } from '../log-view.js';
import { ScrollState } from '../scroll-state.js';
import { transferLines } from '../transfer-text.js';
import { untag } from './events.js';

const header: HeaderView = {
  name: 's1',
  id: 'Vx3k9QpLm2Zt7Yb1Nc4Rd',
  listen: '127.0.0.1:7001',
  server: { address: '127.0.0.1:7000', state: 'connected', message: null, retryInMs: null },
  meshSize: 5,
  neighbours: 2,
  phase: 'ready',
  version: '0.1.0',
  open: false,
  trustedOnly: false,
};

test('the header shows everything when wide and keeps name, server state and mesh size at 80 columns', () => {
  const wide = untag(headerLine(header, 160, true));
  for (const part of [
    's1',
    'server 127.0.0.1:7000 connected',
    'mesh 5 peers',
    'neighbours 2',
    'on 127.0.0.1:7001',
    'id Vx3k9QpLm2Zt',
    'meshshare 0.1.0',
  ])
    assert.ok(wide.includes(part), `${part} missing from ${wide}`);
  assert.is(wide.length, 160);
  const narrow = untag(headerLine(header, 80, true));
  assert.ok(narrow.length <= 80);
  for (const part of ['s1', 'connected', 'mesh 5 peers'])
    assert.ok(narrow.includes(part), `${part} missing from ${narrow}`);
});

test('the header says "open" for an --open mesh, even at 80 columns, and nothing of the kind when keyed', () => {
  assert.not.match(untag(headerLine(header, 160, true)), /open/);
  for (const width of [160, 80]) {
    const line = untag(headerLine({ ...header, open: true }, width, true));
    assert.match(line, /connected +open: no mesh key/);
    assert.ok(line.length <= width);
  }
});

test('the header says when the peer is joining or leaving', () => {
  assert.match(untag(headerLine({ ...header, phase: 'leaving' }, 120, true)), /s1 +leaving…/);
});

const row = (over: Partial<TransferRow>): TransferRow => ({
  key: 'down:q',
  direction: 'down',
  file: 'big.bin',
  peer: 's3',
  sources: [over.peer ?? 's3'],
  shares: [],
  bytes: 4 * 1024 * 1024,
  done: 1024 * 1024,
  fraction: 0.25,
  speed: 512 * 1024,
  etaMs: 6_000,
  state: 'active',
  reason: null,
  kept: null,
  resumedFrom: 0,
  startedAt: 0,
  finishedAt: null,
  ...over,
});

test('an active transfer shows direction, peer, percent, speed, ETA, a bar and bytes', () => {
  const lines = transferLines({ rows: [row({})] }, 46, 6, true).map(untag);
  assert.is(lines.length, 2);
  assert.match(lines[0]!, /^↓ big\.bin ← s3 +25% {2}512 KB\/s {2}ETA 6s$/);
  assert.match(lines[1]!, /^ {2}█+░+ 1\.0 MB \/ 4\.0 MB$/);
  for (const l of lines) assert.ok(l.length <= 46);
});

test('finished transfers show their outcome on one line; what does not fit is counted', () => {
  const rows = [
    row({
      key: 'a',
      state: 'verified',
      fraction: 1,
      done: 4 * 1024 * 1024,
      speed: 2 * 1024 * 1024,
      etaMs: null,
      finishedAt: 5,
    }),
    row({ key: 'b', file: 'bad.bin', state: 'failed', reason: 'checksum mismatch', speed: null, finishedAt: 4 }),
    row({ key: 'c', direction: 'up', peer: 's5', state: 'sent', finishedAt: 3 }),
    row({ key: 'd', state: 'searching', peer: null, file: 'x' }),
  ];
  const lines = transferLines({ rows }, 60, 3, true).map(untag);
  assert.match(lines[0]!, /✓ verified 4\.0 MB · 2\.0 MB\/s$/);
  assert.match(lines[1]!, /^↓ bad\.bin ← s3 +✗ failed: checksum mismatch$/);
  assert.is(lines[2], '+2 more');
  const up = untag(transferLines({ rows: [rows[2]!] }, 60, 3, false)[0]!);
  assert.match(up, /^\^ big\.bin → s5 +ok sent 4\.0 MB$/);
});

test('a narrow panel keeps the file and peer of a finished row and shrinks its outcome', () => {
  const verified = row({
    file: 'dataset-4mb.bin',
    peer: 's5',
    state: 'verified',
    fraction: 1,
    speed: 160 * 1024 * 1024,
    etaMs: null,
    finishedAt: 5,
  });
  assert.is(
    untag(transferLines({ rows: [verified] }, 45, 4, true)[0]!),
    '↓ dataset-4mb.bin ← s5      ✓ verified 4.0 MB',
  );
  assert.is(
    untag(transferLines({ rows: [verified] }, 60, 4, true)[0]!),
    '↓ dataset-4mb.bin ← s5          ✓ verified 4.0 MB · 160 MB/s',
  );
  const failed = row({
    file: 'bad.bin',
    state: 'failed',
    reason: 'the holder went away',
    kept: 1024 * 1024,
    finishedAt: 4,
  });
  assert.equal(transferLines({ rows: [failed] }, 45, 4, true).map(untag), [
    '↓ bad.bin ← s3                       ✗ failed',
    '  the holder went away (1.0 MB kept)',
  ]);
  const shared = row({ sources: ['s3', 's4', 's5', 's2'] });
  assert.match(untag(transferLines({ rows: [shared] }, 60, 4, true)[0]!), /^↓ big\.bin ← s3\+s4\+2 /);
});

const MiB = 1024 * 1024;
const shared = (over: Partial<TransferRow> = {}): TransferRow =>
  row({
    file: 'big.iso',
    sources: ['s3', 's5'],
    bytes: 400 * MiB,
    done: 202 * MiB,
    fraction: 0.505,
    speed: 50 * MiB,
    etaMs: 4_000,
    shares: [
      { name: 's3', bytes: 120 * MiB, active: true, percent: 59 },
      { name: 's5', bytes: 80 * MiB, active: true, percent: 40 },
      { name: 's2', bytes: 2 * MiB, active: false, percent: 1 },
    ],
    ...over,
  });

test('a download from several holders says who sent what under its bar, a holder that stopped marked ✗ and dimmed', () => {
  const lines = transferLines({ rows: [shared()] }, 60, 6, true);
  assert.equal(lines.map(untag), [
    '↓ big.iso ← s3+s5                       50%  50 MB/s  ETA 4s',
    '  ████████████████████░░░░░░░░░░░░░░░░░░░░ 202 MB / 400 MB',
    '  s3 120 MB (59%) · s5 80 MB (40%) · s2 ✗ 2.0 MB (1%)',
  ]);
  assert.match(lines[2]!, /\{gray-fg\}s2\{\/gray-fg\}\{red-fg\} ✗\{\/red-fg\}\{gray-fg\} 2\.0 MB \(1%\)\{\/gray-fg\}$/);
  assert.match(lines[2]!, /\{cyan-fg\}s3\{\/cyan-fg\} 120 MB/);
  assert.is(
    untag(transferLines({ rows: [shared()] }, 60, 6, false)[2]!),
    '  s3 120 MB (59%) · s5 80 MB (40%) · s2 x 2.0 MB (1%)',
  );
});

test('a finished download keeps who sent what, with no ✗ once every holder is done', () => {
  const done = shared({ state: 'verified', done: 400 * MiB, fraction: 1, etaMs: null, finishedAt: 5 });
  assert.equal(transferLines({ rows: [done] }, 60, 6, true).map(untag), [
    '↓ big.iso ← s3+s5                ✓ verified 400 MB · 50 MB/s',
    '  s3 120 MB (59%) · s5 80 MB (40%) · s2 2.0 MB (1%)',
  ]);
});

test('one holder needs no shares line; a resumed download says what it already held', () => {
  const single = shared({ sources: ['s3'], shares: [{ name: 's3', bytes: 202 * MiB, active: true, percent: 100 }] });
  assert.is(transferLines({ rows: [single] }, 60, 6, true).length, 2);
  const resumed = { ...single, resumedFrom: 600 * MiB, bytes: 1000 * MiB };
  assert.is(untag(transferLines({ rows: [resumed] }, 60, 6, true)[2]!), '  resumed 600 MB · s3 202 MB');
  const waiting = shared({
    peer: null,
    sources: [],
    shares: [],
    resumedFrom: 600 * MiB,
    done: 600 * MiB,
    speed: null,
    etaMs: null,
  });
  assert.is(untag(transferLines({ rows: [waiting] }, 60, 6, true)[2]!), '  resumed 600 MB');
  assert.is(
    untag(transferLines({ rows: [shared({ resumedFrom: 600 * MiB })] }, 60, 6, true)[2]!),
    '  resumed 600 MB · s3 120 MB (59%) · s5 40% · s2 ✗ 1%',
  );
});

test('a narrow panel keeps the percents, then the biggest holders, then cuts the shares line', () => {
  const at = (width: number) => untag(transferLines({ rows: [shared()] }, width, 6, true)[2]!);
  // 45 columns is the transfers panel of an 80x24 terminal.
  assert.is(at(45), '  s3 120 MB (59%) · s5 80 MB (40%) · s2 ✗ 1%');
  assert.is(at(40), '  s3 120 MB (59%) · s5 40% · s2 ✗ 1%');
  assert.is(at(30), '  s3 59% · s5 40% · s2 ✗ 1%');
  assert.is(at(20), '  s3 59% · +2 more');
  for (let width = 4; width <= 80; width += 1) {
    for (const line of transferLines({ rows: [shared({ resumedFrom: 600 * MiB })] }, width, 6, true)) {
      assert.ok(untag(line).length <= width, `${width}: ${untag(line)}`);
    }
  }
});

test('when space is short the shares line goes before any row or progress bar', () => {
  const rows = [shared(), shared({ key: 'b', file: 'done.iso', state: 'verified', finishedAt: 5 })];
  const file = (height: number) =>
    transferLines({ rows }, 45, height, true)
      .map(untag)
      .map((l) =>
        l.startsWith('  █') ? 'bar' : l.startsWith('  s3') ? 'shares' : l.startsWith('↓') ? l.split(' ')[1] : l,
      );
  assert.equal(
    transferLines({ rows: [rows[0]!] }, 45, 2, true)
      .map(untag)
      .map((l) => l.slice(0, 4)),
    ['↓ bi', '  ██'],
  );
  assert.equal(file(3), ['big.iso', 'bar', 'done.iso'], "the second row rather than the first one's shares");
  assert.equal(file(4), ['big.iso', 'bar', 'shares', 'done.iso']);
  assert.equal(file(5), ['big.iso', 'bar', 'shares', 'done.iso', 'shares']);
  const many = [shared(), shared({ key: 'b' }), shared({ key: 'c' }), shared({ key: 'd' })];
  const cut = (height: number) =>
    transferLines({ rows: many }, 45, height, true)
      .map(untag)
      .map((l) => l.slice(0, 4));
  assert.equal(cut(6), ['↓ bi', '  ██', '  s3', '↓ bi', '  ██', '+2 m'], 'the shares line fills what the rows leave');
  assert.equal(cut(8), ['↓ bi', '  ██', '↓ bi', '  ██', '↓ bi', '  ██', '↓ bi', '  ██'], 'every row before any shares');
});

test('the neighbours table drops the address column when narrow', () => {
  const view = { rows: [{ name: 's2', address: '127.0.0.1:7002', since: 0, bytesIn: 1536, bytesOut: 10, rttMs: 3 }] };
  const narrow = neighbourLines(view, 31, 5, 65_000, true).map(untag);
  assert.equal(narrow, ['peer    up     in    out   rtt', 's2   1m05s 1.5 KB   10 B   3ms']);
  const wide = neighbourLines(view, 60, 5, 65_000, true).map((l) => untag(l).trimEnd());
  assert.match(wide[0]!, /rtt address$/);
  assert.match(wide[1]!, /3ms 127\.0\.0\.1:7002$/);
});

test('lists that do not fit end with a count of the rest', () => {
  const files = {
    shared: Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.txt`, size: 100 })),
    downloads: [],
    sharedBytes: 600,
    downloadsBytes: 0,
    fresh: [],
    settling: [],
  };
  const lines = fileLines(files, 30, 4, true).map(untag);
  assert.equal(lines.length, 4);
  assert.is(lines[0], 'S 6 (600 B) · ↓ 0 (0 B)'); // the words would not fit 30 columns
  assert.is(lines[3], '+4 more');
  assert.match(fileLines(files, 40, 4, true).map(untag)[0]!, /^shared 6 \(600 B\) · downloads 0 \(0 B\)$/);
});

test('a file still being written is listed apart, with its own marker, and not counted as shared', () => {
  const files = {
    shared: [{ name: 'done.txt', size: 100 }],
    downloads: [],
    sharedBytes: 100,
    downloadsBytes: 0,
    fresh: [],
    settling: [{ name: 'growing.bin', size: 3 * 1024 * 1024 }],
  };
  const lines = fileLines(files, 40, 6, true).map((l) => untag(l).trimEnd());
  assert.is(lines.length, 3);
  assert.match(lines[0]!, /^shared 1 \(100 B\) · downloads 0 \(0 B\)$/);
  assert.match(lines[1]!, /^S done\.txt +100 B$/);
  assert.match(lines[2]!, /^… growing\.bin +3\.0 MB$/);
});

test('in a narrow Files panel, nothing is cut: the counts shorten and the hint wraps', () => {
  const empty = { shared: [], downloads: [], sharedBytes: 0, downloadsBytes: 0, fresh: [], settling: [] };
  const lines = fileLines(empty, 31, 6, true).map(untag);
  assert.equal(lines, ['S 0 (0 B) · ↓ 0 (0 B)', 'nothing shared yet: put files', 'in shared/']);
  for (const line of lines) assert.not.match(line, /…/);
});

test('the log shows the newest lines that fit, wrapped, with a clock when wide', () => {
  const lines = [1, 2, 3].map((i) => ({
    t: new Date(2024, 0, 1, 12, 0, i).getTime(),
    level: 'info' as const,
    text: `event number ${i} happened`,
  }));
  // No clock below 60 columns; each line wraps at a space, its continuation indented, and the screen keeps the
  // newest rows.
  assert.equal(logLines({ lines }, 12, 3, true).map(untag), ['  2 happened', 'event number', '  3 happened']);
  const wide = logLines({ lines }, 70, 2, true).map(untag);
  assert.equal(wide, ['12:00:02 event number 2 happened', '12:00:03 event number 3 happened']);
});

test('tags in network text are escaped, control characters replaced', () => {
  const lines = logLines({ lines: [{ t: 0, level: 'warn', text: '{red-fg}evil\x1b[2J' }] }, 40, 1, true);
  assert.is(untag(lines[0]!), '{red-fg}evil?[2J');
  assert.not.match(lines[0]!, /\{red-fg\}evil/);
});

test('a long status message wraps into the rows it is given, cut only past them; the hint fits the width', () => {
  const text = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
  const rows = statusLines({ kind: 'error', text }, 40, 10, true).map(untag);
  assert.ok(rows.length > 3 && rows.every((r) => r.length <= 40));
  assert.is(
    rows
      .join(' ')
      .replace(/[✗\s]+/g, ' ')
      .trim(),
    text,
  );
  const cut = statusLines({ kind: 'error', text }, 40, 2, true).map(untag);
  assert.is(cut.length, 2);
  assert.match(cut[1]!, /…$/);
  assert.equal(statusLines({ kind: 'error', text: 'short' }, 40, 3, true).map(untag), [' ✗ short ']);
  const hint = (width: number) => untag(statusLine({ kind: 'hint', text: DEFAULT_HINT }, width, true));
  assert.match(hint(80), /PgUp\/PgDn scroll $/);
  assert.match(hint(130), /TOPO · help · Stop .*PgUp\/PgDn, wheel scroll · Esc closes a view $/);
});

test('errors stand out in the status line', () => {
  const line = statusLine({ kind: 'error', text: 'unknown command' }, 40, true);
  assert.match(line, /red-bg/);
  assert.is(untag(line), ' ✗ unknown command ');
});

test('the command line draws the prompt and the cursor cell inverted', () => {
  const line = commandLineText('s1>', 'notes', 2, 40, true);
  assert.is(untag(line), 's1> notes');
  assert.match(line, /\{inverse\}t\{\/inverse\}/);
  assert.match(commandLineText('s1>', 'ab', 2, 40, true), /\{inverse\} \{\/inverse\}/);
});

test('sparkline data is scaled to the visible peak, anchored at zero, one column short of the width', () => {
  const data = sparklineData([5e8, 1e9, 1e9, 0], 6);
  assert.equal(data, [0, 500, 1000, 1000, 0]);
  assert.equal(sparklineData([], 6), [0]);
  assert.equal(sparklineData([3, 3, 3, 3, 3, 3, 3, 3], 6), [0, 1000, 1000, 1000, 1000]);
});

test('the throughput title shrinks to what fits', () => {
  const v = {
    inRates: [],
    outRates: [],
    currentIn: 2 * 1024 * 1024,
    currentOut: 0,
    peakIn: 5 * 1024 * 1024,
    peakOut: 0,
    totalIn: 1024 ** 3,
    totalOut: 0,
    capIn: null,
    capOut: null,
  };
  assert.is(throughputTitle(v, 'in', 60), '2.0 MB/s  peak 5.0 MB/s  total 1.0 GB');
  assert.is(throughputTitle(v, 'in', 25), '2.0 MB/s  peak 5.0 MB/s');
  assert.is(throughputTitle(v, 'in', 12), '2.0 MB/s');
});

test('the TOPO view scrolls a table longer than itself, its footer saying which peers show', () => {
  const nodes = Array.from({ length: 12 }, (_, i) => ({
    name: `p${String(i + 1).padStart(2, '0')}`,
    address: `10.0.0.${i + 1}:7000`,
    neighbours: ['p01'],
    self: i === 0,
  }));
  const v = { self: 'p01', nodes, links: [] as [string, string][], updatedAt: null };
  const view = new ScrollState('top');
  let rows = overlayLines(v, 70, 6, true, view).map(untag);
  assert.is(rows.length, 6);
  assert.match(rows[0]!, /^p01 /);
  assert.match(rows[5]!, /^peers 1–5 of 12 · PgUp\/PgDn/);
  view.end();
  rows = overlayLines(v, 70, 6, true, view).map(untag);
  assert.match(rows[4]!, /^p12 /);
  // Without a scroll position (as before), the last rows show.
  assert.match(overlayLines(v, 70, 6, true).map(untag)[5]!, /Esc closes/);
});

test.run();
