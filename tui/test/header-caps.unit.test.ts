import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HeaderFeeder } from '../feeders/header-feeder.js';
import { headerLine } from '../panel-text.js';
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

test.run();
