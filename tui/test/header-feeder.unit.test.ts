import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HeaderFeeder } from '../feeders/header-feeder.js';
import { at } from './events.js';

const make = () => new HeaderFeeder({ name: 's1', serverAddress: '127.0.0.1:7000', version: '1.2.3' });

test('starts as joining with the address the peer was given', () => {
  const v = make().view();
  assert.equal(
    [v.name, v.id, v.listen, v.server.address, v.server.state, v.meshSize, v.phase, v.version],
    ['s1', null, null, '127.0.0.1:7000', 'connecting', null, 'joining', '1.2.3'],
  );
});

test('ready fills in identity, listen address, neighbours and a first mesh size', () => {
  const f = make();
  assert.ok(
    f.apply(
      at(1, {
        event: 'ready',
        name: 's1',
        id: 'abcdefghijkl',
        host: '10.0.0.5',
        port: 7101,
        neighbours: ['s2', 's3'],
        server: '10.0.0.1:7000',
        dir: '/tmp/s1',
      }),
    ),
  );
  const v = f.view();
  assert.equal(
    [v.id, v.listen, v.server.address, v.server.state, v.neighbours, v.meshSize, v.phase],
    ['abcdefghijkl', '10.0.0.5:7101', '10.0.0.1:7000', 'connected', 2, 3, 'ready'],
  );
});

test('a ready event of an --open mesh (keyed: false) makes the header say open; a keyed one does not', () => {
  const ready = {
    event: 'ready' as const,
    name: 's1',
    id: 'abcdefghijkl',
    host: 'h',
    port: 1,
    neighbours: [] as string[],
    server: 's',
    dir: 'd',
  };
  const open = make();
  open.apply(at(1, { ...ready, keyed: false }));
  assert.is(open.view().open, true);
  const keyed = make();
  keyed.apply(at(1, { ...ready, keyed: true }));
  assert.is(keyed.view().open, false);
});

test('server state, topology size and neighbour changes keep the header current', () => {
  const f = make();
  f.apply(
    at(1, {
      event: 'server',
      state: 'unreachable',
      address: '127.0.0.1:7000',
      retryInMs: 2000,
      message: 'ECONNREFUSED',
    }),
  );
  assert.equal(f.view().server, {
    address: '127.0.0.1:7000',
    state: 'unreachable',
    message: 'ECONNREFUSED',
    retryInMs: 2000,
  });
  f.apply(at(2, { event: 'server', state: 'connected', address: '127.0.0.1:7000', peers: 4 }));
  assert.is(f.view().meshSize, 4);
  const peers = ['s1', 's2', 's3', 's4', 's5'].map((name, i) => ({
    name,
    id: `id-${name}-0000`,
    host: 'h',
    port: 7000 + i,
    neighbours: [],
  }));
  assert.ok(f.apply(at(3, { event: 'topology', peers })));
  assert.is(f.apply(at(4, { event: 'topology', peers })), false, 'same size: nothing to redraw');
  assert.is(f.view().meshSize, 5);
  f.apply(at(4, { event: 'mesh', peers: peers.slice(0, 3) }));
  assert.is(f.view().meshSize, 3, "the server's periodic view counts too");
  f.apply(at(5, { event: 'neighbour-up', name: 's2', id: 'x', host: 'h', port: 1 }));
  f.apply(at(6, { event: 'neighbour-up', name: 's2', id: 'x', host: 'h', port: 1 }));
  assert.is(f.view().neighbours, 1);
  f.apply(at(7, { event: 'neighbour-down', name: 's2', reason: 'left' }));
  assert.is(f.view().neighbours, 0);
});

test('leaving (the core says so), then stopped', () => {
  const f = make();
  assert.ok(f.apply(at(0, { event: 'leaving', reason: 'stopped by the user', cmd: 1 })));
  assert.is(f.view().phase, 'leaving');
  f.apply(at(1, { event: 'stopped', reason: 'Stop' }));
  assert.is(f.view().phase, 'stopped');
});

test.run();
