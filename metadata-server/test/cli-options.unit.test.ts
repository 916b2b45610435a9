import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { discoveryPortOf } from '../../common/discovery-socket.js';
import { P2pError } from '../../common/errors.js';
import { parseCliOptions } from '../cli-options.js';
import { defaultPeerPorts } from '../metadata-server.js';

function badArgs(argv: string[]): string {
  try {
    parseCliOptions(argv);
  } catch (err) {
    assert.instance(err, P2pError);
    assert.is((err as P2pError).code, 'P2P_ERR_BAD_ARGS');
    return (err as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

test('no arguments means every default', () => {
  assert.equal(parseCliOptions([]), {
    kind: 'run',
    options: {},
    keyFile: join('.meshshare', 'mesh.key'),
    stateDir: '.meshshare',
    announce: true,
    discoveryPort: discoveryPortOf(undefined),
  });
});

test('the mesh key: --state moves the default key file, --key-file names it, --open has none', () => {
  const run = (keyFile: string | undefined, stateDir = '.meshshare') => ({
    kind: 'run',
    options: {},
    keyFile,
    stateDir,
    announce: true,
    discoveryPort: discoveryPortOf(undefined),
  });
  assert.equal(parseCliOptions(['--state', 'st']), run(join('st', 'mesh.key'), 'st'));
  assert.equal(parseCliOptions(['--key-file', 'k/m.key']), run('k/m.key'));
  assert.equal(parseCliOptions(['--open']), run(undefined));
  // An open mesh still remembers names (and keeps its identity key) in its state folder.
  assert.equal(parseCliOptions(['--open', '--state', 'st']), run(undefined, 'st'));
  assert.match(badArgs(['--open', '--key-file', 'k']), /--open excludes --key-file/);
});

test('forget NAME frees a remembered name in the state folder', () => {
  assert.equal(parseCliOptions(['forget', 'S3']), { kind: 'forget', name: 's3', stateDir: '.meshshare' });
  assert.equal(parseCliOptions(['forget', 's3', '--state', 'st']), { kind: 'forget', name: 's3', stateDir: 'st' });
  assert.match(badArgs(['forget']), /forget takes one peer name/);
  assert.match(badArgs(['forget', 'a', 'b']), /forget takes one peer name/);
  assert.match(badArgs(['forget', '../x']), /is not a peer name/);
});

test('parses every option', () => {
  const parsed = parseCliOptions([
    '--host',
    '0.0.0.0',
    '--port',
    '0',
    '--max-peers',
    '5',
    '--workers',
    '3',
    '--peer-ports',
    '40000-40100',
    '--topology',
    'line',
    '--heartbeat-timeout',
    '250',
    '--no-announce',
    '--discovery-port',
    '47070',
  ]);
  assert.equal(parsed, {
    kind: 'run',
    options: {
      host: '0.0.0.0',
      port: 0,
      maxPeers: 5,
      workers: 3,
      peerPorts: { low: 40000, high: 40100 },
      topology: 'line',
      heartbeatTimeoutMs: 250,
    },
    keyFile: join('.meshshare', 'mesh.key'),
    stateDir: '.meshshare',
    announce: false,
    discoveryPort: 47070,
  });
  assert.equal(parseCliOptions(['--help']), { kind: 'help' });
  assert.equal(parseCliOptions(['--port', '1', '--version']), { kind: 'version' });
});

test('bad arguments are refused with a sentence saying what to do', () => {
  assert.match(badArgs(['--bogus']), /unknown option --bogus: run metadata-server --help/);
  assert.match(badArgs(['--port']), /--port needs a value/);
  assert.match(badArgs(['--port', '70000']), /--port must be a whole number from 0 to 65535/);
  assert.match(badArgs(['--max-peers', '0']), /--max-peers must be/);
  assert.match(badArgs(['--max-peers', '1.5']), /--max-peers must be/);
  assert.match(badArgs(['--workers', 'many']), /--workers must be/);
  assert.match(badArgs(['--peer-ports', '9-3']), /--peer-ports "9-3" must be a range/);
  assert.match(badArgs(['--peer-ports', '40000-40004']), /holds 5 ports but --max-peers is 10/);
  assert.match(badArgs(['--topology', 'star']), /use mesh or line/);
  assert.match(badArgs(['stray']), /takes only options/);
  assert.match(badArgs(['--discovery-port', '70000']), /--discovery-port must be a UDP port from 1 to 65535/);
  assert.match(badArgs(['--no-announce=yes']), /--no-announce takes no value/);
});

test('default peer ports are the 1000 above the server port, shifted down near 65535', () => {
  assert.equal(defaultPeerPorts(7000, 10), { low: 7001, high: 8000 });
  assert.equal(defaultPeerPorts(65000, 10), { low: 65001, high: 65535 });
  assert.equal(defaultPeerPorts(65530, 10), { low: 65525, high: 65535 });
});

test.run();
