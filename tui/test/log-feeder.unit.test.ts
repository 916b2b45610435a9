import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogFeeder } from '../feeders/log-feeder.js';
import { at } from './events.js';

test('describes joins, leaves, queries, hits and refusals in readable lines with levels', () => {
  const f = new LogFeeder();
  f.apply(
    at(1, {
      event: 'ready',
      name: 's1',
      id: 'ID1',
      host: '127.0.0.1',
      port: 7001,
      neighbours: ['s2'],
      server: 'x',
      dir: 'd',
    }),
  );
  f.apply(at(2, { event: 'neighbour-down', name: 's2', reason: 'left the mesh' }));
  f.apply(
    at(3, { event: 'query-seen', query: 'q', file: 'a.txt', from: 's2', origin: 's5', hops: 3, action: 'forwarded' }),
  );
  f.apply(
    at(4, {
      event: 'query-seen',
      query: 'q',
      file: '../etc',
      from: 's2',
      origin: 's2',
      hops: 3,
      action: 'refused',
      reason: 'path outside shared/',
    }),
  );
  f.apply(
    at(5, {
      event: 'download-complete',
      download: 'q',
      file: 'a.txt',
      path: 'Downloads/a.txt',
      bytes: 10,
      sha256: '0123456789abcdef',
      from: 's3',
      ms: 1500,
      sources: [
        { name: 's3', bytes: 6, pieces: 1, active: false },
        { name: 's4', bytes: 4, pieces: 1, active: false },
      ],
    }),
  );
  f.apply(at(6, { event: 'error', message: 'unknown command' }));
  assert.equal(
    f.view().lines.map((l) => [l.t, l.level, l.text]),
    [
      [1, 'ok', 'joined the mesh as s1 (id ID1), listening on 127.0.0.1:7001; neighbours: s2'],
      [2, 'warn', 'neighbour s2 disconnected: left the mesh'],
      [3, 'dim', 'query for a.txt from s5 via s2: forwarded (hops 3)'],
      [4, 'warn', 'query for ../etc from s2: refused: path outside shared/'],
      [5, 'ok', 'a.txt verified (sha256 0123456789ab…) from s3 (60%), s4 (40%) in 2s, saved as Downloads/a.txt'],
      [6, 'error', 'unknown command'],
    ],
  );
});

test('a verified download says who sent what, biggest share first, in percents that add up to 100', () => {
  const f = new LogFeeder();
  const done = (sources: { name: string; bytes: number; pieces: number; active: boolean }[], from = 's3') =>
    f.apply(
      at(1, {
        event: 'download-complete',
        download: 'q',
        file: 'big.iso',
        path: 'Downloads/big.iso',
        bytes: 300,
        sha256: 'abcdef0123456789',
        from,
        ms: 2_100,
        sources,
      }),
    );
  const share = (name: string, bytes: number) => ({ name, bytes, pieces: 1, active: false });
  done([share('s5', 80), share('s3', 120), share('s4', 0)], 's5');
  done([share('s3', 100), share('s5', 100), share('s2', 100)]);
  done([share('s2', 300), share('s4', 0)]);
  done([], 's4');
  assert.equal(
    f.view().lines.map((l) => l.text.replace(/^big\.iso verified \(sha256 abcdef012345…\) /, '')),
    [
      'from s3 (60%), s5 (40%) in 2s, saved as Downloads/big.iso',
      'from s3 (34%), s5 (33%), s2 (33%) in 2s, saved as Downloads/big.iso',
      'from s2 in 2s, saved as Downloads/big.iso',
      'from s4 in 2s, saved as Downloads/big.iso',
    ],
  );
});

test('progress, stats and periodic listings are not logged; a topology only when it answers a command', () => {
  const f = new LogFeeder();
  const peers = [
    { name: 's2', id: 'id-s2-0000', host: '127.0.0.1', port: 7002, neighbours: ['s1'] },
    { name: 's1', id: 'id-s1-0000', host: '127.0.0.1', port: 7001, neighbours: ['s2'] },
  ];
  assert.is(
    f.apply(
      at(1, { event: 'download-progress', download: 'q', file: 'f', from: 's', bytes: 2, received: 1, sources: [] }),
    ),
    false,
  );
  assert.is(f.apply(at(1, { event: 'neighbour-stats', neighbours: [] })), false);
  assert.is(f.apply(at(1, { event: 'files', shared: [], downloads: [] })), false);
  assert.is(f.apply(at(1, { event: 'topology', peers })), false);
  assert.ok(f.apply(at(2, { event: 'topology', peers, cmd: 4 })));
  assert.is(f.apply(at(3, { event: 'topology', peers })), false, 'only the answer to TOPO');
  const text = f.view().lines.map((l) => l.text);
  assert.is(text[0], 'mesh topology: 2 peers');
  assert.match(text[1]!, /^ {2}s1 +127\.0\.0\.1:7001 +↔ s2$/);
  assert.match(text[2]!, /^ {2}s2 +127\.0\.0\.1:7002 +↔ s1$/);
});

test('answers to list, find, where and files (when it answers a command) are logged as tables', () => {
  const f = new LogFeeder();
  f.apply(
    at(1, {
      event: 'list',
      files: [
        { name: 'a.txt', size: 2048, sha256: 'x', holders: 2 },
        { name: 'big.bin', size: 3 * 1024 * 1024, sha256: 'y', holders: 1 },
      ],
    }),
  );
  f.apply(at(2, { event: 'find-results', pattern: 'zzz', files: [] }));
  f.apply(
    at(3, {
      event: 'where',
      file: 'a.txt',
      holders: [{ name: 's2', host: '127.0.0.1', port: 7002, sha256: 'x', size: 2048, source: 'index' }],
    }),
  );
  assert.is(f.apply(at(4, { event: 'files', shared: [{ name: 'mine.txt', size: 10 }], downloads: [] })), false);
  f.apply(at(5, { event: 'files', shared: [{ name: 'mine.txt', size: 10 }], downloads: [], cmd: 2 }));
  assert.equal(
    f.view().lines.map((l) => [l.level, l.text]),
    [
      ['info', 'list: 2 files in the mesh'],
      ['info', '  a.txt    2.0 KB  2 holders'],
      ['info', '  big.bin  3.0 MB  1 holder'],
      ['warn', 'find zzz: nothing matches'],
      ['info', 'where a.txt: 1 holder'],
      ['info', '  s2  127.0.0.1:7002  2.0 KB · server index'],
      ['info', 'shared/: 1 file, 10 B'],
      ['info', '  mine.txt  10 B'],
      ['info', 'Downloads/: 0 files, 0 B'],
    ],
  );
});

test('a list or find answered from the address book (server unreachable) says so in its first line', () => {
  const f = new LogFeeder();
  const files = [{ name: 'a.txt', size: 2048, sha256: 'x', holders: 1 }];
  f.apply(at(1, { event: 'list', files, source: 'address-book' }));
  f.apply(at(2, { event: 'find-results', pattern: 'a', files: [], source: 'address-book' }));
  assert.equal(
    f.view().lines.map((l) => [l.level, l.text]),
    [
      ['warn', 'list: 1 file this peer knows of (metadata server unreachable: not the whole mesh)'],
      ['info', '  a.txt  2.0 KB  1 holder'],
      ['warn', 'find a: nothing matches (metadata server unreachable: this peer knows only these)'],
    ],
  );
});

test('help lists every command with its description', () => {
  const f = new LogFeeder();
  f.apply(
    at(1, {
      event: 'help',
      commands: [
        { command: 'TOPO', description: 'show the mesh' },
        { command: 'Stop all', description: 'everyone leaves' },
      ],
    }),
  );
  assert.equal(
    f.view().lines.map((l) => l.text),
    ['commands:', '  TOPO      show the mesh', '  Stop all  everyone leaves'],
  );
});

test('the panel buffer and the file queue are bounded', () => {
  const f = new LogFeeder({ maxLines: 3, maxPending: 4 });
  for (let i = 0; i < 10; i += 1) f.add('info', `line ${i}`, i);
  assert.equal(
    f.view().lines.map((l) => l.text),
    ['line 7', 'line 8', 'line 9'],
  );
  const pending = f.drainPending();
  assert.equal(
    pending.map((l) => l.text),
    ['(6 log lines dropped)', 'line 6', 'line 7', 'line 8', 'line 9'],
  );
  assert.equal(f.drainPending(), []);
});

test('added text is split into lines and blank lines are skipped', () => {
  const f = new LogFeeder();
  f.add('warn', 'first\n\nsecond\r\n', 9);
  assert.equal(f.view().lines, [
    { t: 9, level: 'warn', text: 'first' },
    { t: 9, level: 'warn', text: 'second' },
  ]);
});

test.run();
