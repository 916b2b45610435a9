import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HeaderFeeder } from '../feeders/header-feeder.js';
import { headerLine } from '../panel-text.js';
import { untag } from './events.js';

test('the header says "trusted only" for a --trusted-only peer, as its ready event says, and nothing otherwise', () => {
  for (const trustedOnly of [true, false]) {
    const feeder = new HeaderFeeder({ name: 's1', serverAddress: '127.0.0.1:7000', version: '0.1.0' });
    feeder.apply({
      event: 'ready',
      name: 's1',
      id: 'Vx3k9QpLm2Zt7Yb1Nc4Rd',
      host: '127.0.0.1',
      port: 7001,
      neighbours: [],
      server: '127.0.0.1:7000',
      dir: 'peers/s1',
      keyed: true,
      trustedOnly,
      t: 1,
    });
    const line = untag(headerLine(feeder.view(), 160, true));
    if (trustedOnly) assert.match(line, /connected +trusted only/);
    else assert.not.match(line, /trusted/);
  }
});

test('the header says "backup peer" for a --backup peer', () => {
  const feeder = new HeaderFeeder({ name: 'bk', serverAddress: '127.0.0.1:7000', version: '0.1.0' });
  const ready = { name: 'bk', id: 'Vx3k9QpLm2Zt7Yb1Nc4Rd', host: '127.0.0.1', port: 7001, neighbours: [] };
  feeder.apply({ event: 'ready', ...ready, server: '127.0.0.1:7000', dir: 'peers/bk', backup: true, t: 1 });
  assert.match(untag(headerLine(feeder.view(), 160, true)), /connected +backup peer/);
});

test.run();
