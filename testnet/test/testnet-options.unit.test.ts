import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTargetedLine, parseTestnetOptions } from '../testnet-options.js';

const refused = (args: string[]) => {
  try {
    parseTestnetOptions(args);
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
};

test('defaults: ten peers, max-peers at least 10, nothing shaped', () => {
  const o = parseTestnetOptions([]);
  assert.equal(
    [o.peers, o.maxPeers, o.rateMbit, o.delayMs, o.lossPct, o.files, o.commands],
    [10, 10, undefined, undefined, undefined, undefined, []],
  );
  assert.is(parseTestnetOptions(['--peers', '40']).maxPeers, 40);
  assert.is(parseTestnetOptions(['--peers', '4', '--max-peers', '6']).maxPeers, 6);
});

test('rates as people type them, delay, loss, subnet and commands', () => {
  assert.is(parseTestnetOptions(['--rate', '100mbit']).rateMbit, 100);
  assert.is(parseTestnetOptions(['--rate', '1gbit']).rateMbit, 1000);
  assert.is(parseTestnetOptions(['--rate', '20MB/s']).rateMbit, 160);
  const o = parseTestnetOptions([
    '--delay',
    '20',
    '--loss',
    '0.5',
    '--subnet',
    '10.9.8',
    '--cmd',
    's3: TOPO',
    '--cmd',
    'all: help',
  ]);
  assert.equal([o.delayMs, o.lossPct, o.subnet, o.commands], [20, 0.5, '10.9.8', ['s3: TOPO', 'all: help']]);
});

test('bad values are refused with one sentence', () => {
  assert.match(refused(['--peers', '0']), /^--peers "0" must be a whole number 1-100$/);
  assert.match(refused(['--peers', '1.5']), /whole number/);
  assert.match(refused(['--rate', 'fast']), /is not a rate/);
  assert.match(refused(['--loss', '120']), /percentage/);
  assert.match(refused(['--subnet', '10.9.8.0/24']), /first three numbers of a \/24/);
  assert.match(refused(['--cmd', 'TOPO']), /must read "sN: COMMAND"/);
  assert.match(refused(['extra']), /see --help$/);
});

test('a console line names its peer, case-insensitively', () => {
  assert.equal(parseTargetedLine('S3: notes.txt from s2'), { peer: 's3', command: 'notes.txt from s2' });
  assert.equal(parseTargetedLine('  all:TOPO '), { peer: 'all', command: 'TOPO' });
  assert.is(parseTargetedLine('TOPO'), undefined);
  assert.is(parseTargetedLine('s3:'), undefined);
});

test.run();
