import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCommand } from '../control/command-parser.js';

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

test('a keyword with stray words is an unknown command, with a hint', () => {
  const c = parseCommand('stop now');
  assert.is(c.kind, 'invalid');
  if (c.kind === 'invalid') assert.match(c.message, /unknown command "stop now": type help/);
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

test.run();
