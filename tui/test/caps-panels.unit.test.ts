import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HeaderFeeder } from '../feeders/header-feeder.js';
import { headerLine, throughputTitle } from '../panel-text.js';
import { at, untag } from './events.js';

const make = () => new HeaderFeeder({ name: 's1', serverAddress: '127.0.0.1:7000', version: '1.2.3' });

test('the header shows the caps set, as typed, and nothing once they are lifted', () => {
  const feeder = make();
  assert.not.match(untag(headerLine(feeder.view(), 160, true)), /cap/);
  assert.is(feeder.apply(at(1, { event: 'limits', up: null, down: 20_000_000 })), true);
  assert.match(untag(headerLine(feeder.view(), 160, true)), /cap ↓ 20 MB\/s/);
  feeder.apply(at(2, { event: 'limits', up: 2 * 1024 * 1024, down: 12_500_000 }));
  assert.match(untag(headerLine(feeder.view(), 160, true)), /cap ↑ 2 MiB\/s ↓ 12\.5 MB\/s/);
  assert.match(untag(headerLine(feeder.view(), 160, false)), /cap up 2 MiB\/s down 12\.5 MB\/s/, 'no unicode: words');
  feeder.apply(at(3, { event: 'limits', up: null, down: null }));
  assert.not.match(untag(headerLine(feeder.view(), 160, true)), /cap/);
});

test('a capped direction shows its cap next to the rate, both in the cap units', () => {
  const v = {
    inRates: [],
    outRates: [],
    currentIn: 1_234_567,
    currentOut: 0,
    peakIn: 1_990_000,
    peakOut: 0,
    totalIn: 1024 ** 3,
    totalOut: 0,
    capIn: 2_000_000,
    capOut: null,
  };
  assert.is(throughputTitle(v, 'in', 70), '1.23 MB/s / 2 MB/s cap  peak 1.99 MB/s  total 1.0 GB');
  assert.is(throughputTitle(v, 'in', 30), '1.23 MB/s / 2 MB/s cap');
  assert.is(throughputTitle(v, 'out', 30), '0 B/s  peak 0 B/s  total 0 B', 'the other way is not capped');
});

test.run();
