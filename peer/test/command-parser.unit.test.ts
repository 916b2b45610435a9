import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMAND_HELP, parseCommand } from '../control/command-parser.js';

test('keywords are case-insensitive', () => {
  for (const line of ['TOPO', 'topo', 'Topo ']) assert.equal(parseCommand(line), { kind: 'topo' });
  for (const line of ['Stop', 'STOP', 'stop']) assert.equal(parseCommand(line), { kind: 'stop' });
  for (const line of ['Stop all', 'STOP ALL', 'stop   all']) assert.equal(parseCommand(line), { kind: 'stop-all' });
  assert.equal(parseCommand('help'), { kind: 'help' });
});

test('anything else that is a plain file name is a download', () => {
  assert.equal(parseCommand('notes.txt'), { kind: 'download', file: 'notes.txt' });
  assert.equal(parseCommand('  holiday photo.png '), { kind: 'download', file: 'holiday photo.png' });
});

test('a keyword with stray words is an unknown command, with a hint; Stop now is a command', () => {
  const c = parseCommand('stop later');
  assert.is(c.kind, 'invalid');
  if (c.kind === 'invalid') assert.match(c.message, /unknown command "stop later": type help/);
  assert.equal(parseCommand('Stop NOW'), { kind: 'stop', now: true });
  assert.equal(parseCommand('stop'), { kind: 'stop' });
});

test('paths, hidden names and control characters are refused', () => {
  for (const line of ['../etc/passwd', '/etc/passwd', 'a\\b', '.secret', '..', 'x\u0007']) {
    assert.is(parseCommand(line).kind, 'invalid', line);
  }
  assert.equal(parseCommand(''), { kind: 'empty' });
});

test('cancel FILE [--discard] and partials', () => {
  assert.equal(parseCommand('cancel movie.bin'), { kind: 'cancel', file: 'movie.bin', discard: false });
  assert.equal(parseCommand('CANCEL my movie.bin --Discard'), { kind: 'cancel', file: 'my movie.bin', discard: true });
  assert.equal(parseCommand('cancel --discard movie'), { kind: 'cancel', file: 'movie', discard: true });
  assert.equal(parseCommand('Partials'), { kind: 'partials' });
  for (const line of ['cancel', 'cancel --discard', 'cancel ../x', 'partials now'])
    assert.is(parseCommand(line).kind, 'invalid', line);
});

test('FILE from PEER names the peer, case-insensitively; a name that is no peer name stays part of the file', () => {
  assert.equal(parseCommand('notes.txt from S3'), { kind: 'download', file: 'notes.txt', from: 's3' });
  assert.equal(parseCommand('my notes.txt FROM peer_2-b'), {
    kind: 'download',
    file: 'my notes.txt',
    from: 'peer_2-b',
  });
  assert.equal(parseCommand('songs from home.mp3'), { kind: 'download', file: 'songs from home.mp3' });
  assert.equal(parseCommand(`x from ${'a'.repeat(33)}`), { kind: 'download', file: `x from ${'a'.repeat(33)}` });
  const bare = parseCommand('notes.txt from');
  assert.ok(bare.kind === 'invalid' && /from needs a peer name/.test(bare.message), JSON.stringify(bare));
  assert.is(parseCommand('../x from s3').kind, 'invalid');
});

test('FILE sha256 PREFIX takes 8 to 64 hex digits, lower-cased; fewer or other characters are refused', () => {
  assert.equal(parseCommand('notes.txt sha256 3F2A9C1E'), { kind: 'download', file: 'notes.txt', sha256: '3f2a9c1e' });
  const full = 'ab'.repeat(32);
  assert.equal(parseCommand(`a b.bin SHA256 ${full}`), { kind: 'download', file: 'a b.bin', sha256: full });
  for (const line of ['notes.txt sha256 3f2a9c1', 'notes.txt sha256 3f2a9c1g', `x sha256 ${full}0`, 'x sha256']) {
    const c = parseCommand(line);
    assert.ok(c.kind === 'invalid' && /sha256|SHA-256/.test(c.message), `${line}: ${JSON.stringify(c)}`);
  }
});

test('both choices together, in either order', () => {
  const want = { kind: 'download', file: 'notes.txt', from: 's2', sha256: 'deadbeef' };
  assert.equal(parseCommand('notes.txt from s2 sha256 DEADBEEF'), want);
  assert.equal(parseCommand('notes.txt sha256 deadbeef from S2'), want);
});

test('mirror is a command on its own; with more words it is a mistyped command', () => {
  for (const line of ['mirror', 'MIRROR', ' Mirror ']) assert.equal(parseCommand(line), { kind: 'mirror' });
  assert.is(parseCommand('mirror s2').kind, 'invalid');
  assert.equal(parseCommand('mirror.txt'), { kind: 'download', file: 'mirror.txt' });
});

test('limit shows the caps; limit up|down RATE sets one, RATE off lifts one, limit off lifts both', () => {
  assert.equal(parseCommand('limit'), { kind: 'limit' });
  assert.equal(parseCommand('LIMIT off'), { kind: 'limit', up: null, down: null });
  assert.equal(parseCommand('limit up 500KB/s'), { kind: 'limit', up: 500_000 });
  assert.equal(parseCommand('limit Down 100Mbit/s'), { kind: 'limit', down: 12_500_000 });
  assert.equal(parseCommand('limit down 20 MB/s'), { kind: 'limit', down: 20_000_000 });
  assert.equal(parseCommand('limit up off'), { kind: 'limit', up: null });
  for (const line of ['limit up', 'limit sideways 5MB/s', 'limit 5MB/s', 'limit down fast', 'limit up 10KB/s']) {
    const c = parseCommand(line);
    assert.ok(c.kind === 'invalid' && !c.message.includes('\n'), `${line}: ${JSON.stringify(c)}`);
  }
  assert.equal(parseCommand('limit.txt'), { kind: 'download', file: 'limit.txt' });
  assert.ok(
    COMMAND_HELP.some((c) => c.command === 'limit up RATE') && COMMAND_HELP.some((c) => c.command === 'limit off'),
  );
});

test.run();
